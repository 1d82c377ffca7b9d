"""Changes to ``contacts:`` in policy words, for ``bigclient diff`` (D-10): "Cadence
standard (Big-client visits): Client manager every 1 month → every 2 weeks", not a YAML path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bigclient.language.source import YamlPath
from bigclient.language.words import MISSING, arrow, is_label, say
from bigclient.sections.base import Words
from bigclient.sections.contacts.cadence import Every, PeriodError, parse_every

KIND = "contacts"
_OCCASIONS = {"birthday": ("Birthday occasion", "生日事件"),
              "maturity": ("Maturity occasion", "业务到期事件")}
_FIELDS = {"days_before": ("days before", "提前天数"), "by": ("for role", "执行角色"),
           "rule": ("rule cited", "依据条款"), "note": ("note", "备注"),
           "label": ("label", "名称")}


def _period(text: Any, lang: str) -> str:
    if not isinstance(text, str):
        return say(text, lang)
    try:
        every: Every = parse_every(text, zero=True)
    except PeriodError:
        return text
    return every.say(lang)


def _window(text: Any, lang: str) -> str:
    """A window, not a frequency: '7 days' / '7天' (absent: due today only)."""
    if text is MISSING or text is None:
        return "仅当天" if lang == "zh" else "today only"
    try:
        return parse_every(text, zero=True).span(lang)
    except PeriodError:
        return str(text)


def _named(ident: str, value: Any, lang: str) -> str:
    label = value.get("label") if isinstance(value, Mapping) and not is_label(value) else value
    if is_label(label):
        assert isinstance(label, Mapping)
        return f"{ident}（{label['zh']}）" if lang == "zh" else f"{ident} ({label['en']})"
    return ident


def _requirement(r: Mapping[str, Any], lang: str) -> str:
    kind = f" [{r['kind']}]" if r.get("kind") else ""
    return f"{r.get('by')}{kind} {_period(r.get('every'), lang)}"


def _requirements(old: Any, new: Any, lang: str) -> str:
    """What changed in a cadence's list of requirements, matched by role and kind."""
    def keyed(items: Any) -> dict[tuple[Any, Any], Mapping[str, Any]]:
        return {(r.get("by"), r.get("kind")): r for r in items or []
                if isinstance(r, Mapping)}

    olds, news = keyed(old if old is not MISSING else []), keyed(new if new is not MISSING else [])
    parts: list[str] = []
    for key, r in news.items():
        if key not in olds:
            parts.append(("新增 " if lang == "zh" else "added ") + _requirement(r, lang))
        elif olds[key] != r:
            o = olds[key]
            if o.get("every") != r.get("every"):
                who = f"{key[0]}" + (f" [{key[1]}]" if key[1] else "")
                parts.append(f"{who} {_period(o.get('every'), lang)} → "
                             f"{_period(r.get('every'), lang)}")
            rest = [k for k in {*o, *r} if k != "every" and o.get(k) != r.get(k)]
            if rest:
                parts.append(f"{key[0]} " + ", ".join(
                    f"{k}: {arrow(o.get(k), r.get(k), lang)}" for k in sorted(rest)))
    for key, r in olds.items():
        if key not in news:
            parts.append(("删除 " if lang == "zh" else "removed ") + _requirement(r, lang))
    if not parts:  # the same requirements in another order
        return "顺序调整" if lang == "zh" else "reordered"
    return ("；" if lang == "zh" else "; ").join(parts)


def describe(path: YamlPath, old: Any, new: Any) -> Words:
    """Words for any change under ``contacts:``."""
    added, removed = old is MISSING or old is None, new is MISSING or new is None
    verb_en = "added" if added else "removed" if removed else "changed"
    verb_zh = "新增" if added else "删除" if removed else "修改"
    rest = path[1:]
    if not rest:
        return KIND, f"Contact cadence section {verb_en}", f"{verb_zh}客户联系频次规定"
    head = rest[0]
    if head in ("roles", "kinds") and len(rest) >= 2:
        ident = str(rest[1])
        en_noun, zh_noun = ("Contact role", "联系角色") if head == "roles" else (
            "Kind of contact", "联系方式")
        if added or removed:
            what = new if added else old
            return KIND, f"{en_noun} {verb_en}: {_named(ident, what, 'en')}", \
                f"{verb_zh}{zh_noun}：{_named(ident, what, 'zh')}"
        return KIND, f"Label of {en_noun.lower()} {ident}: {arrow(old, new, 'en')}", \
            f"{zh_noun} {ident} 名称：{arrow(old, new, 'zh')}"
    if head == "cadences" and len(rest) >= 2:
        ident = str(rest[1])
        if len(rest) == 2 and (added or removed):
            what = new if added else old
            reqs = [r for r in (what.get("contacts") or []) if isinstance(r, Mapping)] \
                if isinstance(what, Mapping) else []
            en = ", ".join(_requirement(r, "en") for r in reqs)
            zh = "，".join(_requirement(r, "zh") for r in reqs)
            return KIND, f"Cadence {verb_en}: {_named(ident, what, 'en')}" + (
                f" — {en}" if en and added else ""), \
                f"{verb_zh}联系频次：{_named(ident, what, 'zh')}" + (
                f" — {zh}" if zh and added else "")
        field = str(rest[2]) if len(rest) > 2 else ""
        if field == "contacts":
            return KIND, f"Cadence {ident}: {_requirements(old, new, 'en')}", \
                f"联系频次 {ident}：{_requirements(old, new, 'zh')}"
        en_f, zh_f = _FIELDS.get(field, (field, field))
        return KIND, f"Cadence {ident} {en_f}: {arrow(old, new, 'en')}", \
            f"联系频次 {ident} {zh_f}：{arrow(old, new, 'zh')}"
    if head == "occasions":
        name = str(rest[1]) if len(rest) > 1 else ""
        en_n, zh_n = _OCCASIONS.get(name, ("Occasions", "自动联系事件"))
        if len(rest) <= 2:
            return KIND, f"{en_n} {verb_en}: {say(new if not removed else old, 'en')}", \
                f"{verb_zh}{zh_n}：{say(new if not removed else old, 'zh')}"
        en_f, zh_f = _FIELDS.get(str(rest[2]), (str(rest[2]), str(rest[2])))
        return KIND, f"{en_n} {en_f}: {arrow(old, new, 'en')}", \
            f"{zh_n} {zh_f}：{arrow(old, new, 'zh')}"
    if head == "due_soon":
        return KIND, f"Due-soon window: {_window(old, 'en')} → {_window(new, 'en')}", \
            f"即将到期提示期：{_window(old, 'zh')} → {_window(new, 'zh')}"
    where = ".".join(str(p) for p in path)
    return KIND, f"{where}: {arrow(old, new, 'en')}", f"{where}：{arrow(old, new, 'zh')}"

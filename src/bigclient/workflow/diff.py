"""What changed between two ruleset versions, in policy words, and whom it moves (D-10).

Policy staff approve a revision by reading what it does, not a text diff of YAML: so
``diff_rulesets`` compares the validated models (``1.2万`` and ``12000`` are the same
threshold; reordered tiers are not a change) and says each change in English and Chinese.
``impact`` runs both versions over a client file and reports the tier migration, who
qualifies newly or no longer, and every client whose tier moves. ``bigclient diff`` prints
both, as text or JSON, and writes a self-contained HTML report for people who never open
a terminal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from bigclient.language.source import YamlPath
from bigclient.language.words import (
    MISSING,
    Frame,
    arrow,
    field_name,
    is_label,
    named,
    say,
)
from bigclient.ruleset import Ruleset
from bigclient.sections import SECTIONS
from bigclient.sections.base import Element
from bigclient.spec import HEADER_WORDS, NAMED_MAPS

__all__ = ["MISSING", "Change", "diff_rulesets", "jsonable"]

ELEMENTS: dict[YamlPath, Element] = {k: v for s in SECTIONS for k, v in s.elements.items()}
"""Lists of named elements, matched by id across versions (criteria, tiers, flags …)."""
POSITIONAL: frozenset[YamlPath] = frozenset(p for s in SECTIONS for p in s.positional)
"""Lists of rows without ids (a routing table's rows), compared position by position."""


# -- changes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One semantic change: what kind, where (YAML path in the new file), old and new value,
    and a sentence for policy staff in English and Chinese."""

    kind: str  # header effective rounding line input context derived combine criterion
    #            threshold indicator weight band tier cutoff override flag ids label note other
    path: YamlPath
    old: Any
    new: Any
    en: str
    zh: str
    line: int = 0  # line in the new file (the old file for something removed)

    @property
    def yaml_path(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out

    def text(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.yaml_path, "line": self.line,
                "old": jsonable(self.old), "new": jsonable(self.new),
                "en": self.en, "zh": self.zh}


def jsonable(value: Any) -> Any:
    if value is MISSING:
        return None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value




class _Differ:
    """Walks both files' data; the sections word what changed in their keys."""

    def __init__(self, old: Ruleset, new: Ruleset) -> None:
        self.old_rs, self.new_rs = old, new
        self.old = old.spec.model_dump(by_alias=True, exclude={"schema_"})
        self.new = new.spec.model_dump(by_alias=True, exclude={"schema_"})
        self.lines = {**self.old.get("lines", {}), **self.new.get("lines", {})}
        self.out: list[Change] = []

    def run(self) -> list[Change]:
        self.walk(self.old, self.new, (), Frame())
        return self.out

    # -- structure ----------------------------------------------------------------
    def walk(self, old: Any, new: Any, path: YamlPath, frame: Frame) -> None:
        if old == new:
            return
        if isinstance(old, Mapping) and isinstance(new, Mapping) and not is_label(old):
            for key in [*old, *(k for k in new if k not in old)]:
                o, n = old.get(key, MISSING), new.get(key, MISSING)
                if o == n:
                    continue
                sub = (*path, key)
                inner = self.enter_map(sub, frame, o, n)
                if o is MISSING or n is MISSING:
                    self.add(sub, o, n, inner)
                else:
                    self.walk(o, n, sub, inner)
            return
        if isinstance(old, list) and isinstance(new, list):
            self.walk_list(old, new, path, frame)
            return
        self.add(path, old, new, frame)

    def enter_map(self, path: YamlPath, frame: Frame, old: Any, new: Any) -> Frame:
        """Entering ``inputs.revenue_month`` or ``lines.letters`` names the element."""
        if len(path) == 2 and isinstance(path[0], str) and path[0] in NAMED_MAPS \
                and isinstance(path[1], str):
            m = NAMED_MAPS[path[0]]
            element = new if isinstance(new, Mapping) else old
            if path[0] == "lines":
                element = {"id": path[1], "label": element}
            return Frame(m.kind, m.en, m.zh, element if isinstance(element, Mapping) else None,
                         path[1])
        for section in SECTIONS:
            entered = section.enter(path, old, new)
            if entered is not None:
                return cast(Frame, entered)
        if path[-1:] == ("per_line",) or (len(path) >= 2 and path[-2] == "thresholds"):
            return Frame(frame.kind, frame.en_noun, frame.zh_noun, frame.element,
                         str(path[-1]) if path[-2:-1] == ("thresholds",) else frame.key,
                         frame.band)
        return frame

    def walk_list(self, old: list[Any], new: list[Any], path: YamlPath, frame: Frame) -> None:
        shape = tuple(p for p in path if isinstance(p, str))
        element = ELEMENTS.get(shape)
        if element is not None:
            key = element.key
            olds = {e.get(key): (i, e) for i, e in enumerate(old)}
            news = {e.get(key): (i, e) for i, e in enumerate(new)}
            kind, en, zh = element.kind, element.en, element.zh
            for ident, (i, n) in news.items():
                if ident not in olds:
                    self.add((*path, i), MISSING, n, Frame(kind, en, zh, n, str(ident)))
                elif olds[ident][1] != n:
                    self.walk(olds[ident][1], n, (*path, i), Frame(kind, en, zh, n, str(ident)))
            for ident, (i, o) in olds.items():
                if ident not in news:
                    self.add((*path, i), o, MISSING, Frame(kind, en, zh, o, str(ident)),
                             old_side=True)
            return
        if path[-1:] == ("bands",) and len(old) == len(new):
            def lower(b: Mapping[str, Any]) -> Decimal:
                f = b.get("from")
                return f if isinstance(f, Decimal) else Decimal("-Infinity")

            o_sorted = sorted(old, key=lower)
            n_sorted = sorted(enumerate(new), key=lambda ib: lower(ib[1]))
            for o, (j, n) in zip(o_sorted, n_sorted, strict=True):
                if o != n:
                    inner = Frame(frame.kind, frame.en_noun, frame.zh_noun, frame.element,
                                   frame.key, o)
                    self.walk(o, n, (*path, j), inner)
            return
        if shape in POSITIONAL and len(old) == len(new):
            for i, (o, n) in enumerate(zip(old, new, strict=True)):  # rows without ids:
                self.walk(o, n, (*path, i), frame)  # compared position by position
            return
        if all(not isinstance(v, Mapping | list) for v in [*old, *new]) and \
                sorted(map(str, old)) == sorted(map(str, new)):
            return  # the same set in another order (approved_by: [a, b] vs [b, a])
        self.add(path, old, new, frame)

    # -- words --------------------------------------------------------------------
    def add(self, path: YamlPath, old: Any, new: Any, frame: Frame,
            old_side: bool = False) -> None:
        kind, en, zh = self.describe(path, old, new, frame)
        src = (self.old_rs if old_side or new is MISSING else self.new_rs).source
        line = src.at(path)[0] if src.positions else 0
        self.out.append(Change(kind, path, None if old is MISSING else old,
                               None if new is MISSING else new, en, zh, line))

    def describe(self, path: YamlPath, old: Any, new: Any, f: Frame) -> tuple[str, str, str]:
        strs = tuple(p for p in path if isinstance(p, str))
        last = path[-1] if path else ""
        if strs in HEADER_WORDS:
            kind, en, zh = HEADER_WORDS[strs]
            if strs == ("effective", "to"):
                o_en = "open-ended" if old in (None, MISSING) else say(old, "en")
                n_en = "open-ended" if new in (None, MISSING) else say(new, "en")
                o_zh = "长期有效" if old in (None, MISSING) else say(old, "zh")
                n_zh = "长期有效" if new in (None, MISSING) else say(new, "zh")
                return kind, f"{en}: {o_en} → {n_en}", f"{zh}：{o_zh} → {n_zh}"
            return kind, f"{en}: {arrow(old, new, 'en')}", f"{zh}：{arrow(old, new, 'zh')}"
        for section in SECTIONS:
            early = section.describe_early(path, old, new, f, self.lines)
            if early is not None:
                return early
        if not f.kind:
            where = ".".join(str(p) for p in path)
            return "other", f"{where}: {arrow(old, new, 'en')}", \
                f"{where}：{arrow(old, new, 'zh')}"
        en_name, zh_name = named(f.element, "en"), named(f.element, "zh")
        if f.kind == "line":
            en_name = zh_name = ""
            label = self.lines.get(f.key)
            if is_label(label):
                assert isinstance(label, Mapping)
                en_name, zh_name = f"{label['en']} ({label['zh']})", str(label["zh"])
        # A whole element added or removed.
        if old is MISSING or new is MISSING:
            added = old is MISSING
            what = new if added else old
            detail_en = detail_zh = ""
            if isinstance(what, Mapping):
                for section in SECTIONS:
                    detail = section.added_detail(f.kind, what)
                    if detail is not None:
                        detail_en, detail_zh = detail
                        break
            whole = isinstance(last, int) or (len(path) == 2 and path[0] in NAMED_MAPS) or \
                any(section.whole(path) for section in SECTIONS)
            if whole:
                ident = f.key
                en = f"{f.en_noun} {'added' if added else 'removed'}: {ident}" + (
                    f" — {en_name}" if en_name and en_name != ident else "") + detail_en
                zh = f"{'新增' if added else '删除'}{f.zh_noun}：{ident}" + (
                    f" — {zh_name}" if zh_name and zh_name != ident else "") + detail_zh
                return f.kind, en, zh
        if old is not MISSING and new is not MISSING and (
                last == "label" or (last in ("zh", "en")) or strs[-1:] == ("columns",) or (
                f.kind == "line" and len(path) == 2) or (
                len(strs) >= 2 and strs[-2] in ("columns", "values"))):
            where_en = f"{f.en_noun} {f.key}"
            where_zh = f"{f.zh_noun} {f.key}"
            sub = ".".join(str(p) for p in path[path.index(f.key) + 1:]) \
                if f.key in path else ""
            if sub and sub != "label":
                where_en += f" {sub}"
                where_zh += f" {sub}"
            return "label", f"Label of {where_en}: {arrow(old, new, 'en')}", \
                f"{where_zh} 名称：{arrow(old, new, 'zh')}"
        if last in ("rule", "note"):
            return "note", f"{f.en_noun} {f.key} ({en_name}) {field_name(last, 'en')}: " \
                f"{arrow(old, new, 'en')}", \
                f"{f.zh_noun} {f.key}（{zh_name}）{field_name(last, 'zh')}：{arrow(old, new, 'zh')}"
        for section in SECTIONS:
            words = section.describe(path, old, new, f, en_name, zh_name, self.lines)
            if words is not None:
                return words
        sub = ".".join(str(p) for p in path[path.index(f.key) + 1:]) if f.key in path else \
            ".".join(str(p) for p in path[-1:])
        words_en = field_name(last, "en") if sub == str(last) else sub
        words_zh = field_name(last, "zh") if sub == str(last) else sub
        named_en = f"{f.en_noun} {f.key}" + (f" ({en_name})" if en_name and en_name != f.key
                                              else "")
        named_zh = f"{f.zh_noun} {f.key}" + (f"（{zh_name}）" if zh_name and zh_name != f.key
                                              else "")
        return f.kind, f"{named_en} {words_en}: {arrow(old, new, 'en')}", \
            f"{named_zh}的{words_zh}：{arrow(old, new, 'zh')}"


def diff_rulesets(old: Ruleset, new: Ruleset) -> list[Change]:
    """Every semantic difference between two rulesets, in file order, in policy words."""
    return _Differ(old, new).run()

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

import argparse
import datetime as dt
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import BigClientError
from .records import for_version
from .registry import in_force
from .ruleset import SEMVER, Ruleset, load, version_files

YamlPath = tuple[str | int, ...]


class _Missing:
    """Marks a key present on one side only (None is a legitimate value)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


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
                "old": _jsonable(self.old), "new": _jsonable(self.new),
                "en": self.en, "zh": self.zh}


def _jsonable(value: Any) -> Any:
    if value is MISSING:
        return None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _group(value: Decimal) -> str:
    """12000 → '12,000'; 0.003 → '0.003' (policy documents group thousands)."""
    text = format(value.normalize() if value == value.to_integral() else value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, dot, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    whole = f"{int(whole):,}" if whole else "0"
    return sign + whole + dot + frac


def _ratio(value: Decimal) -> str:
    """Shares as policy writes them: 0.003 → '3‰', 0.0005 → '5‱'."""
    for factor, sign in ((Decimal(100), "%"), (Decimal(1000), "‰"), (Decimal(10000), "‱")):
        scaled = value * factor
        if scaled >= 1 and scaled == scaled.to_integral():
            return f"{_group(scaled)}{sign}"
    return _group(value)


def _v(value: Any, lang: str, style: str = "plain") -> str:
    """A value as a sentence shows it."""
    if value is MISSING or value is None:
        return "无" if lang == "zh" else "(none)"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, Decimal):
        if style == "percent":
            return f"{_group(value * 100)}%"
        if style == "ratio":
            return _ratio(value)
        return _group(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if _is_label(value):
        return f"{value['zh']} / {value['en']}"
    if isinstance(value, list):
        return ", ".join(_v(v, lang, style) for v in value) or ("无" if lang == "zh" else "(none)")
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_v(v, lang, style)}" for k, v in value.items()) + "}"
    return str(value)


def _is_label(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"zh", "en"}


def _arrow(old: Any, new: Any, lang: str, style: str = "plain") -> str:
    return f"{_v(old, lang, style)} → {_v(new, lang, style)}"


def _named(element: Mapping[str, Any] | None, lang: str) -> str:
    """'Gold (黄金)' / '黄金 (Gold)': an element by its label, or its id."""
    if not element:
        return ""
    label = element.get("label")
    if _is_label(label):
        assert isinstance(label, Mapping)
        return str(label["zh"]) if lang == "zh" else f"{label['en']} ({label['zh']})"
    return str(element.get("id", element.get("tier", "")))


_ELEMENTS = {
    ("qualification", "criteria"): ("criterion", "Criterion", "认定条件"),
    ("scoring", "indicators"): ("indicator", "Indicator", "指标"),
    ("scoring", "tiers"): ("tier", "Tier", "级别"),
    ("scoring", "overrides"): ("override", "Override rule", "特批规则"),
    ("flags",): ("flag", "Flag", "提示"),
}
_NAMED_MAPS = {
    "inputs": ("input", "Input", "输入项"),
    "context": ("context", "Context value", "环境值"),
    "derived": ("derived", "Derived value", "推导值"),
    "lines": ("line", "Product line", "业务种类"),
}
_AUTHORITY = ("override", "Approving body", "批准单位")
_HEADER = {
    ("ruleset",): ("header", "Ruleset id", "规则集编号"),
    ("version",): ("header", "Version", "版本"),
    ("effective", "from"): ("effective", "Effective from", "生效日期"),
    ("effective", "to"): ("effective", "Effective until (last day in force)", "失效日期（含当日）"),
    ("title",): ("label", "Title", "标题"),
    ("source",): ("header", "Source document", "依据文件"),
    ("note",): ("note", "Note", "备注"),
    ("rounding", "score"): ("rounding", "Score rounding step", "得分舍入单位"),
    ("rounding", "money"): ("rounding", "Money rounding step", "金额舍入单位"),
    ("rounding", "mode"): ("rounding", "Rounding mode", "舍入方式"),
    ("qualification", "combine"): ("combine", "How criteria combine", "认定条件组合方式"),
}
_FIELD_WORDS = {
    "from": ("lower bound (included)", "下限（含）"),
    "to": ("upper bound (excluded)", "上限（不含）"),
    "score": ("score", "得分"),
    "when": ("condition", "判断式"),
    "value": ("measured as", "取值公式"),
    "expr": ("formula", "公式"),
    "weight": ("weight", "权重"),
    "enabled": ("scored", "计分"),
    "otherwise": ("score below every band", "不在任何档次时得分"),
    "monotone": ("monotone", "单调性"),
    "min": ("minimum", "最小值"),
    "max": ("maximum", "最大值"),
    "exclude": ("excludes flagged clients", "排除大客户资格"),
    "cap": ("caps the tier at", "级别上限"),
    "approved_by": ("approved by", "批准单位"),
    "default": ("default", "默认值"),
    "type": ("type", "类型"),
    "label": ("label", "名称"),
    "rule": ("rule cited", "依据条款"),
    "note": ("note", "备注"),
}


def _field(name: str | int, lang: str) -> str:
    if isinstance(name, int):
        return f"[{name + 1}]"
    words = _FIELD_WORDS.get(name)
    return (words[1] if lang == "zh" else words[0]) if words else name


def _band_text(band: Mapping[str, Any] | None, style: str) -> str:
    if not band:
        return ""
    lo, hi = band.get("from"), band.get("to")
    if lo is not None and hi is not None:
        return f"{_v(lo, 'en', style)} ≤ x < {_v(hi, 'en', style)}"
    if lo is not None:
        return f"x ≥ {_v(lo, 'en', style)}"
    return f"x < {_v(hi, 'en', style)}"


def _bands_text(bands: Any, style: str) -> str:
    if not isinstance(bands, list) or not bands:
        return "—"
    return "; ".join(f"{_band_text(b, style)}: {_v(b.get('score'), 'en')}" for b in bands)


def _bound_style(indicator: Mapping[str, Any] | None) -> str:
    """Shares (all bounds below 1) read as ‰ and ‱; money as grouped yuan."""
    bounds = [b.get(k) for b in (indicator or {}).get("bands") or [] for k in ("from", "to")]
    known = [b for b in bounds if isinstance(b, Decimal)]
    return "ratio" if known and all(abs(b) < 1 for b in known) else "plain"


@dataclass
class _Frame:
    """What the walker is inside of: the element (criterion, tier …) and its kind."""

    kind: str = ""
    en_noun: str = ""
    zh_noun: str = ""
    element: Mapping[str, Any] | None = None
    key: str = ""  # the element's id, or the map key (input name, line id …)
    band: Mapping[str, Any] | None = None


class _Differ:
    def __init__(self, old: Ruleset, new: Ruleset) -> None:
        self.old_rs, self.new_rs = old, new
        self.old = old.spec.model_dump(by_alias=True, exclude={"schema_"})
        self.new = new.spec.model_dump(by_alias=True, exclude={"schema_"})
        self.lines = {**self.old.get("lines", {}), **self.new.get("lines", {})}
        self.out: list[Change] = []

    def run(self) -> list[Change]:
        self.walk(self.old, self.new, (), _Frame())
        return self.out

    # -- structure ----------------------------------------------------------------
    def walk(self, old: Any, new: Any, path: YamlPath, frame: _Frame) -> None:
        if old == new:
            return
        if isinstance(old, Mapping) and isinstance(new, Mapping) and not _is_label(old):
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

    def enter_map(self, path: YamlPath, frame: _Frame, old: Any, new: Any) -> _Frame:
        """Entering ``inputs.revenue_month`` or ``lines.letters`` names the element."""
        if len(path) == 2 and isinstance(path[0], str) and path[0] in _NAMED_MAPS \
                and isinstance(path[1], str):
            kind, en, zh = _NAMED_MAPS[path[0]]
            element = new if isinstance(new, Mapping) else old
            if path[0] == "lines":
                element = {"id": path[1], "label": element}
            return _Frame(kind, en, zh, element if isinstance(element, Mapping) else None,
                          path[1])
        if path[:-1] == ("scoring", "authorities") and isinstance(path[-1], str):
            element = new if isinstance(new, Mapping) else old
            return _Frame(*_AUTHORITY, {"id": path[-1], "label": element}, path[-1])
        if path[-1:] == ("per_line",) or (len(path) >= 2 and path[-2] == "thresholds"):
            return _Frame(frame.kind, frame.en_noun, frame.zh_noun, frame.element,
                          str(path[-1]) if path[-2:-1] == ("thresholds",) else frame.key,
                          frame.band)
        return frame

    def walk_list(self, old: list[Any], new: list[Any], path: YamlPath, frame: _Frame) -> None:
        shape = tuple(p for p in path if isinstance(p, str))
        element = _ELEMENTS.get(shape)
        if element is not None:
            key = "tier" if shape == ("scoring", "overrides") else "id"
            olds = {e.get(key): (i, e) for i, e in enumerate(old)}
            news = {e.get(key): (i, e) for i, e in enumerate(new)}
            kind, en, zh = element
            for ident, (i, n) in news.items():
                if ident not in olds:
                    self.add((*path, i), MISSING, n, _Frame(kind, en, zh, n, str(ident)))
                elif olds[ident][1] != n:
                    self.walk(olds[ident][1], n, (*path, i), _Frame(kind, en, zh, n, str(ident)))
            for ident, (i, o) in olds.items():
                if ident not in news:
                    self.add((*path, i), o, MISSING, _Frame(kind, en, zh, o, str(ident)),
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
                    inner = _Frame(frame.kind, frame.en_noun, frame.zh_noun, frame.element,
                                   frame.key, o)
                    self.walk(o, n, (*path, j), inner)
            return
        if all(not isinstance(v, Mapping | list) for v in [*old, *new]) and \
                sorted(map(str, old)) == sorted(map(str, new)):
            return  # the same set in another order (approved_by: [a, b] vs [b, a])
        self.add(path, old, new, frame)

    # -- words --------------------------------------------------------------------
    def add(self, path: YamlPath, old: Any, new: Any, frame: _Frame,
            old_side: bool = False) -> None:
        kind, en, zh = self.describe(path, old, new, frame)
        src = (self.old_rs if old_side or new is MISSING else self.new_rs).source
        line = src.at(path)[0] if src.positions else 0
        self.out.append(Change(kind, path, None if old is MISSING else old,
                               None if new is MISSING else new, en, zh, line))

    def describe(self, path: YamlPath, old: Any, new: Any, f: _Frame) -> tuple[str, str, str]:
        strs = tuple(p for p in path if isinstance(p, str))
        last = path[-1] if path else ""
        if strs in _HEADER:
            kind, en, zh = _HEADER[strs]
            if strs == ("effective", "to"):
                o_en = "open-ended" if old in (None, MISSING) else _v(old, "en")
                n_en = "open-ended" if new in (None, MISSING) else _v(new, "en")
                o_zh = "长期有效" if old in (None, MISSING) else _v(old, "zh")
                n_zh = "长期有效" if new in (None, MISSING) else _v(new, "zh")
                return kind, f"{en}: {o_en} → {n_en}", f"{zh}：{o_zh} → {n_zh}"
            if strs == ("qualification", "combine"):
                words = {"any": ("any one criterion", "满足任一条件"),
                         "all": ("every criterion", "须满足全部条件")}
                o, n = words.get(str(old), (old, old)), words.get(str(new), (new, new))
                return kind, f"{en}: {o[0]} → {n[0]}", f"{zh}：{o[1]} → {n[1]}"
            return kind, f"{en}: {_arrow(old, new, 'en')}", f"{zh}：{_arrow(old, new, 'zh')}"
        if strs[:1] == ("ids",):
            where = ".".join(str(p) for p in path[1:]) or "ids"
            return "ids", f"ID scheme, {where}: {_arrow(old, new, 'en')}", \
                f"客户编号规则 {where}：{_arrow(old, new, 'zh')}"
        if not f.kind:
            where = ".".join(str(p) for p in path)
            return "other", f"{where}: {_arrow(old, new, 'en')}", \
                f"{where}：{_arrow(old, new, 'zh')}"
        en_name, zh_name = _named(f.element, "en"), _named(f.element, "zh")
        if f.kind == "line":
            en_name = zh_name = ""
            label = self.lines.get(f.key)
            if _is_label(label):
                assert isinstance(label, Mapping)
                en_name, zh_name = f"{label['en']} ({label['zh']})", str(label["zh"])
        # A whole element added or removed.
        if old is MISSING or new is MISSING:
            added = old is MISSING
            what = new if added else old
            detail_en = detail_zh = ""
            if f.kind == "tier" and isinstance(what, Mapping):
                detail_en = f", from {_v(what.get('min'), 'en')}"
                detail_zh = f"，{_v(what.get('min'), 'zh')} 分起"
            elif f.kind in ("criterion", "flag") and isinstance(what, Mapping) and what.get("when"):
                detail_en = f", when {what['when']}"
                detail_zh = f"，条件：{what['when']}"
            elif f.kind == "derived" and isinstance(what, Mapping):
                detail_en = detail_zh = f" = {what.get('expr')}"
            elif f.kind == "override" and isinstance(what, Mapping) and "approved_by" in what:
                detail_en = f", approved by {_v(what['approved_by'], 'en')}"
                detail_zh = f"，批准单位：{_v(what['approved_by'], 'zh')}"
            if strs[-2:-1] == ("thresholds",):
                return self.threshold_row(f, what, added)
            whole = isinstance(last, int) or (len(path) == 2 and path[0] in _NAMED_MAPS) or \
                (strs[:2] == ("scoring", "authorities") and len(path) == 3)
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
            return "label", f"Label of {where_en}: {_arrow(old, new, 'en')}", \
                f"{where_zh} 名称：{_arrow(old, new, 'zh')}"
        if last in ("rule", "note"):
            return "note", f"{f.en_noun} {f.key} ({en_name}) {_field(last, 'en')}: " \
                f"{_arrow(old, new, 'en')}", \
                f"{f.zh_noun} {f.key}（{zh_name}）{_field(last, 'zh')}：{_arrow(old, new, 'zh')}"
        if "thresholds" in strs:
            return self.threshold(path, old, new, f)
        if f.kind == "tier" and last == "min":
            return "cutoff", f"{en_name} cut-off: {_arrow(old, new, 'en')}", \
                f"{zh_name}分数线：{_arrow(old, new, 'zh')}"
        if f.kind == "indicator":
            return self.indicator(path, old, new, f, en_name, zh_name)
        if f.kind == "flag" and last in ("exclude", "cap", "when"):
            return "flag", f"Flag {f.key} ({en_name}) {_field(last, 'en')}: " \
                f"{_arrow(old, new, 'en')}", \
                f"提示 {f.key}（{zh_name}）{_field(last, 'zh')}：{_arrow(old, new, 'zh')}"
        sub = ".".join(str(p) for p in path[path.index(f.key) + 1:]) if f.key in path else \
            ".".join(str(p) for p in path[-1:])
        words_en = _field(last, "en") if sub == str(last) else sub
        words_zh = _field(last, "zh") if sub == str(last) else sub
        named_en = f"{f.en_noun} {f.key}" + (f" ({en_name})" if en_name and en_name != f.key
                                              else "")
        named_zh = f"{f.zh_noun} {f.key}" + (f"（{zh_name}）" if zh_name and zh_name != f.key
                                              else "")
        return f.kind, f"{named_en} {words_en}: {_arrow(old, new, 'en')}", \
            f"{named_zh}的{words_zh}：{_arrow(old, new, 'zh')}"

    def _line_names(self, line: str) -> tuple[str, str]:
        label = self.lines.get(line)
        if _is_label(label):
            assert isinstance(label, Mapping)
            return f"{label['en']} ({label['zh']})", str(label["zh"])
        return line, line

    def _columns(self, f: _Frame) -> Mapping[str, Any]:
        per_line = (f.element or {}).get("per_line") or {}
        cols = per_line.get("columns") if isinstance(per_line, Mapping) else None
        return cols if isinstance(cols, Mapping) else {}

    def threshold(self, path: YamlPath, old: Any, new: Any,
                  f: _Frame) -> tuple[str, str, str]:
        """'Letters (函件) specialty threshold, previous year: 12,000 → 15,000'."""
        i = path.index("thresholds")
        line = str(path[i + 1]) if len(path) > i + 1 else ""
        if len(path) == i + 2:  # the whole row (added/removed handled earlier)
            return self.threshold_row(f, new if new is not MISSING else old, new is not MISSING)
        col = str(path[i + 2])
        col_label = self._columns(f).get(col)
        col_en, col_zh = (str(col_label["en"]), str(col_label["zh"])) \
            if isinstance(col_label, Mapping) and _is_label(col_label) else (col, col)
        line_en, line_zh = self._line_names(line)
        crit = str((f.element or {}).get("id", ""))
        crit_zh = ((f.element or {}).get("label") or {}).get("zh", crit)
        return "threshold", f"{line_en} {crit} threshold, {col_en}: {_arrow(old, new, 'en')}", \
            f"{line_zh}{crit_zh}门槛（{col_zh}）：{_arrow(old, new, 'zh')}"

    def threshold_row(self, f: _Frame, row: Any, added: bool) -> tuple[str, str, str]:
        line_en, line_zh = self._line_names(f.key)
        cols = self._columns(f)

        def cells(lang: str) -> str:
            if not isinstance(row, Mapping):
                return _v(row, lang)
            return ", ".join(
                f"{(cols[c][lang] if _is_label(cols.get(c)) else c)} {_v(v, lang)}"
                for c, v in row.items())

        crit = (f.element or {}).get("id", "")
        crit_zh = ((f.element or {}).get("label") or {}).get("zh", crit)
        en = f"{line_en} {crit} thresholds {'added' if added else 'removed'}: {cells('en')}"
        zh = f"{'新增' if added else '删除'}{line_zh}{crit_zh}门槛：{cells('zh')}"
        return "threshold", en, zh

    def indicator(self, path: YamlPath, old: Any, new: Any, f: _Frame, en_name: str,
                  zh_name: str) -> tuple[str, str, str]:
        last = path[-1]
        style = _bound_style(f.element)
        if last == "weight":
            return "weight", f"Weight of {en_name}: {_arrow(old, new, 'en', 'percent')}", \
                f"{zh_name}权重：{_arrow(old, new, 'zh', 'percent')}"
        if last == "enabled":
            def scored(v: Any, lang: str) -> str:
                if lang == "zh":
                    return "计分" if v else "暂不计分"
                return "scored" if v else "not scored"
            return "indicator", f"{en_name}: {scored(old, 'en')} → {scored(new, 'en')}", \
                f"{zh_name}：{scored(old, 'zh')} → {scored(new, 'zh')}"
        if last == "bands":
            return "band", f"Bands of {en_name}: {_bands_text(old, style)} → " \
                f"{_bands_text(new, style)}", \
                f"{zh_name}档次表：{_bands_text(old, style)} → {_bands_text(new, style)}"
        if "bands" in path and f.band is not None:
            st = style if last in ("from", "to") else "plain"
            band = _band_text(f.band, style)
            return "band", f"{en_name} band {band}, {_field(last, 'en')}: " \
                f"{_arrow(old, new, 'en', st)}", \
                f"{zh_name}档次 {band} 的{_field(last, 'zh')}：{_arrow(old, new, 'zh', st)}"
        if last == "otherwise":
            return "band", f"{en_name} {_field(last, 'en')}: {_arrow(old, new, 'en')}", \
                f"{zh_name}{_field(last, 'zh')}：{_arrow(old, new, 'zh')}"
        return "indicator", f"{en_name} {_field(last, 'en')}: {_arrow(old, new, 'en')}", \
            f"{zh_name}{_field(last, 'zh')}：{_arrow(old, new, 'zh')}"


def diff_rulesets(old: Ruleset, new: Ruleset) -> list[Change]:
    """Every semantic difference between two rulesets, in file order, in policy words."""
    return _Differ(old, new).run()


# -- impact ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mover:
    """A client whose tier (or big-client status) differs between the two versions."""

    row: int
    client_id: str
    name: str
    old_tier: str | None
    new_tier: str | None
    old_score: Decimal | None
    new_score: Decimal | None
    old_qualified: bool
    new_qualified: bool

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "client_id": self.client_id, "name": self.name,
                "old_tier": self.old_tier, "new_tier": self.new_tier,
                "old_score": _jsonable(self.old_score), "new_score": _jsonable(self.new_score),
                "old_qualified": self.old_qualified, "new_qualified": self.new_qualified}


@dataclass(frozen=True)
class BadRow:
    """A row either version could not decide: counted and listed, the run goes on."""

    row: int
    client_id: str
    error: str


NOT_BIG = None
"""The 'tier' of a client that is not a big client, in the migration matrix."""


@dataclass
class Impact:
    """Who changes tier when ``new`` replaces ``old`` (D-10 re-grading)."""

    old_version: str
    new_version: str
    tiers: tuple[str | None, ...]  # matrix order: highest tier first, None (not big) last
    labels: dict[str, tuple[str, str]]  # tier id → (zh, en)
    matrix: dict[tuple[str | None, str | None], int] = field(default_factory=dict)
    evaluated: int = 0
    newly_qualified: int = 0
    no_longer_qualified: int = 0
    criteria_gained: Counter[str] = field(default_factory=Counter)
    criteria_lost: Counter[str] = field(default_factory=Counter)
    movers: list[Mover] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    old_scores: Counter[tuple[Decimal, str | None]] = field(default_factory=Counter)
    new_scores: Counter[tuple[Decimal, str | None]] = field(default_factory=Counter)
    """(score, tier) → big clients, for the score distribution."""

    @property
    def total(self) -> int:
        return self.evaluated + len(self.bad_rows)

    def count(self, old_tier: str | None, new_tier: str | None) -> int:
        return self.matrix.get((old_tier, new_tier), 0)

    def rank(self, tier: str | None) -> int:
        return self.tiers.index(tier) if tier in self.tiers else len(self.tiers)

    @property
    def up(self) -> int:
        return sum(1 for m in self.movers if self.rank(m.new_tier) < self.rank(m.old_tier))

    @property
    def down(self) -> int:
        return sum(1 for m in self.movers if self.rank(m.new_tier) > self.rank(m.old_tier))

    def label(self, tier: str | None, lang: str = "en") -> str:
        if tier is None:
            return "非大客户" if lang == "zh" else "not a big client"
        zh, en = self.labels.get(tier, (tier, tier))
        return zh if lang == "zh" else en

    def histogram_by_tier(self, width: int = 10) -> list[
            tuple[int, int, Counter[str | None], Counter[str | None]]]:
        """(from, to, before by tier, after by tier) per bin of big clients' scores; a
        score of 100 falls in the last bin."""
        out = []
        for lo in range(0, 100, width):
            hi = min(lo + width, 100)
            before: Counter[str | None] = Counter()
            after: Counter[str | None] = Counter()
            for counts, into in ((self.old_scores, before), (self.new_scores, after)):
                for (score, tier), n in counts.items():
                    if lo <= score < hi or (hi == 100 and score == 100):
                        into[tier] += n
            out.append((lo, hi, before, after))
        return out

    def histogram(self, width: int = 10) -> list[tuple[int, int, int, int]]:
        """(from, to, before, after) per bin of big clients' scores."""
        return [(lo, hi, a.total(), b.total())
                for lo, hi, a, b in self.histogram_by_tier(width)]

    def to_dict(self) -> dict[str, Any]:
        name = {t: (t if t is not None else "not_big") for t in self.tiers}
        return {
            "old_version": self.old_version, "new_version": self.new_version,
            "rows": self.total, "evaluated": self.evaluated, "bad_rows": [
                {"row": b.row, "client_id": b.client_id, "error": b.error}
                for b in self.bad_rows],
            "tiers": [name[t] for t in self.tiers],
            "matrix": {name[o]: {name[n]: self.count(o, n) for n in self.tiers}
                       for o in self.tiers},
            "newly_qualified": self.newly_qualified,
            "no_longer_qualified": self.no_longer_qualified,
            "moved_up": self.up, "moved_down": self.down,
            "criteria_gained": dict(sorted(self.criteria_gained.items())),
            "criteria_lost": dict(sorted(self.criteria_lost.items())),
            "movers": [m.to_dict() for m in self.movers],
            "histogram": [{"from": lo, "to": hi, "old": a, "new": b}
                          for lo, hi, a, b in self.histogram()],
        }


def _tier_order(old: Ruleset, new: Ruleset) -> tuple[tuple[str | None, ...],
                                                       dict[str, tuple[str, str]]]:
    order: list[str | None] = []
    labels: dict[str, tuple[str, str]] = {}
    for rs in (new, old):
        if rs.spec.scoring is None:
            continue
        for t in sorted(rs.spec.scoring.tiers, key=lambda t: t.min, reverse=True):
            if t.id not in order:
                order.append(t.id)
            labels.setdefault(t.id, (t.label.zh, t.label.en))
    order.append(NOT_BIG)
    return tuple(order), labels


Row = Mapping[str, Any] | tuple[int, Mapping[str, Any] | None, str]


def impact(old: Ruleset, new: Ruleset, clients: Iterable[Row],
           context: Mapping[str, Any] | None = None) -> Impact:
    """Decide every client with both versions and tally the differences.

    ``clients`` yields records, or ``(row, record or None, error)`` triples as
    ``bigclient.cli.read_records`` gives them (so row numbers match the file). A row that
    either version cannot decide is listed in ``bad_rows``; a bad ``context`` is an error.
    """
    old_ctx, new_ctx = for_version(context, old, new, "context"), for_version(
        context, new, old, "context")  # a value only one version declares is not a typo
    old.read_context(old_ctx)  # fail once, clearly, on a bad context, not once per row
    new.read_context(new_ctx)
    tiers, labels = _tier_order(old, new)
    result = Impact(old.version, new.version, tiers, labels)
    for index, item in enumerate(clients, start=1):
        if isinstance(item, tuple):
            row, record, error = item
        else:
            row, record, error = index, item, ""
        ident = str((record or {}).get("client_id", "") or "")
        if record is None or error:
            result.bad_rows.append(BadRow(row, ident, error or "no record"))
            continue
        try:
            a = old.evaluate(for_version(record, old, new), context=old_ctx)
        except BigClientError as exc:
            result.bad_rows.append(BadRow(row, ident, f"{old.version}: {exc}"))
            continue
        try:
            b = new.evaluate(for_version(record, new, old), context=new_ctx)
        except BigClientError as exc:
            result.bad_rows.append(BadRow(row, ident, f"{new.version}: {exc}"))
            continue
        result.evaluated += 1
        key = (a.tier, b.tier)
        result.matrix[key] = result.matrix.get(key, 0) + 1
        if b.qualified and not a.qualified:
            result.newly_qualified += 1
        elif a.qualified and not b.qualified:
            result.no_longer_qualified += 1
        if a.criteria != b.criteria:
            result.criteria_gained.update(set(b.criteria) - set(a.criteria))
            result.criteria_lost.update(set(a.criteria) - set(b.criteria))
        if a.qualified and a.score is not None:
            result.old_scores[(a.score, a.tier)] += 1
        if b.qualified and b.score is not None:
            result.new_scores[(b.score, b.tier)] += 1
        if a.tier != b.tier:
            result.movers.append(Mover(row, ident, str(record.get("name", "") or ""), a.tier,
                                       b.tier, a.score, b.score, a.qualified, b.qualified))
    return result


# -- reports --------------------------------------------------------------------------


def _header(old: Ruleset, new: Ruleset) -> str:
    same = old.id == new.id
    return (f"{old.id} {old.version} → {new.version}" if same else
            f"{old.id} {old.version} → {new.id} {new.version} (different rulesets)")


def render_text(old: Ruleset, new: Ruleset, changes: list[Change], imp: Impact | None,
                lang: str = "en", max_movers: int = 20, input_name: str = "") -> str:
    """The terminal report: changes, then the impact on the client file."""
    zh = lang == "zh"
    out = [_header(old, new) + (f"：{len(changes)} 项规则变更" if zh else
                                f": {len(changes)} rule change{'s' if len(changes) != 1 else ''}")]
    width = max((len(c.kind) for c in changes), default=0)
    for c in changes:
        out.append(f"  {c.kind:<{width}}  {c.text(lang)}   [{c.yaml_path}"
                   + (f", line {c.line}]" if c.line else "]"))
    if imp is None:
        return "\n".join(out)
    out.append("")
    src = f" {input_name}" if input_name else ""
    out.append(f"对{src} 的影响：{imp.evaluated:,} 个客户已评估，{len(imp.bad_rows):,} 行有错误"
               if zh else f"Impact on{src or ' the clients'}: {imp.evaluated:,} clients "
               f"evaluated, {len(imp.bad_rows):,} bad rows")
    names = [imp.label(t, lang) for t in imp.tiers]
    col = max(8, *(len(n) for n in names)) + 1
    out.append(("  级别迁移（行：" if zh else "  tier migration (rows: ") + old.version
               + ("，列：" if zh else ", columns: ") + new.version + ")")
    out.append("  " + " " * col + "".join(f"{n:>{col}}" for n in names))
    for o, name in zip(imp.tiers, names, strict=True):
        out.append("  " + f"{name:<{col}}" + "".join(f"{imp.count(o, n):>{col},}"
                                                     for n in imp.tiers))
    if zh:
        out.append(f"  新认定为大客户：{imp.newly_qualified:,}；"
                   f"不再是大客户：{imp.no_longer_qualified:,}；"
                   f"级别变动：{len(imp.movers):,}（升 {imp.up:,}，降 {imp.down:,}）")
    else:
        out.append(f"  newly qualified: {imp.newly_qualified:,}; no longer qualified: "
                   f"{imp.no_longer_qualified:,}; tier changed: {len(imp.movers):,} "
                   f"({imp.up:,} up, {imp.down:,} down)")
    for what, counts in (("gained", imp.criteria_gained), ("lost", imp.criteria_lost)):
        if counts:
            items = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
            out.append(f"  {'获得' if what == 'gained' and zh else '失去' if zh else what} "
                       f"{'条件' if zh else 'criteria'}: {items}")
    if imp.movers:
        shown = imp.movers[:max_movers]
        out.append(("  级别变动的客户" if zh else "  movers")
                   + ((f"（前 {len(shown)} 个，共 {len(imp.movers):,} 个）" if zh else
                       f" (first {len(shown)} of {len(imp.movers):,})")
                      if len(shown) < len(imp.movers) else "") + ":")
        for m in shown:
            who = " ".join(p for p in (m.client_id, m.name) if p)
            out.append(f"    row {m.row:>6}  {who:<24}  {imp.label(m.old_tier, lang)} "
                       f"({_v(m.old_score, lang)}) → {imp.label(m.new_tier, lang)} "
                       f"({_v(m.new_score, lang)})")
    for b in imp.bad_rows[:max_movers]:
        out.append(f"  bad row {b.row}: {b.error.splitlines()[0] if b.error else ''}")
    return "\n".join(out)


def report_dict(old: Ruleset, new: Ruleset, changes: list[Change],
                imp: Impact | None) -> dict[str, Any]:
    def head(rs: Ruleset) -> dict[str, Any]:
        return {"ruleset": rs.id, "version": rs.version, "file": rs.file,
                "effective_from": rs.effective_from.isoformat(),
                "effective_to": rs.effective_to.isoformat() if rs.effective_to else None}

    return {"old": head(old), "new": head(new), "changes": [c.to_dict() for c in changes],
            "impact": imp.to_dict() if imp is not None else None}


def _dates(rs: Ruleset) -> str:
    to = rs.effective_to.isoformat() if rs.effective_to else "…"
    return f"{rs.effective_from.isoformat()} – {to}"



# -- command line ---------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def resolve(ref: str) -> Ruleset:
    """A ruleset file, a folder (newest), ``folder@1.1.0`` or ``folder@2009-06-30``."""
    from .cli import UsageError

    path = Path(ref)
    if path.is_file():
        return load(path)
    folder_text, sep, which = ref.rpartition("@")
    if not sep:
        if path.is_dir():
            return load(path)
        raise UsageError(f"no such ruleset file or folder: {ref}")
    folder = Path(folder_text)
    if not folder.is_dir():
        raise UsageError(f"no such ruleset folder: {folder_text} (in {ref})")
    files = {p.stem: p for p in version_files(folder)}
    if SEMVER.match(which):
        if which not in files:
            raise UsageError(f"{folder} has no version {which}; versions: "
                             + (", ".join(files) or "none"))
        return load(files[which])
    if _DATE.match(which):
        try:
            day = dt.date.fromisoformat(which)
        except ValueError:
            raise UsageError(f"'{which}' is not a date (in {ref})") from None
        versions = [load(p) for p in files.values()]
        found = in_force(versions, day)
        if found is None:
            raise UsageError(f"no version in {folder} is in force on {which}; versions: "
                             + ", ".join(f"{rs.version} ({_dates(rs)})" for rs in versions))
        return found
    raise UsageError(f"after '@' write a version like 1.1.0 or a date like 2009-06-30, "
                     f"found '{which}'")


def cmd_diff(args: argparse.Namespace) -> int:
    """``bigclient diff``: the changes, and with --input the impact; exit 0."""
    from .cli import UsageError, _load_context, read_records
    from .report import render_html

    old, new = resolve(args.old), resolve(args.new)
    changes = diff_rulesets(old, new)
    imp = None
    in_path = Path(args.input) if args.input else None
    if in_path is not None:
        if not in_path.is_file():
            raise UsageError(f"input file not found: {in_path}")
        context = _load_context(args, in_path)
        imp = impact(old, new, read_records(in_path), context)
    if args.format == "json":
        print(json.dumps(report_dict(old, new, changes, imp), ensure_ascii=False, indent=2))
    else:
        print(render_text(old, new, changes, imp, args.lang, args.movers,
                          str(in_path) if in_path else ""))
    if args.html:
        out = Path(args.html)
        stamp = f"{old.file} → {new.file}" + (f" · {in_path}" if in_path else "")
        out.write_text(render_html(old, new, changes, imp, str(in_path or ""), stamp),
                       encoding="utf-8")
        print(f"HTML report written to {out}", file=sys.stderr)
    return 0


def add_diff_command(subparsers: Any) -> None:
    """Plugged into ``bigclient`` by cli.py."""
    p = subparsers.add_parser(
        "diff", help="what changed between two ruleset versions, and who changes tier",
        description="Compare two ruleset versions in policy words; with --input, decide "
        "every client with both and report the tier migration.")
    for name, when in (("old", "the version in force before"), ("new", "the revision")):
        p.add_argument(name, metavar=name.upper(),
                       help=f"{when}: a version file, a ruleset folder (newest), "
                       "FOLDER@1.1.0 or FOLDER@2009-06-30 (the version in force that day)")
    p.add_argument("--input", metavar="FILE", help="clients (.csv or .jsonl) to measure the "
                   "impact on")
    p.add_argument("--context", metavar="FILE",
                   help="context values (YAML); default: context.yaml beside --input")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="one context value, e.g. --set bureau_revenue=2亿")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the text")
    p.add_argument("--movers", type=int, default=20, metavar="N",
                   help="list at most N movers in the text report (default 20)")
    p.set_defaults(func=cmd_diff)

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
import html
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

    kind: str
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


KINDS = ("header", "effective", "rounding", "line", "input", "context", "derived", "combine",
         "criterion", "threshold", "indicator", "weight", "band", "tier", "cutoff", "override",
         "flag", "ids", "label", "note", "other")
"""Every ``Change.kind``, in the order a report groups them."""


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
    old.read_context(context)  # fail once, clearly, on a bad context, not once per row
    new.read_context(context)
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
            a = old.evaluate(record, context=context)
        except BigClientError as exc:
            result.bad_rows.append(BadRow(row, ident, f"{old.version}: {exc}"))
            continue
        try:
            b = new.evaluate(record, context=context)
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
    out.append(f"对{src}的影响：{imp.evaluated:,} 个客户已评估，{len(imp.bad_rows):,} 行有错误"
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
                   + (f" (first {len(shown)} of {len(imp.movers):,})"
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


# -- HTML -----------------------------------------------------------------------------

_CSS = """
body{font-family:"Noto Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
 margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1f2328;line-height:1.5}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;
 border-bottom:2px solid #d0d7de;padding-bottom:.3rem}h2 small,h1 small{color:#57606a;
 font-weight:normal}.sub{color:#57606a;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1.2rem 0}.card{border:1px solid #d0d7de;
 border-radius:8px;padding:.6rem 1rem;min-width:9rem;background:#f6f8fa}
.card b{display:block;font-size:1.6rem}.card span{font-size:.85rem;color:#57606a}
table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem}
th,td{border:1px solid #d0d7de;padding:.35rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.kind{font-family:ui-monospace,monospace;font-size:.8rem;color:#57606a}
td.path{font-family:ui-monospace,monospace;font-size:.78rem;color:#57606a}
.matrix td{text-align:center;min-width:4.5rem;font-variant-numeric:tabular-nums}
.matrix td.same{background:#eaeef2}.matrix td.zero{color:#b1bac4}
.legend span{display:inline-block;padding:.1rem .5rem;margin-right:.5rem;border-radius:4px}
.up{color:#116329}.down{color:#a40e26}.note{color:#57606a;font-size:.9rem}
footer{margin-top:3rem;color:#57606a;font-size:.8rem}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _cell_colour(kind: str, n: int, biggest: int) -> str:
    strength = 0.15 + 0.6 * (n / biggest if biggest else 0)
    rgb = "46,160,67" if kind == "up" else "207,34,46"
    return f"background:rgba({rgb},{strength:.2f})"


def _matrix_html(imp: Impact, old: Ruleset, new: Ruleset) -> str:
    moved = [imp.count(o, n) for o in imp.tiers for n in imp.tiers if o != n]
    biggest = max(moved, default=0)
    head = "".join(f"<th>{_e(imp.label(t, 'zh'))}<br><small>{_e(imp.label(t))}</small></th>"
                   for t in imp.tiers)
    rows = []
    for o in imp.tiers:
        cells = []
        for n in imp.tiers:
            c = imp.count(o, n)
            if o == n:
                cells.append(f'<td class="same">{c:,}</td>')
            elif c == 0:
                cells.append('<td class="zero">0</td>')
            else:
                kind = "up" if imp.rank(n) < imp.rank(o) else "down"
                arrow = "▲" if kind == "up" else "▼"
                cells.append(f'<td style="{_cell_colour(kind, c, biggest)}" title="'
                             f'{_e(imp.label(o))} → {_e(imp.label(n))}"><b>{c:,}</b> '
                             f'{arrow}</td>')
        total = sum(imp.count(o, n) for n in imp.tiers)
        rows.append(f"<tr><th>{_e(imp.label(o, 'zh'))}<br><small>{_e(imp.label(o))}</small>"
                    f"</th>{''.join(cells)}<td class=\"n\"><b>{total:,}</b></td></tr>")
    totals = "".join(f'<td class="n"><b>{sum(imp.count(o, n) for o in imp.tiers):,}</b></td>'
                     for n in imp.tiers)
    return (f'<table class="matrix"><tr><th>{_e(old.version)} ↓ \\ {_e(new.version)} →</th>'
            f"{head}<th>合计<br><small>Total</small></th></tr>{''.join(rows)}"
            f"<tr><th>合计<br><small>Total</small></th>{totals}<td class=\"n\"><b>"
            f"{imp.evaluated:,}</b></td></tr></table>"
            '<p class="legend note"><span style="background:#eaeef2">同级 unchanged</span>'
            '<span style="background:rgba(46,160,67,.45)">▲ 升级 moved up</span>'
            '<span style="background:rgba(207,34,46,.45)">▼ 降级 moved down</span>'
            "颜色越深人数越多 · the darker, the more clients</p>")


def _nice_top(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value


_TIER_COLOURS = ("#3b5bdb", "#e0a800", "#8f9ba8", "#69a86f", "#ae3ec9", "#f76707", "#0c8599")


def _cutoffs(rs: Ruleset) -> str:
    if rs.spec.scoring is None:
        return "—"
    return " · ".join(f"{t.label.zh} {t.label.en} ≥ {_v(t.min, 'en')}"
                      for t in sorted(rs.spec.scoring.tiers, key=lambda t: -t.min))


def histogram_svg(imp: Impact, old: Ruleset, new: Ruleset, width: int = 10) -> str:
    """Big clients' scores per bin, two bars per bin (before, after), each bar stacked by
    the tier the clients get, so a moved cut-off shows as a bar changing colour."""
    bins = imp.histogram_by_tier(width)
    tiers = [t for t in imp.tiers if t is not None]
    colour = {t: _TIER_COLOURS[i % len(_TIER_COLOURS)] for i, t in enumerate(tiers)}
    w, h, left, right, top, bottom = 780, 360, 56, 16, 20, 112
    plot_w, plot_h = w - left - right, h - top - bottom
    peak = _nice_top(max([max(a.total(), b.total()) for _, _, a, b in bins] + [1]))
    slot = plot_w / len(bins)
    bar = slot * 0.38

    def y(n: int) -> float:
        return top + plot_h - plot_h * n / peak

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
             f'height="{h}" role="img" aria-label="score distribution of big clients, '
             f'{_e(old.version)} and {_e(new.version)}">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
             'stroke="#d0d7de"/>']
    for k in range(5):
        val = peak * k // 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(val):.1f}" '
                     f'y2="{y(val):.1f}" stroke="#eaeef2"/>'
                     f'<text x="{left - 6}" y="{y(val) + 4:.1f}" font-size="11" '
                     f'text-anchor="end" fill="#57606a">{val:,}</text>')
    base = top + plot_h
    for i, (lo, hi, before, after) in enumerate(bins):
        x0 = left + i * slot + slot * 0.1
        for j, (counts, version, opacity, word) in enumerate((
                (before, old.version, "0.5", "前"), (after, new.version, "1", "后"))):
            bx = x0 + j * (bar + slot * 0.04)
            level = 0
            for tier in reversed(tiers):  # the lowest tier at the bottom
                n = counts.get(tier, 0)
                if not n:
                    continue
                parts.append(f'<rect x="{bx:.1f}" y="{y(level + n):.1f}" width="{bar:.1f}" '
                             f'height="{y(level) - y(level + n):.1f}" fill="{colour[tier]}" '
                             f'fill-opacity="{opacity}" stroke="{colour[tier]}">'
                             f"<title>{_e(version)} · {lo}–{hi}: {n:,} "
                             f"{_e(imp.label(tier, 'zh'))} {_e(imp.label(tier))}</title></rect>")
                level += n
            if level:
                parts.append(f'<text x="{bx + bar / 2:.1f}" y="{y(level) - 3:.1f}" '
                             f'font-size="10" text-anchor="middle">{level:,}</text>')
                parts.append(f'<text x="{bx + bar / 2:.1f}" y="{base + 11}" font-size="9" '
                             f'text-anchor="middle" fill="#57606a">{word}</text>')
        parts.append(f'<text x="{left + i * slot + slot / 2:.1f}" y="{base + 26}" '
                     f'font-size="11" text-anchor="middle" fill="#1f2328">{lo}–{hi}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{base + 44}" font-size="12" '
                 'text-anchor="middle" fill="#1f2328">得分 score</text>')
    lx = left
    for tier in tiers:
        parts.append(f'<rect x="{lx}" y="{base + 56}" width="12" height="12" '
                     f'fill="{colour[tier]}"/><text x="{lx + 16}" y="{base + 66}" '
                     f'font-size="11">{_e(imp.label(tier, "zh"))} {_e(imp.label(tier))}</text>')
        lx += 130
    parts.append(f'<text x="{left}" y="{base + 86}" font-size="11" fill="#57606a">'
                 f"浅色“前” = {_e(old.version)} 调整前 before: {_e(_cutoffs(old))}</text>")
    parts.append(f'<text x="{left}" y="{base + 102}" font-size="11" fill="#57606a">'
                 f"深色“后” = {_e(new.version)} 调整后 after: {_e(_cutoffs(new))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def render_html(old: Ruleset, new: Ruleset, changes: list[Change], imp: Impact | None,
                input_name: str = "", generated: str = "") -> str:
    """A self-contained page (inline CSS and SVG, no scripts) for policy staff."""
    title = f"规则变更报告 Ruleset change report — {_header(old, new)}"
    body: list[str] = [
        "<h1>规则变更报告 <small>Ruleset change report</small></h1>",
        f'<p class="sub">{_e(new.title.zh)} · {_e(new.title.en)}<br>'
        f"<b>{_e(old.id)} {_e(old.version)}</b> ({_e(_dates(old))}) → "
        f"<b>{_e(new.id)} {_e(new.version)}</b> ({_e(_dates(new))})"
        + (f"<br>客户文件 Client file: <code>{_e(input_name)}</code>" if input_name else "")
        + "</p>"]
    cards = [(len(changes), "规则变更 rule changes")]
    if imp is not None:
        cards += [(imp.evaluated, "已评估客户 clients evaluated"),
                  (len(imp.movers), "级别变动 tier changed"),
                  (imp.newly_qualified, "新认定大客户 newly qualified"),
                  (imp.no_longer_qualified, "不再是大客户 no longer qualified"),
                  (len(imp.bad_rows), "错误行 bad rows")]
    body.append('<div class="cards">' + "".join(
        f"<div class=\"card\"><b>{n:,}</b><span>{_e(t)}</span></div>" for n, t in cards)
        + "</div>")
    body.append("<h2>规则变更 <small>What changed in the rules</small></h2>")
    if changes:
        rows = "".join(
            f"<tr><td class=\"n\">{i}</td><td>{_e(c.zh)}</td><td>{_e(c.en)}</td>"
            f"<td class=\"kind\">{_e(c.kind)}</td><td class=\"path\">{_e(c.yaml_path)}"
            + (f"<br>line {c.line}" if c.line else "") + "</td></tr>"
            for i, c in enumerate(changes, start=1))
        body.append("<table><tr><th>#</th><th>变更</th><th>Change</th><th>类别 kind</th>"
                    f"<th>位置 where</th></tr>{rows}</table>")
    else:
        body.append("<p>两个版本的规则相同。The two versions say the same thing.</p>")
    if imp is None:
        body.append('<p class="note">未提供客户文件，故无影响分析。No client file was given '
                    "(--input), so there is no impact analysis.</p>")
    else:
        body += _impact_html(imp, old, new)
    body.append(f"<footer>bigclient diff · {_e(generated)}</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def _dates(rs: Ruleset) -> str:
    to = rs.effective_to.isoformat() if rs.effective_to else "…"
    return f"{rs.effective_from.isoformat()} – {to}"


def _impact_html(imp: Impact, old: Ruleset, new: Ruleset) -> list[str]:
    out = ["<h2>级别迁移 <small>Who moves between tiers</small></h2>",
           f'<p class="note">每行是 {_e(old.version)} 下的级别，每列是 {_e(new.version)} 下的级别；'
           f"格内是客户数。Rows: tier under {_e(old.version)}; columns: tier under "
           f"{_e(new.version)}; each cell counts clients.</p>",
           _matrix_html(imp, old, new),
           "<h2>大客户认定 <small>Who is a big client</small></h2>",
           f"<table><tr><th>新认定为大客户<br><small>newly qualified</small></th>"
           f"<td class=\"n\"><b>{imp.newly_qualified:,}</b></td></tr>"
           f"<tr><th>不再是大客户<br><small>no longer qualified</small></th>"
           f"<td class=\"n\"><b>{imp.no_longer_qualified:,}</b></td></tr>"
           f"<tr><th>升级<br><small>moved up a tier (or became a big client)</small></th>"
           f"<td class=\"n up\"><b>{imp.up:,}</b></td></tr>"
           f"<tr><th>降级<br><small>moved down (or stopped being one)</small></th>"
           f"<td class=\"n down\"><b>{imp.down:,}</b></td></tr></table>"]
    if imp.criteria_gained or imp.criteria_lost:
        keys = sorted(set(imp.criteria_gained) | set(imp.criteria_lost))
        rows = "".join(f"<tr><td><code>{_e(k)}</code></td><td class=\"n up\">"
                       f"{imp.criteria_gained.get(k, 0):,}</td><td class=\"n down\">"
                       f"{imp.criteria_lost.get(k, 0):,}</td></tr>" for k in keys)
        out.append('<p class="note">认定条件的变化（客户可能仍因其他条件是大客户）。Criteria met '
                   "before and after (a client may still qualify by another criterion).</p>"
                   "<table><tr><th>条件 criterion</th><th>获得 gained</th><th>失去 lost</th></tr>"
                   f"{rows}</table>")
    bins = imp.histogram()
    out += ["<h2>得分分布 <small>Score distribution, before and after</small></h2>",
            '<p class="note">大客户（已认定）的得分，每 10 分一档；每档左柱为调整前、右柱为调整后，'
            "颜色表示所得级别。Scores of big clients in 10-point bins: in each bin the left "
            "bar is before, the right bar after; colours show the tier the clients get.</p>",
            histogram_svg(imp, old, new),
            "<table><tr><th>得分 score</th>" + "".join(f"<th>{lo}–{hi}</th>"
                                                      for lo, hi, _, _ in bins) + "</tr>"
            f"<tr><th>{_e(old.version)} 调整前 before</th>"
            + "".join(f'<td class="n">{a:,}</td>' for _, _, a, _ in bins) + "</tr>"
            f"<tr><th>{_e(new.version)} 调整后 after</th>"
            + "".join(f'<td class="n">{b:,}</td>' for _, _, _, b in bins) + "</tr></table>"]
    out.append(f"<h2>级别变动的客户 <small>Clients whose tier changes "
               f"({len(imp.movers):,})</small></h2>")
    if imp.movers:
        rows = "".join(
            f"<tr><td class=\"n\">{m.row}</td><td>{_e(m.client_id)}</td><td>{_e(m.name)}</td>"
            f"<td>{_e(imp.label(m.old_tier, 'zh'))} <small>{_e(imp.label(m.old_tier))}</small>"
            f"</td><td class=\"n\">{_e(_v(m.old_score, 'en'))}</td>"
            f"<td class=\"{'up' if imp.rank(m.new_tier) < imp.rank(m.old_tier) else 'down'}\">"
            f"{'▲' if imp.rank(m.new_tier) < imp.rank(m.old_tier) else '▼'} "
            f"{_e(imp.label(m.new_tier, 'zh'))} <small>{_e(imp.label(m.new_tier))}</small></td>"
            f"<td class=\"n\">{_e(_v(m.new_score, 'en'))}</td></tr>" for m in imp.movers)
        out.append("<table><tr><th>行 row</th><th>客户编号 client id</th><th>名称 name</th>"
                   f"<th>原级别 tier ({_e(old.version)})</th><th>原得分 score</th>"
                   f"<th>新级别 tier ({_e(new.version)})</th><th>新得分 score</th></tr>"
                   f"{rows}</table>")
    else:
        out.append("<p>没有客户的级别发生变化。No client changes tier.</p>")
    if imp.bad_rows:
        rows = "".join(f"<tr><td class=\"n\">{b.row}</td><td>{_e(b.client_id)}</td>"
                       f"<td>{_e(b.error)}</td></tr>" for b in imp.bad_rows)
        out.append("<h2>无法评估的行 <small>Rows that could not be evaluated</small></h2>"
                   "<table><tr><th>行 row</th><th>客户编号 client id</th><th>原因 why</th></tr>"
                   f"{rows}</table>")
    return out


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

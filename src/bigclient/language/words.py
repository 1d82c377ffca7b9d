"""Values and changes in policy words, in English and Chinese (for ``diff`` and sections).

A threshold reads ``12,000``, a share ``3‰``, a weight ``60%``, a label ``黄金 / Gold``;
an element is named by its label (``Gold (黄金)``), a field by what it means ("lower bound
(included)"), never by its YAML key alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bigclient.language.amounts import describe_amount


class _Missing:
    """Marks a key present on one side only (None is a legitimate value)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()



def group(value: Decimal) -> str:
    """12000 → '12,000'; 0.003 → '0.003' (policy documents group thousands)."""
    text = format(value.normalize() if value == value.to_integral() else value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, dot, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    whole = f"{int(whole):,}" if whole else "0"
    return sign + whole + dot + frac


def ratio(value: Decimal) -> str:
    """Shares as policy writes them: 0.003 → '3‰', 0.0005 → '5‱'."""
    for factor, sign in ((Decimal(100), "%"), (Decimal(1000), "‰"), (Decimal(10000), "‱")):
        scaled = value * factor
        if scaled >= 1 and scaled == scaled.to_integral():
            return f"{group(scaled)}{sign}"
    return group(value)


def say(value: Any, lang: str, style: str = "plain") -> str:
    """A value as a sentence shows it."""
    if value is MISSING or value is None:
        return "无" if lang == "zh" else "(none)"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, Decimal):
        if style == "percent":
            return f"{group(value * 100)}%"
        if style == "ratio":
            return ratio(value)
        return group(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if is_label(value):
        return f"{value['zh']} / {value['en']}"
    if isinstance(value, list):
        return ", ".join(say(v, lang, style) for v in value) or ("无" if lang == "zh" else "(none)")
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {say(v, lang, style)}" for k, v in value.items()) + "}"
    return str(value)


def is_label(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"zh", "en"}


def arrow(old: Any, new: Any, lang: str, style: str = "plain") -> str:
    return f"{say(old, lang, style)} → {say(new, lang, style)}"


def named(element: Mapping[str, Any] | None, lang: str) -> str:
    """'Gold (黄金)' / '黄金 (Gold)': an element by its label, or its id."""
    if not element:
        return ""
    label = element.get("label")
    if is_label(label):
        assert isinstance(label, Mapping)
        return str(label["zh"]) if lang == "zh" else f"{label['en']} ({label['zh']})"
    return str(element.get("id", element.get("tier", "")))



FIELD_WORDS = {
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


def field_name(name: str | int, lang: str) -> str:
    if isinstance(name, int):
        return f"[{name + 1}]"
    words = FIELD_WORDS.get(name)
    return (words[1] if lang == "zh" else words[0]) if words else name


def band_text(band: Mapping[str, Any] | None, style: str) -> str:
    if not band:
        return ""
    lo, hi = band.get("from"), band.get("to")
    if lo is not None and hi is not None:
        return f"{say(lo, 'en', style)} ≤ x < {say(hi, 'en', style)}"
    if lo is not None:
        return f"x ≥ {say(lo, 'en', style)}"
    return f"x < {say(hi, 'en', style)}"


def bands_text(bands: Any, style: str) -> str:
    if not isinstance(bands, list) or not bands:
        return "—"
    return "; ".join(f"{band_text(b, style)}: {say(b.get('score'), 'en')}" for b in bands)


def bound_style(indicator: Mapping[str, Any] | None) -> str:
    """Shares (all bounds below 1) read as ‰ and ‱; money as grouped yuan."""
    bounds = [b.get(k) for b in (indicator or {}).get("bands") or [] for k in ("from", "to")]
    known = [b for b in bounds if isinstance(b, Decimal)]
    return "ratio" if known and all(abs(b) < 1 for b in known) else "plain"


@dataclass
class Frame:
    """What the walker is inside of: the element (criterion, tier …) and its kind."""

    kind: str = ""
    en_noun: str = ""
    zh_noun: str = ""
    element: Mapping[str, Any] | None = None
    key: str = ""  # the element's id, or the map key (input name, line id …)
    band: Mapping[str, Any] | None = None




def when_detail(what: Mapping[str, Any]) -> tuple[str, str] | None:
    """', when x > 0' / '，条件：x > 0' after an added or removed element with a condition."""
    if what.get("when"):
        return f", when {what['when']}", f"，条件：{what['when']}"
    return None


# -- explanations ---------------------------------------------------------------------

EXPLAIN_WORDS = {
    "en": {"qualified": "Big client", "not_qualified": "Not a big client", "yes": "yes",
           "no": "no", "any": "any one of these criteria is enough",
           "all": "every criterion must hold", "score": "Score", "tier": "Tier",
           "computed": "computed tier", "final": "final tier", "flags": "Flags",
           "override": "Override", "refused": "refused", "applied": "applied",
           "below": "in no band", "weight": "weight", "band": "band", "none": "none",
           "values": "values used", "disabled": "not scored",
           "route": "Responsible unit"},
    "zh": {"qualified": "是大客户", "not_qualified": "不是大客户", "yes": "是", "no": "否",
           "any": "满足任一条件即可", "all": "须满足全部条件", "score": "得分", "tier": "级别",
           "computed": "计算级别", "final": "最终级别", "flags": "提示", "override": "特批",
           "refused": "未采纳", "applied": "已采纳", "below": "不在任何档次",
           "weight": "权重", "band": "档次", "none": "无", "values": "所用数值",
           "disabled": "暂不计分", "route": "责任单位"},
}


def shown(value: Any, lang: str = "en") -> str:
    """A value in an explanation: amounts as staff read them, yes/no in Chinese as 是/否."""
    if isinstance(value, Decimal):
        return describe_amount(value)
    if isinstance(value, bool):
        if lang == "zh":
            return "是" if value else "否"
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {shown(v, lang)}" for k, v in value.items() if v) + "}"
    return str(value)

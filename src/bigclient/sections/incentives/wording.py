"""Changes to ``incentives:`` in policy words, for ``bigclient diff``: "Pay component holdback
(Client-management hold-back): withheld when employment is agency: 100 → 150", not a path."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bigclient.language.amounts import describe_amount, format_amount
from bigclient.language.source import YamlPath
from bigclient.language.words import MISSING, Frame, arrow, named, say
from bigclient.sections.base import Words

_FIELDS: dict[str, tuple[str, str]] = {
    "amount": ("amount", "金额"), "rate": ("rate", "比例"), "base": ("commission base", "提成基数"),
    "brackets": ("commission brackets", "提成档次"), "method": ("bracket method", "累进方式"),
    "cap": ("cap", "封顶"), "floor": ("floor", "保底"), "when": ("condition", "发放条件"),
    "every": ("paid every", "发放周期"), "score": ("assessment score", "考核得分"),
    "out_of": ("score paying everything", "满分"), "steps": ("pay-out steps", "兑现档次"),
    "withhold": ("amount withheld", "扣留金额"), "from": ("points needed", "所需积分"),
    "award": ("award", "奖励金额"), "points": ("points", "积分"), "per": ("per", "计分单位"),
    "measure": ("measure", "指标"),
}
_PARTS: dict[tuple[str, ...], tuple[str, str]] = {
    ("points", "advance"): ("Star points: share of the award advanced each quarter",
                            "星级营销：每季度预发比例"),
    ("points", "clawback"): ("Star points: year-end claw-back", "星级营销：年终多发追回"),
    ("points", "earn"): ("Star points: points per designated product", "星级营销：指定业务积分"),
    ("grades", "promote", "when"): ("Grade ladder: promotion rule", "等级晋升条件"),
    ("grades", "demote", "when"): ("Grade ladder: demotion rule", "等级降级条件"),
    ("grades", "order"): ("Grade ladder: grades, lowest first", "等级序列（由低到高）"),
    ("projects", "development"): ("Project development award", "项目开发奖"),
    ("projects", "maintenance"): ("Project maintenance award", "大客户维护奖"),
    ("projects", "cap"): ("Project award cap", "项目奖励封顶"),
}


def _say(value: Any, lang: str) -> str:
    if isinstance(value, list) and value and all(isinstance(b, Mapping) and "rate" in b
                                                 for b in value):
        return ", ".join(f"{_amount(b.get('from'))}+: {_rate(b.get('rate'))}" for b in value)
    if isinstance(value, list) and value and all(isinstance(b, Mapping) and "share" in b
                                                 for b in value):
        return ", ".join(f"≥{_amount(b.get('from'))}: {_rate(b.get('share'))}" for b in value)
    return say(value, lang)


def _amount(value: Any) -> str:
    return describe_amount(value) if isinstance(value, Decimal) else str(value)


def _rate(value: Any) -> str:
    return f"{format_amount(value * 100)}%" if isinstance(value, Decimal) else str(value)


def describe(path: YamlPath, old: Any, new: Any, frame: Frame) -> Words | None:
    if path[:1] != ("incentives",) or old is MISSING or new is MISSING:
        return None
    strs = tuple(p for p in path[1:] if isinstance(p, str))
    if strs in _PARTS:
        en, zh = _PARTS[strs]
        return "incentives", f"{en}: {_arrow(old, new, 'en')}", \
            f"{zh}：{_arrow(old, new, 'zh')}"
    if frame.kind not in ("component", "level", "competition"):
        return None
    who_en = f"{frame.en_noun} {frame.key}" + (f" ({named(frame.element, 'en')})"
                                                if frame.element else "")
    who_zh = f"{frame.zh_noun} {frame.key}" + (f"（{named(frame.element, 'zh')}）"
                                                if frame.element else "")
    if len(strs) >= 2 and strs[-2] == "values":  # a table of amounts by an enum field
        table = _table(frame.element, strs)
        what_en = "withheld" if "withhold" in strs else "amount"
        what_zh = "扣留金额" if "withhold" in strs else "金额"
        return frame.kind, f"{who_en}: {what_en} when {table} is {strs[-1]}: " \
            f"{arrow(old, new, 'en')}", \
            f"{who_zh}：{table} 为 {strs[-1]} 时的{what_zh}：{arrow(old, new, 'zh')}"
    last = strs[-1] if strs else ""
    words = _FIELDS.get(last)
    if words is None:
        return None
    return frame.kind, f"{who_en} {words[0]}: {_arrow(old, new, 'en')}", \
        f"{who_zh}的{words[1]}：{_arrow(old, new, 'zh')}"


def _arrow(old: Any, new: Any, lang: str) -> str:
    return f"{_say(old, lang)} → {_say(new, lang)}"


def _table(element: Mapping[str, Any] | None, strs: tuple[str, ...]) -> str:
    """The enum field a table of amounts is keyed by (e.g. employment)."""
    node: Any = element or {}
    for key in strs[1:-2]:
        node = node.get(key, {}) if isinstance(node, Mapping) else {}
    return str(node.get("by", "?")) if isinstance(node, Mapping) else "?"

"""A scored scorecard: every item, every part (and whether it was clamped), the total and
the grade, as data (``to_dict``) and as a line-by-line explanation (``explain``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bigclient.language.amounts import format_amount
from bigclient.language.common import Label


@dataclass(frozen=True)
class ItemScore:
    """One item's points and how they came about."""

    id: str
    label: Label
    points: Decimal
    form: str  # points | per | weighted
    expr: str  # the expression as written
    value: Decimal  # the expression's value: the points, the count or the attainment
    each: Decimal | None = None  # per: the points of one occurrence; weighted: the weight
    bound: str | None = None  # "min" / "max" when the item's own bound applied
    rule: str | None = None
    facts: tuple[tuple[str, Any], ...] = ()  # the facts the expression read

    @property
    def how(self) -> str:
        """The rule that produced the points, as a formula."""
        each = format_amount(self.each) if self.each is not None else ""
        if self.form == "per":
            return f"({self.expr}) × {each}"
        if self.form == "weighted":
            return f"{each} × ({self.expr})"
        return self.expr

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "points": str(self.points), "form": self.form,
                "how": self.how, "value": str(self.value), "bound": self.bound,
                "rule": self.rule}


@dataclass(frozen=True)
class PartScore:
    """One part: start + items = raw, clamped into ``range`` to give ``points``."""

    id: str
    label: Label
    start: Decimal
    raw: Decimal
    points: Decimal
    range: tuple[Decimal, Decimal]
    clamped: bool
    items: tuple[ItemScore, ...]
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "start": str(self.start), "raw": str(self.raw),
                "points": str(self.points), "range": [str(r) for r in self.range],
                "clamped": self.clamped, "rule": self.rule,
                "items": [i.to_dict() for i in self.items]}


@dataclass(frozen=True)
class Scorecard:
    """The result of :meth:`bigclient.Ruleset.assess`: a subject scored on one scorecard.

    ``total`` is exactly the sum of the parts' points; each part's points lie in its
    declared range. Pure data: comparing two results compares every item.
    """

    id: str
    label: Label
    subject: Label
    period: str | None
    total: Decimal
    parts: tuple[PartScore, ...]
    grade: str | None = None
    grade_label: Label | None = None
    rule: str | None = None
    identity: Mapping[str, Any] = field(default_factory=dict)
    ruleset: str = ""
    version: str = ""

    def part(self, part_id: str) -> PartScore:
        """The part with this id (KeyError if the scorecard has none)."""
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)

    @property
    def items(self) -> dict[str, ItemScore]:
        """Every item of every part, by id."""
        return {i.id: i for p in self.parts for i in p.items}

    @property
    def clamped(self) -> tuple[str, ...]:
        """Ids of the parts whose points were clamped into their range."""
        return tuple(p.id for p in self.parts if p.clamped)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: Decimals as strings."""
        return {"ruleset": self.ruleset, "version": self.version, "scorecard": self.id,
                "subject": self.subject.en, "identity": dict(self.identity),
                "period": self.period, "total": str(self.total), "grade": self.grade,
                "rule": self.rule, "clamped": list(self.clamped),
                "parts": [p.to_dict() for p in self.parts]}

    def explain(self, lang: str = "en") -> str:
        """Why: every item and its points, each part's clamp, the total and the grade."""
        zh = lang == "zh"
        w = _ZH if zh else _EN
        head = f"{self.label(lang)} [{self.id}]" + (f" ({self.rule})" if self.rule else "")
        who = ", ".join(f"{k}={v}" for k, v in self.identity.items() if v is not None)
        out = [head, f"  {w['subject']}: {self.subject(lang)}" + (f" ({who})" if who else "")
               + (f"; {w['period']}: {self.period}" if self.period else "")]
        for p in self.parts:
            lo, hi = (format_amount(r) for r in p.range)
            out.append(f"  {p.label(lang)} [{p.id}] ({lo}..{hi})"
                       + (f" [{p.rule}]" if p.rule else "") + ":")
            if p.start:
                out.append(f"    {w['start']}: {_signed(p.start, plus=False)}")
            for i in p.items:
                out.append(f"    {_signed(i.points)}  {i.label(lang)} [{i.id}]: "
                           f"{_why(i, w)}" + (f" [{i.rule}]" if i.rule else ""))
            raw = format_amount(p.raw)
            if p.clamped:
                held = w["clamped"].format(points=format_amount(p.points), lo=lo, hi=hi)
                out.append(f"    = {raw} → {held}")
            else:
                out.append(f"    = {raw}")
        parts = " + ".join(format_amount(p.points) for p in self.parts)
        out.append(f"  {w['total']}: {parts} = {format_amount(self.total)}")
        if self.grade is not None:
            label = self.grade_label(lang) if self.grade_label else self.grade
            out.append(f"  {w['grade']}: {label} [{self.grade}]")
        return "\n".join(out)


_EN = {"subject": "subject", "period": "period", "start": "start", "total": "total",
       "grade": "grade", "clamped": "clamped to {points} (range {lo}..{hi})",
       "per": "{count} × {points} (once per {how})", "weighted": "{weight} × attainment "
       "{att} ({how})", "att_held": ", held to {att}", "bound": "held to the item's {bound} "
       "{value}", "min": "min", "max": "max", "facts": "with"}
_ZH = {"subject": "考核对象", "period": "考核期", "start": "基础分", "total": "总分",
       "grade": "等级", "clamped": "按区间 {lo}..{hi} 计为 {points}",
       "per": "{count} 次 × {points}（每次，{how}）", "weighted": "权重 {weight} × 完成率 "
       "{att}（{how}）", "att_held": "，按 {att} 计", "bound": "按本项{bound} {value} 计",
       "min": "下限", "max": "上限", "facts": "其中"}


_SHOWN = Decimal("0.0001")


def _signed(value: Decimal, plus: bool = True) -> str:
    text = format_amount(value)
    return f"+{text}" if plus and value >= 0 else text


def _why(i: ItemScore, w: Mapping[str, str]) -> str:
    facts = ", ".join(f"{k} = {_shown(v)}" for k, v in i.facts)
    each = format_amount(i.each) if i.each is not None else ""
    if i.form == "per":
        text = w["per"].format(count=format_amount(i.value), points=each, how=i.expr)
    elif i.form == "weighted":
        att = i.value if i.value == i.value.quantize(_SHOWN) else i.value.quantize(_SHOWN)
        text = w["weighted"].format(weight=each, att=("" if att == i.value else "≈")
                                    + format_amount(att), how=i.expr)
        if i.value < 0 or i.value > 1:
            text += w["att_held"].format(att="0" if i.value < 0 else "1")
    else:
        text = f"{i.expr} = {format_amount(i.value)}"
    if i.bound is not None:
        text += "; " + w["bound"].format(bound=w[i.bound], value=format_amount(i.points))
    if facts and not (len(i.facts) == 1 and i.facts[0][0] == i.expr):
        text += f" ({w['facts']} {facts})"
    return text


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        return format_amount(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

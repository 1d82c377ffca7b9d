"""What pay produces: a payslip of rounded lines whose total is their sum, and the year-end
settlement of a point scheme. Both say, line by line, which rule produced each amount."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bigclient.language.amounts import format_amount
from bigclient.language.common import Label

ROUNDING_NOTE = Label(zh="每行金额按规则集声明的舍入方式单独舍入一次；合计为各行舍入后金额之和",
                      en="each line is rounded once, as the ruleset declares; the total is the "
                      "sum of the rounded lines")


@dataclass(frozen=True)
class PayLine:
    """One line of a payslip: what was paid (or withheld), from what, by which rule."""

    component: str
    label: Label
    kind: str  # amount | commission | withheld | paid_out | advance | settlement | project | …
    amount: Decimal  # rounded once, as the ruleset declares; negative when withheld
    base: Decimal | None = None
    rate: Decimal | None = None
    rule: str | None = None
    detail: tuple[str, str] = ("", "")  # (en, zh): how the amount was reached

    def to_dict(self) -> dict[str, Any]:
        return {"component": self.component, "label_zh": self.label.zh,
                "label_en": self.label.en, "kind": self.kind,
                "base": _text(self.base), "rate": _text(self.rate),
                "amount": format(self.amount, "f"), "rule": self.rule,
                "detail": self.detail[0]}

    def explain(self, lang: str) -> str:
        detail = self.detail[1] if lang == "zh" else self.detail[0]
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{self.label(lang)}: {format(self.amount, 'f')}" + (
            f" — {detail}" if detail else "") + rule


@dataclass(frozen=True)
class Payslip:
    """An employee's pay for one period: one line per component that applies."""

    ruleset: str
    version: str
    period: str
    employee: dict[str, Any]  # the identity columns given (employee_id, name, …)
    lines: tuple[PayLine, ...]
    skipped: tuple[tuple[str, str, str], ...] = ()  # (component, en, zh): why not paid
    total: Decimal = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", sum((ln.amount for ln in self.lines), Decimal(0)))

    def line(self, component: str) -> PayLine:
        """The line of one component (KeyError if it did not apply)."""
        for ln in self.lines:
            if ln.component == component:
                return ln
        raise KeyError(component)

    def amounts(self) -> dict[str, Decimal]:
        """Amount per component (a component with two lines, such as a hold-back, sums)."""
        out: dict[str, Decimal] = {}
        for ln in self.lines:
            out[ln.component] = out.get(ln.component, Decimal(0)) + ln.amount
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"ruleset": self.ruleset, "version": self.version, "period": self.period,
                "employee": dict(self.employee), "total": format(self.total, "f"),
                "lines": [ln.to_dict() for ln in self.lines],
                "rounding": ROUNDING_NOTE.en}

    def explain(self, lang: str = "en") -> str:
        zh = lang == "zh"
        who = ", ".join(f"{k}={v}" for k, v in self.employee.items())
        out = [(f"工资单 {self.period}" if zh else f"Payslip {self.period}")
               + (f"（{who}）" if zh and who else f" ({who})" if who else "")
               + f" — {self.ruleset} {self.version}"]
        out.extend("  " + ln.explain(lang) for ln in self.lines)
        for _cid, en, zh_text in self.skipped:
            out.append(f"  · {zh_text if zh else en}")
        out.append(("合计" if zh else "Total") + f": {format(self.total, 'f')}")
        out.append(f"  ({ROUNDING_NOTE(lang)})")
        return "\n".join(out)


@dataclass(frozen=True)
class QuarterPoints:
    """One quarter of a point scheme: points earned, the year's level reached so far, and
    the advance paid."""

    quarter: int
    points: Decimal
    to_date: Decimal
    level: str | None
    advance: Decimal


@dataclass(frozen=True)
class YearSettlement:
    """The year-end balance of a point scheme (D-23): the year's award minus the quarterly
    advances; below zero only when the ruleset claws back."""

    ruleset: str
    version: str
    year: int
    employee: dict[str, Any]
    quarters: tuple[QuarterPoints, ...]
    points: Decimal
    level: str | None
    award: Decimal
    advances: Decimal
    settlement: Decimal
    not_recovered: Decimal  # advances above the award that the ruleset does not claw back

    def to_dict(self) -> dict[str, Any]:
        return {"ruleset": self.ruleset, "version": self.version, "year": self.year,
                "employee": dict(self.employee), "points": format_amount(self.points),
                "level": self.level, "award": format(self.award, "f"),
                "advances": format(self.advances, "f"),
                "settlement": format(self.settlement, "f"),
                "not_recovered": format(self.not_recovered, "f"),
                "quarters": [{"quarter": q.quarter, "points": format_amount(q.points),
                              "to_date": format_amount(q.to_date), "level": q.level,
                              "advance": format(q.advance, "f")} for q in self.quarters]}

    def explain(self, lang: str = "en") -> str:
        zh = lang == "zh"
        out = [f"{self.year} 年终平衡" if zh else f"Year-end balance {self.year}"]
        for q in self.quarters:
            out.append(("  第{q}季度：积分 {p}，累计 {t}，档次 {lv}，预发 {a}" if zh else
                        "  Q{q}: {p} points, {t} to date, level {lv}, advance {a}").format(
                q=q.quarter, p=format_amount(q.points), t=format_amount(q.to_date),
                lv=q.level or "—", a=format(q.advance, "f")))
        out.append(("  全年积分 {p}，档次 {lv}，全年奖励 {w}，已预发 {a}，年终补发 {s}" if zh else
                    "  year: {p} points, level {lv}, award {w}, advances {a}, balance paid "
                    "{s}").format(p=format_amount(self.points), lv=self.level or "—",
                                  w=format(self.award, "f"), a=format(self.advances, "f"),
                                  s=format(self.settlement, "f")))
        if self.not_recovered:
            out.append(("  多预发 {n} 元，规则集规定不追回" if zh else
                        "  {n} advanced above the award is not recovered (the ruleset does "
                        "not claw back)").format(n=format(self.not_recovered, "f")))
        return "\n".join(out)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format_amount(value)

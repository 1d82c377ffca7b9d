"""Paying people: a payslip for one period, re-runnable for any past period from its measures
(and, for a point scheme, the measures of the earlier quarters it depends on).

Every line is rounded once, as the ruleset declares; the total is the sum of rounded lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bigclient.errors import EvaluationError, InputError
from bigclient.i18n import _
from bigclient.language.amounts import format_amount
from bigclient.language.fields import RecordReader
from bigclient.sections.base import CompiledSection
from bigclient.sections.incentives.model import IncentivesSpec, Level, Points
from bigclient.sections.incentives.payslip import (
    PayLine,
    Payslip,
    QuarterPoints,
    YearSettlement,
)
from bigclient.sections.incentives.period import KIND_WORDS, Period, parse_period
from bigclient.sections.incentives.rules import Detail, PayRule
from bigclient.sections.incentives.teams import CompiledCompetition, CompiledProjects

Record = Mapping[str, Any]


@dataclass(frozen=True)
class GradeReview:
    """The half-yearly grade review (D-22): a proposal for the bureau's office meeting,
    which decides (seed 000: 升降级方案提交局办公会)."""

    period: str
    employee: dict[str, Any]
    current: str
    proposed: str
    movement: str  # promote | demote | stay
    reason: tuple[str, str]  # (en, zh)
    rule: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "employee": dict(self.employee),
                "current": self.current, "proposed": self.proposed,
                "movement": self.movement, "reason": self.reason[0], "rule": self.rule}

    def explain(self, lang: str = "en") -> str:
        zh = lang == "zh"
        text = self.reason[1] if zh else self.reason[0]
        if zh:
            return (f"{self.period} 等级评定：{self.current} → {self.proposed}（{text}）；"
                    "升降级方案提交局办公会决定")
        return (f"Grade review {self.period}: {self.current} → {self.proposed} ({text}); "
                "the proposal goes to the bureau's office meeting, which decides")


class CompiledIncentives(CompiledSection):
    """The ruleset's pay rules, compiled once; ``pay`` is pure."""

    def __init__(self, spec: IncentivesSpec, rules: list[PayRule], money: Callable[
            [Decimal], Decimal], ruleset: tuple[str, str], grades: Any,
                 projects: CompiledProjects | None,
                 competitions: dict[str, CompiledCompetition]) -> None:
        self.spec = spec
        self.rules = rules
        self.round = money
        self.ruleset = ruleset
        self.grades = grades  # (Grades spec, promote Compiled, demote Compiled) or None
        self.projects = projects
        self.competitions = competitions
        self.employee = RecordReader(spec.employee, (), identity=spec.identity)
        self._readers: dict[str, tuple[RecordReader, frozenset[str]]] = {}
        for kind in KIND_WORDS:
            needed = {n for r in rules if r.spec.every == kind for n in r.names}
            if kind == "quarter" and spec.points is not None:
                needed |= {e.measure for e in spec.points.earn}
            if kind == "half_year" and grades is not None:
                needed |= set(grades[1].names) | set(grades[2].names)
            fields = {n: f for n, f in spec.measures.items() if n in needed}
            self._readers[kind] = (RecordReader(fields, (), prefix="measures."),
                                   frozenset(spec.measures) - set(fields))

    # -- reading ----------------------------------------------------------------------
    def _employee(self, employee: Record, row: int | None) -> tuple[dict[str, Any],
                                                                    dict[str, Any]]:
        return self.employee.read(employee, row), self.employee.identity_of(employee, row)

    def measures(self, period: Period, measures: Record, row: int | None = None
                 ) -> dict[str, Any]:
        """The measures a period's rules read, checked; declared measures the period does
        not use are accepted and ignored (a measures file holds every period's columns)."""
        reader, unused = self._readers[period.kind]
        kept = {k: v for k, v in measures.items() if k not in unused}
        return reader.read(kept, row)

    # -- pay ----------------------------------------------------------------------------
    def pay(self, employee: Record, period: str | Period, measures: Record, *,
            history: Sequence[Record] = (), projects: Sequence[Record] = (),
            row: int | None = None) -> Payslip:
        p = period if isinstance(period, Period) else parse_period(period)
        env, identity = self._employee(employee, row)
        env.update(self.measures(p, measures, row))
        lines: list[PayLine] = []
        skipped: list[tuple[str, str, str]] = []
        paid = [r for r in self.rules if r.spec.every == p.kind]
        for rule in paid:
            if rule.when is not None and not rule.when.func(env):
                skipped.append((rule.spec.id, f"{rule.spec.label.en}: not paid ({rule.when.text} "
                                "does not hold)", f"{rule.spec.label.zh}：不发放（条件 "
                                f"{rule.when.text} 不成立）"))
                continue
            lines.extend(self._lines(rule, env))
        points = self.spec.points
        if points is not None and p.kind == "quarter":
            quarters = self._quarters(points, [*history, measures], p, row)
            q = quarters[-1]
            lines.append(PayLine(points.id, points.label, "advance", q.advance,
                                 base=q.to_date, rule=points.rule, detail=_advance_detail(q)))
        elif points is not None and p.kind == "year":
            settlement = self._settle(points, identity, history, p.year, row)
            lines.append(PayLine(points.id, points.label, "settlement", settlement.settlement,
                                 base=settlement.points, rule=points.rule, detail=(
                                     f"award {settlement.award} - advances "
                                     f"{settlement.advances}",
                                     f"全年奖励 {settlement.award} - 已预发 "
                                     f"{settlement.advances}")))
        elif history:
            raise InputError("history", None, _(
                "earlier periods are only read for a point scheme's quarterly advances and "
                "year-end balance; this ruleset's {kind} pay does not use them").format(
                    kind=KIND_WORDS[p.kind][0]))
        if projects:
            if self.projects is None or p.kind != "year":
                raise InputError("projects", None, _(
                    "project awards are paid for a year (period like 2024) by a ruleset with "
                    "'incentives.projects'"))
            lines.extend(self.projects.lines(projects, p.year, self.round, env))
        if not lines and not skipped:
            raise InputError("period", str(p), _(
                "this ruleset pays nothing per {kind}; its components are paid per: "
                "{kinds}").format(kind=KIND_WORDS[p.kind][0], kinds=", ".join(sorted(
                    {r.spec.every for r in self.rules} | ({"quarter", "year"} if points
                                                          else set()))) or "—"))
        return Payslip(self.ruleset[0], self.ruleset[1], str(p), identity, tuple(lines),
                       tuple(skipped))

    def _lines(self, rule: PayRule, env: dict[str, Any]) -> list[PayLine]:
        c = rule.spec
        if rule.holdback is not None:
            hb = rule.holdback
            withheld = self.round(hb.withhold(env))
            score = Decimal(hb.score(env))
            share = hb.share(score)
            paid = self.round(withheld * share)
            how = "by steps" if hb.steps else "in proportion"
            return [
                PayLine(c.id, c.label, "withheld", Decimal(0) - withheld, rule=c.rule,
                        detail=_with(("withheld", "切块扣留"), hb.withhold.detail(env))),
                PayLine(c.id, c.label, "paid_out", paid, base=withheld, rate=share, rule=c.rule,
                        detail=(f"score {format_amount(score)} ({hb.score_text}) → "
                                f"{format_amount(share * 100)}% paid out ({how})",
                                f"考核得分 {format_amount(score)}（{hb.score_text}）→ 兑现 "
                                f"{format_amount(share * 100)}%")),
            ]
        if rule.base is not None:
            base = Decimal(rule.base.func(env))
            raw, rate, detail = rule.commission(base)
            amount, limit = _limited(raw, c.cap, c.floor)
            return [PayLine(c.id, c.label, "commission", self.round(amount), base=base,
                            rate=rate, rule=c.rule, detail=_with(detail, limit))]
        assert rule.amount is not None
        amount, limit = _limited(rule.amount(env), c.cap, c.floor)
        return [PayLine(c.id, c.label, "amount", self.round(amount), rule=c.rule,
                        detail=_with(rule.amount.detail(env), limit))]

    # -- points (D-23) --------------------------------------------------------------------
    def _quarters(self, points: Points, measures: Sequence[Record], last: Period,
                  row: int | None) -> list[QuarterPoints]:
        if len(measures) != last.number:
            raise InputError("history", None, _(
                "{period} needs the measures of every earlier quarter of {year} ({n} given, "
                "{want} needed): the advance depends on the points earned so far").format(
                    period=str(last), year=last.year, n=len(measures) - 1,
                    want=last.number - 1))
        out: list[QuarterPoints] = []
        to_date = Decimal(0)
        advanced = Decimal(0)
        for i, record in enumerate(measures, start=1):
            env = self.measures(Period(last.year, "quarter", i), record, row)
            earned = sum((Decimal(env[e.measure]) / e.per * e.points for e in points.earn),
                         Decimal(0))
            to_date += earned
            level = _level(points.levels, to_date)
            target = self.round(points.advance * (level.award if level else Decimal(0)))
            advance = self.round(max(Decimal(0), target - advanced))
            advanced += advance
            out.append(QuarterPoints(i, earned, to_date, level.id if level else None, advance))
        return out

    def settle_year(self, employee: Record, quarters: Sequence[Record], *,
                    year: int | None = None, row: int | None = None) -> YearSettlement:
        points = self.spec.points
        if points is None:
            raise InputError("quarters", None, _("this ruleset has no point scheme "
                                                 "('incentives.points') to settle"))
        _env, identity = self._employee(employee, row)
        return self._settle(points, identity, quarters, year, row)

    def _settle(self, points: Points, identity: dict[str, Any], quarters: Sequence[Record],
                year: int | None, row: int | None) -> YearSettlement:
        if len(quarters) != 4:
            raise InputError("quarters", None, _(
                "a year-end balance needs the measures of all four quarters, in order; {n} "
                "given").format(n=len(quarters)))
        qs = self._quarters(points, quarters, Period(year or 0, "quarter", 4), row)
        total = qs[-1].to_date
        level = _level(points.levels, total)
        award = self.round(level.award if level else Decimal(0))
        advances = sum((q.advance for q in qs), Decimal(0))
        balance = award - advances
        not_recovered = Decimal(0)
        if balance < 0 and not points.clawback:
            not_recovered, balance = -balance, self.round(Decimal(0))
        return YearSettlement(self.ruleset[0], self.ruleset[1], year or 0, identity,
                              tuple(qs), total, level.id if level else None, award, advances,
                              balance, not_recovered)

    # -- grades (D-22) ---------------------------------------------------------------------
    def review_grade(self, employee: Record, period: str | Period, measures: Record, *,
                     row: int | None = None) -> GradeReview:
        if self.grades is None:
            raise InputError("grades", None, _("this ruleset has no grade ladder "
                                               "('incentives.grades')"))
        spec, promote, demote = self.grades
        p = period if isinstance(period, Period) else parse_period(period)
        if p.kind != "half_year":
            raise InputError("period", str(p), _("grades are reviewed every half year: give "
                                                 "a period like 2024-H1"))
        env, identity = self._employee(employee, row)
        env.update(self.measures(p, measures, row))
        current = env[spec.field]
        rank = spec.order.index(current)
        up, down = bool(promote.func(env)), bool(demote.func(env))
        if up and down:
            raise EvaluationError(_("both the promotion rule ({up}) and the demotion rule "
                                    "({down}) hold: the ruleset must make them exclusive")
                                  .format(up=promote.text, down=demote.text))
        if up and rank + 1 < len(spec.order):
            new, move = spec.order[rank + 1], "promote"
            reason = (f"{promote.text} holds", f"{promote.text} 成立，晋升一级")
        elif down and rank > 0:
            new, move = spec.order[rank - 1], "demote"
            reason = (f"{demote.text} holds", f"{demote.text} 成立，降低一级")
        else:
            new, move = current, "stay"
            reason = ("already at the top grade" if up else "already at the lowest grade"
                      if down else "neither rule holds",
                      "已是最高级" if up else "已是最低级" if down else "升降级条件均不成立")
        return GradeReview(str(p), identity, current, new, move, reason, spec.rule)



def _level(levels: Sequence[Level], points: Decimal) -> Level | None:
    reached = [lv for lv in levels if points >= lv.from_]
    return reached[-1] if reached else None


def _limited(raw: Decimal, cap: Decimal | None, floor: Decimal | None
             ) -> tuple[Decimal, Detail]:
    if cap is not None and raw > cap:
        return cap, (f"capped at {format_amount(cap)} (was {format_amount(raw)})",
                     f"封顶 {format_amount(cap)}（原为 {format_amount(raw)}）")
    if floor is not None and raw < floor:
        return floor, (f"raised to the floor {format_amount(floor)} (was "
                       f"{format_amount(raw)})", f"保底 {format_amount(floor)}（原为 "
                       f"{format_amount(raw)}）")
    return raw, ("", "")


def _with(a: Detail, b: Detail) -> Detail:
    return (", ".join(t for t in (a[0], b[0]) if t), "，".join(t for t in (a[1], b[1]) if t))


def _advance_detail(q: QuarterPoints) -> Detail:
    return (f"{format_amount(q.points)} points this quarter, {format_amount(q.to_date)} so far, "
            f"level {q.level or '—'}",
            f"本季积分 {format_amount(q.points)}，累计 {format_amount(q.to_date)}，档次 "
            f"{q.level or '—'}")


__all__ = ["CompiledIncentives", "GradeReview"]

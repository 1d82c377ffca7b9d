"""The incentives section: what the people who serve big clients earn (D-21…D-25).

It takes no part in deciding a client. ``Ruleset.pay`` gives a payslip for one employee and
period, ``Ruleset.settle_year`` the year-end balance of the star point scheme,
``Ruleset.review_grade`` the half-yearly grade proposal and ``Ruleset.compete`` a
competition's prizes and penalties. Everything is compiled once at load and pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field

from bigclient.errors import InputError, Problem
from bigclient.i18n import _
from bigclient.language.amounts import format_amount, quantize
from bigclient.language.expr import Ty, suggest
from bigclient.language.fields import field_type
from bigclient.language.ranges import Ranges
from bigclient.language.source import Located, YamlPath
from bigclient.sections.base import CaseOutcome, CompileContext, Element, Section, Words
from bigclient.sections.incentives import wording
from bigclient.sections.incentives.compiled import CompiledIncentives, GradeReview
from bigclient.sections.incentives.model import IncentivesSpec
from bigclient.sections.incentives.payslip import PayLine, Payslip, YearSettlement
from bigclient.sections.incentives.rules import Compiler
from bigclient.sections.incentives.teams import (
    CompetitionResult,
    CompiledCompetition,
    CompiledProjects,
    project_fields,
)

__all__ = ["SECTION", "CompetitionResult", "CompiledIncentives", "GradeReview", "PayLine",
           "Payslip", "YearSettlement"]


class IncentivesSection(Section):
    key = "incentives"
    stage = 10  # nothing to decide per client
    explain_rank = 20
    elements: ClassVar[Mapping[YamlPath, Element]] = {
        ("incentives", "components"): Element("component", "Pay component", "薪酬项目"),
        ("incentives", "points", "levels"): Element("level", "Award level", "奖励档次"),
        ("incentives", "competitions"): Element("competition", "Competition", "竞赛"),
    }
    case_key = "pay"

    def spec_field(self) -> tuple[Any, Any]:
        return IncentivesSpec | None, Field(
            None, description="pay and awards of the people who serve big clients: pay "
            "components and hold-backs (D-21), grades (D-22), star points (D-23), project "
            "awards (D-24), competitions (D-25)")

    def compile(self, part: IncentivesSpec | None, ctx: CompileContext
                ) -> CompiledIncentives | None:
        if part is None:
            return None
        src, problems = ctx.src, ctx.problems
        base: YamlPath = ("incentives",)
        names: dict[str, Ty] = {}
        for where in ("employee", "measures"):
            for name, f in getattr(part, where).items():
                if name in names:
                    problems.append(src.problem((*base, where, name), _(
                        "'{name}' is declared both as an employee field and as a measure; "
                        "give them different names").format(name=name), code="BC906"))
                names[name] = field_type(name, f, ())
        enums = {n: f for n, f in part.employee.items() if f.type == "enum"}
        c = Compiler(src, problems, names, enums)
        rules = []
        seen: set[str] = set()
        for i, comp in enumerate(part.components):
            path: YamlPath = (*base, "components", i)
            if comp.id in seen:
                problems.append(src.problem((*path, "id"), _(
                    "the component id '{id}' is used twice").format(id=comp.id),
                    code="BC910"))
            seen.add(comp.id)
            rule = c.component(comp, path)
            if rule is not None:
                rules.append(rule)
        self._points(part, src, problems)
        grades = self._grades(part, c, src, problems)
        projects = self._projects(part, c, names, src, problems)
        competitions = self._competitions(part, c, src, problems)
        step, mode = ctx.money_step, ctx.rounding_mode

        def money(value: Decimal) -> Decimal:
            return quantize(value, step, mode)

        header = src.data if isinstance(src.data, dict) else {}
        return CompiledIncentives(part, rules, money, (str(header.get("ruleset", "")),
                                                       str(header.get("version", ""))),
                                  grades, projects, competitions)

    @staticmethod
    def _points(part: IncentivesSpec, src: Located, problems: list[Problem]) -> None:
        points = part.points
        if points is None:
            return
        base: YamlPath = ("incentives", "points")
        for i, e in enumerate(points.earn):
            if e.measure not in part.measures:
                problems.append(src.problem((*base, "earn", i, "measure"), _(
                    "'{name}' is not a declared measure").format(name=e.measure),
                    code="BC908", hint=suggest(e.measure, list(part.measures)) or _(
                        "declare it under incentives.measures")))
            if e.per <= 0:
                problems.append(src.problem((*base, "earn", i, "per"), _(
                    "'per' must be above zero"), code="BC908"))
        if not points.levels:
            problems.append(src.problem((*base, "levels"), _("no award levels are listed"),
                                        code="BC909"))
        for i in range(1, len(points.levels)):
            a, b = points.levels[i - 1], points.levels[i]
            if b.from_ <= a.from_ or b.award < a.award:
                problems.append(src.problem((*base, "levels", i), _(
                    "award levels are listed lowest first: each needs more points than the one "
                    "before ({a}) and an award no smaller").format(
                        a=format_amount(a.from_)), code="BC909", hint=_(
                        "give each level more points than the level below it and an award "
                        "no smaller")))
        if not Decimal(0) <= points.advance <= Decimal(1):
            problems.append(src.problem((*base, "advance"), _(
                "the quarterly advance is a share between 0% and 100%"), code="BC909"))

    @staticmethod
    def _grades(part: IncentivesSpec, c: Compiler, src: Located,
                problems: list[Problem]) -> Any:
        g = part.grades
        if g is None:
            return None
        base: YamlPath = ("incentives", "grades")
        field = part.employee.get(g.field)
        if field is None or field.type != "enum":
            problems.append(src.problem((*base, "field"), _(
                "'{name}' is not an enum field of the employee").format(name=g.field),
                code="BC907", hint=suggest(g.field, list(c.enums)) or ""))
            return None
        if sorted(g.order) != sorted(field.values or {}) or len(set(g.order)) != len(g.order):
            problems.append(src.problem((*base, "order"), _(
                "the grade order must list every value of '{field}' once: {values}").format(
                    field=g.field, values=", ".join(field.values or {})), code="BC907"))
            return None
        promote = c.expr(g.promote.when, (*base, "promote", "when"), "bool")
        demote = c.expr(g.demote.when, (*base, "demote", "when"), "bool")
        return None if promote is None or demote is None else (g, promote, demote)

    @staticmethod
    def _projects(part: IncentivesSpec, c: Compiler, names: dict[str, Ty], src: Located,
                  problems: list[Problem]) -> CompiledProjects | None:
        spec = part.projects
        if spec is None:
            return None
        base: YamlPath = ("incentives", "projects")
        scope = dict(names)
        for name, f in project_fields(spec).items():
            if name in scope:
                problems.append(src.problem((*base, "fields", name), _(
                    "'{name}' is already an employee field or measure").format(name=name),
                    code="BC906"))
            scope[name] = field_type(name, f, ())
        dev = c.amount(spec.development, (*base, "development"), scope)
        main = c.amount(spec.maintenance, (*base, "maintenance"), scope)
        return None if dev is None or main is None else CompiledProjects(spec, dev, main)

    @staticmethod
    def _competitions(part: IncentivesSpec, c: Compiler, src: Located,
                      problems: list[Problem]) -> dict[str, CompiledCompetition]:
        out: dict[str, CompiledCompetition] = {}
        for i, comp in enumerate(part.competitions):
            base: YamlPath = ("incentives", "competitions", i)
            scope = {n: field_type(n, f, ()) for n, f in comp.fields.items()}
            if comp.id in out:
                problems.append(src.problem((*base, "id"), _(
                    "the competition id '{id}' is used twice").format(id=comp.id),
                    code="BC910"))
            places = [p.place for p in comp.prizes]
            if len(set(places)) != len(places):
                problems.append(src.problem((*base, "prizes"), _(
                    "a prize place is listed twice"), code="BC911"))
            rank = c.expr(comp.rank_by, (*base, "rank_by"), names=scope)
            eligible = None if comp.eligible is None else c.expr(
                comp.eligible, (*base, "eligible"), "bool", names=scope)
            org = pen = None
            if comp.organisation is not None:
                w = c.expr(comp.organisation.when, (*base, "organisation", "when"), "bool",
                           names=scope)
                a = c.amount(comp.organisation.award, (*base, "organisation", "award"), scope)
                org = (w, a) if w is not None and a is not None else None
            if comp.penalty is not None:
                w = c.expr(comp.penalty.when, (*base, "penalty", "when"), "bool", names=scope)
                a = c.amount(comp.penalty.amount, (*base, "penalty", "amount"), scope)
                pen = (w, a) if w is not None and a is not None else None
            if rank is not None:
                out[comp.id] = CompiledCompetition(comp, rank, eligible, org, pen)
        return out

    def expressions(self, part: IncentivesSpec | None) -> Iterator[tuple[YamlPath, Any]]:
        if part is None:
            return
        for i, comp in enumerate(part.components):
            for key in ("when", "base", "amount"):
                if isinstance(getattr(comp, key), str):
                    yield ("incentives", "components", i, key), getattr(comp, key)
            if comp.holdback is not None:
                yield ("incentives", "components", i, "holdback", "score"), comp.holdback.score
        if part.projects is not None:
            for key in ("development", "maintenance"):
                if isinstance(getattr(part.projects, key), str):
                    yield ("incentives", "projects", key), getattr(part.projects, key)

    def checks(self, part: IncentivesSpec | None, compiled: Any, src: Located,
               ranges: Ranges) -> list[Problem]:
        if part is None or compiled is None:
            return []
        out: list[Problem] = []
        used = {n for r in compiled.rules for n in r.names}
        if part.points is not None:
            used |= {e.measure for e in part.points.earn}
        if compiled.grades is not None:
            used |= set(compiled.grades[1].names) | set(compiled.grades[2].names)
        if compiled.projects is not None:
            used |= compiled.projects.development.names | compiled.projects.maintenance.names
        for name in part.measures:
            if name not in used:
                out.append(src.problem(("incentives", "measures", name), _(
                    "the measure '{name}' is read by no rule").format(name=name),
                    code="BC912", severity="info", hint=_("use it, or remove it")))
        return out

    def describe_early(self, path: YamlPath, old: Any, new: Any, frame: Any,
                       lines: Mapping[str, Any]) -> Words | None:
        return wording.describe(path, old, new, frame)

    def case(self, compiled: Any, given: Any, case: Mapping[str, Any]) -> CaseOutcome:
        if not isinstance(given, dict):
            raise InputError("pay", given, _("a pay case gives employee, period and measures"))
        inc: CompiledIncentives = compiled
        do = given.get("do", "pay")
        employee = given.get("employee") or {}
        if do == "review":
            r = inc.review_grade(employee, given.get("period", ""), given.get("measures") or {})
            return CaseOutcome({"current": r.current, "proposed": r.proposed,
                                "movement": r.movement}, r.explain())
        if do == "settle":
            s = inc.settle_year(employee, given.get("quarters") or [])
            return CaseOutcome({"points": s.points, "level": s.level, "award": s.award,
                                "advances": s.advances, "settlement": s.settlement,
                                "not_recovered": s.not_recovered,
                                "quarters": [q.advance for q in s.quarters]}, s.explain())
        if do == "compete":
            comp = inc.competitions.get(str(given.get("competition")))
            if comp is None:
                raise InputError("competition", given.get("competition"), _(
                    "not a competition of this ruleset; competitions: {ids}").format(
                        ids=", ".join(inc.competitions) or "—"))
            res = comp.settle(given.get("teams") or [], given.get("period", ""), inc.round)
            return CaseOutcome({"places": {t.team: t.place for t in res.teams},
                                "totals": {t.team: t.total for t in res.teams}}, res.explain())
        if do != "pay":
            raise InputError("do", do, _("expected pay, review, settle or compete"))
        slip = inc.pay(employee, given.get("period", ""), given.get("measures") or {},
                       history=given.get("history") or (), projects=given.get("projects") or ())
        kinds: dict[str, Decimal] = {}
        for ln in slip.lines:
            kinds[ln.kind] = kinds.get(ln.kind, Decimal(0)) + ln.amount
        return CaseOutcome({"total": slip.total, "lines": slip.amounts(), "kinds": kinds,
                            "skipped": [s[0] for s in slip.skipped]}, slip.explain())


SECTION = IncentivesSection()

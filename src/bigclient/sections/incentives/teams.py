"""Awards that are not per employee-period: key-project awards over two years (D-24) and
competitions between teams with ranked prizes and penalties (D-25)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bigclient.errors import InputError
from bigclient.i18n import _
from bigclient.language.amounts import format_amount
from bigclient.language.common import Label
from bigclient.language.expr import Compiled
from bigclient.language.fields import FieldSpec, RecordReader
from bigclient.sections.incentives.model import Competition, ProjectAwards
from bigclient.sections.incentives.payslip import PayLine
from bigclient.sections.incentives.period import Period, parse_period
from bigclient.sections.incentives.rules import AmountRule

Round = Callable[[Decimal], Decimal]

PROJECT_KEYS = ("type", "developed")


def project_fields(spec: ProjectAwards) -> dict[str, FieldSpec]:
    """The fields of a project record: its type, the year it was developed, and the
    ruleset's own fields (e.g. revenue)."""
    return {
        "type": FieldSpec(type="enum", values=dict(spec.types),
                          label=Label(zh="业务类型", en="Business type")),
        "developed": FieldSpec(type="integer", min=Decimal(1900), max=Decimal(2999),
                               label=Label(zh="开发年度", en="Year developed")),
        **spec.fields,
    }


class CompiledProjects:
    """Development award in the year of development, maintenance award in the second."""

    def __init__(self, spec: ProjectAwards, development: AmountRule,
                 maintenance: AmountRule) -> None:
        self.spec = spec
        self.development = development
        self.maintenance = maintenance
        self.reader = RecordReader(project_fields(spec), (), identity=("project",))

    def lines(self, projects: Sequence[Mapping[str, Any]], year: int, money: Round,
              employee: Mapping[str, Any]) -> list[PayLine]:
        out: list[PayLine] = []
        for i, record in enumerate(projects, start=1):
            env = {**employee, **self.reader.read(record, i)}
            name = str(self.reader.identity_of(record, i).get("project") or i)
            age = year - int(env["developed"])
            if age == 0:
                rule, kind, words = self.development, "development", ("development award",
                                                                      "项目开发奖")
            elif age == 1:
                rule, kind, words = self.maintenance, "maintenance", ("maintenance award",
                                                                      "大客户维护奖")
            else:
                continue  # a project earns in its first two years only
            raw = rule(env)
            cap = self.spec.cap
            amount = raw if cap is None else min(raw, cap)
            tlabel = self.spec.types[env["type"]]
            out.append(PayLine(
                f"project:{name}", Label(zh=f"{words[1]}：{name}（{tlabel.zh}）",
                                         en=f"{words[0]}: {name} ({tlabel.en})"),
                kind, money(amount), rule=self.spec.rule,
                detail=(f"developed {env['developed']}, {rule.text}" + (
                    f", capped at {format_amount(amount)}" if amount != raw else ""),
                    f"{env['developed']} 年开发，{rule.text}" + (
                    f"，封顶 {format_amount(amount)}" if amount != raw else ""))))
        return out


@dataclass(frozen=True)
class TeamResult:
    team: str
    value: Decimal  # what the team is ranked by
    place: int | None  # its prize place, None without a prize
    lines: tuple[PayLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal(0))


@dataclass(frozen=True)
class CompetitionResult:
    """A competition settled for one period: each team's rank value, place and lines."""

    competition: str
    period: str
    teams: tuple[TeamResult, ...]

    def team(self, name: str) -> TeamResult:
        for t in self.teams:
            if t.team == name:
                return t
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {"competition": self.competition, "period": self.period, "teams": [
            {"team": t.team, "value": format_amount(t.value), "place": t.place,
             "total": format(t.total, "f"), "lines": [ln.to_dict() for ln in t.lines]}
            for t in self.teams]}

    def explain(self, lang: str = "en") -> str:
        zh = lang == "zh"
        out = [f"{self.competition} {self.period}"]
        for t in self.teams:
            place = (f"第{t.place}名" if zh else f"place {t.place}") if t.place else "—"
            out.append(f"  {t.team}: {format_amount(t.value)}, {place}")
            out.extend("    " + ln.explain(lang) for ln in t.lines)
        return "\n".join(out)


class CompiledCompetition:
    def __init__(self, spec: Competition, rank_by: Compiled, eligible: Compiled | None,
                 organisation: tuple[Compiled, AmountRule] | None,
                 penalty: tuple[Compiled, AmountRule] | None) -> None:
        self.spec = spec
        self.rank_by = rank_by
        self.eligible = eligible
        self.organisation = organisation
        self.penalty = penalty
        self.reader = RecordReader(spec.fields, (), identity=("team",))

    def settle(self, teams: Sequence[Mapping[str, Any]], period: str | Period,
               money: Round) -> CompetitionResult:
        p = period if isinstance(period, Period) else parse_period(period)
        if p.kind != self.spec.every:
            raise InputError("period", str(p), _(
                "the competition '{id}' is settled per {every}; give a matching period").format(
                    id=self.spec.id, every=self.spec.every))
        rows: list[tuple[str, dict[str, Any], Decimal, bool]] = []
        seen: set[str] = set()
        for i, record in enumerate(teams, start=1):
            env = self.reader.read(record, i)
            name = self.reader.identity_of(record, i).get("team")
            if not name:
                raise InputError("team", None, _("every team record needs a 'team' name"), i)
            if str(name) in seen:
                raise InputError("team", name, _("the team is listed twice"), i)
            seen.add(str(name))
            ok = self.eligible is None or bool(self.eligible.func(env))
            rows.append((str(name), env, Decimal(self.rank_by.func(env)), ok))
        ranked = sorted((r for r in rows if r[3]), key=lambda r: -r[2])
        places: dict[str, int] = {}
        for i, r in enumerate(ranked):  # competition ranking: equal values share a place
            places[r[0]] = places[ranked[i - 1][0]] if i and r[2] == ranked[i - 1][2] else i + 1
        prizes = {pr.place: pr for pr in self.spec.prizes}
        results = []
        for name, env, value, _ok in rows:
            lines: list[PayLine] = []
            place = places.get(name)
            prize = prizes.get(place) if place is not None else None
            if prize is not None:
                lines.append(PayLine(f"{self.spec.id}:prize", prize.label, "prize",
                                     money(prize.award), base=value, rule=self.spec.rule,
                                     detail=(f"place {place} by {self.rank_by.text}",
                                             f"按 {self.rank_by.text} 排第 {place} 名")))
            for part, kind, sign in ((self.organisation, "organisation", 1),
                                     (self.penalty, "penalty", -1)):
                if part is not None and part[0].func(env):
                    spec_label = (self.spec.organisation if kind == "organisation"
                                  else self.spec.penalty)
                    assert spec_label is not None
                    lines.append(PayLine(f"{self.spec.id}:{kind}", spec_label.label, kind,
                                         sign * money(part[1](env)), rule=self.spec.rule,
                                         detail=(f"{part[0].text} holds",
                                                 f"{part[0].text} 成立")))
            results.append(TeamResult(name, value, place if prize else None, tuple(lines)))
        return CompetitionResult(self.spec.id, str(p), tuple(results))

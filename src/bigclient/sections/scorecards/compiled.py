"""Scoring a subject on a compiled scorecard: read the facts, score every item once
(rounded once to the ruleset's score step), clamp each part into its range, add the parts,
find the grade. Pure: no clock, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bigclient.errors import EvaluationError, InputError
from bigclient.i18n import _
from bigclient.language.amounts import format_amount, quantize
from bigclient.language.expr import Compiled, suggest
from bigclient.language.fields import RecordReader
from bigclient.sections.base import CompiledSection
from bigclient.sections.scorecards.model import GradeSpec, ItemSpec, PartSpec, ScorecardSpec
from bigclient.sections.scorecards.result import ItemScore, PartScore, Scorecard

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class CompiledItem:
    spec: ItemSpec
    form: str  # points | per | weighted
    expr: Compiled
    each: Decimal | None  # per: points of one occurrence; weighted: the weight


@dataclass(frozen=True)
class CompiledPart:
    spec: PartSpec
    items: tuple[CompiledItem, ...]


class FactReader(RecordReader):
    """Reads a scorecard's facts: an undeclared key is refused as not a fact of this
    scorecard, with the fact it most likely meant."""

    def __init__(self, card: ScorecardSpec, lines: tuple[str, ...]) -> None:
        self.card_id = card.id
        self.fact_names = tuple(card.facts)
        super().__init__(card.facts, lines, identity=card.identity)

    def unknown(self, record: Mapping[Any, Any], row: int | None) -> list[InputError]:
        errors = []
        for key in record:
            if key in self.known:
                continue
            text = key if isinstance(key, str) else repr(key)
            hint = suggest(text, [*self.fact_names, *self.identity]) or _(
                "facts are: {names}").format(names=", ".join(self.fact_names) or "-")
            errors.append(InputError(text[:80], None, _(
                "is not a fact of scorecard '{card}'; {hint}").format(
                    card=self.card_id, hint=hint), row))
        return errors


class CompiledCard:
    """One scorecard, ready to score subjects."""

    def __init__(self, spec: ScorecardSpec, parts: tuple[CompiledPart, ...],
                 reader: RecordReader, step: Decimal, mode: str) -> None:
        self.spec = spec
        self.parts = parts
        self.reader = reader
        self.step = step
        self.mode = mode
        self.grades: tuple[GradeSpec, ...] = tuple(
            sorted(spec.grades, key=lambda g: g.from_, reverse=True))

    @property
    def id(self) -> str:
        return self.spec.id

    def read(self, facts: Mapping[str, Any], row: int | None = None) -> dict[str, Any]:
        """The facts converted and checked: an undeclared key or a missing required fact
        is an InputError (all of a record's problems in one)."""
        return self.reader.read(facts, row)

    def score(self, facts: Mapping[str, Any], period: Any = None, *, row: int | None = None,
              ruleset: str = "", version: str = "") -> Scorecard:
        env = self.reader.read(facts, row)
        identity = self.reader.identity_of(facts, row) if self.reader.identity else {}
        parts = tuple(self._part(p, env, row) for p in self.parts)
        total = sum((p.points for p in parts), ZERO)
        grade = next((g for g in self.grades if total >= g.from_), None)
        spec = self.spec
        return Scorecard(
            id=spec.id, label=spec.label, subject=spec.subject,
            period=None if period is None else str(period), total=total, parts=parts,
            grade=grade.id if grade else None, grade_label=grade.label if grade else None,
            rule=spec.rule, identity=identity, ruleset=ruleset, version=version)

    def _part(self, part: CompiledPart, env: dict[str, Any], row: int | None) -> PartScore:
        spec = part.spec
        items = tuple(self._item(spec.id, it, env, row) for it in part.items)
        raw = spec.start + sum((i.points for i in items), ZERO)
        lo, hi = spec.range
        points = min(max(raw, lo), hi)
        return PartScore(spec.id, spec.label, spec.start, raw, points, (lo, hi),
                         points != raw, items, spec.rule)

    def _item(self, part_id: str, it: CompiledItem, env: dict[str, Any],
              row: int | None) -> ItemScore:
        spec = it.spec
        try:
            value = it.expr.func(env)
        except ArithmeticError as exc:
            raise EvaluationError(_("scorecard {card}, item {part}.{item}: arithmetic failed "
                                    "({error}); check that divisors such as targets are not "
                                    "zero").format(card=self.id, part=part_id, item=spec.id,
                                                   error=repr(exc))
                                  + (_(" (row {row})").format(row=row) if row is not None
                                     else "")) from None
        value = Decimal(value)
        if it.form == "per":
            if value < 0 or value != value.to_integral_value():
                raise InputError(f"{part_id}.{spec.id}", None, _(
                    "counts occurrences of '{expr}', which gives {value}: a count is a whole "
                    "number, 0 or more").format(expr=it.expr.text,
                                                value=format_amount(value)), row)
            assert it.each is not None
            raw = value * it.each
        elif it.form == "weighted":
            assert it.each is not None
            raw = it.each * min(max(value, ZERO), ONE)
        else:
            raw = value
        points = quantize(raw, self.step, self.mode)
        bound = None
        if spec.min is not None and points < spec.min:
            points, bound = spec.min, "min"
        if spec.max is not None and points > spec.max:
            points, bound = spec.max, "max"
        if not points:
            points = abs(points)  # 0 × -2 is 0, not -0
        used = tuple((n, env[n]) for n in sorted(it.expr.names) if n in env)
        return ItemScore(spec.id, spec.label, points, it.form, it.expr.text, value, it.each,
                         bound, spec.rule, used)


class CompiledScorecards(CompiledSection):
    """Every scorecard of a ruleset, by id."""

    def __init__(self, cards: dict[str, CompiledCard]) -> None:
        self.cards = cards

    def card(self, scorecard: str | None) -> CompiledCard:
        """The scorecard named, or the only one when ``scorecard`` is None."""
        if scorecard is None:
            if len(self.cards) == 1:
                return next(iter(self.cards.values()))
            raise InputError("scorecard", None, _(
                "this ruleset has {n} scorecards ({ids}); name the one to use").format(
                    n=len(self.cards), ids=", ".join(self.cards)))
        found = self.cards.get(scorecard)
        if found is None:
            hint = suggest(str(scorecard), list(self.cards)) or _(
                "scorecards are: {ids}").format(ids=", ".join(self.cards))
            raise InputError("scorecard", scorecard, _("is not a scorecard of this ruleset; "
                                                       "{hint}").format(hint=hint))
        return found

    def assess(self, scorecard: str | None, facts: Mapping[str, Any], period: Any = None,
               *, row: int | None = None, ruleset: str = "", version: str = "") -> Scorecard:
        """Score one subject (see :meth:`bigclient.Ruleset.assess`)."""
        return self.card(scorecard).score(facts, period, row=row, ruleset=ruleset,
                                          version=version)

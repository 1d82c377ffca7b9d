"""The ruleset: a validated file compiled once, section by section, and the evaluation
pipeline that runs the sections in stage order.

``bigclient.load`` (:mod:`bigclient.loading`) reads a file, validates it with the pydantic
models and compiles every section once into a :class:`Ruleset` whose ``evaluate`` is pure:
same input, same decision, no clock, no I/O. ``decide`` runs the ruleset's fused function
(:mod:`bigclient.fused`) or, for what it hands back, the sections in stage order.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import typing
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from typing import Any

from bigclient.decision import Decision
from bigclient.errors import BigClientError, EvaluationError, InputError, Problem, RulesetError
from bigclient.i18n import _
from bigclient.language.convert import RecordReader
from bigclient.pickling import source_of
from bigclient.records import (
    GUARDED,
    BadRow,
    ErrorMode,
    as_bigclient_error,
    as_mapping,
    decide_rows,
    guarding,
)

if typing.TYPE_CHECKING:  # the compiler's modules are imported where they are used, so a
    # ruleset revived from the compile cache (bigclient.fused.cache) decides without them
    from pydantic import BaseModel

    from bigclient.language.common import Label
    from bigclient.language.source import Located
    from bigclient.ledger.claims import ClaimStore
    from bigclient.ledger.register import ClaimRegister
    from bigclient.sections.base import Section
    from bigclient.sections.contacts.due import DueReport
    from bigclient.sections.discounts import DiscountDecision, DiscountRequest
    from bigclient.sections.ids.scheme import IdScheme
    from bigclient.sections.incentives import (
        CompetitionResult,
        GradeReview,
        Payslip,
        YearSettlement,
    )
    from bigclient.sections.incentives.period import Period
    from bigclient.sections.scorecards import Scorecard
    from bigclient.spec import Header

_materializing = threading.Lock()


__all__ = ["Ruleset", "from_located"]


class Ruleset:
    """A loaded, compiled ruleset. Thread-safe: evaluation shares no mutable state."""

    def __init__(self, spec: Header, src: Located) -> None:
        from bigclient.fused.build import fuse
        from bigclient.language.fields import declared_names
        from bigclient.sections import SECTIONS
        from bigclient.sections.base import CompileContext, CompiledSection, Verdict
        self.spec = spec
        self.id: str = spec.ruleset
        self.version: str = spec.version
        self._verdict = Verdict
        self.source = src
        problems: list[Problem] = []
        lines = tuple(spec.lines)
        self.lines = lines
        names = declared_names(spec, src, problems)
        for name in spec.identity:  # an identity column is never also a value rules read
            if name in names or name in spec.part("derived"):
                problems.append(
                    src.problem(
                        ("identity", name),
                        _("'{name}' is declared as an input, context or derived value too").format(
                            name=name
                        ),
                        code="BC120",
                    )
                )
        client_parts = [k for k in ("scoring", "flags", "routing", "ownership", "ids")
                        if spec.part(k)]
        if spec.part("qualification") is None and (spec.inputs or client_parts):
            problems.append(src.problem((), _(
                "'qualification' is required here but missing: a ruleset with client inputs "
                "or client sections ({parts}) must say who is a big client").format(
                    parts=", ".join(client_parts) or "inputs"), code="BC103",
                hint=_("add 'qualification:'")))
        labels = {name: f.label for part in (spec.inputs, spec.context) for name, f in part.items()}
        value_labels = {name: f.values for part in (spec.inputs, spec.context)
                        for name, f in part.items() if f.values}
        ctx = CompileContext(src=src, names=names, lines=lines, line_labels=spec.lines,
                             name_labels=labels, value_labels=value_labels,
                             score_step=spec.rounding.score, money_step=spec.rounding.money,
                             rounding_mode=spec.rounding.mode, problems=problems)
        compiled: dict[str, CompiledSection | None] = {}
        for section in sorted(SECTIONS, key=lambda s: s.stage):
            compiled[section.key] = section.compile(spec.part(section.key), ctx)
            ctx.compiled[section.key] = compiled[section.key]
        if ctx.failed_names:  # a value that did not compile is reported once, not at each use
            problems = [p for p in problems if not (p.code == "BC301" and any(
                p.message == f"unknown name '{name}'" for name in ctx.failed_names))]
        if problems:
            raise RulesetError(problems)
        self._compiled = compiled
        staged = [c for s in sorted(SECTIONS, key=lambda s: s.stage)
                  if (c := compiled[s.key]) is not None]
        deciders = [c for c in staged if type(c).decide is not CompiledSection.decide]
        concluders = [c for c in staged if type(c).conclude is not CompiledSection.conclude]
        self._steps = [c.decide for c in deciders]
        self._settlers = [c for c in compiled.values() if c is not None]
        self._concluders = [c.conclude for c in concluders]
        self.explainers = tuple(c for s in sorted(SECTIONS, key=lambda s: s.explain_rank)
                                if (c := compiled[s.key]) is not None)
        self._inputs = RecordReader(spec.inputs, lines, identity=spec.identity)
        self._identity = bool(self._inputs.identity)
        self._no_clients = compiled.get("qualification") is None
        self._context = RecordReader(spec.context, lines, prefix="context.")
        self.names = names
        self._fused = None if self._no_clients else fuse(
            self, deciders, concluders, self._inputs, self._context, names, lines, self._reference)
        self._fast: typing.Callable[..., Decision] | None = (
            self._fused.decide if self._fused is not None else None)
        scoring: Any = compiled.get("scoring")
        self.tier_labels: dict[str, Label] = {
            t.id: t.label for t in scoring.spec.tiers} if scoring is not None else {}

    # -- header ---------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        """A ruleset revived from the compile cache holds only what deciding needs;
        anything else (an explanation, pay, diff…) compiles it in full, once, first."""
        revived = self.__dict__.get("_revived")
        if revived is None or name.startswith("__"):
            raise AttributeError(name)
        text, file = revived
        with _materializing:
            if self.__dict__.get("_revived") is revived:
                _compile_revived(self, text, file)
        return getattr(self, name)

    @property
    def effective_from(self) -> dt.date:
        return self.spec.effective.from_

    @property
    def effective_to(self) -> dt.date | None:
        return self.spec.effective.to

    @property
    def title(self) -> Label:
        return self.spec.title

    @property
    def document(self) -> str:
        """The policy document this ruleset encodes (its ``source:``)."""
        return self.spec.source

    @property
    def ids(self) -> IdScheme | None:
        ids: IdScheme | None = self.spec.part("ids")
        return ids

    @property
    def file(self) -> str:
        revived = self.__dict__.get("_revived")
        return revived[1] if revived is not None else self.source.file

    @property
    def sections(self) -> tuple[Section, ...]:
        from bigclient.sections import SECTIONS
        return SECTIONS

    def section(self, key: str) -> Any:
        """The compiled form of one section (None when the file leaves it out)."""
        return self._compiled.get(key)

    def claims(self, store: ClaimStore) -> ClaimRegister:
        """A :class:`bigclient.ledger.register.ClaimRegister` of this ruleset's ownership
        rules over ``store`` (a ClaimStore, e.g. SqliteLedger)."""
        from bigclient.ledger.register import register_for
        return register_for(self.id, self._compiled.get("ownership"), store)

    def approve_discount(self, request: DiscountRequest | Mapping[str, Any]
                         ) -> DiscountDecision:
        """Check a concession request against the ``discounts:`` section (D-28); pure."""
        section: Any = self._compiled.get("discounts")
        if section is None:
            raise InputError("discounts", None, _(
                "{id} {version} has no 'discounts:' section, so it approves no concession"
            ).format(id=self.id, version=self.version))
        decision: DiscountDecision = section.approve(request)
        return decision

    @property
    def derived(self) -> list[tuple[str, Any]]:
        """Derived values in evaluation order: (name, compiled expression)."""
        derived = self._compiled.get("derived")
        return list(getattr(derived, "order", []))

    def __repr__(self) -> str:
        return f"<Ruleset {self.id} {self.version} from {self.file}>"

    def __reduce__(self) -> tuple[Any, ...]:  # pickled as its YAML text, compiled on loads
        return from_text, source_of(self)

    @cached_property
    def input_model(self) -> type[BaseModel]:
        """Pydantic model of the declared inputs (for host services and JSON Schema)."""
        from bigclient.language.fields import make_model
        return make_model(f"{_camel(self.id)}Input", self.spec.inputs, self.lines,
                          self.spec.identity)

    @cached_property
    def context_model(self) -> type[BaseModel]:
        from bigclient.language.fields import make_model
        return make_model(f"{_camel(self.id)}Context", self.spec.context, self.lines)

    # -- evaluation -------------------------------------------------------------
    def read_context(self, context: Mapping[str, Any] | BaseModel | None) -> dict[str, Any]:
        return self._context.read(as_mapping(context, "context") if context is not None else {})

    def read_client(self, client: Mapping[str, Any] | BaseModel,
                    row: int | None = None) -> dict[str, Any]:
        """The client's inputs converted and checked as evaluation reads them."""
        return self._inputs.read(_as_mapping(client), row)

    def evaluate(self, client: Mapping[str, Any] | BaseModel,
                 context: Mapping[str, Any] | BaseModel | None = None,
                 override: Mapping[str, Any] | None = None,
                 *, on: dt.date | None = None) -> Decision:
        """Decide one client. ``on`` (optional) is the date overrides are checked against."""
        return self.decide(client, self.read_context(context), override, on=on)

    @typing.overload
    def evaluate_many(self, clients: Iterable[Mapping[str, Any] | BaseModel],
                      context: Mapping[str, Any] | BaseModel | None = None, *,
                      on: dt.date | None = None, errors: typing.Literal["raise"] = "raise",
                      start: int = 1) -> Iterator[Decision]: ...

    @typing.overload
    def evaluate_many(self, clients: Iterable[Mapping[str, Any] | BaseModel],
                      context: Mapping[str, Any] | BaseModel | None = None, *,
                      on: dt.date | None = None, errors: typing.Literal["collect"],
                      start: int = 1) -> Iterator[Decision | BadRow]: ...

    def evaluate_many(self, clients: Iterable[Mapping[str, Any] | BaseModel],
                      context: Mapping[str, Any] | BaseModel | None = None, *,
                      on: dt.date | None = None, errors: ErrorMode = "raise",
                      start: int = 1) -> Iterator[Decision | BadRow]:
        """Stream decisions; the context is read once for the whole run.

        ``errors="raise"`` stops at the first bad row with an error naming it;
        ``"collect"`` yields a :class:`BadRow` (row number, error, record) in its place and
        goes on. Rows count from ``start``: the CLI counts a CSV's header as row 1, so pass
        ``start=2`` to number csv.DictReader rows as ``bigclient evaluate`` does.
        """
        ctx = self.read_context(context)
        fast = self._fast
        if fast is not None:
            return decide_rows(lambda client, row: fast(client, ctx, row), clients, errors, start)
        return decide_rows(lambda client, row: self.decide(client, ctx, None, on=on, row=row),
                           clients, errors, start)

    def evaluate_table(self, table: Any, context: Mapping[str, Any] | BaseModel | None = None,
                       *, errors: ErrorMode = "raise", start: int = 1) -> Any:
        """Decide every row of an Arrow table (pandas/Polars via Arrow) into an Arrow table
        of decisions, vectorised and exact: each row equals ``evaluate`` of that row. Needs
        ``bigclient[arrow]``; ``errors`` and ``start`` as in :meth:`evaluate_many` (collect
        adds an ``error`` column). The schema metadata ``bigclient.path`` says which path
        decided it (see :mod:`bigclient.batch`)."""
        from bigclient.batch import evaluate_table
        return evaluate_table(self, table, context, errors=errors, start=start)

    def decide(self, client: Mapping[str, Any] | BaseModel, context: dict[str, Any],
               override: Mapping[str, Any] | None = None, *, on: dt.date | None = None,
               row: int | None = None) -> Decision:
        """Decide one client with a context already read by :meth:`read_context` (a file
        of clients shares one); ``row`` names the client in errors. Any failure is a
        bigclient error (InputError or EvaluationError), never a TypeError or an overflow."""
        if override is None and self._fast is not None:
            return self._fast(client, context, row)
        return self._reference(client, context, row, override, on)

    def _reference(self, client: Mapping[str, Any] | BaseModel, context: dict[str, Any],
                   row: int | None = None, override: Mapping[str, Any] | None = None,
                   on: dt.date | None = None) -> Decision:
        """The decision made section by section (the fused function's reference)."""
        try:
            if self._no_clients:
                raise InputError("client", None, _(
                    "{id} {version} has no client rules (no qualification or scoring); it "
                    "pays people or scores units: use pay, assess or settle_year").format(
                        id=self.id, version=self.version))
            record = client if type(client) is dict else _as_mapping(client)
            env = self._inputs.read(record, row)
            env.update(context)
            verdict = self._verdict()
            try:
                for step in self._steps:
                    step(env, verdict)
            except ArithmeticError as exc:
                raise EvaluationError(_(
                    "{id} {version}: arithmetic failed ({error}); check that divisors such "
                    "as context values are not zero").format(
                        id=self.id, version=self.version, error=repr(exc))
                    + (_(" (row {row})").format(row=row) if isinstance(row, int) else "")
                ) from None
            if not verdict.qualified:
                verdict.computed = None
            verdict.tier = verdict.computed
            if override is not None and not any(c.settle(verdict, override, on)
                                                for c in self._settlers):
                raise InputError("override", override, _("this ruleset has no tiers to "
                                                         "override"))
            for conclude in self._concluders:
                conclude(env, verdict)
            decision = Decision(self, env, verdict)
            if self._identity:
                decision.identity = self._inputs.identity_of(record, row)
            return decision
        except BigClientError:
            raise
        except GUARDED as exc:
            raise as_bigclient_error(exc, self, row if isinstance(row, int) else None
                                     ) from None

    # -- incentives (D-21…D-25) ---------------------------------------------------------
    def _incentives(self) -> Any:
        section = self._compiled.get("incentives")
        if section is None:
            raise InputError("incentives", None, _(
                "{id} {version} has no 'incentives:' section: it pays no one").format(
                    id=self.id, version=self.version))
        return section

    def pay(self, employee: Mapping[str, Any], period: str, measures: Mapping[str, Any], *,
            history: typing.Sequence[Mapping[str, Any]] = (),
            projects: typing.Sequence[Mapping[str, Any]] = ()) -> Payslip:
        """One employee's payslip for ``period`` (``2024-03``, ``2024-Q1``, ``2024-H1``,
        ``2024``). ``history``: the measures of the earlier quarters of the year a point
        scheme's advance depends on (all four quarters for a year); ``projects``: key
        projects for a year's project awards. Pure: re-runnable for any past period."""
        with guarding(self, pay=True):
            payslip: Payslip = self._incentives().pay(employee, self._in_force(period),
                                                      measures, history=history,
                                                      projects=projects)
        return payslip

    def _in_force(self, period: str) -> Period:
        """The period, if this version is in force for all of it: a past period is paid with
        the rules then in force (``Registry.get(id, on=period.first_day)``), never with a
        later version by mistake."""
        from bigclient.sections.incentives.period import parse_period
        p = parse_period(period)
        start, end = self.effective_from, self.effective_to
        if p.first_day < start or (end is not None and p.last_day > end):
            until = _(" until {end}").format(end=end) if end is not None else ""
            raise InputError("period", str(p), _(
                "{id} {version} is in force from {start}{until}, not for all of {period}: "
                "pay it with the version in force then (bigclient.Registry(...).get(id, "
                "on=...))").format(id=self.id, version=self.version, start=start,
                                    until=until, period=str(p)))
        return p

    def settle_year(self, employee: Mapping[str, Any],
                    quarters: typing.Sequence[Mapping[str, Any]], *,
                    year: int | None = None) -> YearSettlement:
        """The star point scheme's year-end balance: the year's award minus the quarterly
        advances (D-23), never below zero unless the ruleset claws back."""
        if year is not None:
            self._in_force(str(year))
        with guarding(self, pay=True):
            settlement: YearSettlement = self._incentives().settle_year(employee, quarters,
                                                                        year=year)
        return settlement

    def review_grade(self, employee: Mapping[str, Any], period: str,
                     measures: Mapping[str, Any]) -> GradeReview:
        """The half-yearly grade proposal for one client manager (D-22)."""
        with guarding(self, pay=True):
            review: GradeReview = self._incentives().review_grade(
                employee, self._in_force(period), measures)
        return review

    def compete(self, competition: str, teams: typing.Sequence[Mapping[str, Any]],
                period: str) -> CompetitionResult:
        """Settle a competition between teams for one period: prizes, penalties (D-25)."""
        inc = self._incentives()
        comp = inc.competitions.get(competition)
        if comp is None:
            raise InputError("competition", competition, _(
                "not a competition of this ruleset; competitions: {ids}").format(
                    ids=", ".join(inc.competitions) or "—"))
        with guarding(self, pay=True):
            result: CompetitionResult = comp.settle(teams, self._in_force(period), inc.round)
        return result

    def due_contacts(self, clients: Iterable[Mapping[str, Any]],
                     contacts: Iterable[Mapping[str, Any]], today: dt.date) -> DueReport:
        """Contacts due on ``today`` under this ruleset's ``contacts:`` (D-20); pure."""
        section = self._compiled.get("contacts")
        if section is None:
            raise InputError("contacts", None, _("{id} {version} has no 'contacts:' "
                                                 "section").format(id=self.id,
                                                                   version=self.version))
        report: DueReport = section.due(clients, contacts, today)  # type: ignore[attr-defined]
        return report

    def assess(self, scorecard: str | None, facts: Mapping[str, Any] | BaseModel,
               period: str | None = None, *, row: int | None = None) -> Scorecard:
        """Score one subject on a scorecard of ``scorecards:`` (D-26, D-27); ``scorecard``
        may be None when the ruleset has only one. Pure, like ``evaluate``."""
        section = self._compiled.get("scorecards")
        if section is None:
            raise InputError("scorecard", scorecard, _("{id} {version} has no 'scorecards:' "
                                                       "section").format(id=self.id,
                                                                         version=self.version))
        result: Scorecard = section.assess(  # type: ignore[attr-defined]
            scorecard, _as_mapping(facts), period, row=row, ruleset=self.id,
            version=self.version)
        return result


def _as_mapping(value: Mapping[str, Any] | BaseModel) -> Mapping[str, Any]:
    return as_mapping(value)


def _camel(text: str) -> str:
    return "".join(p.capitalize() for p in re.split(r"[-_]", text))


# -- loading -----------------------------------------------------------------------


def from_located(src: Located) -> Ruleset:
    """Validate and compile already-read YAML data."""
    from bigclient.language.load_messages import document_shape
    from bigclient.language.validation import validate_spec
    from bigclient.spec import RulesetSpec
    if not isinstance(src.data, dict):
        raise RulesetError([src.problem((), document_shape(src.data), code="BC100")])
    return Ruleset(validate_spec(RulesetSpec, src), src)


def from_text(text: str, file: str = "<string>") -> Ruleset:
    """Parse, validate and compile YAML text (``bigclient.load_text`` also looks in the
    compile cache first)."""
    from bigclient.language.source import parse_text
    return from_located(parse_text(text, file))


def _compile_revived(rs: Ruleset, text: str, file: str) -> None:
    """Compile a revived ruleset in full (``Ruleset.__getattr__`` calls this, under a
    lock): compiled as its own object, whose parts are copied in — all but its fused
    function, since the revived one is the same code and names ``rs`` as its plan."""
    full = from_text(text, file)
    rs.__dict__.update({k: v for k, v in full.__dict__.items() if k not in ("_fused", "_fast")})
    del rs.__dict__["_revived"]

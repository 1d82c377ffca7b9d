"""What a ruleset section is: the one shape the ruleset, ``validate``, ``diff``, ``explain``
and the docs generator iterate over, so that adding a section means adding one room.

A section owns a top-level key of the ruleset file. It says what the key holds (a pydantic
model and its description), compiles it once at load, decides its part of every decision,
checks it statically, words its changes for ``diff`` and explains its part of a decision.
Nothing outside the section's room knows its fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from bigclient.errors import Problem
from bigclient.fused.gen import CannotFuse, Gen
from bigclient.language.common import Label
from bigclient.language.expr import Ty
from bigclient.language.ranges import Ranges
from bigclient.language.source import Located, YamlPath

Words = tuple[str, str, str]
"""A change in policy words: (kind, English, Chinese)."""


@dataclass
class CompileContext:
    """What every section's compiler is given, and where it reports problems."""

    src: Located
    names: dict[str, Ty]  # every name an expression may use, with its type
    lines: tuple[str, ...]
    line_labels: Mapping[str, Label]
    name_labels: dict[str, Label]  # inputs, context and derived values, for explanations
    value_labels: Mapping[str, Mapping[str, Label]]  # enum inputs: value → label
    score_step: Decimal
    money_step: Decimal
    rounding_mode: str
    problems: list[Problem]
    compiled: dict[str, Any] = field(default_factory=dict)  # sections compiled so far, by key
    failed_names: set[str] = field(default_factory=set)  # names that did not compile


@dataclass(slots=True)
class Verdict:
    """A decision being made: each section's ``decide`` fills in its part."""

    qualified: bool = False
    criteria: tuple[str, ...] = ()
    score: Decimal | None = None
    indicators: tuple[Any, ...] = ()
    computed: str | None = None
    tier: str | None = None
    flags: tuple[str, ...] = ()  # a tuple: most decisions raise none, and share this one
    override: Any = None
    routes: tuple[Any, ...] = ()  # who is responsible (routing, after the tier is final)
    notes: tuple[tuple[str, ...], ...] = ()  # (what, flag, …) for explain


class Decided(Protocol):
    """What an explanation reads of a decision (``bigclient.Decision`` has it)."""

    qualified: bool
    criteria: tuple[str, ...]
    score: Decimal | None
    computed_tier: str | None
    tier: str | None
    flags: tuple[str, ...]
    override: Any

    @property
    def routes(self) -> tuple[Any, ...]: ...

    @property
    def values(self) -> Mapping[str, Any]: ...

    @property
    def indicators(self) -> tuple[Any, ...]: ...

    @property
    def notes(self) -> tuple[tuple[str, ...], ...]: ...


@dataclass
class CaseOutcome:
    """What a section-run case produced: ``actual`` maps every expectable field to its
    value (Decimals, text, lists or maps of them); ``explanation`` is shown on failure."""

    actual: dict[str, Any]
    explanation: str = ""


class CompiledSection:
    """A section compiled for evaluation. Evaluation is pure: no clock, no I/O."""

    def decide(self, env: dict[str, Any], verdict: Verdict) -> None:
        """Add this section's part of the decision (in stage order)."""

    def conclude(self, env: dict[str, Any], verdict: Verdict) -> None:
        """Add what depends on the final tier (after any override): runs after ``settle``."""

    def settle(self, verdict: Verdict, request: Mapping[str, Any],
               on: dt.date | None) -> bool:
        """Apply a manual request (an override); True if this section handles it."""
        return False

    def explain(self, d: Decided, lang: str) -> list[str]:
        """This section's lines of the explanation of ``d`` (``lang``: en or zh)."""
        return []

    def emit(self, gen: Gen) -> None:
        """Write ``decide`` into the ruleset's fused function (:mod:`bigclient.fused`): the
        same operations in the same order, over locals. A section that decides but has
        no writer keeps its ruleset on the reference path."""
        raise CannotFuse(type(self).__name__)

    def emit_conclude(self, gen: Gen) -> None:
        """Write ``conclude`` into the fused function, as :meth:`emit` does ``decide``."""
        raise CannotFuse(type(self).__name__)


@dataclass(frozen=True)
class Element:
    """A list of named elements in a section, for ``diff``: matched by ``key``, not index."""

    kind: str
    en: str
    zh: str
    key: str = "id"


class Section:
    """One top-level key of a ruleset file. Subclasses override what they need."""

    key: str = ""
    stage: int = 0  # evaluation order: lower first
    explain_rank: int = 0  # order of the explanation's paragraphs
    elements: ClassVar[Mapping[YamlPath, Element]] = {}  # lists of named elements
    named_map: ClassVar[Element | None] = None  # the key is a map whose keys name elements
    positional: ClassVar[frozenset[YamlPath]] = frozenset()  # lists diffed row by row
    case_key: ClassVar[str | None] = None  # a case with this key is run by ``case`` below

    def spec_field(self) -> tuple[Any, Any]:
        """(annotation, pydantic Field) of the key in the ruleset model."""
        raise NotImplementedError

    def compile(self, part: Any, ctx: CompileContext) -> CompiledSection | None:
        return None

    def expressions(self, part: Any) -> Iterator[tuple[YamlPath, Any]]:
        """Every expression compiled at load, with its YAML path (for analysis)."""
        return iter(())

    def checks(self, part: Any, compiled: Any, src: Located, ranges: Ranges) -> list[Problem]:
        """Warnings and notes about a section that loaded (``bigclient validate``)."""
        return []

    def describe_early(self, path: YamlPath, old: Any, new: Any, frame: Any,
                       lines: Mapping[str, Any]) -> Words | None:
        """Words for a change this section names before the generic wording is tried."""
        return None

    def describe(self, path: YamlPath, old: Any, new: Any, frame: Any, en_name: str,
                 zh_name: str, lines: Mapping[str, Any]) -> Words | None:
        """Words for a change inside one of this section's elements."""
        return None

    def enter(self, path: YamlPath, old: Any, new: Any) -> Any:
        """The diff frame for a map entry this section names (e.g. an approving body)."""
        return None

    def whole(self, path: YamlPath) -> bool:
        """True if ``path`` is a whole named entry of this section (added or removed)."""
        return False

    def case(self, compiled: Any, given: Any, case: Mapping[str, Any]) -> CaseOutcome:
        """Run one YAML case that names ``case_key`` (e.g. ``pay:``) against the compiled
        section: the case's values, the fields an ``expect:`` may name, and an explanation."""
        raise NotImplementedError

    def added_detail(self, kind: str, what: Mapping[str, Any]) -> tuple[str, str] | None:
        """What to add after 'Tier added: gold' (en, zh), for an element of this section."""
        return None

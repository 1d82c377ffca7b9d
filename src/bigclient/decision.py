"""A decision about one client, and its explanation in Chinese or English.

The decision keeps the values it was computed from; the explanation is rendered only
when asked, so evaluation stays fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from bigclient.language.amounts import format_amount

if TYPE_CHECKING:  # not imported to run: a cached ruleset decides without pydantic
    from bigclient.language.common import Label
    from bigclient.sections.base import CompiledSection, Verdict


class Plan(Protocol):
    """What a decision reads of the ruleset that made it (``bigclient.Ruleset`` has it)."""

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def title(self) -> Label: ...

    @property
    def document(self) -> str: ...

    @property
    def explainers(self) -> Sequence[CompiledSection]: ...

    @property
    def tier_labels(self) -> Mapping[str, Label]: ...

    @property
    def _fused(self) -> Any: ...  # what builds a fused decision's values and indicators

class Decision:
    """What the ruleset decided for one client, and everything needed to explain it."""

    __slots__ = ("_ctx", "_env", "_identity", "_indicators", "_notes", "_raw", "_ruleset",
                 "computed_tier", "criteria", "flags", "override", "qualified", "routes",
                 "score", "tier")

    def __init__(self, plan: Plan, env: dict[str, Any], verdict: Verdict) -> None:
        self._ruleset = plan
        self._env = env
        self.qualified = verdict.qualified
        self.criteria = verdict.criteria
        self.score: Decimal | None = verdict.score
        self.computed_tier = verdict.computed
        self.tier = verdict.tier
        self.flags = tuple(verdict.flags)
        self.routes: tuple[Any, ...] = verdict.routes
        self.override = verdict.override
        self._indicators = verdict.indicators
        self._notes = tuple(verdict.notes)
        self._identity: Mapping[str, Any] | None = {}
        self._raw: Any = None  # a fused decision's raw values (see made_by_fused)
        self._ctx: Mapping[str, Any] = {}

    @property
    def identity(self) -> Mapping[str, Any]:
        """The ruleset's declared identity columns of the client (client_id, name…)."""
        found = self._identity
        if found is None:
            found = self._identity = self._ruleset._fused.identity(self._raw)
        return found

    @identity.setter
    def identity(self, value: Mapping[str, Any]) -> None:
        self._identity = value

    @property
    def tier_label(self) -> Label | None:
        """The final tier's label (zh/en) as policy staff name it; None without a tier."""
        return self._ruleset.tier_labels.get(self.tier) if self.tier is not None else None

    @property
    def route(self) -> Any:
        """The responsible unit's route (a ``Route``), or None: not a big client, no routing
        table, or no row matched (then the flag ``unrouted`` says so). With hit policy
        'collect' or a per-line row there may be several: see ``routes``."""
        return self.routes[0] if self.routes else None

    @property
    def ruleset(self) -> str:
        return f"{self._ruleset.id}@{self._ruleset.version}"

    @property
    def indicators(self) -> tuple[Any, ...]:
        found = self._indicators
        if found is None:
            found = self._indicators = self._ruleset._fused.indicators(self._raw)
        return found

    @property
    def notes(self) -> tuple[tuple[str, ...], ...]:
        """What a flag did to the decision (excluded it, capped its tier), for explain."""
        return self._notes

    @property
    def values(self) -> Mapping[str, Any]:
        """Inputs, context and derived values as the ruleset saw them."""
        env = self._env
        if env is None:
            env = self._env = self._ruleset._fused.values(self._raw, self._ctx)
        return env

    def __repr__(self) -> str:
        return (f"Decision(qualified={self.qualified}, criteria={self.criteria}, "
                f"score={self.score}, computed_tier={self.computed_tier!r}, tier={self.tier!r}, "
                f"flags={self.flags})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:  # its ruleset's text (cached) and raw results
        from bigclient.pickling import reduce_decision
        return reduce_decision(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: Decimals as strings, so no precision is lost on the way out."""
        return {
            "ruleset": self.ruleset,
            "identity": dict(self.identity),
            "qualified": self.qualified,
            "criteria": list(self.criteria),
            "score": None if self.score is None else str(self.score),  # at the declared step
            "computed_tier": self.computed_tier,
            "tier": self.tier,
            "flags": list(self.flags),
            "route": self.route.to_dict() if self.route is not None else None,
            "routes": [r.to_dict() for r in self.routes],
            "override": self.override.to_dict() if self.override else None,
            "indicators": {r.id: {"value": None if r.value is None else format_amount(r.value),
                                  "score": format_amount(r.score),
                                  "points": format_amount(r.points)}
                           for r in self.indicators},
        }

    def explain(self, lang: str = "en") -> str:
        """Every criterion, band, weight, cut-off and override that made this decision."""
        lang = "zh" if lang.startswith("zh") else "en"
        rs = self._ruleset
        out = [f"{rs.title(lang)} — {rs.id} {rs.version} ({rs.document})"]
        for section in rs.explainers:
            out.extend(section.explain(self, lang))
        return "\n".join(out)


_new = object.__new__


def made_by_fused(plan: Plan, raw: tuple[Any, ...], ctx: Mapping[str, Any], qualified: bool,
                  criteria: tuple[str, ...], score: Decimal | None, computed: str | None,
                  tier: str | None, flags: tuple[str, ...], routes: tuple[Any, ...],
                  notes: tuple[tuple[str, ...], ...]) -> Decision:
    """A decision of a ruleset's fused function (:mod:`bigclient.fused`): its values,
    indicator results and identity stay raw until asked for, since most callers read only
    the tier."""
    d: Decision = _new(Decision)
    d._ruleset = plan
    d._raw = raw
    d._ctx = ctx
    d._identity = None
    d._env = None  # type: ignore[assignment]
    d._indicators = None  # type: ignore[assignment]
    d.qualified = qualified
    d.criteria = criteria
    d.score = score
    d.computed_tier = computed
    d.tier = tier
    d.flags = flags
    d.routes = routes
    d.override = None
    d._notes = notes
    return d

"""The claim register: a ruleset's ownership rules applied to a claim store (D-16, D-17,
D-19).

The store decides races and keeps records; the register says what a claim means under the
ruleset before the store is called: which lines may be claimed, when an unsigned claim
lapses (only if the ruleset declares ``lapse: unsigned``), where a territory dispute is
escalated, and who may approve handing a manager's clients to another. It reads no clock:
every time is given by the caller, timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from bigclient.errors import BigClientError, InputError
from bigclient.i18n import _
from bigclient.ledger.base import MAX_KEY_LENGTH
from bigclient.ledger.claims import (
    Application,
    Claim,
    ClaimOutcome,
    ClaimRequest,
    ClaimStore,
    Escalation,
    Reassignment,
    aware,
    lapsed,
)
from bigclient.sections.ownership.rules import OwnershipRules

__all__ = ["ClaimRegister", "NotPermitted", "Orphan"]

WHOLE_CLIENT = "*"


class NotPermitted(BigClientError):
    """An approver whose permission level is not above both managers' (D-19)."""


@dataclass(frozen=True)
class Orphan:
    """A client (or one of its lines) nobody is responsible for (孤儿客户, D-19).

    ``reason``: "no_owner" (no unit owns it; ``line`` is "*" when no line of the client is
    owned), "no_manager" (its owning claim names no manager), "departed" (its manager is
    among those who left)."""

    client_key: str
    line: str
    reason: Literal["no_owner", "no_manager", "departed"]
    claim: Claim | None = None


def _text(name: str, value: Any, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(name, value, _("must be non-empty text"))
    if len(value) > MAX_KEY_LENGTH:
        raise InputError(name, None, _("must be at most {n} characters, found {found}").format(
            n=MAX_KEY_LENGTH, found=len(value)))
    return value


def _aware(name: str, value: Any) -> dt.datetime:
    aware(name, value)
    return cast(dt.datetime, value)


class ClaimRegister:
    """Registration, marketing applications, escalations and reassignment of one ruleset
    (``rules``) over one claim store (SQLite or PostgreSQL). Thread-safe as the store is."""

    def __init__(self, rules: OwnershipRules, store: ClaimStore) -> None:
        self.rules = rules
        self.store = store

    # -- what may be claimed ------------------------------------------------------------

    def _line(self, value: Any) -> str:
        line: str = _text("line", value)
        if self.rules.per == "client":
            if line != WHOLE_CLIENT:
                raise InputError("line", line, _(
                    "this ruleset registers whole clients (ownership per: client); give the "
                    "line as '*'"))
            return line
        if line not in self.rules.lines:
            raise InputError("line", line, _(
                "is not a business line of this ruleset; registrations are per line "
                "(ownership per: line). Lines: {lines}").format(
                lines=", ".join(self.rules.lines) or "-"))
        return line

    def _unit(self, name: str, value: Any) -> str:
        unit: str = _text(name, value)
        units = self.rules.units
        if units is not None and unit not in units:
            raise InputError(name, unit, _("is not a unit this ruleset declares; units: "
                                           "{units}").format(units=", ".join(sorted(units))))
        return unit

    # -- registration (报备) -------------------------------------------------------------

    def claim(self, client_key: str, line: str, unit: str, at: dt.datetime, *, key: str,
              by: str, manager: str | None = None, signed: bool = False,
              territory: str | None = None,
              business_place: str | None = None) -> ClaimOutcome:
        """Register ``client_key`` for ``line`` to ``unit`` (签到制: first to register owns).

        A claim that loses while its signing place (``territory``) and the place the
        business happens (``business_place``) differ is escalated to the claiming unit's
        next-higher centre (属地原则, D-17). The same ``key`` returns the first outcome."""
        client_key = _text("client_key", client_key)
        line = self._line(line)
        unit = self._unit("unit", unit)
        at = _aware("at", at)
        if not isinstance(signed, bool):
            raise InputError("signed", signed, _("must be true or false"))
        territory = _text("territory", territory, optional=True)
        business_place = _text("business_place", business_place, optional=True)
        escalate = None
        if territory is not None and business_place is not None and territory != business_place:
            escalate = self.rules.escalate_to(unit)
        return self.store.put_claim(ClaimRequest(
            client_key=client_key, line=line, unit=unit, at=at, key=_text("key", key),
            by=_text("by", by), manager=_text("manager", manager, optional=True),
            lapses_at=self.rules.lapses_at(at, signed), signed=signed, territory=territory,
            business_place=business_place, escalate_to=escalate))

    def sign(self, client_key: str, line: str, unit: str, at: dt.datetime) -> Claim:
        """The owning unit signed the agreement: its claim no longer lapses."""
        return self.store.sign(_text("client_key", client_key), self._line(line),
                               self._unit("unit", unit), _aware("at", at))

    def owner(self, client_key: str, line: str, at: dt.datetime | None = None) -> Claim | None:
        """The owning claim (None if nobody owns it, or, with ``at``, it has lapsed)."""
        return self.store.owner(_text("client_key", client_key), self._line(line),
                                None if at is None else _aware("at", at))

    def protected_until(self, claim: Claim) -> dt.datetime | None:
        """When the claim's marketing protection ends (None: without end, or signed)."""
        return None if claim.signed else self.rules.protected_until(claim.at)

    def claims(self, **filters: Any) -> list[Claim]:
        return self.store.claims(**filters)

    # -- marketing applications (营销申报) and escalations (上报裁决) ------------------------

    def apply(self, client_key: str, line: str, unit: str, at: dt.datetime, *, key: str,
              by: str, note: str = "") -> Application:
        """A unit that does not own the client applies to market to it (营销申报)."""
        client_key, line = _text("client_key", client_key), self._line(line)
        unit, at = self._unit("unit", unit), _aware("at", at)
        if not isinstance(note, str):
            raise InputError("note", note, _("must be text"))
        owner = self.store.owner(client_key, line, at)
        if owner is not None and owner.unit == unit:
            raise InputError("unit", unit, _(
                "owns client {client} (line {line}) already; a marketing application is for "
                "units that do not own it").format(client=client_key, line=line))
        return self.store.put_application(client_key, line, unit, at, key=_text("key", key),
                                          by=_text("by", by), note=note)

    def applications(self, *, client_key: str | None = None,
                     unit: str | None = None) -> list[Application]:
        return self.store.applications(client_key=client_key, unit=unit)

    def escalations(self, *, to: str | None = None) -> list[Escalation]:
        """Disputes waiting for a ruling, oldest first (``to``: one centre's)."""
        return self.store.escalations(to=to)

    # -- reassignment (转接责任) -----------------------------------------------------------

    def _level(self, name: str, level: Any) -> int:
        level = _text(name, level)
        try:
            return self.rules.rank(level)
        except ValueError:
            raise InputError(name, level, _("is not a permission level of this ruleset; "
                                            "levels, lowest first: {levels}").format(
                levels=", ".join(self.rules.levels) or "-")) from None

    def reassign(self, from_manager: str, to_manager: str, *, by: str, by_level: str,
                 at: dt.datetime, manager_levels: Mapping[str, str] | None = None,
                 from_level: str | None = None, to_level: str | None = None) -> Reassignment:
        """Hand every client ``from_manager`` owns to ``to_manager``, all or none.

        The approver (``by``, at permission level ``by_level``) must stand strictly above
        both managers (客户经理的变动需要通过上级权限来完成确认, D-19). The managers' levels
        come from ``from_level``/``to_level`` or from ``manager_levels`` (name → level)."""
        from_manager = _text("from_manager", from_manager)
        to_manager = _text("to_manager", to_manager)
        if from_manager == to_manager:
            raise InputError("to_manager", to_manager, _("is the same manager as "
                                                         "from_manager; nothing would move"))
        levels = manager_levels or {}
        from_level = from_level if from_level is not None else levels.get(from_manager)
        to_level = to_level if to_level is not None else levels.get(to_manager)
        for who, name, level in ((from_manager, "from_level", from_level),
                                 (to_manager, "to_level", to_level)):
            if level is None:
                raise InputError(name, None, _("the permission level of manager {who} is not "
                                               "given; it is needed to check the approver "
                                               "stands above it").format(who=who))
        approver = self._level("by_level", by_level)
        ranks = {from_level: self._level("from_level", from_level),
                 to_level: self._level("to_level", to_level)}
        top = max(ranks.values())
        if approver <= top:
            above = [lv for lv in self.rules.levels[top + 1:]]
            raise NotPermitted(_(
                "{by} at level {level} may not approve moving the clients of {src} (level "
                "{src_level}) to {dst} (level {dst_level}): the approver must stand above "
                "both managers. Levels, lowest first: {levels}. Ask someone at {above}").format(
                by=by, level=by_level, src=from_manager, src_level=from_level, dst=to_manager,
                dst_level=to_level, levels=" < ".join(self.rules.levels),
                above=" or ".join(above) or _("(no higher level is declared)")))
        return self.store.move_manager(from_manager, to_manager, by=_text("by", by),
                                       level=by_level, at=_aware("at", at))

    def reassignments(self) -> list[Reassignment]:
        return self.store.reassignments()

    # -- orphans (孤儿客户) -----------------------------------------------------------------

    def orphans(self, client_keys: Iterable[str], departed: Iterable[str] = (), *,
                at: dt.datetime | None = None) -> list[Orphan]:
        """Every client of ``client_keys`` nobody owns (with ``at``: lapsed counts as
        nobody), and every owned line whose manager is missing or among ``departed``;
        in the order given, lines in claim order."""
        when = None if at is None else _aware("at", at)
        gone = set(departed)
        owning: dict[str, list[Claim]] = {}
        for c in self.store.claims(status="owner"):
            if when is not None and lapsed(c, when):
                continue
            owning.setdefault(c.client_key, []).append(c)
        out: list[Orphan] = []
        seen: set[str] = set()
        for key in client_keys:
            if key in seen:
                continue
            seen.add(key)
            held = owning.get(key, [])
            if not held:
                out.append(Orphan(key, WHOLE_CLIENT, "no_owner"))
                continue
            for c in held:
                if c.manager is None:
                    out.append(Orphan(key, c.line, "no_manager", c))
                elif c.manager in gone:
                    out.append(Orphan(key, c.line, "departed", c))
        return out


def register_for(ruleset: str, compiled: Any, store: ClaimStore) -> ClaimRegister:
    """The register of a ruleset's compiled ownership section (for ``Ruleset.claims``)."""
    rules = getattr(compiled, "rules", None)
    if not isinstance(rules, OwnershipRules):
        raise BigClientError(_("the ruleset {ruleset} has no 'ownership:' section, so it does "
                               "not say how clients are registered; add one (see "
                               "docs/howto/claims.md)").format(ruleset=ruleset))
    return ClaimRegister(rules, store)

"""Ownership claims (D-16, D-17, D-19): the records a claim store keeps and the contract
every store (SQLite, PostgreSQL) follows.

A claim is (client, line, unit, time). The store is the register of 报备: the first claim
that *reaches the store* for a (client, line) owns it (签到制, "谁先报备，该客户即为谁所有").
Each store call is one atomic transaction, so two units claiming at once end with exactly
one owner, and the loser is told who won. Rules that need the ruleset (how long protection
lasts, where a dispute escalates, who may approve a reassignment) are applied before the
store is called, by :class:`bigclient.ledger.register.ClaimRegister`; the store only keeps
records and decides races.

Times are timezone-aware ``datetime`` values given by the caller: stores read no clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast, runtime_checkable

from bigclient.errors import InputError, StoreError
from bigclient.i18n import _

ClaimStatus = Literal["owner", "lost", "lapsed", "moved"]
"""owner: the claim owns its (client, line) now; lost: another claim owned it when this one
arrived; lapsed: it owned, but its protection ended unsigned and a later claim took over;
moved: superseded when ownership was handed on (reserved for stores that re-key claims)."""


class NotOwner(StoreError):
    """A unit acted as the owner of a (client, line) it does not own (e.g. signing it):
    nobody owns it, another unit does, or its claim lapsed unsigned."""


@dataclass(frozen=True)
class ClaimRequest:
    """What a unit files to register a client for one business line (报备)."""

    client_key: str  # the host's client key (a big-client ID or any stable key)
    line: str  # a line id of the ruleset; "*" for a claim on the whole client
    unit: str  # the claiming unit id (e.g. county_center)
    at: dt.datetime  # when it was filed (aware)
    key: str  # idempotency key: the same key returns the same outcome, never a second claim
    by: str  # who filed it (a person or service), for the record
    manager: str | None = None  # the client manager made responsible (D-18/D-19)
    lapses_at: dt.datetime | None = None  # end of protection if still unsigned; None: never
    signed: bool = False  # the agreement is already signed (no lapse)
    territory: str | None = None  # where the agreement is/will be signed (属地), a region
    business_place: str | None = None  # where the business actually happens, a region
    escalate_to: str | None = None  # the centre that rules if this claim loses (D-17)


@dataclass(frozen=True)
class Claim:
    """A claim as the store keeps it."""

    claim_id: int
    client_key: str
    line: str
    unit: str
    at: dt.datetime
    key: str
    by: str
    manager: str | None
    lapses_at: dt.datetime | None
    signed: bool
    territory: str | None
    business_place: str | None
    status: ClaimStatus


@dataclass(frozen=True)
class Escalation:
    """A competing claim sent up for a ruling (上报上一级大客户中心裁决, D-17)."""

    escalation_id: int
    client_key: str
    line: str
    claim_id: int  # the losing claim
    claimant: str  # its unit
    owner: str  # the owning unit when it arrived
    to: str  # the centre asked to rule
    at: dt.datetime


@dataclass(frozen=True)
class ClaimOutcome:
    """What a claim got: ownership, or the current owner back (and maybe an escalation)."""

    claim: Claim  # this request as recorded
    won: bool
    owner: Claim  # the owning claim now (``claim`` itself when won)
    escalation: Escalation | None = None
    new: bool = True  # False: an earlier call with the same key, returned again


@dataclass(frozen=True)
class Application:
    """A marketing application (营销申报) by a unit that does not own the client (D-16)."""

    application_id: int
    client_key: str
    line: str
    unit: str
    owner: str | None  # the owning unit when filed (None: nobody owned it)
    at: dt.datetime
    key: str
    by: str
    note: str


@dataclass(frozen=True)
class Reassignment:
    """A completed hand-over of one manager's clients to another (转接责任, D-19)."""

    reassignment_id: int
    from_manager: str
    to_manager: str
    by: str  # the approver
    level: str  # the approver's permission level
    at: dt.datetime
    claims: int  # how many owning claims moved


def lapsed(claim: Claim, at: dt.datetime) -> bool:
    """Has ``claim``'s protection ended unsigned by ``at`` (D-16, when a ruleset declares
    lapse)? The one rule both stores apply."""
    return not claim.signed and claim.lapses_at is not None and claim.lapses_at <= at


def aware(name: str, value: Any, *, optional: bool = False) -> None:
    """Stores read no clock and keep instants: a time without a zone is refused."""
    if optional and value is None:
        return
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InputError(name, value, _("must be a date and time with a time zone (for "
                                        "example 2026-03-01T09:00:00+08:00); bigclient "
                                        "reads no clock and guesses no zone"))


Time = Callable[[Any], Any]
"""How a store's row gives back a time (SQLite: ISO text; PostgreSQL: already a datetime)."""


def _same(value: Any) -> Any:
    return value


def claim_row(row: Sequence[Any], time: Time = _same) -> Claim:
    """A claim from a row in the column order both stores select."""
    return Claim(claim_id=int(row[0]), client_key=row[1], line=row[2], unit=row[3],
                 at=time(row[4]), key=row[5], by=row[6], manager=row[7],
                 lapses_at=None if row[8] is None else time(row[8]), signed=bool(row[9]),
                 territory=row[10], business_place=row[11], status=cast(ClaimStatus, row[12]))


def escalation_row(row: Sequence[Any], time: Time = _same) -> Escalation:
    return Escalation(escalation_id=int(row[0]), client_key=row[1], line=row[2],
                      claim_id=int(row[3]), claimant=row[4], owner=row[5], to=row[6],
                      at=time(row[7]))


def application_row(row: Sequence[Any], time: Time = _same) -> Application:
    return Application(application_id=int(row[0]), client_key=row[1], line=row[2],
                       unit=row[3], owner=row[4], at=time(row[5]), key=row[6], by=row[7],
                       note=row[8])


def reassignment_row(row: Sequence[Any], time: Time = _same) -> Reassignment:
    return Reassignment(reassignment_id=int(row[0]), from_manager=row[1], to_manager=row[2],
                        by=row[3], level=row[4], at=time(row[5]), claims=int(row[6]))


@runtime_checkable
class ClaimStore(Protocol):
    """What a claim store must do. Each method is one atomic transaction.

    Raises :class:`bigclient.ledger.KeyConflict` when a key is reused for a different
    request, and :class:`bigclient.errors.StoreError` (never a driver exception) otherwise.
    """

    def put_claim(self, req: ClaimRequest) -> ClaimOutcome:
        """Record a claim. If nobody owns (client_key, line), or the owner's claim lapsed
        (``lapses_at <= req.at`` and not signed; it becomes ``lapsed``), it wins. Otherwise
        it is recorded as ``lost``, the owner is returned, and if ``req.escalate_to`` is set
        an :class:`Escalation` is recorded and returned with it."""
        ...

    def sign(self, client_key: str, line: str, unit: str, at: dt.datetime) -> Claim:
        """The owning unit signed the agreement: its claim no longer lapses."""
        ...

    def owner(self, client_key: str, line: str,
              at: dt.datetime | None = None) -> Claim | None:
        """The owning claim, or None. With ``at``: None if it has lapsed by then."""
        ...

    def claims(self, *, client_key: str | None = None, line: str | None = None,
               unit: str | None = None, manager: str | None = None,
               status: ClaimStatus | None = None) -> list[Claim]:
        """Recorded claims, oldest first, filtered by what is given."""
        ...

    def put_application(self, client_key: str, line: str, unit: str, at: dt.datetime, *,
                        key: str, by: str, note: str = "") -> Application:
        """Record a marketing application; the owner at that moment is recorded with it."""
        ...

    def applications(self, *, client_key: str | None = None,
                     unit: str | None = None) -> list[Application]:
        ...

    def escalations(self, *, to: str | None = None) -> list[Escalation]:
        ...

    def move_manager(self, from_manager: str, to_manager: str, *, by: str, level: str,
                     at: dt.datetime) -> Reassignment:
        """Give every owning claim of ``from_manager`` to ``to_manager`` in one transaction
        (all or none), and record who approved it."""
        ...

    def reassignments(self) -> list[Reassignment]:
        ...

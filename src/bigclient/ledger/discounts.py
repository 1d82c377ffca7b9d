"""Approved concessions (D-28): the record a discount store keeps and the contract every
store (SQLite, PostgreSQL) follows.

A record is (client, contract, line, concession, approver, approval date, minutes
reference), stored only for a :class:`~bigclient.sections.discounts.DiscountDecision` that
was approved. The store is append-only: a later concession for the same (client, contract,
line) replaces the earlier one as the one in force (``replaces`` points back to it), and
the earlier stays in the history. "Later" is the order records reach the store; each call
is one atomic transaction, so two records arriving at once are chained, never lost.

A record is keyed by (client, contract, line, reference): recording the same approval again
(a retry) returns the first record (``new=False``); the same key for a different concession
is a :class:`~bigclient.ledger.KeyConflict`. Times are aware datetimes given by the caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal, Protocol, runtime_checkable

from bigclient.errors import InputError, StoreError
from bigclient.i18n import _
from bigclient.ledger.base import KeyConflict, LedgerMismatch, text_arg
from bigclient.ledger.claims import aware
from bigclient.sections.discounts import DiscountDecision

Kind = Literal["ratio", "amount"]


class NotApproved(StoreError):
    """Only an approved concession is recorded."""


@dataclass(frozen=True)
class DiscountRecord:
    """An approved concession as the store keeps it."""

    record_id: int
    client: str
    contract: str
    line: str
    kind: Kind  # ratio (share of the tariff) or amount (money)
    value: Decimal
    approver: str
    approved_on: dt.date
    reference: str  # minutes or document of the approval
    ruleset: str  # id and version of the ruleset that checked it
    version: str
    by: str  # who recorded it
    at: dt.datetime  # when it was recorded (aware)
    replaces: int | None  # the record it replaced as the one in force, if any
    new: bool = True  # False: recorded before with the same key, returned again


@dataclass(frozen=True)
class NewRecord:
    """What a store inserts: the approved request, checked and flattened."""

    client: str
    contract: str
    line: str
    kind: Kind
    value: Decimal
    approver: str
    approved_on: dt.date
    reference: str
    ruleset: str
    version: str
    by: str
    at: dt.datetime

    def same(self, rec: DiscountRecord) -> bool:
        return (rec.kind, rec.value, rec.approver, rec.approved_on) == (
            self.kind, self.value, self.approver, self.approved_on)


def new_record(decision: DiscountDecision, by: str, at: dt.datetime) -> NewRecord:
    """Refuse what must not be recorded (a refused decision, a naive time, empty text)."""
    if not isinstance(decision, DiscountDecision):
        raise InputError("decision", decision, _("must be the DiscountDecision that "
                                                 "Ruleset.approve_discount returned"))
    if not decision.approved:
        raise NotApproved(_(
            "the concession for client {client} (contract {contract}) was refused ({reasons}); "
            "only an approved concession is recorded").format(
            client=decision.request.client, contract=decision.request.contract,
            reasons=", ".join(decision.codes)))
    text_arg("by", by)
    aware("at", at)
    req = decision.request
    for name in ("client", "contract", "line", "approver", "reference"):
        text_arg(name, getattr(req, name))
    return NewRecord(req.client, req.contract, req.line, req.kind, req.value, req.approver,
                     req.approved_on, req.reference, decision.ruleset, decision.version, by,
                     at)


def conflict(rec: DiscountRecord, want: NewRecord) -> KeyConflict:
    return KeyConflict(_(
        "client {client}, contract {contract}, line {line}: the approval {reference} was "
        "already recorded (record #{id}: {kind} {value}, {approver}, {day}); a different "
        "concession needs its own reference").format(
        client=rec.client, contract=rec.contract, line=rec.line, reference=rec.reference,
        id=rec.record_id, kind=rec.kind, value=rec.value, approver=rec.approver,
        day=rec.approved_on.isoformat()))


def check_ruleset(ledger: Any, serves: str, want: NewRecord) -> None:
    """A ledger keeps the concessions of the ruleset it serves, and no other's."""
    if serves != want.ruleset:
        raise LedgerMismatch(_(
            "the ledger at {path} serves ruleset {theirs}, but this concession was approved "
            "under {ours}; record it in the ledger of {ours}").format(
            path=ledger, theirs=serves, ours=want.ruleset))


Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def record_row(row: Sequence[Any], time: Convert = _same, day: Convert = _same,
               new: bool = True) -> DiscountRecord:
    """A record from a row in the column order both stores select (:data:`COLUMNS`)."""
    kind: Kind = "ratio" if row[4] == "ratio" else "amount"
    return DiscountRecord(record_id=int(row[0]), client=row[1], contract=row[2], line=row[3],
                          kind=kind, value=Decimal(str(row[5])), approver=row[6],
                          approved_on=day(row[7]), reference=row[8], ruleset=row[9],
                          version=row[10], by=row[11], at=time(row[12]),
                          replaces=None if row[13] is None else int(row[13]), new=new)


def again(rec: DiscountRecord) -> DiscountRecord:
    return replace(rec, new=False)


COLUMNS = ("record_id, client, contract, line, kind, value, approver, approved_on, reference, "
           "ruleset, version, recorded_by, recorded_at, replaces")


@runtime_checkable
class DiscountStore(Protocol):
    """What a discount store must do. Each method is one atomic transaction; errors are
    :class:`bigclient.errors.StoreError` (never a driver exception)."""

    def record_discount(self, decision: DiscountDecision, *, by: str,
                        at: dt.datetime) -> DiscountRecord:
        """Record an approved concession; it replaces the one in force for its (client,
        contract, line), which stays in the history. Refuses a refused decision
        (:class:`NotApproved`)."""
        ...

    def current_discount(self, client: str, contract: str, line: str) -> DiscountRecord | None:
        """The concession in force for (client, contract, line): the last recorded."""
        ...

    def discount_history(self, *, client: str | None = None, contract: str | None = None,
                         line: str | None = None) -> list[DiscountRecord]:
        """Every recorded concession, oldest first, filtered by what is given."""
        ...

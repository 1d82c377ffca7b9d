"""The ledger's shared vocabulary: the protocol every store follows, its records, its
errors, and the allocator that turns sequences into IDs (stores live beside it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from bigclient.errors import InputError, InvalidComponent, InvalidId, StoreError
from bigclient.i18n import _
from bigclient.sections.ids.scheme import DEFAULT_SCHEME, ClientId, IdScheme

MAX_KEY_LENGTH = 200


class KeyConflict(StoreError):
    """An idempotency key was reused for a different request (another region or client)."""


class UnknownHeadquarters(StoreError):
    """A branch was asked for under a headquarters ID this ledger never allocated."""


class NoLedger(StoreError):
    """No ledger file where one was expected (it is never created on its own: D-12)."""


class LedgerMismatch(StoreError):
    """The ledger serves another ruleset or ID scheme, or is not the ledger that was there."""


class NoIdScheme(LedgerMismatch):
    """The ledger serves a ruleset without an ID scheme (a records ledger): it keeps claims
    and concessions, and refuses to allocate or import IDs."""


NO_SCHEME = ""
"""What a records ledger stores in its ``scheme`` and ``scheme_json`` columns (both NOT NULL
since format 2, so a ledger file made before records ledgers reads the same way)."""


def stored_scheme(scheme: IdScheme | None) -> tuple[str, str]:
    """The ``scheme`` and ``scheme_json`` columns of a new ledger (:data:`NO_SCHEME` twice
    for a records ledger)."""
    if scheme is None:
        return NO_SCHEME, NO_SCHEME
    return scheme.fingerprint, scheme.model_dump_json()


def no_id_scheme(where: object, ruleset: str) -> NoIdScheme:
    """The one plain refusal of anything ID-related on a records ledger."""
    return NoIdScheme(_(
        "the ledger {where} serves {ruleset}, which has no ID scheme: it records claims and "
        "concessions, not IDs. IDs come from the ledger of a ruleset with an 'ids:' section "
        "(docs/ids.md)").format(where=where, ruleset=ruleset))


class StaleLedger(StoreError):
    """The ledger holds fewer allocations than its high-water mark: an old backup or a copy
    without its -wal file. Allocating from it could hand an ID out twice."""


class BackupFile(StoreError):
    """The file is a backup (made by ``bigclient id backup``): restore it, never allocate
    from it, or two ledgers would hand out the same numbers."""


@dataclass(frozen=True)
class LedgerInfo:
    """What a ledger says about itself: which ruleset and ID scheme it serves (D-12)."""

    ledger_id: str  # random, made at creation: tells two ledgers of one ruleset apart
    ruleset: str  # the ruleset id, e.g. shantou-postal
    scheme: str | None  # IdScheme.fingerprint it was created for; None: a records ledger
    created_at: str  # ISO 8601, UTC
    generation: int  # allocations recorded so far (new IDs and imported ones)
    backup_taken_at: str | None = None  # set when this file is a backup, not a ledger in use


@dataclass(frozen=True)
class Allocation:
    """One recorded allocation, as the ledger keeps it."""

    id: str  # compact text
    kind: Literal["client", "branch"]
    region: str
    sequence: int
    branch: int
    headquarters: str  # compact text of the headquarters ID (the ID itself for a client)
    key: str
    by: str
    at: str  # ISO 8601, UTC
    new: bool = True  # False: an earlier allocation with the same key was returned


def same_request(kind: Literal["client", "branch"], owner: str, key: str
                 ) -> Callable[[Allocation], Allocation]:
    """The check every store makes of an allocation found under ``key``: it must be the same
    request (a client of that region, or a branch of that headquarters), else KeyConflict."""
    target = f"a client in region {owner}" if kind == "client" else f"a branch of {owner}"

    def check(rec: Allocation) -> Allocation:
        same = rec.region == owner if kind == "client" else rec.headquarters == owner
        if rec.kind != kind or not same:
            what = (f"client {rec.id} in region {rec.region}" if rec.kind == "client"
                    else f"branch {rec.id} of {rec.headquarters}")
            raise KeyConflict(f"key {key!r} was already used by {rec.by} at {rec.at} for "
                              f"{what}; it cannot also allocate {target}. Use a new key "
                              "for a new request")
        return rec
    return check


MakeId = Callable[[int], ClientId]
"""Builds the ID for a sequence (client) or branch number; pure, called inside the transaction."""


@runtime_checkable
class Ledger(Protocol):
    """What an ID store must do. Each call is atomic; none may return the same ID twice.

    Implementations raise :class:`ExhaustedError` when ``last`` is passed,
    :class:`KeyConflict` when ``key`` was used for something else,
    :class:`UnknownHeadquarters` for a branch under an unrecorded headquarters, and
    :class:`StoreError` (never a driver exception) for anything else.
    """

    def allocate_client(self, region: str, *, key: str, by: str, first: int, last: int,
                        make_id: MakeId) -> Allocation:
        """Record the next client of ``region`` (numbers ``first``..``last``)."""
        ...

    def allocate_branch(self, headquarters: str, *, key: str, by: str, first: int, last: int,
                        make_id: MakeId) -> Allocation:
        """Record the next branch of the client whose headquarters ID is ``headquarters``."""
        ...

    def get(self, id: str) -> Allocation | None:
        """The allocation of a compact ID, or None."""
        ...

    def get_by_key(self, key: str) -> Allocation | None:
        """The allocation made with an idempotency key, or None."""
        ...

    def info(self) -> LedgerInfo:
        """Which ruleset and ID scheme this ledger serves."""
        ...

    def close(self) -> None:
        """Release the connection (the ledger reopens it when used again)."""
        ...


def text_arg(name: str, value: Any) -> str:
    """Keys, names and ids handed to a store: non-empty text of bounded length."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(name, value, "must be non-empty text")
    if len(value) > MAX_KEY_LENGTH:
        raise InputError(name, None, f"must be at most {MAX_KEY_LENGTH} characters, "
                                     f"found {len(value)}")
    return value


class IdAllocator:
    """Allocates big-client IDs of one scheme from one ledger (D-11, D-12).

    Thread-safe and process-safe as far as the ledger is (SqliteLedger: both).
    """

    def __init__(self, scheme: IdScheme | None, ledger: Ledger) -> None:
        self.scheme = DEFAULT_SCHEME if scheme is None else scheme
        self.ledger = ledger
        info = ledger.info()
        if info.scheme is None:
            raise no_id_scheme(ledger, info.ruleset)
        if info.scheme != self.scheme.fingerprint:
            raise LedgerMismatch(_(
                "the ledger {ledger} serves ruleset {ruleset} with IDs of {theirs}, but "
                "this ID scheme makes {ours}; one ledger serves one ID scheme. Use that "
                "ruleset's scheme, or create a ledger for this one (bigclient id init)").format(
                ledger=ledger, ruleset=info.ruleset, theirs=info.scheme,
                ours=self.scheme.fingerprint))

    def new_client(self, region: str | int, *, key: str, by: str) -> ClientId:
        """A new headquarters-level ID (branch 000) in ``region``; same key, same ID."""
        key, by = text_arg("key", key), text_arg("by", by)
        code = self.scheme.check_region(region)
        seq = self.scheme.sequence
        hq = self.scheme.headquarters_branch
        rec = self.ledger.allocate_client(
            code, key=key, by=by, first=seq.first, last=seq.last,
            make_id=lambda n: self.scheme.make_id(code, n, hq))
        return self._result(rec)

    def new_branch(self, headquarters: ClientId | str, *, key: str, by: str) -> ClientId:
        """The next branch ID (001, 002, …) of a client whose headquarters this ledger made."""
        key, by = text_arg("key", key), text_arg("by", by)
        hq = ClientId.parse(headquarters, self.scheme)
        if not hq.is_headquarters:
            width = self.scheme.branch.width
            raise InvalidComponent(
                f"{hq.format()} is a branch ID ({self.scheme.span('branch')} are "
                f"{hq.branch:0{width}d}); branches are allocated under the headquarters ID, "
                f"{hq.headquarters.format()}")
        br = self.scheme.branch
        rec = self.ledger.allocate_branch(
            hq.compact, key=key, by=by, first=br.first + 1, last=br.last,
            make_id=lambda n: self.scheme.make_id(hq.region, hq.sequence, n))
        return self._result(rec)

    def lookup(self, id: ClientId | str) -> Allocation | None:
        """Who allocated an ID, when and with which key; None if this ledger never did."""
        return self.ledger.get(ClientId.parse(id, self.scheme).compact)

    def _result(self, rec: Allocation) -> ClientId:
        try:
            return ClientId.parse(rec.id, self.scheme)
        except InvalidId as exc:
            raise StoreError(f"the ledger holds {rec.id} for key {rec.key!r}, which does not fit "
                             f"this ID scheme ({exc}); was the scheme changed?") from None

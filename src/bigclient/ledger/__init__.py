"""Ledgers: the stores for what must persist: big-client ID allocation (D-11, D-12) and
ownership claims (D-16, D-17, D-19: :class:`ClaimStore`, :class:`ClaimRegister`).

A ledger hands out each ID once, ever, however many services allocate at once (D-12):
a per-region sequence counter, a per-headquarters branch counter and a record of every
ID allocated, changed together in one short transaction. Every allocation carries a
caller-chosen idempotency ``key``: asking again with the same key returns the same ID, so
a host service can retry after a timeout or a crash without minting a second ID.

:class:`Ledger` is the protocol a store implements; :class:`SqliteLedger` (a file) is the
embedded default, :class:`PostgresLedger` one shared by services on a PostgreSQL server
(:func:`open_ledger` picks by the target: a ``postgresql://`` URL or a file path).
:class:`IdAllocator` joins a ruleset's ID scheme to a ledger. A ruleset without an ID
scheme still has a ledger for its claims and concessions (``create(..., scheme=None)``, a
"records ledger"), which refuses every allocation (:class:`NoIdScheme`).
"""

from __future__ import annotations

from bigclient.errors import ExhaustedError, StoreError
from bigclient.ledger.base import (
    Allocation,
    BackupFile,
    IdAllocator,
    KeyConflict,
    Ledger,
    LedgerInfo,
    LedgerMismatch,
    NoIdScheme,
    NoLedger,
    StaleLedger,
    UnknownHeadquarters,
)
from bigclient.ledger.claims import (
    Application,
    Claim,
    ClaimOutcome,
    ClaimRequest,
    ClaimStore,
    Escalation,
    NotOwner,
    Reassignment,
)
from bigclient.ledger.discounts import DiscountRecord, DiscountStore, NotApproved
from bigclient.ledger.importing import ImportRefused, ImportResult, import_csv
from bigclient.ledger.locate import create_ledger, open_ledger
from bigclient.ledger.postgres import PostgresLedger
from bigclient.ledger.register import ClaimRegister, NotPermitted, Orphan
from bigclient.ledger.sqlite import SqliteLedger

__all__ = [
    "Allocation",
    "Application",
    "BackupFile",
    "Claim",
    "ClaimOutcome",
    "ClaimRegister",
    "ClaimRequest",
    "ClaimStore",
    "DiscountRecord",
    "DiscountStore",
    "Escalation",
    "ExhaustedError",
    "IdAllocator",
    "ImportRefused",
    "ImportResult",
    "KeyConflict",
    "Ledger",
    "LedgerInfo",
    "LedgerMismatch",
    "NoIdScheme",
    "NoLedger",
    "NotApproved",
    "NotOwner",
    "NotPermitted",
    "Orphan",
    "PostgresLedger",
    "Reassignment",
    "SqliteLedger",
    "StaleLedger",
    "StoreError",
    "UnknownHeadquarters",
    "create_ledger",
    "import_csv",
    "open_ledger",
]

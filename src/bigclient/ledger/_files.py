"""The ledger file's layout and its failures in words (used by :mod:`.sqlite`)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from bigclient.errors import StoreError
from bigclient.i18n import _
from bigclient.ledger.base import NoLedger

SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE ledger (                   -- one row: what this ledger serves (D-12)
    one          INTEGER PRIMARY KEY CHECK (one = 1),
    ledger_id    TEXT NOT NULL,         -- random, made at creation
    ruleset      TEXT NOT NULL,         -- ruleset id, e.g. shantou-postal
    scheme       TEXT NOT NULL,         -- IdScheme.fingerprint
    scheme_json  TEXT NOT NULL,         -- the whole ids: section it was created with
    created_at   TEXT NOT NULL,
    generation   INTEGER NOT NULL,      -- allocations recorded so far
    backup_taken_at TEXT                -- set in a copy made by backup(): never allocate from it
);
CREATE TABLE region_counter (
    region TEXT PRIMARY KEY,            -- GB/T 2260 division code, 6-digit text
    last   INTEGER NOT NULL             -- last client sequence number allocated
);
CREATE TABLE branch_counter (
    headquarters TEXT PRIMARY KEY,      -- compact headquarters ID
    last         INTEGER NOT NULL       -- last branch number allocated
);
CREATE TABLE allocation (
    id           TEXT PRIMARY KEY,      -- compact ID, never reused
    kind         TEXT NOT NULL CHECK (kind IN ('client', 'branch')),
    region       TEXT NOT NULL,
    sequence     INTEGER NOT NULL,
    branch       INTEGER NOT NULL,
    headquarters TEXT NOT NULL,
    key          TEXT NOT NULL UNIQUE,  -- idempotency key
    allocated_by TEXT NOT NULL,
    allocated_at TEXT NOT NULL,
    UNIQUE (region, sequence, branch)
);
CREATE INDEX allocation_headquarters ON allocation (headquarters);
"""
COLUMNS = "id, kind, region, sequence, branch, headquarters, key, allocated_by, allocated_at"

SQLITE_BUSY, SQLITE_LOCKED = 5, 6
SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN = 8, 10, 11, 13, 14
SQLITE_NOTADB = 26


def transient(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED):
        return True
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def store_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """A driver error as a plain sentence (why: staff read it, not SQLite's jargon)."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary in (SQLITE_CORRUPT, SQLITE_NOTADB) or "malformed" in text \
            or "not a database" in text:
        msg = _("the ledger at {path} is damaged or is not a bigclient ledger (SQLite says: "
                "{reason}). Do not allocate from it: check it with `bigclient id check "
                "{path}` and restore it from your latest backup (docs/ids.md)")
    elif primary == SQLITE_FULL or "disk is full" in text:
        msg = _("the disk holding the ledger at {path} is full ({reason}); free some space "
                "and try again. Nothing was allocated")
    elif primary == SQLITE_READONLY or "readonly" in text:
        msg = _("the ledger at {path} cannot be written ({reason}); check the file's and its "
                "folder's permissions (SQLite writes {path}-wal and {path}-shm beside it)")
    elif primary in (SQLITE_CANTOPEN, SQLITE_IOERR) or "unable to open" in text:
        msg = _("the ledger at {path} cannot be opened or read ({reason}); check that the "
                "path is a file on a local disk and that you may read and write its folder")
    else:
        msg = _("the ledger at {path} failed: {reason}")
    return StoreError(msg.format(path=path, reason=exc))


def no_ledger(path: Path) -> NoLedger:
    if path.is_dir():
        return NoLedger(_("{path} is a folder, not a ledger file; give the path of the "
                          "ledger file itself (for example {path}/ids.db)").format(path=path))
    return NoLedger(_(
        "there is no ledger at {path}. A ledger is never created on its own, so that a lost "
        "or moved file cannot silently start again from sequence 1 and hand out IDs twice. "
        "Create a new one with `bigclient id init {path} --ruleset RULESET` (Python: "
        "SqliteLedger.create), or restore yours from its backup").format(path=path))


def file_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)



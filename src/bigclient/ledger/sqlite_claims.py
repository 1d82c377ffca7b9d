"""Ownership claims in the SQLite ledger file (D-16, D-17, D-19): the :class:`ClaimStore`
half of :class:`bigclient.ledger.SqliteLedger`, which inherits it.

Why it is built this way (PITFALLS.md, "SQLite ledger"):

- every call is ONE ``BEGIN IMMEDIATE`` transaction (the ledger's ``_transaction``, with
  its retries on a busy file): the read of the owner and the insert that follows see no one
  else, so two units claiming at once end with one owner and the loser reads the winner in
  the same transaction (never "nobody owns it");
- a partial UNIQUE index allows one ``owner`` row per (client, line): even a bug in the
  logic above could not record two owners;
- the tables are created with ``IF NOT EXISTS`` inside the first write transaction, so a
  ledger made before claims existed gains them, and the file format stays 2;
- times are stored as UTC ISO text with microseconds, which sorts as time does;
- a claim write checks the ledger's high-water mark as allocation does: an old backup has
  forgotten claims too, and first-claim-wins on it would hand clients to the wrong unit.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from bigclient.i18n import _
from bigclient.ledger.base import KeyConflict
from bigclient.ledger.claims import (
    Application,
    Claim,
    ClaimOutcome,
    ClaimRequest,
    ClaimStatus,
    Escalation,
    NotOwner,
    Reassignment,
    application_row,
    aware,
    claim_row,
    escalation_row,
    lapsed,
    reassignment_row,
)

T = TypeVar("T")
_TIME = dt.datetime.fromisoformat  # times are kept as UTC ISO text

CLAIM_SCHEMA = """
CREATE TABLE IF NOT EXISTS claim (          -- every registration (报备) ever filed, D-16
    claim_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    client_key     TEXT NOT NULL,
    line           TEXT NOT NULL,           -- a line id, or '*' for the whole client
    unit           TEXT NOT NULL,
    at             TEXT NOT NULL,           -- UTC ISO 8601, microseconds
    key            TEXT NOT NULL UNIQUE,    -- idempotency key
    filed_by       TEXT NOT NULL,
    manager        TEXT,
    lapses_at      TEXT,
    signed         INTEGER NOT NULL CHECK (signed IN (0, 1)),
    territory      TEXT,
    business_place TEXT,
    escalate_to    TEXT,
    status         TEXT NOT NULL CHECK (status IN ('owner', 'lost', 'lapsed', 'moved')),
    won            INTEGER NOT NULL CHECK (won IN (0, 1)),  -- the outcome when filed
    owner_claim    INTEGER NOT NULL         -- the claim that owned when this one arrived
);
CREATE UNIQUE INDEX IF NOT EXISTS claim_one_owner ON claim (client_key, line)
    WHERE status = 'owner';
CREATE INDEX IF NOT EXISTS claim_pair ON claim (client_key, line);
CREATE INDEX IF NOT EXISTS claim_manager ON claim (manager) WHERE status = 'owner';
CREATE TABLE IF NOT EXISTS claim_escalation (   -- 上报上一级大客户中心裁决, D-17
    escalation_id INTEGER PRIMARY KEY AUTOINCREMENT,
    claim_id      INTEGER NOT NULL UNIQUE REFERENCES claim (claim_id),
    client_key    TEXT NOT NULL,
    line          TEXT NOT NULL,
    claimant      TEXT NOT NULL,
    owner         TEXT NOT NULL,
    to_unit       TEXT NOT NULL,
    at            TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claim_application (  -- 营销申报, D-16
    application_id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_key     TEXT NOT NULL,
    line           TEXT NOT NULL,
    unit           TEXT NOT NULL,
    owner          TEXT,
    at             TEXT NOT NULL,
    key            TEXT NOT NULL UNIQUE,
    filed_by       TEXT NOT NULL,
    note           TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claim_reassignment (  -- 转接责任, D-19
    reassignment_id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_manager    TEXT NOT NULL,
    to_manager      TEXT NOT NULL,
    approved_by     TEXT NOT NULL,
    level           TEXT NOT NULL,
    at              TEXT NOT NULL,
    claims          INTEGER NOT NULL
);
"""
_STATEMENTS = [s for s in CLAIM_SCHEMA.split(";") if s.strip()]
_CLAIM = ("claim_id, client_key, line, unit, at, key, filed_by, manager, lapses_at, signed, "
          "territory, business_place, status")
_ESCALATION = "escalation_id, client_key, line, claim_id, claimant, owner, to_unit, at"
_APPLICATION = "application_id, client_key, line, unit, owner, at, key, filed_by, note"
_REASSIGNMENT = "reassignment_id, from_manager, to_manager, approved_by, level, at, claims"


def _text(at: dt.datetime, name: str = "at") -> str:
    aware(name, at)
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")






class SqliteClaims:
    """The claim store of a ledger file; mixed into :class:`SqliteLedger`, whose
    connection, retries and high-water mark it uses."""

    _claims_conn: sqlite3.Connection | None = None  # the connection the tables were seen on

    if TYPE_CHECKING:  # provided by SqliteLedger
        def _run(self, work: Callable[[sqlite3.Connection], T]) -> T: ...

        def _transaction(self, body: Callable[[sqlite3.Connection], T]) -> T: ...

        def _check_mark(self, conn: sqlite3.Connection) -> None: ...

    # -- plumbing -----------------------------------------------------------------------

    def _claims_ready(self, conn: sqlite3.Connection, write: bool) -> bool:
        """Create the claim tables (in a write transaction) or say whether they exist."""
        if self._claims_conn is conn:
            return True
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                        "name = 'claim_reassignment'").fetchone() is not None:
            self._claims_conn = conn  # committed before this call: no rollback undoes it
            return True
        if write:  # not remembered: this transaction may still roll back
            for statement in _STATEMENTS:
                conn.execute(statement)
        return write

    def _claim_write(self, body: Callable[[sqlite3.Connection], T]) -> T:
        def work(conn: sqlite3.Connection) -> T:
            self._claims_ready(conn, True)
            self._check_mark(conn)
            return body(conn)
        return self._transaction(work)

    def _claim_read(self, body: Callable[[sqlite3.Connection], T], empty: T) -> T:
        def work(conn: sqlite3.Connection) -> T:
            return body(conn) if self._claims_ready(conn, False) else empty
        return self._run(work)

    @staticmethod
    def _get(conn: sqlite3.Connection, claim_id: int) -> Claim:
        row = conn.execute(f"SELECT {_CLAIM} FROM claim WHERE claim_id = ?",
                           (claim_id,)).fetchone()
        return claim_row(row, _TIME)

    @staticmethod
    def _owner_row(conn: sqlite3.Connection, client_key: str, line: str) -> Claim | None:
        row = conn.execute(f"SELECT {_CLAIM} FROM claim WHERE client_key = ? AND line = ? "
                           "AND status = 'owner'", (client_key, line)).fetchone()
        return None if row is None else claim_row(row, _TIME)

    @staticmethod
    def _key_elsewhere(conn: sqlite3.Connection, key: str, table: str, what: str) -> None:
        row = conn.execute(f"SELECT filed_by, at FROM {table} WHERE key = ?", (key,)).fetchone()
        if row is not None:
            raise KeyConflict(_("key {key!r} was already used by {by} at {at} for {what}; "
                                "use a new key for a new request").format(
                key=key, by=row[0], at=row[1], what=what))

    # -- claims -------------------------------------------------------------------------

    def put_claim(self, req: ClaimRequest) -> ClaimOutcome:
        at = _text(req.at)
        lapses = None if req.lapses_at is None else _text(req.lapses_at)

        def replay(conn: sqlite3.Connection, row: tuple[Any, ...]) -> ClaimOutcome:
            mine = claim_row(row[:13], _TIME)
            if (mine.client_key, mine.line, mine.unit) != (req.client_key, req.line, req.unit):
                raise KeyConflict(_(
                    "key {key!r} was already used by {by} at {at} to register client "
                    "{client} (line {line}) for unit {unit}; it cannot also register client "
                    "{new_client} (line {new_line}) for unit {new_unit}. Use a new key for a "
                    "new request").format(
                    key=req.key, by=mine.by, at=mine.at.isoformat(), client=mine.client_key,
                    line=mine.line, unit=mine.unit, new_client=req.client_key,
                    new_line=req.line, new_unit=req.unit))
            won, owner_id = bool(row[13]), int(row[14])
            esc = conn.execute(f"SELECT {_ESCALATION} FROM claim_escalation WHERE claim_id = ?",
                               (mine.claim_id,)).fetchone()
            owner = mine if owner_id == mine.claim_id else self._get(conn, owner_id)
            return ClaimOutcome(claim=mine, won=won, owner=owner, new=False,
                                escalation=None if esc is None else escalation_row(esc, _TIME))

        def body(conn: sqlite3.Connection) -> ClaimOutcome:
            row = conn.execute(f"SELECT {_CLAIM}, won, owner_claim FROM claim WHERE key = ?",
                               (req.key,)).fetchone()
            if row is not None:
                return replay(conn, row)
            self._key_elsewhere(conn, req.key, "claim_application", _("a marketing application"))
            owner = self._owner_row(conn, req.client_key, req.line)
            if owner is not None and lapsed(owner, req.at):
                conn.execute("UPDATE claim SET status = 'lapsed' WHERE claim_id = ?",
                             (owner.claim_id,))
                owner = None
            status = "owner" if owner is None else "lost"
            cur = conn.execute(
                "INSERT INTO claim (client_key, line, unit, at, key, filed_by, manager, "
                "lapses_at, signed, territory, business_place, escalate_to, status, won, "
                "owner_claim) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (req.client_key, req.line, req.unit, at, req.key, req.by, req.manager, lapses,
                 int(req.signed), req.territory, req.business_place, req.escalate_to, status,
                 int(owner is None)))
            claim_id = int(cast(int, cur.lastrowid))
            conn.execute("UPDATE claim SET owner_claim = ? WHERE claim_id = ?",
                         (claim_id if owner is None else owner.claim_id, claim_id))
            mine = self._get(conn, claim_id)
            if owner is None:
                return ClaimOutcome(claim=mine, won=True, owner=mine)
            escalation = None
            if req.escalate_to is not None:
                cur = conn.execute(
                    "INSERT INTO claim_escalation (claim_id, client_key, line, claimant, owner, "
                    "to_unit, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (claim_id, req.client_key, req.line, req.unit, owner.unit, req.escalate_to,
                     at))
                escalation = Escalation(
                    escalation_id=int(cast(int, cur.lastrowid)), client_key=req.client_key,
                    line=req.line, claim_id=claim_id, claimant=req.unit, owner=owner.unit,
                    to=req.escalate_to, at=mine.at)
            return ClaimOutcome(claim=mine, won=False, owner=owner, escalation=escalation)

        return self._claim_write(body)

    def sign(self, client_key: str, line: str, unit: str, at: dt.datetime) -> Claim:
        _text(at)

        def body(conn: sqlite3.Connection) -> Claim:
            owner = self._owner_row(conn, client_key, line)
            if owner is None:
                raise NotOwner(_("nobody has registered client {client} (line {line}), so "
                                 "unit {unit} cannot sign it as its owner; register it first"
                                 ).format(client=client_key, line=line, unit=unit))
            if owner.unit != unit:
                raise NotOwner(_("client {client} (line {line}) belongs to unit {owner} "
                                 "(registered {at}), not to {unit}; only the owning unit "
                                 "signs it").format(client=client_key, line=line,
                                                    owner=owner.unit, unit=unit,
                                                    at=owner.at.isoformat()))
            if lapsed(owner, at):  # as owner(at) says: its protection ended unsigned
                raise NotOwner(_("the claim of {unit} on client {client} (line {line}) lapsed "
                                 "unsigned at {lapsed}, before {at}; register it again to own "
                                 "it").format(unit=unit, client=client_key, line=line,
                                              lapsed=owner.lapses_at, at=at.isoformat()))
            conn.execute("UPDATE claim SET signed = 1 WHERE claim_id = ?", (owner.claim_id,))
            return self._get(conn, owner.claim_id)

        return self._claim_write(body)

    def owner(self, client_key: str, line: str,
              at: dt.datetime | None = None) -> Claim | None:
        if at is not None:
            _text(at)
        found = self._claim_read(lambda conn: self._owner_row(conn, client_key, line), None)
        if found is not None and at is not None and lapsed(found, at):
            return None
        return found

    def claims(self, *, client_key: str | None = None, line: str | None = None,
               unit: str | None = None, manager: str | None = None,
               status: ClaimStatus | None = None) -> list[Claim]:
        given = {"client_key": client_key, "line": line, "unit": unit, "manager": manager,
                 "status": status}
        where = [f"{name} = ?" for name, value in given.items() if value is not None]
        values = [value for value in given.values() if value is not None]
        sql = f"SELECT {_CLAIM} FROM claim" + (" WHERE " + " AND ".join(where) if where
                                                 else "") + " ORDER BY claim_id"
        rows: list[tuple[Any, ...]] = self._claim_read(
            lambda conn: conn.execute(sql, values).fetchall(), [])
        return [claim_row(r, _TIME) for r in rows]

    # -- applications and escalations -----------------------------------------------------

    def put_application(self, client_key: str, line: str, unit: str, at: dt.datetime, *,
                        key: str, by: str, note: str = "") -> Application:
        when = _text(at)

        def body(conn: sqlite3.Connection) -> Application:
            row = conn.execute(f"SELECT {_APPLICATION} FROM claim_application WHERE key = ?",
                               (key,)).fetchone()
            if row is not None:
                seen = application_row(row, _TIME)
                if (seen.client_key, seen.line, seen.unit) != (client_key, line, unit):
                    raise KeyConflict(_(
                        "key {key!r} was already used by {by} at {at} for unit {unit}'s "
                        "marketing application on client {client} (line {line}); use a new "
                        "key for a new request").format(
                        key=key, by=seen.by, at=seen.at.isoformat(), unit=seen.unit,
                        client=seen.client_key, line=seen.line))
                return seen
            self._key_elsewhere(conn, key, "claim", _("a registration (claim)"))
            owner = self._owner_row(conn, client_key, line)
            owning = None if owner is None or lapsed(owner, at) else owner.unit
            cur = conn.execute(
                "INSERT INTO claim_application (client_key, line, unit, owner, at, key, "
                "filed_by, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (client_key, line, unit, owning, when, key, by, note))
            return application_row(conn.execute(
                f"SELECT {_APPLICATION} FROM claim_application WHERE application_id = ?",
                (cur.lastrowid,)).fetchone(), _TIME)

        return self._claim_write(body)

    def applications(self, *, client_key: str | None = None,
                     unit: str | None = None) -> list[Application]:
        given = {"client_key": client_key, "unit": unit}
        where = [f"{name} = ?" for name, value in given.items() if value is not None]
        values = [value for value in given.values() if value is not None]
        sql = f"SELECT {_APPLICATION} FROM claim_application" + (
            " WHERE " + " AND ".join(where) if where else "") + " ORDER BY application_id"
        rows: list[tuple[Any, ...]] = self._claim_read(
            lambda conn: conn.execute(sql, values).fetchall(), [])
        return [application_row(r, _TIME) for r in rows]

    def escalations(self, *, to: str | None = None) -> list[Escalation]:
        sql = f"SELECT {_ESCALATION} FROM claim_escalation" + (
            " WHERE to_unit = ?" if to is not None else "") + " ORDER BY escalation_id"
        values = [] if to is None else [to]
        rows: list[tuple[Any, ...]] = self._claim_read(
            lambda conn: conn.execute(sql, values).fetchall(), [])
        return [escalation_row(r, _TIME) for r in rows]

    # -- reassignment ---------------------------------------------------------------------

    def move_manager(self, from_manager: str, to_manager: str, *, by: str, level: str,
                     at: dt.datetime) -> Reassignment:
        when = _text(at)

        def body(conn: sqlite3.Connection) -> Reassignment:
            moved = conn.execute("UPDATE claim SET manager = ? WHERE manager = ? AND "
                                 "status = 'owner'", (to_manager, from_manager)).rowcount
            cur = conn.execute(
                "INSERT INTO claim_reassignment (from_manager, to_manager, approved_by, level, "
                "at, claims) VALUES (?, ?, ?, ?, ?, ?)",
                (from_manager, to_manager, by, level, when, moved))
            return reassignment_row(conn.execute(
                f"SELECT {_REASSIGNMENT} FROM claim_reassignment WHERE reassignment_id = ?",
                (cur.lastrowid,)).fetchone(), _TIME)

        return self._claim_write(body)

    def reassignments(self) -> list[Reassignment]:
        rows: list[tuple[Any, ...]] = self._claim_read(lambda conn: conn.execute(
            f"SELECT {_REASSIGNMENT} FROM claim_reassignment ORDER BY reassignment_id"
        ).fetchall(), [])
        return [reassignment_row(r, _TIME) for r in rows]

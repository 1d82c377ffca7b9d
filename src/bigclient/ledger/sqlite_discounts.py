"""Approved concessions (D-28) in the SQLite ledger file: the :class:`DiscountStore` half
of :class:`bigclient.ledger.SqliteLedger`, which inherits it.

Built as the claims are (PITFALLS.md, "SQLite ledger"): every write is ONE ``BEGIN
IMMEDIATE`` transaction (the ledger's retries on a busy file), so reading the record in
force and inserting the one that replaces it see no one else; ``replaces`` is UNIQUE, so
even a bug could not fork a history; the table is created ``IF NOT EXISTS`` in the first
write transaction (a ledger made before discounts gains it; the file format stays 2).
Values are kept as decimal text (exact), dates as ISO text, times as UTC ISO text.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from bigclient.ledger.discounts import (
    COLUMNS,
    DiscountRecord,
    again,
    check_ruleset,
    conflict,
    new_record,
    record_row,
)
from bigclient.sections.discounts import DiscountDecision

T = TypeVar("T")

DISCOUNT_SCHEMA = """
CREATE TABLE IF NOT EXISTS discount (      -- approved concessions, append-only (D-28)
    record_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    client      TEXT NOT NULL,
    contract    TEXT NOT NULL,              -- marketing contract (营销合同) number
    line        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('ratio', 'amount')),
    value       TEXT NOT NULL,              -- exact decimal text
    approver    TEXT NOT NULL,
    approved_on TEXT NOT NULL,              -- YYYY-MM-DD
    reference   TEXT NOT NULL,              -- minutes / document of the approval
    ruleset     TEXT NOT NULL,
    version     TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,              -- UTC ISO 8601, microseconds
    replaces    INTEGER UNIQUE REFERENCES discount (record_id),
    UNIQUE (client, contract, line, reference)
);
CREATE INDEX IF NOT EXISTS discount_triple ON discount (client, contract, line, record_id);
"""
_STATEMENTS = [s for s in DISCOUNT_SCHEMA.split(";") if s.strip()]
_TIME = dt.datetime.fromisoformat
_DAY = dt.date.fromisoformat


class SqliteDiscounts:
    """The discount store of a ledger file; mixed into :class:`SqliteLedger`."""

    _discounts_conn: sqlite3.Connection | None = None

    if TYPE_CHECKING:  # provided by SqliteLedger
        def _run(self, work: Callable[[sqlite3.Connection], T]) -> T: ...

        def _transaction(self, body: Callable[[sqlite3.Connection], T]) -> T: ...

        def _check_mark(self, conn: sqlite3.Connection) -> None: ...

    def _discounts_ready(self, conn: sqlite3.Connection, write: bool) -> bool:
        if self._discounts_conn is conn:
            return True
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                        "name = 'discount'").fetchone() is not None:
            self._discounts_conn = conn
            return True
        if write:  # not remembered: this transaction may still roll back
            for statement in _STATEMENTS:
                conn.execute(statement)
        return write

    @staticmethod
    def _latest(conn: sqlite3.Connection, client: str, contract: str,
                line: str) -> DiscountRecord | None:
        row = conn.execute(f"SELECT {COLUMNS} FROM discount WHERE client = ? AND contract = ? "
                           "AND line = ? ORDER BY record_id DESC LIMIT 1",
                           (client, contract, line)).fetchone()
        return None if row is None else record_row(row, _TIME, _DAY)

    def record_discount(self, decision: DiscountDecision, *, by: str,
                        at: dt.datetime) -> DiscountRecord:
        want = new_record(decision, by, at)

        def body(conn: sqlite3.Connection) -> DiscountRecord:
            self._discounts_ready(conn, True)
            self._check_mark(conn)  # an old backup has forgotten concessions too
            check_ruleset(self, conn.execute("SELECT ruleset FROM ledger").fetchone()[0], want)
            row = conn.execute(f"SELECT {COLUMNS} FROM discount WHERE client = ? AND "
                               "contract = ? AND line = ? AND reference = ?",
                               (want.client, want.contract, want.line,
                                want.reference)).fetchone()
            if row is not None:
                seen = record_row(row, _TIME, _DAY)
                if not want.same(seen):
                    raise conflict(seen, want)
                return again(seen)
            before = self._latest(conn, want.client, want.contract, want.line)
            cur = conn.execute(
                "INSERT INTO discount (client, contract, line, kind, value, approver, "
                "approved_on, reference, ruleset, version, recorded_by, recorded_at, replaces) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (want.client, want.contract, want.line, want.kind, str(want.value),
                 want.approver, want.approved_on.isoformat(), want.reference, want.ruleset,
                 want.version, want.by,
                 want.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                 None if before is None else before.record_id))
            got = conn.execute(f"SELECT {COLUMNS} FROM discount WHERE record_id = ?",
                               (cur.lastrowid,)).fetchone()
            return record_row(got, _TIME, _DAY)

        return self._transaction(body)

    def current_discount(self, client: str, contract: str, line: str) -> DiscountRecord | None:
        def read(conn: sqlite3.Connection) -> DiscountRecord | None:
            if not self._discounts_ready(conn, False):
                return None
            return self._latest(conn, client, contract, line)
        return self._run(read)

    def discount_history(self, *, client: str | None = None, contract: str | None = None,
                         line: str | None = None) -> list[DiscountRecord]:
        given = {"client": client, "contract": contract, "line": line}
        where = [f"{name} = ?" for name, value in given.items() if value is not None]
        values = [value for value in given.values() if value is not None]
        sql = f"SELECT {COLUMNS} FROM discount" + (
            " WHERE " + " AND ".join(where) if where else "") + " ORDER BY record_id"

        def read(conn: sqlite3.Connection) -> list[Any]:
            if not self._discounts_ready(conn, False):
                return []
            return conn.execute(sql, values).fetchall()
        return [record_row(r, _TIME, _DAY) for r in self._run(read)]


__all__ = ["DISCOUNT_SCHEMA", "SqliteDiscounts"]

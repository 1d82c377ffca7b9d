"""The embedded ledger: one SQLite file, safe for many threads and processes at once.

Why it is built this way (see PITFALLS.md, "SQLite ledger"):

- every allocation is ONE short ``BEGIN IMMEDIATE`` transaction. A deferred transaction
  reads, then fails to upgrade to a write lock ("database is locked") under contention;
  autocommit read-then-write hands out duplicates. IMMEDIATE takes the write lock first,
  so the read of the counter and the writes that follow see no one else;
- WAL journal: readers never block the writer, and a process killed mid-transaction
  leaves the file consistent (the uncommitted tail of the WAL is ignored);
- ``synchronous=FULL`` by default: a committed allocation survives a power cut, so an ID
  already handed out is never handed out again after a restart (D-12);
- the busy timeout waits for the lock; anything still "locked" or "busy" is retried with
  backoff up to a deadline, so callers never see a transient lock;
- a connection is never carried across ``fork``: a child process opens its own.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from bigclient.errors import ExhaustedError, StoreError
from bigclient.sections.ids.scheme import ClientId

from . import Allocation, KeyConflict, MakeId, UnknownHeadquarters

# Counter table and its key column per kind of allocation (fixed names, never user text).
_COUNTERS = {"client": ("region_counter", "region"),
             "branch": ("branch_counter", "headquarters")}

__all__ = ["SqliteLedger"]

T = TypeVar("T")

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS region_counter (
    region TEXT PRIMARY KEY,            -- GB/T 2260 division code, 6-digit text
    last   INTEGER NOT NULL             -- last client sequence number allocated
);
CREATE TABLE IF NOT EXISTS branch_counter (
    headquarters TEXT PRIMARY KEY,      -- compact headquarters ID
    last         INTEGER NOT NULL       -- last branch number allocated
);
CREATE TABLE IF NOT EXISTS allocation (
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
CREATE INDEX IF NOT EXISTS allocation_headquarters ON allocation (headquarters);
"""
COLUMNS = "id, kind, region, sequence, branch, headquarters, key, allocated_by, allocated_at"

SQLITE_BUSY, SQLITE_LOCKED = 5, 6


def _transient(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED):
        return True
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _row(row: tuple[Any, ...], new: bool = True) -> Allocation:
    return Allocation(id=row[0], kind=row[1], region=row[2], sequence=row[3], branch=row[4],
                      headquarters=row[5], key=row[6], by=row[7], at=row[8], new=new)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqliteLedger:
    """A ledger in one SQLite file (created on first use unless ``create=False``).

    ``timeout``: how long, in seconds, an allocation may wait for other writers before a
    :class:`StoreError` says the ledger is overloaded. ``durable=False`` trades safety on
    power loss (not on a process crash) for speed; keep the default for real IDs.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 60.0,
                 durable: bool = True, create: bool = True,
                 clock: Callable[[], dt.datetime] = _utc_now) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.durable = durable
        self.clock = clock
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        if not create and not self.path.exists():
            raise StoreError(f"no ledger at {self.path}: the file does not exist")
        self._run(lambda conn: None)  # open now, so a bad path is reported here

    def __repr__(self) -> str:
        return f"SqliteLedger({str(self.path)!r})"

    def __enter__(self) -> SqliteLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connection and retries ---------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        wait = max(1, int(min(5.0, self.timeout) * 1000))  # per attempt, in ms
        conn = sqlite3.connect(self.path, timeout=wait / 1000, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {wait}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise StoreError(f"the ledger at {self.path} cannot use WAL journaling "
                                 f"(got {mode}); is it on a network file system?")
            conn.execute(f"PRAGMA synchronous = {'FULL' if self.durable else 'NORMAL'}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"the ledger at {self.path} was written by a newer bigclient "
                                 f"(format {version}); upgrade bigclient to use it")
            if version < SCHEMA_VERSION:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    # one statement at a time: executescript() would COMMIT on its own
                    for statement in SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        except BaseException:
            conn.close()
            raise
        return conn

    def _connection(self) -> sqlite3.Connection:
        pid = os.getpid()
        if self._conn is None or self._pid != pid:
            # After fork the parent's connection must not be touched, not even closed.
            self._conn = None
            self._conn = self._connect()
            self._pid = pid
        return self._conn

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` with retries on transient locks; translate driver errors."""
        deadline = time.monotonic() + self.timeout
        delay = 0.002
        with self._lock:
            while True:
                try:
                    return work(self._connection())
                except sqlite3.Error as exc:
                    if not _transient(exc):
                        raise StoreError(f"the ledger at {self.path} failed: {exc}") from exc
                    if time.monotonic() >= deadline:
                        raise StoreError(
                            f"the ledger at {self.path} stayed busy for {self.timeout:g} s "
                            "(other services hold it); try again later") from exc
                    if self._conn is not None and self._pid == os.getpid() \
                            and self._conn.in_transaction:
                        try:
                            self._conn.execute("ROLLBACK")
                        except sqlite3.Error:
                            self._conn = None  # start afresh next time round
                    time.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 2, 0.25)

    def _transaction(self, body: Callable[[sqlite3.Connection], T]) -> T:
        """``body`` inside one BEGIN IMMEDIATE … COMMIT, retried as a whole when busy."""
        def work(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = body(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return result
        return self._run(work)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    # -- allocation ---------------------------------------------------------------------

    def _now(self) -> str:
        return self.clock().astimezone(dt.UTC).isoformat(timespec="microseconds")

    def _by_key(self, conn: sqlite3.Connection, key: str) -> Allocation | None:
        row = conn.execute(f"SELECT {COLUMNS} FROM allocation WHERE key = ?", (key,)).fetchone()
        return None if row is None else _row(row, new=False)

    def _insert(self, conn: sqlite3.Connection, kind: Literal["client", "branch"], cid: ClientId,
                key: str, by: str) -> Allocation:
        rec = Allocation(id=cid.compact, kind=kind, region=cid.region, sequence=cid.sequence,
                         branch=cid.branch, headquarters=cid.headquarters.compact, key=key,
                         by=by, at=self._now())
        conn.execute(f"INSERT INTO allocation ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (rec.id, rec.kind, rec.region, rec.sequence, rec.branch, rec.headquarters,
                      rec.key, rec.by, rec.at))
        return rec

    def allocate_client(self, region: str, *, key: str, by: str, first: int, last: int,
                        make_id: MakeId) -> Allocation:
        return self._allocate("client", region, key=key, by=by, first=first, last=last,
                              make_id=make_id)

    def allocate_branch(self, headquarters: str, *, key: str, by: str, first: int, last: int,
                        make_id: MakeId) -> Allocation:
        def known_headquarters(conn: sqlite3.Connection) -> None:
            hq = conn.execute("SELECT kind FROM allocation WHERE id = ?",
                              (headquarters,)).fetchone()
            if hq is None or hq[0] != "client":
                raise UnknownHeadquarters(
                    f"{headquarters} was never allocated as a client in the ledger at "
                    f"{self.path}; allocate the headquarters first (new client), then its "
                    "branches")

        return self._allocate("branch", headquarters, key=key, by=by, first=first, last=last,
                              make_id=make_id, before=known_headquarters)

    def _allocate(self, kind: Literal["client", "branch"], owner: str, *, key: str, by: str,
                  first: int, last: int, make_id: MakeId,
                  before: Callable[[sqlite3.Connection], None] | None = None) -> Allocation:
        """One keyed allocation (D-12): a repeated key returns its first answer; otherwise the
        owner's next number (a region's sequence or a headquarters' branch), taken in one
        BEGIN IMMEDIATE transaction together with the record."""
        table, column = _COUNTERS[kind]
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

        def body(conn: sqlite3.Connection) -> Allocation:
            seen = self._by_key(conn, key)
            if seen is not None:
                return check(seen)
            if before is not None:
                before(conn)
            row = conn.execute(f"SELECT last FROM {table} WHERE {column} = ?",
                               (owner,)).fetchone()
            n = first if row is None else max(int(row[0]) + 1, first)
            if n > last:
                raise ExhaustedError(
                    f"region {owner} has no client sequence numbers left: all {first:,}-"
                    f"{last:,} are allocated, so no new client ID can be made there"
                    if kind == "client" else
                    f"client {owner} has no branch numbers left: all {first:,}-{last:,} "
                    "are allocated, so no new branch ID can be made for it")
            rec = self._insert(conn, kind, make_id(n), key, by)
            conn.execute(f"INSERT INTO {table} ({column}, last) VALUES (?, ?) "
                         f"ON CONFLICT ({column}) DO UPDATE SET last = excluded.last",
                         (owner, n))
            return rec

        seen = self.get_by_key(key)  # a retry needs no write lock
        return check(seen) if seen is not None else self._transaction(body)

    # -- reading ------------------------------------------------------------------------

    def get(self, id: str) -> Allocation | None:
        row = self._run(lambda conn: conn.execute(
            f"SELECT {COLUMNS} FROM allocation WHERE id = ?", (id,)).fetchone())
        return None if row is None else _row(cast(tuple[Any, ...], row), new=False)

    def get_by_key(self, key: str) -> Allocation | None:
        return self._run(lambda conn: self._by_key(conn, key))

    def allocations(self, region: str | None = None) -> list[Allocation]:
        """Every allocation (of one region), in ID order: for audits and exports."""
        def read(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            if region is None:
                return conn.execute(f"SELECT {COLUMNS} FROM allocation ORDER BY id").fetchall()
            return conn.execute(f"SELECT {COLUMNS} FROM allocation WHERE region = ? "
                                "ORDER BY id", (region,)).fetchall()
        return [_row(r, new=False) for r in self._run(read)]

    def check_integrity(self) -> list[str]:
        """Problems found by SQLite's own check and by ours (counters behind records)."""
        def read(conn: sqlite3.Connection) -> list[str]:
            out = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()
                   if r[0] != "ok"]
            out += [f"region {r[0]}: counter {r[1]} is behind allocated sequence {r[2]}"
                    for r in conn.execute(
                        "SELECT c.region, c.last, MAX(a.sequence) FROM allocation a "
                        "JOIN region_counter c ON c.region = a.region WHERE a.kind = 'client' "
                        "GROUP BY c.region HAVING MAX(a.sequence) > c.last")]
            out += [f"client {r[0]}: counter {r[1]} is behind allocated branch {r[2]}"
                    for r in conn.execute(
                        "SELECT c.headquarters, c.last, MAX(a.branch) FROM allocation a "
                        "JOIN branch_counter c ON c.headquarters = a.headquarters "
                        "WHERE a.kind = 'branch' GROUP BY c.headquarters "
                        "HAVING MAX(a.branch) > c.last")]
            return out
        return self._run(read)

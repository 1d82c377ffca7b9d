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
- a connection is never carried across ``fork``: a child process opens its own;
- the file is never created by opening it (a lost ledger must not silently start again at
  00001); it records the ruleset and ID scheme it serves, and a high-water mark beside it
  (:mod:`._highwater`) refuses an old backup or a copy without its ``-wal`` file;
- a records ledger (a ruleset without ``ids:``) stores no scheme (format still 2).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from bigclient.errors import ExhaustedError, StoreError
from bigclient.i18n import _
from bigclient.ledger import upkeep
from bigclient.ledger.base import (
    Allocation,
    BackupFile,
    LedgerInfo,
    LedgerMismatch,
    MakeId,
    NoLedger,
    StaleLedger,
    UnknownHeadquarters,
    no_id_scheme,
    same_request,
    stored_scheme,
)
from bigclient.ledger.sqlite_claims import SqliteClaims
from bigclient.ledger.sqlite_discounts import SqliteDiscounts
from bigclient.ledger.upkeep import BackupResult
from bigclient.sections.ids.scheme import ClientId, IdScheme

from ._files import (
    COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    file_identity,
    no_ledger,
    store_error,
    transient,
)
from ._highwater import Mark, mark_path, raise_mark, read_mark

# Counter table and its key column per kind of allocation (fixed names, never user text).
_COUNTERS = {"client": ("region_counter", "region"),
             "branch": ("branch_counter", "headquarters")}

__all__ = ["COLUMNS", "SqliteLedger", "store_error"]

T = TypeVar("T")

def _row(row: tuple[Any, ...], new: bool = True) -> Allocation:
    return Allocation(id=row[0], kind=row[1], region=row[2], sequence=row[3], branch=row[4],
                      headquarters=row[5], key=row[6], by=row[7], at=row[8], new=new)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqliteLedger(SqliteClaims, SqliteDiscounts):
    """A ledger in one SQLite file (big-client IDs, and ownership claims through
    :class:`SqliteClaims`, approved concessions through :class:`SqliteDiscounts`). Open an
    existing one with ``SqliteLedger(path)``; make a new one with :meth:`create` (never
    implicitly: D-12).

    ``ruleset`` / ``scheme``: when given, opening refuses a ledger made for another ruleset
    id or ID scheme (or, given a scheme, a records ledger, which has none). ``timeout``:
    how long, in seconds, an allocation may wait for other writers before a
    :class:`StoreError` says the ledger is overloaded. ``durable=False`` trades safety on
    power loss (not on a process crash) for speed; keep the default for real IDs.
    ``stale_ok=True`` opens a ledger that is behind its high-water mark (for
    :func:`import_csv` to bring it up to date) or a backup file (to check or read it);
    allocation from either is still refused.
    """

    def __init__(self, path: str | os.PathLike[str], *, ruleset: str | None = None,
                 scheme: IdScheme | None = None, timeout: float = 60.0,
                 durable: bool = True, stale_ok: bool = False,
                 clock: Callable[[], dt.datetime] = _utc_now) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.durable = durable
        self.clock = clock
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._identity: tuple[int, int] | None = None
        self._info: LedgerInfo | None = None
        self._scheme_json = ""
        if not self.path.is_file():
            raise no_ledger(self.path)
        info = self.info()  # opens now, so a bad file is reported here
        if ruleset is not None and ruleset != info.ruleset:
            raise LedgerMismatch(_(
                "the ledger at {path} serves ruleset {theirs}, not {ours}; each ruleset keeps "
                "its own ledger. Give the ledger of {ours}, or create one with `bigclient id "
                "init LEDGER --ruleset {ours}`").format(path=self.path, theirs=info.ruleset,
                                                        ours=ruleset))
        if scheme is not None and info.scheme is None:
            raise no_id_scheme(self.path, info.ruleset)
        if scheme is not None and scheme.fingerprint != info.scheme:
            raise LedgerMismatch(_(
                "the ledger at {path} (ruleset {ruleset}) serves IDs of {theirs}, but the ID "
                "scheme given makes {ours}; one ledger serves one ID scheme").format(
                path=self.path, ruleset=info.ruleset, theirs=info.scheme,
                ours=scheme.fingerprint))
        if not stale_ok:
            self._run(self._check_mark)

    @classmethod
    def create(cls, path: str | os.PathLike[str], *, ruleset: str, scheme: IdScheme | None,
               timeout: float = 60.0, durable: bool = True,
               clock: Callable[[], dt.datetime] = _utc_now) -> SqliteLedger:
        """Make a new, empty ledger for ``ruleset``'s ID ``scheme`` (None: a ruleset without
        one; the ledger then records claims and concessions, never IDs); refuse an existing
        file (or the high-water mark of a ledger that lived there: it was lost, not finished)."""
        where = Path(path)
        if not isinstance(ruleset, str) or not ruleset.strip():
            raise StoreError(_("a ledger must say which ruleset it serves: give the ruleset "
                               "id (for example shantou-postal), found {value!r}").format(
                value=ruleset))
        if where.exists():
            raise StoreError(_(
                "{path} already exists; a new ledger is never made over an existing file "
                "(it may hold IDs already handed out). Choose another path, or open the "
                "existing ledger").format(path=where))
        mark = read_mark(where)
        if mark is not None:
            raise StoreError(_(
                "a ledger lived at {path}: its high-water mark {mark} records {count} "
                "allocations (the last {last}). A new ledger there would hand those IDs out "
                "again. Restore the ledger from its backup (docs/ids.md); if it really is "
                "to start from nothing, delete {mark} first").format(
                path=where, mark=mark_path(where), count=mark.generation, last=mark.last_id))
        ledger_id = uuid.uuid4().hex
        try:
            fd = os.open(where, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.close(fd)
        except FileExistsError:
            raise StoreError(_("{path} already exists; a new ledger is never made over an "
                               "existing file").format(path=where)) from None
        except OSError as exc:
            raise StoreError(_("cannot create the ledger {path}: {reason}").format(
                path=where, reason=exc.strerror or exc)) from None
        try:
            conn = sqlite3.connect(where, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("BEGIN IMMEDIATE")
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT INTO ledger (one, ledger_id, ruleset, scheme, scheme_json, "
                             "created_at, generation) VALUES (1, ?, ?, ?, ?, ?, 0)",
                             (ledger_id, ruleset, *stored_scheme(scheme),
                              clock().astimezone(dt.UTC).isoformat(timespec="seconds")))
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute("COMMIT")
            finally:
                conn.close()
        except sqlite3.Error as exc:
            where.unlink(missing_ok=True)
            raise store_error(where, exc) from None
        raise_mark(where, Mark(ledger_id, 0, ""))
        return cls(where, ruleset=ruleset, scheme=scheme, timeout=timeout, durable=durable,
                   clock=clock)

    def __repr__(self) -> str:
        return f"SqliteLedger({str(self.path)!r})"

    def __str__(self) -> str:
        return str(self.path)

    def __enter__(self) -> SqliteLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connection and retries ---------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        wait = max(1, int(min(5.0, self.timeout) * 1000))  # per attempt, in ms
        if not self.path.is_file():
            raise no_ledger(self.path)
        identity = file_identity(self.path)
        # mode=rw: never create the file here (D-12: a lost ledger must not start afresh)
        conn = sqlite3.connect(self.path.resolve().as_uri() + "?mode=rw", uri=True,
                               timeout=wait / 1000, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {wait}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                raise self._wrong_format(conn, version)
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise StoreError(_("the ledger at {path} cannot use WAL journaling (got "
                                   "{mode}); is it on a network file system?").format(
                    path=self.path, mode=mode))
            conn.execute(f"PRAGMA synchronous = {'FULL' if self.durable else 'NORMAL'}")
            info = self._read_info(conn)
            if self._info is not None and info.ledger_id != self._info.ledger_id:
                raise LedgerMismatch(_(
                    "the file at {path} was replaced by another ledger while in use (it was "
                    "ledger {old} of ruleset {old_ruleset}, it is now ledger {new} of "
                    "ruleset {new_ruleset}); open it anew if that is intended").format(
                    path=self.path, old=self._info.ledger_id, old_ruleset=self._info.ruleset,
                    new=info.ledger_id, new_ruleset=info.ruleset))
            self._info = info
        except BaseException:
            conn.close()
            raise
        self._identity = identity
        return conn

    def _wrong_format(self, conn: sqlite3.Connection, version: int) -> StoreError:
        if version > SCHEMA_VERSION:
            return StoreError(_("the ledger at {path} was written by a newer bigclient "
                                "(format {version}); upgrade bigclient to use it").format(
                path=self.path, version=version))
        if version == 1:
            return LedgerMismatch(_(
                "the ledger at {path} was made by an earlier bigclient (format 1), which did "
                "not record the ruleset and ID scheme it serves. Move its IDs into a new "
                "ledger: `sqlite3 -header -csv {path} \"SELECT id, key, allocated_by AS by, "
                "allocated_at AS at FROM allocation\" > ids.csv`, then `bigclient id init "
                "NEW --ruleset RULESET` and `bigclient id import ids.csv --ledger NEW`").format(
                path=self.path))
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        if not tables:
            return NoLedger(_(
                "{path} is an empty file or an empty SQLite database, not a bigclient "
                "ledger. If `bigclient id init` was interrupted, delete it and run init "
                "again; otherwise restore the ledger from its backup").format(path=self.path))
        return LedgerMismatch(_(
            "{path} is an SQLite database but not a bigclient ledger (it holds the tables "
            "{tables}); give the path of the ledger file").format(
            path=self.path, tables=", ".join(tables[:8])))

    def _read_info(self, conn: sqlite3.Connection) -> LedgerInfo:
        row = conn.execute("SELECT ledger_id, ruleset, scheme, created_at, generation, "
                           "scheme_json, backup_taken_at FROM ledger WHERE one = 1").fetchone()
        if row is None:
            raise StoreError(_("the ledger at {path} has lost the record of what it serves "
                               "(table 'ledger' is empty); restore it from its backup").format(
                path=self.path))
        self._scheme_json = str(row[5])
        return LedgerInfo(ledger_id=row[0], ruleset=row[1], scheme=row[2] or None,
                          created_at=row[3],
                          generation=int(row[4]), backup_taken_at=row[6])

    def _check_mark(self, conn: sqlite3.Connection) -> None:
        """Refuse a ledger its high-water mark shows to be another one, or behind (D-12).

        The mark is read before the ledger, and is never ahead of a committed generation,
        so a busy ledger never looks stale."""
        mark = read_mark(self.path)
        info = self._read_info(conn)
        if info.backup_taken_at is not None:
            raise BackupFile(_(
                "{path} is a backup of ledger {ledger} (ruleset {ruleset}) taken at {taken}, "
                "not a ledger in use; allocating from a copy would hand out the numbers the "
                "ledger itself hands out. Restore it with `bigclient id restore {path} "
                "LEDGER`").format(path=self.path, ledger=info.ledger_id, ruleset=info.ruleset,
                                  taken=info.backup_taken_at))
        if mark is None:
            return
        if mark.ledger_id != info.ledger_id:
            raise LedgerMismatch(_(
                "the ledger at {path} is not the one that was there: its high-water mark "
                "{mark} belongs to ledger {theirs} (last ID {last}), but this file is ledger "
                "{ours} of ruleset {ruleset}, created {created}. Put the right file back; if "
                "the file was replaced on purpose, delete {mark}").format(
                path=self.path, mark=mark_path(self.path), theirs=mark.ledger_id,
                last=mark.last_id or "-", ours=info.ledger_id, ruleset=info.ruleset,
                created=info.created_at))
        if mark.generation > info.generation:
            raise StaleLedger(_(
                "the ledger at {path} holds {have} allocations, but its high-water mark "
                "{mark} shows {had} were made (the last {last}): this file was restored from "
                "an older backup or copied without its -wal file, and has forgotten {lost} "
                "IDs it handed out. Allocating from it would hand them out again. Restore "
                "the newest backup, or import the IDs issued since (`bigclient id import`); "
                "once it holds them all it is accepted again").format(
                path=self.path, have=info.generation, mark=mark_path(self.path),
                had=mark.generation, last=mark.last_id, lost=mark.generation - info.generation))

    def _connection(self) -> sqlite3.Connection:
        pid = os.getpid()
        if self._conn is not None and self._pid == pid \
                and file_identity(self.path) != self._identity:
            # deleted or replaced under us: never keep writing to a file nobody will see
            self._conn.close()
            self._conn = None
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
                    if not transient(exc):
                        raise store_error(self.path, exc) from None
                    if time.monotonic() >= deadline:
                        raise StoreError(_(
                            "the ledger at {path} stayed busy for {seconds} s (other services "
                            "hold it); try again later").format(
                            path=self.path, seconds=f"{self.timeout:g}")) from None
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

    def info(self) -> LedgerInfo:
        """Which ruleset and ID scheme this ledger serves, and how many IDs it recorded."""
        return self._run(self._read_info)

    def scheme(self) -> IdScheme:
        """The whole ``ids:`` section the ledger was created with (for verbs given no ruleset)."""
        self._ids_only(self.info())
        return IdScheme.model_validate_json(self._scheme_json)

    def _ids_only(self, info: LedgerInfo | None = None) -> None:
        """Refuse ID work on a records ledger (its scheme never changes: read once)."""
        info = info or self._info or self.info()
        if info.scheme is None:
            raise no_id_scheme(self.path, info.ruleset)

    def _mark(self, generation: int, last_id: str) -> None:
        info = self._info
        if info is not None:
            raise_mark(self.path, Mark(info.ledger_id, generation, last_id))

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
        self._ids_only()
        table, column = _COUNTERS[kind]
        check = same_request(kind, owner, key)

        def body(conn: sqlite3.Connection) -> tuple[Allocation, int]:
            seen = self._by_key(conn, key)
            if seen is not None:
                return check(seen), -1
            self._check_mark(conn)  # under the write lock: no one moves the mark meanwhile
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
            conn.execute("UPDATE ledger SET generation = generation + 1 WHERE one = 1")
            generation = conn.execute("SELECT generation FROM ledger").fetchone()[0]
            return rec, int(generation)

        seen = self.get_by_key(key)  # a retry needs no write lock
        if seen is not None:
            return check(seen)
        rec, generation = self._transaction(body)
        if generation >= 0:
            self._mark(generation, rec.id)  # only after the commit: the mark never leads
        return rec

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
        """Every problem found, in words; [] when sound. Never raises for a damaged file."""
        return upkeep.check_integrity(self)

    def backup(self, dest: str | os.PathLike[str]) -> BackupResult:
        """A consistent copy made with SQLite's backup API (a plain file copy can miss the
        allocations still in the ``-wal`` file); ``dest`` must not exist yet."""
        return upkeep.backup(self, Path(dest))

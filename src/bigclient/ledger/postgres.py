"""A ledger on a PostgreSQL server, shared by every service that can reach it (D-12).

The same contract as :class:`bigclient.ledger.SqliteLedger`, and the claim register
(D-16, D-17, D-19) beside it in the same schema. Why it is built this way (PITFALLS.md,
"SQLite / PostgreSQL ledger" and "PostgreSQL"):

- a counter is taken with ``INSERT … ON CONFLICT DO UPDATE … RETURNING``: the counter row
  stays locked until the commit, so two services never read the same number, and a
  rolled-back allocation gives its number back (gap-free per region and per headquarters);
- the idempotency key is UNIQUE: two calls racing with one key both try, one commits, the
  other hits the key, runs again and returns the first's answer (``new=False``);
- a commit can land without its acknowledgement (a server restart): every keyed call is
  retried with its key, which returns what was committed, never a second ID;
- one connection per process, opened again after ``fork``; nothing is ever created by
  opening (``create`` makes the schema), and a ledger states its ruleset and ID scheme
  (none, for a ruleset without ``ids:``: a records ledger, which refuses to allocate).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from bigclient.errors import ExhaustedError, StoreError
from bigclient.i18n import _
from bigclient.ledger._pgsql import (
    FORMAT,
    KEY_CONSTRAINTS,
    TABLES,
    Connection,
    Retry,
    Target,
    driver,
    quoted,
    reason,
    schema_for,
)
from bigclient.ledger.base import (
    Allocation,
    LedgerInfo,
    LedgerMismatch,
    MakeId,
    NoLedger,
    UnknownHeadquarters,
    no_id_scheme,
    same_request,
    stored_scheme,
)
from bigclient.ledger.pgclaims import PgClaims
from bigclient.ledger.pgdiscounts import PgDiscounts
from bigclient.sections.ids.scheme import ClientId, IdScheme

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresLedger"]

COLUMNS = "id, kind, region, sequence, branch, headquarters, key, allocated_by, allocated_at"
_COUNTERS = {"client": ("region_counter", "region"),
             "branch": ("branch_counter", "headquarters")}


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _row(row: Any, new: bool = True) -> Allocation:
    return Allocation(id=row[0], kind=row[1], region=row[2], sequence=row[3], branch=row[4],
                      headquarters=row[5], key=row[6], by=row[7], at=row[8], new=new)


def _ledgers_in(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    """(schema, ruleset) of every bigclient ledger in the database."""
    schemas = [r[0] for r in conn.execute(
        "SELECT table_schema FROM information_schema.columns WHERE table_name = 'ledger' "
        "AND column_name = 'scheme_json' ORDER BY table_schema").fetchall()]
    out = []
    for schema in schemas:
        try:
            row = conn.execute(f"SELECT ruleset FROM {quoted(schema)}.ledger").fetchone()
        except driver().Error:
            continue
        if row is not None:
            out.append((schema, str(row[0])))
    return out


class PostgresLedger(PgClaims, PgDiscounts):
    """A ledger in one schema of a PostgreSQL database. Open with
    ``PostgresLedger("postgresql://user@host/db", ruleset="shantou-postal")``; make one with
    :meth:`create` (never implicitly: D-12).

    The schema is ``schema=``, or ``?schema=`` in the URL, or ``bigclient_<ruleset>``; given
    none of them, the one ledger in the database (an error names them when there are
    several). ``timeout``: how long, in seconds, a call waits for locks or for a restarting
    server before a :class:`StoreError`. Needs ``pip install "bigclient[postgres]"``.
    """

    def __init__(self, dsn: str, *, ruleset: str | None = None, scheme: IdScheme | None = None,
                 schema: str | None = None, timeout: float = 60.0,
                 clock: Callable[[], dt.datetime] = _utc_now) -> None:
        driver()
        self.target = Target.parse(dsn, schema)
        self.timeout = timeout
        self.clock = clock
        self._db = Connection(self.target, timeout)
        self._scheme_json = ""
        self._info: LedgerInfo | None = None
        self.schema = self.target.schema or (schema_for(ruleset) if ruleset else None) \
            or self._only_ledger()
        self._s = quoted(self.schema)
        info = self.info()  # opens now, so a missing ledger is reported here
        if ruleset is not None and ruleset != info.ruleset:
            raise LedgerMismatch(_(
                "the ledger at {path} serves ruleset {theirs}, not {ours}; each ruleset keeps "
                "its own ledger. Give the ledger of {ours}, or create one with `bigclient id "
                "init LEDGER --ruleset {ours}`").format(path=self, theirs=info.ruleset,
                                                        ours=ruleset))
        if scheme is not None and info.scheme is None:
            raise no_id_scheme(self, info.ruleset)
        if scheme is not None and scheme.fingerprint != info.scheme:
            raise LedgerMismatch(_(
                "the ledger at {path} (ruleset {ruleset}) serves IDs of {theirs}, but the ID "
                "scheme given makes {ours}; one ledger serves one ID scheme").format(
                path=self, ruleset=info.ruleset, theirs=info.scheme, ours=scheme.fingerprint))

    @classmethod
    def create(cls, dsn: str, *, ruleset: str, scheme: IdScheme | None,
               schema: str | None = None, timeout: float = 60.0,
               clock: Callable[[], dt.datetime] = _utc_now) -> PostgresLedger:
        """Make a new, empty ledger (its schema and tables) for ``ruleset``'s ID ``scheme``
        (None: a records ledger, for claims and concessions only); refuse a schema that
        exists (it may hold IDs already handed out)."""
        driver()
        if not isinstance(ruleset, str) or not ruleset.strip():
            raise StoreError(_("a ledger must say which ruleset it serves: give the ruleset "
                               "id (for example shantou-postal), found {value!r}").format(
                value=ruleset))
        target = Target.parse(dsn, schema)
        name = target.schema or schema_for(ruleset)
        target = Target.parse(dsn, name)
        s = quoted(name)

        def make(conn: psycopg.Connection[Any]) -> None:
            exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                                  (name,)).fetchone()
            if exists is not None:
                raise StoreError(_(
                    "{path} already exists; a new ledger is never made over an existing one "
                    "(it may hold IDs already handed out). Open the existing ledger, or give "
                    "another ?schema=").format(path=target.shown))

            def body(conn: psycopg.Connection[Any]) -> None:
                conn.execute(f"CREATE SCHEMA {s}")
                for statement in TABLES.format(s=s).split(";"):
                    if statement.strip():
                        conn.execute(statement.encode())
                conn.execute(f"INSERT INTO {s}.ledger (one, ledger_id, ruleset, scheme, "
                             "scheme_json, created_at, format) VALUES (1, %s, %s, %s, %s, %s, %s)",
                             (uuid.uuid4().hex, ruleset, *stored_scheme(scheme),
                              clock().astimezone(dt.UTC).isoformat(timespec="seconds"), FORMAT))
            db.transaction(conn, body)

        db = Connection(target, timeout)
        try:
            db.run(make, safe=False)
        except StoreError:
            raise
        except driver().Error as exc:  # pragma: no cover - run() translates them
            raise StoreError(reason(exc)) from None
        finally:
            db.close()
        return cls(dsn, ruleset=ruleset, scheme=scheme, schema=name, timeout=timeout,
                   clock=clock)

    def _only_ledger(self) -> str:
        found = self._db.run(_ledgers_in, safe=True)
        if len(found) == 1:
            return found[0][0]
        if not found:
            raise NoLedger(_(
                "there is no bigclient ledger in the database {where}. A ledger is never "
                "created on its own; create one with `bigclient id init {where} --ruleset "
                "RULESET` (Python: PostgresLedger.create)").format(where=self.target.shown))
        raise StoreError(_(
            "the database {where} holds several ledgers ({ledgers}); say which with "
            "--ruleset or ?schema=NAME in the URL").format(
            where=self.target.shown,
            ledgers=", ".join(f"{s} ({r})" for s, r in found)))

    def __repr__(self) -> str:
        return f"PostgresLedger({str(self)!r})"

    def __str__(self) -> str:
        return Target.parse(self.target.shown, self.schema).shown

    def __enter__(self) -> PostgresLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection (the ledger reopens it when used again)."""
        self._db.close()

    # -- what the ledger serves ---------------------------------------------------------

    def _read_info(self, conn: psycopg.Connection[Any]) -> LedgerInfo:
        pg = driver()
        try:
            row = conn.execute(f"SELECT ledger_id, ruleset, scheme, created_at, scheme_json, "
                               f"format, (SELECT COUNT(*) FROM {self._s}.allocation) "
                               f"FROM {self._s}.ledger WHERE one = 1").fetchone()
        except (pg.errors.UndefinedTable, pg.errors.InvalidSchemaName):
            raise NoLedger(_(
                "there is no ledger at {where}. A ledger is never created on its own, so "
                "that a lost one cannot silently start again from sequence 1 and hand out "
                "IDs twice. Create it with `bigclient id init {where} --ruleset RULESET` "
                "(Python: PostgresLedger.create), or restore it from its backup").format(
                where=self)) from None
        if row is None:
            raise StoreError(_("the ledger at {where} has lost the record of what it serves "
                               "(table 'ledger' is empty); restore it from its backup").format(
                where=self))
        if int(row[5]) > FORMAT:
            raise StoreError(_("the ledger at {where} was written by a newer bigclient "
                               "(format {version}); upgrade bigclient to use it").format(
                where=self, version=row[5]))
        info = LedgerInfo(ledger_id=row[0], ruleset=row[1], scheme=row[2] or None,
                          created_at=row[3], generation=int(row[6]))
        if self._info is not None and info.ledger_id != self._info.ledger_id:
            raise LedgerMismatch(_(
                "the ledger at {where} was replaced by another ledger while in use (it was "
                "ledger {old}, it is now ledger {new}); open it anew if that is "
                "intended").format(where=self, old=self._info.ledger_id, new=info.ledger_id))
        self._info = info
        self._scheme_json = str(row[4])
        return info

    def info(self) -> LedgerInfo:
        """Which ruleset and ID scheme this ledger serves, and how many IDs it recorded."""
        return self._db.run(self._read_info, safe=True)

    def scheme(self) -> IdScheme:
        """The whole ``ids:`` section the ledger was created with (a records ledger has none,
        and says so)."""
        info = self.info()
        if info.scheme is None:
            raise no_id_scheme(self, info.ruleset)
        return IdScheme.model_validate_json(self._scheme_json)

    # -- allocation ---------------------------------------------------------------------

    def _now(self) -> str:
        return self.clock().astimezone(dt.UTC).isoformat(timespec="microseconds")

    def _by_key(self, conn: psycopg.Connection[Any], key: str) -> Allocation | None:
        row = conn.execute(f"SELECT {COLUMNS} FROM {self._s}.allocation WHERE key = %s",
                           (key,)).fetchone()
        return None if row is None else _row(row, new=False)

    def allocate_client(self, region: str, *, key: str, by: str, first: int, last: int,
                        make_id: MakeId) -> Allocation:
        return self._allocate("client", region, key=key, by=by, first=first, last=last,
                              make_id=make_id)

    def allocate_branch(self, headquarters: str, *, key: str, by: str, first: int, last: int,
                        make_id: MakeId) -> Allocation:
        def known_headquarters(conn: psycopg.Connection[Any]) -> None:
            hq = conn.execute(f"SELECT kind FROM {self._s}.allocation WHERE id = %s",
                              (headquarters,)).fetchone()
            if hq is None or hq[0] != "client":
                raise UnknownHeadquarters(
                    f"{headquarters} was never allocated as a client in the ledger at "
                    f"{self}; allocate the headquarters first (new client), then its branches")

        return self._allocate("branch", headquarters, key=key, by=by, first=first, last=last,
                              make_id=make_id, before=known_headquarters)

    def _allocate(self, kind: Literal["client", "branch"], owner: str, *, key: str, by: str,
                  first: int, last: int, make_id: MakeId,
                  before: Callable[[psycopg.Connection[Any]], None] | None = None
                  ) -> Allocation:
        """One keyed allocation (D-12): a repeated key returns its first answer; otherwise
        the owner's next number, taken with the record in one transaction."""
        info = self._info or self.info()  # set when opened; a ledger's scheme never changes
        if info.scheme is None:
            raise no_id_scheme(self, info.ruleset)
        table, column = _COUNTERS[kind]
        check = same_request(kind, owner, key)
        pg = driver()


        def body(conn: psycopg.Connection[Any]) -> Allocation:
            if before is not None:
                before(conn)
            # the counter row stays locked until COMMIT: nobody else reads this number
            n = conn.execute(
                f"INSERT INTO {self._s}.{table} ({column}, last) VALUES (%s, %s) "
                f"ON CONFLICT ({column}) DO UPDATE SET last = GREATEST({table}.last + 1, %s) "
                "RETURNING last", (owner, first, first)).fetchone()[0]  # type: ignore[index]
            if n > last:
                raise ExhaustedError(
                    f"region {owner} has no client sequence numbers left: all {first:,}-"
                    f"{last:,} are allocated, so no new client ID can be made there"
                    if kind == "client" else
                    f"client {owner} has no branch numbers left: all {first:,}-{last:,} "
                    "are allocated, so no new branch ID can be made for it")
            cid: ClientId = make_id(int(n))
            rec = Allocation(id=cid.compact, kind=kind, region=cid.region,
                             sequence=cid.sequence, branch=cid.branch,
                             headquarters=cid.headquarters.compact, key=key, by=by,
                             at=self._now())
            conn.execute(f"INSERT INTO {self._s}.allocation ({COLUMNS}) "
                         "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                         (rec.id, rec.kind, rec.region, rec.sequence, rec.branch,
                          rec.headquarters, rec.key, rec.by, rec.at))
            return rec

        def work(conn: psycopg.Connection[Any]) -> Allocation:
            seen = self._by_key(conn, key)
            if seen is not None:
                return check(seen)
            try:
                return self._db.transaction(conn, body)
            except pg.errors.UniqueViolation as exc:
                if exc.diag.constraint_name in KEY_CONSTRAINTS:
                    raise Retry from None  # the same key committed meanwhile: read it
                raise

        return self._db.run(work, safe=True)

    # -- reading ------------------------------------------------------------------------

    def get(self, id: str) -> Allocation | None:
        def read(conn: psycopg.Connection[Any]) -> Allocation | None:
            row = conn.execute(f"SELECT {COLUMNS} FROM {self._s}.allocation WHERE id = %s",
                               (id,)).fetchone()
            return None if row is None else _row(row, new=False)
        return self._db.run(read, safe=True)

    def get_by_key(self, key: str) -> Allocation | None:
        return self._db.run(lambda conn: self._by_key(conn, key), safe=True)

    def allocations(self, region: str | None = None) -> list[Allocation]:
        """Every allocation (of one region), in ID order: for audits and exports."""
        def read(conn: psycopg.Connection[Any]) -> list[Any]:
            if region is None:
                return conn.execute(f"SELECT {COLUMNS} FROM {self._s}.allocation "
                                    "ORDER BY id").fetchall()
            return conn.execute(f"SELECT {COLUMNS} FROM {self._s}.allocation WHERE region = %s "
                                "ORDER BY id", (region,)).fetchall()
        return [_row(r, new=False) for r in self._db.run(read, safe=True)]

    def check_integrity(self) -> list[str]:
        """Every problem found, in words; [] when sound. Never raises."""
        from bigclient.ledger.pgcheck import problems

        try:
            return self._db.run(lambda conn: problems(conn, self._s), safe=True)
        except StoreError as exc:
            return [str(exc)]

"""The claim register (D-16, D-17, D-19) on PostgreSQL: :class:`PostgresLedger`'s
:class:`bigclient.ledger.claims.ClaimStore` half.

Why it is built this way (PITFALLS.md): the owner of a (client, line) is ONE row of
``claim_owner`` (its primary key), taken with ``INSERT … ON CONFLICT DO NOTHING``: of two
units claiming at once exactly one inserts it. The loser then locks that row with
``SELECT … FOR UPDATE`` and reads the owner in the same transaction, so it is always told
who won (an insert that merely did nothing would sometimes find no owner). Lapse
replacement happens under the same lock, in the same transaction. Every claim and
application carries an idempotency key (UNIQUE): a retry after a lost connection returns
what was committed, never a second claim.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from bigclient.errors import InputError, StoreError
from bigclient.i18n import _
from bigclient.ledger._pgsql import KEY_CONSTRAINTS, Connection, Retry, driver
from bigclient.ledger.base import KeyConflict, text_arg
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

if TYPE_CHECKING:
    import psycopg

CLAIM = ("claim_id, client_key, line, unit, at, key, by, manager, lapses_at, signed, "
         "territory, business_place, status")
ESCALATION = "escalation_id, client_key, line, claim_id, claimant, owner, to_centre, at"
APPLICATION = "application_id, client_key, line, unit, owner, at, key, by, note"
REASSIGNMENT = "reassignment_id, from_manager, to_manager, by, level, at, claims"
_ATTEMPTS = 20  # "insert or read the owner" rounds before giving up (each ends in a row)


class PgClaims:
    """The ClaimStore methods; PostgresLedger supplies the connection and the schema."""

    _db: Connection
    _s: str

    # -- helpers --------------------------------------------------------------------------

    def _get_claim(self, conn: psycopg.Connection[Any], claim_id: int) -> Claim:
        row = conn.execute(f"SELECT {CLAIM} FROM {self._s}.claim WHERE claim_id = %s",
                           (claim_id,)).fetchone()
        if row is None:  # the owner row's foreign key makes this impossible
            raise StoreError(f"the ledger at {self} lost claim {claim_id}; check it")
        return claim_row(row)

    def _new_id(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute("SELECT nextval(pg_get_serial_sequence(%s, 'claim_id'))",
                           (f"{self._s}.claim",)).fetchone()
        assert row is not None
        return int(row[0])

    def _insert_claim(self, conn: psycopg.Connection[Any], claim_id: int, req: ClaimRequest,
                      status: ClaimStatus, owner_claim: int) -> Claim:
        row = conn.execute(
            f"INSERT INTO {self._s}.claim (claim_id, client_key, line, unit, at, key, by, "
            "manager, lapses_at, signed, territory, business_place, escalate_to, status, won, "
            "owner_claim) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            f"%s) RETURNING {CLAIM}",
            (claim_id, req.client_key, req.line, req.unit, req.at, req.key, req.by, req.manager,
             req.lapses_at, req.signed, req.territory, req.business_place, req.escalate_to,
             status, status == "owner", owner_claim)).fetchone()
        assert row is not None
        return claim_row(row)

    def _keyed(self, work: Any) -> Any:
        """Run a keyed write: a key that another call committed meanwhile is read again."""
        pg = driver()

        def attempt(conn: psycopg.Connection[Any]) -> Any:
            try:
                return work(conn)
            except pg.errors.UniqueViolation as exc:
                if exc.diag.constraint_name in KEY_CONSTRAINTS:
                    raise Retry from None
                raise
        return self._db.run(attempt, safe=True)

    # -- claims ---------------------------------------------------------------------------

    def put_claim(self, req: ClaimRequest) -> ClaimOutcome:
        """First claim that reaches the store wins (签到制, D-16); see ClaimStore.

        A key names one request: the same (client_key, line, unit). A retry with it gets the
        first outcome back (``new=False``; ``owner`` is the claim it was told of then, as
        recorded now); its other fields are not compared, a retry may re-stamp them."""
        for name in ("client_key", "line", "unit", "key", "by"):
            text_arg(name, getattr(req, name))
        for name in ("manager", "territory", "business_place", "escalate_to"):
            if getattr(req, name) is not None:
                text_arg(name, getattr(req, name))
        aware("at", req.at)
        aware("lapses_at", req.lapses_at, optional=True)

        def work(conn: psycopg.Connection[Any]) -> ClaimOutcome:
            row = conn.execute(f"SELECT {CLAIM}, won, owner_claim FROM {self._s}.claim "
                               "WHERE key = %s", (req.key,)).fetchone()
            if row is not None:
                return self._replay(conn, claim_row(row), bool(row[13]), int(row[14]), req)
            self._key_free(conn, "application", req.key)
            return self._db.transaction(conn, lambda c: self._decide(c, req))
        outcome: ClaimOutcome = self._keyed(work)
        return outcome

    def _replay(self, conn: psycopg.Connection[Any], claim: Claim, won: bool, owner_id: int,
                req: ClaimRequest) -> ClaimOutcome:
        if (claim.client_key, claim.line, claim.unit) != (req.client_key, req.line, req.unit):
            raise KeyConflict(_(
                "key {key!r} was already used by {by} for a claim of {unit} on client "
                "{client} line {line}; it cannot also file a claim of {new_unit} on client "
                "{new_client} line {new_line}. Use a new key for a new request").format(
                key=req.key, by=claim.by, unit=claim.unit, client=claim.client_key,
                line=claim.line, new_unit=req.unit, new_client=req.client_key,
                new_line=req.line))
        owner = claim if owner_id == claim.claim_id else self._get_claim(conn, owner_id)
        esc = conn.execute(f"SELECT {ESCALATION} FROM {self._s}.escalation WHERE claim_id = %s",
                           (claim.claim_id,)).fetchone()
        return ClaimOutcome(claim=claim, won=won, owner=owner,
                            escalation=None if esc is None else escalation_row(esc), new=False)

    def _decide(self, conn: psycopg.Connection[Any], req: ClaimRequest) -> ClaimOutcome:
        where = (req.client_key, req.line)
        for _round in range(_ATTEMPTS):
            won = conn.execute(
                f"INSERT INTO {self._s}.claim_owner (client_key, line, claim_id) VALUES "
                "(%s, %s, nextval(pg_get_serial_sequence(%s, 'claim_id'))) "
                "ON CONFLICT DO NOTHING RETURNING claim_id",
                (*where, f"{self._s}.claim")).fetchone()
            if won is not None:
                claim = self._insert_claim(conn, int(won[0]), req, "owner", int(won[0]))
                return ClaimOutcome(claim=claim, won=True, owner=claim)
            # Someone owns it: lock that row, then read the owning claim (a separate
            # statement, so it sees the owner committed by whoever held the lock).
            held = conn.execute(f"SELECT claim_id FROM {self._s}.claim_owner WHERE "
                                "client_key = %s AND line = %s FOR UPDATE", where).fetchone()
            if held is not None:
                break
        else:
            raise StoreError(f"the ledger at {self} could neither record nor find the owner "
                             f"of client {req.client_key} line {req.line}; try again")
        owner = self._get_claim(conn, int(held[0]))
        if lapsed(owner, req.at):  # its protection ended unsigned: this claim takes over
            new_id = self._new_id(conn)
            claim = self._insert_claim(conn, new_id, req, "owner", new_id)
            conn.execute(f"UPDATE {self._s}.claim SET status = 'lapsed' WHERE claim_id = %s",
                         (owner.claim_id,))
            conn.execute(f"UPDATE {self._s}.claim_owner SET claim_id = %s WHERE client_key = %s "
                         "AND line = %s", (new_id, *where))
            return ClaimOutcome(claim=claim, won=True, owner=claim)
        claim = self._insert_claim(conn, self._new_id(conn), req, "lost", owner.claim_id)
        escalation = None
        if req.escalate_to is not None:  # 上报上一级大客户中心裁决 (D-17)
            row = conn.execute(
                f"INSERT INTO {self._s}.escalation (client_key, line, claim_id, claimant, "
                f"owner, to_centre, at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
                f"RETURNING {ESCALATION}",
                (*where, claim.claim_id, req.unit, owner.unit, req.escalate_to,
                 req.at)).fetchone()
            assert row is not None
            escalation = escalation_row(row)
        return ClaimOutcome(claim=claim, won=False, owner=owner, escalation=escalation)

    def sign(self, client_key: str, line: str, unit: str, at: dt.datetime) -> Claim:
        """The owning unit signed: its claim no longer lapses. Refused for a unit that does
        not own the client, or whose protection had already ended unsigned by ``at``."""
        for name, value in (("client_key", client_key), ("line", line), ("unit", unit)):
            text_arg(name, value)
        aware("at", at)

        def body(conn: psycopg.Connection[Any]) -> Claim:
            held = conn.execute(f"SELECT claim_id FROM {self._s}.claim_owner WHERE "
                                "client_key = %s AND line = %s FOR UPDATE",
                                (client_key, line)).fetchone()
            if held is None:
                raise NotOwner(_("nobody has claimed client {client} for line {line}, so "
                                   "{unit} cannot sign for it; file a claim first").format(
                    client=client_key, line=line, unit=unit))
            owner = self._get_claim(conn, int(held[0]))
            if owner.unit != unit:
                raise NotOwner(_("{unit} does not own client {client} for line {line}: "
                                   "{owner} does (claim {claim}); only the owner signs").format(
                    unit=unit, client=client_key, line=line, owner=owner.unit,
                    claim=owner.claim_id))
            if lapsed(owner, at):
                raise NotOwner(_(
                    "the claim of {unit} on client {client} for line {line} lapsed unsigned "
                    "at {lapsed}, before {at}; file a new claim to own it again").format(
                    unit=unit, client=client_key, line=line, lapsed=owner.lapses_at, at=at))
            row = conn.execute(f"UPDATE {self._s}.claim SET signed = TRUE WHERE claim_id = %s "
                               f"RETURNING {CLAIM}", (owner.claim_id,)).fetchone()
            assert row is not None
            return claim_row(row)
        return self._db.run(lambda conn: self._db.transaction(conn, body), safe=True)

    def owner(self, client_key: str, line: str, at: dt.datetime | None = None) -> Claim | None:
        """The owning claim, or None (also None when it has lapsed by ``at``)."""
        aware("at", at, optional=True)
        row = self._db.run(lambda conn: conn.execute(
            f"SELECT {', '.join('c.' + c.strip() for c in CLAIM.split(','))} FROM "
            f"{self._s}.claim_owner o JOIN {self._s}.claim c ON c.claim_id = o.claim_id "
            "WHERE o.client_key = %s AND o.line = %s", (client_key, line)).fetchone(), safe=True)
        if row is None:
            return None
        claim = claim_row(row)
        return None if at is not None and lapsed(claim, at) else claim

    def claims(self, *, client_key: str | None = None, line: str | None = None,
               unit: str | None = None, manager: str | None = None,
               status: ClaimStatus | None = None) -> list[Claim]:
        """Recorded claims, oldest (first recorded) first, filtered by what is given."""
        given = {"client_key": client_key, "line": line, "unit": unit, "manager": manager,
                 "status": status}
        where = [f"{name} = %s" for name, value in given.items() if value is not None]
        args = [value for value in given.values() if value is not None]
        sql = (f"SELECT {CLAIM} FROM {self._s}.claim"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY claim_id")
        return [claim_row(r) for r in self._db.run(
            lambda conn: conn.execute(sql.encode(), args).fetchall(), safe=True)]

    # -- applications, escalations, reassignments -----------------------------------------

    def put_application(self, client_key: str, line: str, unit: str, at: dt.datetime, *,
                        key: str, by: str, note: str = "") -> Application:
        """A marketing application (营销申报, D-16), with the owner at ``at`` recorded."""
        for name, value in (("client_key", client_key), ("line", line), ("unit", unit),
                            ("key", key), ("by", by)):
            text_arg(name, value)
        aware("at", at)
        if not isinstance(note, str):
            raise InputError("note", note, "must be text")

        def body(conn: psycopg.Connection[Any]) -> Application:
            row = conn.execute(
                f"SELECT c.unit, c.signed, c.lapses_at FROM {self._s}.claim_owner o "
                f"JOIN {self._s}.claim c ON c.claim_id = o.claim_id "
                "WHERE o.client_key = %s AND o.line = %s", (client_key, line)).fetchone()
            owner = None
            if row is not None and (row[1] or row[2] is None or row[2] > at):
                owner = row[0]
            made = conn.execute(
                f"INSERT INTO {self._s}.application (client_key, line, unit, owner, at, key, "
                f"by, note) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING {APPLICATION}",
                (client_key, line, unit, owner, at, key, by, note)).fetchone()
            assert made is not None
            return application_row(made)

        def work(conn: psycopg.Connection[Any]) -> Application:
            row = conn.execute(f"SELECT {APPLICATION} FROM {self._s}.application "
                               "WHERE key = %s", (key,)).fetchone()
            if row is None:
                self._key_free(conn, "claim", key)
                return self._db.transaction(conn, body)
            seen = application_row(row)
            if (seen.client_key, seen.line, seen.unit) != (client_key, line, unit):
                raise KeyConflict(_(
                    "key {key!r} was already used by {by} for an application of {unit} on "
                    "client {client} line {line}; use a new key for a new request").format(
                    key=key, by=seen.by, unit=seen.unit, client=seen.client_key,
                    line=seen.line))
            return seen
        application: Application = self._keyed(work)
        return application

    def _key_free(self, conn: psycopg.Connection[Any], table: str, key: str) -> None:
        """Claims and applications share one key space: a key names one request."""
        row = conn.execute(f"SELECT by FROM {self._s}.{table} WHERE key = %s",
                           (key,)).fetchone()
        if row is not None:
            what = _("a claim") if table == "claim" else _("an application")
            raise KeyConflict(_("key {key!r} was already used by {by} for {what}; use a new "
                                "key for a new request").format(key=key, by=row[0], what=what))

    def applications(self, *, client_key: str | None = None,
                     unit: str | None = None) -> list[Application]:
        given = {"client_key": client_key, "unit": unit}
        where = [f"{name} = %s" for name, value in given.items() if value is not None]
        args = [value for value in given.values() if value is not None]
        sql = (f"SELECT {APPLICATION} FROM {self._s}.application"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY application_id")
        return [application_row(r) for r in self._db.run(
            lambda conn: conn.execute(sql.encode(), args).fetchall(), safe=True)]

    def escalations(self, *, to: str | None = None) -> list[Escalation]:
        sql = (f"SELECT {ESCALATION} FROM {self._s}.escalation"
               + (" WHERE to_centre = %s" if to is not None else "") + " ORDER BY escalation_id")
        args = [to] if to is not None else []
        return [escalation_row(r) for r in self._db.run(
            lambda conn: conn.execute(sql.encode(), args).fetchall(), safe=True)]

    def move_manager(self, from_manager: str, to_manager: str, *, by: str, level: str,
                     at: dt.datetime) -> Reassignment:
        """Hand every owning claim of one manager to another (转接责任, D-19), all or none.

        Not retried once its COMMIT was sent and the connection lost (it has no key: a
        second run would record a second reassignment); the error says to look first."""
        for name, value in (("from_manager", from_manager), ("to_manager", to_manager),
                            ("by", by), ("level", level)):
            text_arg(name, value)
        aware("at", at)
        if from_manager == to_manager:
            raise InputError("to_manager", to_manager, "must differ from from_manager")

        def body(conn: psycopg.Connection[Any]) -> Reassignment:
            moved = conn.execute(f"UPDATE {self._s}.claim SET manager = %s WHERE manager = %s "
                                 "AND status = 'owner'", (to_manager, from_manager)).rowcount
            row = conn.execute(
                f"INSERT INTO {self._s}.reassignment (from_manager, to_manager, by, level, at, "
                f"claims) VALUES (%s, %s, %s, %s, %s, %s) RETURNING {REASSIGNMENT}",
                (from_manager, to_manager, by, level, at, moved)).fetchone()
            assert row is not None
            return reassignment_row(row)
        return self._db.run(lambda conn: self._db.transaction(conn, body), safe=False)

    def reassignments(self) -> list[Reassignment]:
        return [reassignment_row(r) for r in self._db.run(lambda conn: conn.execute(
            f"SELECT {REASSIGNMENT} FROM {self._s}.reassignment "
            "ORDER BY reassignment_id").fetchall(), safe=True)]

"""The PostgreSQL ledger's own checks (``PostgresLedger.check_integrity``): counters,
headquarters, and one owning claim per owner row (D-12, D-16). The server keeps its
pages sound; these find rows edited by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bigclient.i18n import _

if TYPE_CHECKING:
    import psycopg


def problems(conn: psycopg.Connection[Any], s: str) -> list[str]:
    """Every problem found, in words; [] when sound."""
    out = [_("region {region}: counter {last} is behind allocated sequence {top}").format(
        region=r[0], last=r[1], top=r[2]) for r in conn.execute(
        f"SELECT a.region, COALESCE(c.last, 0), MAX(a.sequence) FROM {s}.allocation a "
        f"LEFT JOIN {s}.region_counter c ON c.region = a.region "
        "GROUP BY a.region, c.last HAVING MAX(a.sequence) > COALESCE(c.last, 0)").fetchall()]
    out += [_("client {hq}: counter {last} is behind allocated branch {top}").format(
        hq=r[0], last=r[1], top=r[2]) for r in conn.execute(
        f"SELECT a.headquarters, COALESCE(c.last, 0), MAX(a.branch) FROM {s}.allocation a "
        f"LEFT JOIN {s}.branch_counter c ON c.headquarters = a.headquarters "
        "WHERE a.kind = 'branch' GROUP BY a.headquarters, c.last "
        "HAVING MAX(a.branch) > COALESCE(c.last, 0)").fetchall()]
    out += [_("branch {id} has no headquarters {hq} in the ledger").format(id=r[0], hq=r[1])
            for r in conn.execute(
        f"SELECT b.id, b.headquarters FROM {s}.allocation b WHERE b.kind = 'branch' AND NOT "
        f"EXISTS (SELECT 1 FROM {s}.allocation h WHERE h.id = b.headquarters "
        "AND h.kind = 'client')").fetchall()]
    out += [_("client {client} line {line}: the owner row names claim {claim}, which is "
              "{status} or belongs to another client").format(
        client=r[0], line=r[1], claim=r[2], status=r[3]) for r in conn.execute(
        f"SELECT o.client_key, o.line, o.claim_id, c.status FROM {s}.claim_owner o "
        f"JOIN {s}.claim c ON c.claim_id = o.claim_id WHERE c.status <> 'owner' "
        "OR c.client_key <> o.client_key OR c.line <> o.line").fetchall()]
    out += [_("claim {claim} (client {client} line {line}) says it owns, but the owner row "
              "does not name it").format(claim=r[0], client=r[1], line=r[2])
            for r in conn.execute(
        f"SELECT c.claim_id, c.client_key, c.line FROM {s}.claim c WHERE c.status = 'owner' "
        f"AND NOT EXISTS (SELECT 1 FROM {s}.claim_owner o WHERE o.claim_id = c.claim_id)"
    ).fetchall()]
    return out

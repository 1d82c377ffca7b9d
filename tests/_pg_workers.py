"""Code run in other processes by test_pg_races.py (importable under ``spawn``; runnable as a
script for the SIGKILL test)."""

from __future__ import annotations

import datetime as dt
import random
import sys
import traceback
from typing import Any

REGIONS = ("440507", "440511", "440513")
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
PAIRS = 100  # (client, line) pairs everyone fights over: 50 clients x 2 lines


def pair(p: int) -> tuple[str, str]:
    return f"client-{p // 2:02d}", ("parcel", "savings")[p % 2]


def race(dsn: str, worker: int, allocations: int, barrier: Any, results: Any) -> None:
    """Claim every pair (in a shuffled order) as ``unit<worker>`` and allocate IDs between
    the claims; report every answer, or the error."""
    from bigclient.ledger import IdAllocator, PostgresLedger
    from bigclient.ledger.claims import ClaimRequest

    ids: list[tuple[str, str]] = []
    claims: list[tuple[int, int, bool, int, str]] = []
    try:
        ledger = PostgresLedger(dsn)
        alloc = IdAllocator(None, ledger)
        order = list(range(PAIRS))
        random.Random(worker).shuffle(order)
        barrier.wait(timeout=60)
        for i, p in enumerate(order):
            client, line = pair(p)
            out = ledger.put_claim(ClaimRequest(
                client_key=client, line=line, unit=f"unit{worker}", at=T0,
                key=f"w{worker}-p{p}", by=f"worker {worker}", manager=f"m{worker}"))
            claims.append((p, out.claim.claim_id, out.won, out.owner.claim_id, out.owner.unit))
            for j in range(i * allocations // PAIRS, (i + 1) * allocations // PAIRS):
                key = f"w{worker}-id{j}"
                ids.append((key, alloc.new_client(REGIONS[j % 3], key=key, by="racer").compact))
        ledger.close()
        results.put(("ok", worker, ids, claims))
    except BaseException:
        results.put(("error", worker, traceback.format_exc(), None))


def forever(dsn: str, prefix: str) -> None:
    """Claim and allocate until killed, printing each answer only after the store gave it."""
    from bigclient.ledger import IdAllocator, PostgresLedger
    from bigclient.ledger.claims import ClaimRequest

    ledger = PostgresLedger(dsn)
    alloc = IdAllocator(None, ledger)
    i = 0
    while True:
        client, line = pair(i % PAIRS)
        key = f"{prefix}-c{i}"
        out = ledger.put_claim(ClaimRequest(client_key=client, line=line, unit=prefix, at=T0,
                                            key=key, by="doomed"))
        sys.stdout.write(f"claim {key} {out.claim.claim_id} {int(out.won)} "
                         f"{out.owner.claim_id}\n")
        key = f"{prefix}-id{i}"
        cid = alloc.new_client(REGIONS[i % 3], key=key, by="doomed")
        sys.stdout.write(f"id {key} {cid.compact}\n")
        sys.stdout.flush()
        i += 1


if __name__ == "__main__":
    forever(sys.argv[1], sys.argv[2])

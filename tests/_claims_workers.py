"""Code run in other processes by test_claims_race.py (importable under ``spawn``; runnable
as a script for the crash tests, which kill it with SIGKILL)."""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
import traceback
from typing import Any

LINES = ("savings", "billing")
PAIRS = [(f"c{n:03d}", line) for n in range(50) for line in LINES]  # 100 (client, line) pairs
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def race(path: str, worker: int, barrier: Any, results: Any) -> None:
    """Claim every pair, in this worker's own shuffled order, as unit ``unit{worker}``;
    report (client, line, won, owner unit, owner claim id, own claim id) per pair."""
    from bigclient.ledger import SqliteLedger
    from bigclient.ledger.claims import ClaimRequest

    out: list[tuple[str, str, bool, str, int, int]] = []
    try:
        ledger = SqliteLedger(path)
        order = list(PAIRS)
        random.Random(worker).shuffle(order)
        barrier.wait(timeout=60)
        for i, (client, line) in enumerate(order):
            res = ledger.put_claim(ClaimRequest(
                client_key=client, line=line, unit=f"unit{worker}",
                at=T0 + dt.timedelta(seconds=i), key=f"w{worker}-{client}-{line}",
                by=f"worker {worker}"))
            out.append((client, line, res.won, res.owner.unit, res.owner.claim_id,
                        res.claim.claim_id))
        ledger.close()
        results.put(("ok", worker, out))
    except BaseException:
        results.put(("error", worker, traceback.format_exc()))


def forever(path: str, prefix: str) -> None:
    """Claim pairs until killed, printing each outcome only after the store returned it."""
    from bigclient.ledger import SqliteLedger
    from bigclient.ledger.claims import ClaimRequest

    ledger = SqliteLedger(path)
    i = 0
    while True:
        client, line = PAIRS[i % len(PAIRS)]
        key = f"{prefix}-{i}"
        res = ledger.put_claim(ClaimRequest(
            client_key=f"{client}-{i // len(PAIRS)}", line=line, unit=prefix,
            at=T0 + dt.timedelta(seconds=i), key=key, by="doomed",
            escalate_to="city_center"))
        sys.stdout.write(f"{key} {res.claim.claim_id} {res.claim.status} "
                         f"{res.owner.claim_id}\n")
        sys.stdout.flush()
        i += 1


def stall(path: str) -> None:
    """Claim through the real code path, but hang inside the write transaction."""
    from bigclient.ledger import SqliteLedger
    from bigclient.ledger.claims import ClaimRequest

    class Stalling(SqliteLedger):
        stalling = False

        def _check_mark(self, conn: Any) -> None:
            super()._check_mark(conn)
            if self.stalling:
                sys.stdout.write("inside\n")
                sys.stdout.flush()
                time.sleep(600)

    ledger = Stalling(path)
    ledger.stalling = True
    ledger.put_claim(ClaimRequest(client_key="contested", line="savings", unit="doomed",
                                  at=T0, key="stalled", by="doomed"))


if __name__ == "__main__":
    if sys.argv[2] == "stall":
        stall(sys.argv[1])
    else:
        forever(sys.argv[1], sys.argv[2])

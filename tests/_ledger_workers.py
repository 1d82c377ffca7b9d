"""Code run in other processes by test_ledger.py (importable under ``spawn``; runnable as a
script for the crash test, which kills it with SIGKILL)."""

from __future__ import annotations

import sys
import traceback
from typing import Any

REGIONS = ("440507", "440511", "440513")


def allocate_many(path: str, worker: int, count: int, barrier: Any, results: Any) -> None:
    """Allocate ``count`` client IDs round-robin over REGIONS; report (key, id) or the error."""
    from bigclient.ledger import IdAllocator, SqliteLedger

    out: list[tuple[str, str]] = []
    try:
        ledger = SqliteLedger(path)
        alloc = IdAllocator(None, ledger)
        barrier.wait(timeout=60)
        for i in range(count):
            key = f"w{worker}-{i}"
            cid = alloc.new_client(REGIONS[i % 3], key=key, by=f"worker {worker}")
            out.append((key, cid.compact))
        ledger.close()
        results.put(("ok", worker, out))
    except BaseException:
        results.put(("error", worker, traceback.format_exc()))


def same_key(path: str, key: str, region: str, barrier: Any, results: Any) -> None:
    """Ask for one key, all processes at once: each must get the same ID."""
    from bigclient.ledger import IdAllocator, SqliteLedger

    try:
        alloc = IdAllocator(None, SqliteLedger(path))
        barrier.wait(timeout=60)
        results.put(("ok", alloc.new_client(region, key=key, by="racer").compact))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def forever(path: str, prefix: str) -> None:
    """Allocate until killed, printing each ID only after the ledger returned it."""
    from bigclient.ledger import IdAllocator, SqliteLedger

    alloc = IdAllocator(None, SqliteLedger(path))
    i = 0
    while True:
        key = f"{prefix}-{i}"
        cid = alloc.new_client(REGIONS[i % 3], key=key, by="doomed")
        sys.stdout.write(f"{key} {cid.compact}\n")
        sys.stdout.flush()
        i += 1


def stall(path: str) -> None:
    """Allocate through the real code path, but hang inside the transaction (to be killed)."""
    import time

    from bigclient.ledger import SqliteLedger
    from bigclient.sections.ids.scheme import DEFAULT_SCHEME

    def make_id(n: int) -> object:
        sys.stdout.write(f"inside {n}\n")
        sys.stdout.flush()
        time.sleep(600)
        return DEFAULT_SCHEME.make_id("440507", n)

    SqliteLedger(path).allocate_client("440507", key="stalled", by="doomed", first=1,
                                       last=99_999, make_id=make_id)  # type: ignore[arg-type]


if __name__ == "__main__":
    if sys.argv[2] == "stall":
        stall(sys.argv[1])
    else:
        forever(sys.argv[1], sys.argv[2])

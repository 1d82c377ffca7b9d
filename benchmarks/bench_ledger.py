"""Ledger speed: allocations/s and claims/s, SQLite file vs PostgreSQL server, measured in
one run.

    python benchmarks/bench_ledger.py [--ops 2000] [--processes 8] [--dir DIR]
                                      [--pg-dsn postgresql://…]

For each store:

- allocate, 1 process: ``IdAllocator.new_client`` in a loop (3 regions), uncontended;
- allocate, N processes: the same ledger, all processes at once; total IDs / wall time,
  and the run checks that no ID was handed out twice;
- claim, 1 process: ``put_claim`` on distinct (client, line) pairs, each one won;
- claim, N processes: every process claims the SAME pairs (each pair fought over by N);
  the run checks exactly one owner per pair and that every loser was told it.

Both stores are durable: SQLite ``synchronous=FULL``; PostgreSQL ``fsync=on``,
``synchronous_commit=on``, its data folder on disk in ``--dir`` (default: the system temp
folder), started here as a throwaway server (tests/pgcluster.py) unless ``--pg-dsn``
names one (a database in which the benchmark may create schemas). A store without the
claim methods (``ClaimStore``) is skipped for claims with a note.
Figures depend on the disk's fsync latency more than on Python: measure on the target host.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bigclient.ledger import IdAllocator, create_ledger, open_ledger  # noqa: E402
from bigclient.ledger.claims import ClaimRequest, ClaimStore  # noqa: E402
from bigclient.sections.ids.scheme import DEFAULT_SCHEME  # noqa: E402

REGIONS = ("440507", "440511", "440513")
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
Row = tuple[str, str, int, int, float]  # store, operation, processes, count, seconds


def _request(worker: int, pair: int, tag: str) -> ClaimRequest:
    return ClaimRequest(client_key=f"client-{pair // 2:05d}", line=("parcel", "savings")[pair % 2],
                        unit=f"unit{worker}", at=T0, key=f"{tag}-w{worker}-p{pair}",
                        by="bench")


def _worker(target: str, kind: str, worker: int, count: int, barrier: Any, q: Any) -> None:
    ledger = open_ledger(target)
    barrier.wait()
    if kind == "allocate":
        alloc = IdAllocator(None, ledger)
        q.put([alloc.new_client(REGIONS[i % 3], key=f"w{worker}-{i}", by="bench").compact
               for i in range(count)])
    else:
        store: Any = ledger
        q.put([(p, o.won, o.owner.claim_id) for p in range(count)
               for o in [store.put_claim(_request(worker, p, "multi"))]])
    ledger.close()


def _parallel(target: str, kind: str, procs: int, each: int) -> tuple[list[Any], float]:
    ctx = mp.get_context("spawn")
    barrier, q = ctx.Barrier(procs + 1), ctx.Queue()
    ps = [ctx.Process(target=_worker, args=(target, kind, w, each, barrier, q))
          for w in range(procs)]
    for p in ps:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    got = [q.get() for _ in ps]
    seconds = time.perf_counter() - t0
    for p in ps:
        p.join()
    return got, seconds


def bench_store(name: str, make: Any, ops: int, procs: int) -> list[Row]:
    """``make()`` returns the target of a new, empty ledger."""
    rows: list[Row] = []
    target = make()
    ledger = open_ledger(target)
    alloc = IdAllocator(None, ledger)
    t0 = time.perf_counter()
    for i in range(ops):
        alloc.new_client(REGIONS[i % 3], key=f"k{i}", by="bench")
    rows.append((name, "allocate", 1, ops, time.perf_counter() - t0))
    ledger.close()

    target = make()
    got, seconds = _parallel(target, "allocate", procs, ops // procs)
    ids = [c for chunk in got for c in chunk]
    assert len(ids) == len(set(ids)) == (ops // procs) * procs, "duplicate IDs!"
    rows.append((name, "allocate", procs, len(ids), seconds))

    target = make()
    ledger = open_ledger(target)
    if not isinstance(ledger, ClaimStore):
        print(f"note: {name}: {type(ledger).__name__} has no put_claim (not a ClaimStore "
              "yet); claims skipped")
        ledger.close()
        return rows
    t0 = time.perf_counter()
    for p in range(ops):
        assert ledger.put_claim(_request(0, p, "single")).won
    rows.append((name, "claim (each wins)", 1, ops, time.perf_counter() - t0))
    ledger.close()

    target = make()
    pairs = ops // procs
    got, seconds = _parallel(target, "claim", procs, pairs)
    for p in range(pairs):
        answers = [chunk[p] for chunk in got]
        assert sum(won for _, won, _ in answers) == 1, f"pair {p}: not exactly one owner"
        assert len({owner for _, _, owner in answers}) == 1, f"pair {p}: losers told others"
    rows.append((name, f"claim (same pairs x{procs})", procs, pairs * procs, seconds))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=2000, help="operations per measurement")
    ap.add_argument("--processes", type=int, default=8)
    ap.add_argument("--dir", help="folder for the SQLite files and the PostgreSQL data "
                                  "(default: a temporary folder on disk)")
    ap.add_argument("--pg-dsn", help="benchmark this PostgreSQL database instead of "
                                     "starting a throwaway server")
    args = ap.parse_args()
    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="bench-ledger-",
                                                                 dir=tempfile.gettempdir()))
    base.mkdir(parents=True, exist_ok=True)

    def sqlite_ledger() -> str:
        path = base / f"{uuid.uuid4().hex[:8]}.db"
        create_ledger(path, ruleset="bench", scheme=DEFAULT_SCHEME).close()
        return str(path)

    rows = bench_store("SQLite", sqlite_ledger, args.ops, args.processes)

    cluster = None
    dsn = args.pg_dsn
    if dsn is None:
        from tests.pgcluster import Cluster

        # its own folder (not inside ``base``, which the postgres user may not enter)
        pg_root = Path(tempfile.mkdtemp(prefix="bcpg-", dir=args.dir or tempfile.gettempdir()))
        cluster = Cluster(root=pg_root).start()
        dsn = cluster.dsn()
    try:
        def pg_ledger() -> str:
            url = f"{dsn}{'&' if '?' in dsn else '?'}schema=bench_{uuid.uuid4().hex[:8]}"
            create_ledger(url, ruleset="bench", scheme=DEFAULT_SCHEME).close()
            return url

        rows += bench_store("PostgreSQL", pg_ledger, args.ops, args.processes)
    finally:
        if cluster is not None:
            cluster.stop()
        if not args.dir:
            shutil.rmtree(base, ignore_errors=True)

    print(f"\n{'store':11} {'operation':26} {'procs':>5} {'ops':>6} {'seconds':>8} "
          f"{'ops/s':>8} {'ms/op':>6}")
    for store, op, procs, count, seconds in rows:
        print(f"{store:11} {op:26} {procs:5d} {count:6,d} {seconds:8.2f} {count / seconds:8,.0f} "
              f"{seconds / count * 1e3 * procs:6.2f}")
    print("\nms/op: wall time per operation as one process sees it (x processes).")


if __name__ == "__main__":
    main()

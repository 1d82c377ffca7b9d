"""Big-client ID speed: parse/s, and allocations/s against the SQLite ledger.

    python benchmarks/bench_ids.py [--allocations 4000] [--processes 8] [--parse 200000]

- parse: ``ClientId.parse`` on compact and spaced IDs (default scheme, and with the
  ISO 7064 MOD 11-2 check character);
- allocate, one process: ``IdAllocator.new_client`` in a loop, each one BEGIN IMMEDIATE
  transaction, with the default ``synchronous=FULL`` (an fsync per ID) and with
  ``durable=False`` (safe against process crashes, not power cuts);
- allocate, N processes: the same file, all processes at once over 3 regions; the figure is
  total IDs / wall time, and the run checks that no ID was handed out twice;
- retry: asking again with a key already used (the read-only idempotency path).

Figures depend on the disk's fsync latency more than on Python: measure on the target host.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
import time
from pathlib import Path
from typing import Any

from bigclient.ledger import IdAllocator, SqliteLedger
from bigclient.sections.ids.scheme import DEFAULT_SCHEME, ClientId, IdScheme

REGIONS = ("440507", "440511", "440513")


def bench_parse(n: int) -> None:
    checked = IdScheme.model_validate({**DEFAULT_SCHEME.model_dump(), "check": "iso7064_mod11_2"})
    for label, scheme in (("D-11, no check", DEFAULT_SCHEME), ("with MOD 11-2", checked)):
        ids = [scheme.make_id(REGIONS[i % 3], 1 + i % 99_999, i % 7) for i in range(1000)]
        for form, texts in (("compact", [c.compact for c in ids]),
                            ("spaced", [c.format() for c in ids])):
            reps = max(1, n // len(texts))
            t0 = time.perf_counter()
            for _ in range(reps):
                for t in texts:
                    ClientId.parse(t, scheme)
            dt = time.perf_counter() - t0
            print(f"parse   {label:15} {form:8} {reps * len(texts) / dt:12,.0f} IDs/s")


def _worker(path: str, worker: int, count: int, durable: bool, barrier: Any, q: Any) -> None:
    alloc = IdAllocator(None, SqliteLedger(path, durable=durable))
    barrier.wait()
    out = [alloc.new_client(REGIONS[i % 3], key=f"w{worker}-{i}", by="bench").compact
           for i in range(count)]
    q.put(out)


def bench_allocate(n: int, procs: int, folder: Path) -> None:
    for durable in (True, False):
        mode = "FULL" if durable else "NORMAL"
        path = folder / f"single-{mode}.db"
        alloc = IdAllocator(None, SqliteLedger.create(path, ruleset="bench",
                                                      scheme=DEFAULT_SCHEME, durable=durable))
        t0 = time.perf_counter()
        for i in range(n):
            alloc.new_client(REGIONS[i % 3], key=f"k{i}", by="bench")
        dt = time.perf_counter() - t0
        print(f"allocate 1 process  synchronous={mode:6} {n / dt:10,.0f} IDs/s "
              f"({dt / n * 1e3:.2f} ms each)")
        if durable:
            t0 = time.perf_counter()
            for i in range(n):
                alloc.new_client(REGIONS[i % 3], key=f"k{i}", by="bench")
            dt = time.perf_counter() - t0
            print(f"retry    same key (read only)          {n / dt:10,.0f} IDs/s")

        path = folder / f"multi-{mode}.db"
        SqliteLedger.create(path, ruleset="bench", scheme=DEFAULT_SCHEME).close()
        ctx = mp.get_context("spawn")
        barrier, q = ctx.Barrier(procs + 1), ctx.Queue()
        each = n // procs
        ps = [ctx.Process(target=_worker, args=(str(path), w, each, durable, barrier, q))
              for w in range(procs)]
        for p in ps:
            p.start()
        barrier.wait()
        t0 = time.perf_counter()
        got = [q.get() for _ in ps]
        dt = time.perf_counter() - t0
        for p in ps:
            p.join()
        ids = [c for chunk in got for c in chunk]
        assert len(ids) == len(set(ids)) == each * procs, "duplicate IDs!"
        print(f"allocate {procs} processes synchronous={mode:6} {len(ids) / dt:10,.0f} IDs/s "
              f"(total, {len(ids):,} IDs, 0 duplicates)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--allocations", type=int, default=4000)
    ap.add_argument("--processes", type=int, default=8)
    ap.add_argument("--parse", type=int, default=200_000)
    ap.add_argument("--dir", help="folder for the ledger files (default: a temporary one)")
    args = ap.parse_args()
    bench_parse(args.parse)
    if args.dir:
        bench_allocate(args.allocations, args.processes, Path(args.dir))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            bench_allocate(args.allocations, args.processes, Path(tmp))


if __name__ == "__main__":
    main()

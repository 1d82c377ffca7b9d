"""PostgreSQL as the shared store under races, kills and a server restart (D-12, D-16):
8 processes claim the same 100 (client, line) pairs and allocate IDs at once; exactly one
owner per pair, every loser told the winner, no ID twice, sequences without gaps."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from bigclient.ledger import IdAllocator, PostgresLedger
from bigclient.ledger.claims import ClaimRequest
from bigclient.sections.ids.scheme import DEFAULT_SCHEME
from tests import _pg_workers as workers

WORKERS = 8


def _start(dsn: str, allocations: int) -> tuple[Any, list[Any], Any]:
    """The workers, started; keep the barrier referenced until they are done (a collected
    barrier unlinks its semaphore before a spawned child can open it)."""
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    procs = [ctx.Process(target=workers.race, args=(dsn, w, allocations, barrier, results))
             for w in range(WORKERS)]
    for p in procs:
        p.start()
    return results, procs, barrier


def _collect(results: Any, procs: list[Any]) -> list[tuple[Any, ...]]:
    got = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    errors = [g[2] for g in got if g[0] != "ok"]
    assert errors == [], errors[0]
    return got


def _check(dsn: str, got: list[tuple[Any, ...]], allocations: int) -> None:
    """One owner per pair, every answer agrees with it and with the store; IDs once each,
    per-region sequences 1..N; the store's own check finds nothing."""
    store = PostgresLedger(dsn)
    by_pair: dict[int, list[tuple[int, bool, int, str]]] = defaultdict(list)
    for _, _, _, claims in got:
        for p, claim_id, won, owner_id, owner_unit in claims:
            by_pair[p].append((claim_id, won, owner_id, owner_unit))
    assert sorted(by_pair) == list(range(workers.PAIRS))
    for p, answers in by_pair.items():
        assert len(answers) == WORKERS
        winners = [a for a in answers if a[1]]
        assert len(winners) == 1, (p, answers)
        owner = store.owner(*workers.pair(p))
        assert owner is not None and owner.claim_id == winners[0][0]
        assert {a[2] for a in answers} == {owner.claim_id}  # every loser got the winner
        assert {a[3] for a in answers} == {owner.unit}
    assert len(store.claims()) == WORKERS * workers.PAIRS
    assert len(store.claims(status="owner")) == workers.PAIRS
    ids = [cid for g in got for _, cid in g[2]]
    assert len(ids) == WORKERS * allocations and len(set(ids)) == len(ids)
    per_region = Counter(cid[:6] for cid in ids)
    for region in workers.REGIONS:
        seqs = sorted(int(c[6:11]) for c in ids if c[:6] == region)
        assert seqs == list(range(1, per_region[region] + 1))
    assert {r.key: r.id for r in store.allocations()} == {k: c for g in got for k, c in g[2]}
    assert store.check_integrity() == []


def test_eight_processes_race_for_the_same_100_pairs(pg_dsn: str) -> None:
    """D-16 签到制 and D-12 at once: 8 processes × (100 claims + 100 allocations)."""
    PostgresLedger.create(pg_dsn, ruleset="shantou-postal", scheme=DEFAULT_SCHEME).close()
    results, procs, _barrier = _start(pg_dsn, 100)
    _check(pg_dsn, _collect(results, procs), 100)


def _count(dsn: str) -> int:
    try:
        with psycopg.connect(dsn, connect_timeout=2) as conn:
            row = conn.execute("SELECT count(*) FROM bigclient_shantou_postal.claim").fetchone()
            return int(row[0]) if row else 0
    except psycopg.Error:
        return -1


def test_server_restart_mid_run_leaves_no_duplicate(pg_dsn: str,
                                                    pg_restart: Callable[[], None]) -> None:
    """PITFALLS: a commit can land without its acknowledgement. The server is restarted
    (immediate stop: every session cut, uncommitted work rolled back) twice while 8 workers
    claim and allocate; they retry with their idempotency keys and finish, and the result
    is as clean as a run without a restart."""
    PostgresLedger.create(pg_dsn, ruleset="shantou-postal", scheme=DEFAULT_SCHEME).close()
    results, procs, _barrier = _start(pg_dsn, 150)
    restarts = 0
    deadline = time.monotonic() + 120
    for threshold in (150, 450):
        while _count(pg_dsn) < threshold and time.monotonic() < deadline:
            time.sleep(0.01)
        if _count(pg_dsn) < WORKERS * workers.PAIRS:
            pg_restart()
            restarts += 1
    _check(pg_dsn, _collect(results, procs), 150)
    assert restarts >= 1  # the run really was cut


def _env() -> dict[str, str]:
    root = Path(workers.__file__).resolve().parent.parent
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root / "src"), str(root), os.environ.get("PYTHONPATH", "")])}


def test_sigkill_mid_claim_loses_nothing(pg_dsn: str) -> None:
    """kill -9 a process while it claims and allocates, three times (landing at different
    points, inside transactions too): every answer it was given is in the store, nothing
    half-made remains, the rows it held are free at once, and its retries get the same
    answers."""
    store = PostgresLedger.create(pg_dsn, ruleset="shantou-postal", scheme=DEFAULT_SCHEME,
                                  timeout=10)
    claims: dict[str, tuple[int, bool, int]] = {}
    ids: dict[str, str] = {}
    rival = PostgresLedger(pg_dsn, timeout=10)
    stop = threading.Event()

    def compete() -> None:  # another unit claiming the same pairs meanwhile
        i = 0
        while not stop.is_set():
            client, line = workers.pair(i % workers.PAIRS)
            rival.put_claim(ClaimRequest(client_key=client, line=line, unit="rival",
                                         at=workers.T0, key=f"rival-{i}", by="rival"))
            i += 1

    thread = threading.Thread(target=compete)
    thread.start()
    try:
        for round_ in range(3):
            proc = subprocess.Popen([sys.executable, workers.__file__, pg_dsn, f"r{round_}"],
                                    stdout=subprocess.PIPE, text=True, env=_env())
            assert proc.stdout is not None
            lines = [proc.stdout.readline() for _ in range(60 + 23 * round_)]
            time.sleep(0.002 * round_)
            proc.send_signal(signal.SIGKILL)
            lines += proc.stdout.read().splitlines()
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL
            for line in lines:
                parts = line.split()
                if parts and parts[0] == "claim":
                    claims[parts[1]] = (int(parts[2]), parts[3] == "1", int(parts[4]))
                elif parts:
                    ids[parts[1]] = parts[2]
    finally:
        stop.set()
        thread.join()
    recorded = {c.key: c for c in store.claims()}
    owners = {workers.pair(p): store.owner(*workers.pair(p)) for p in range(workers.PAIRS)}
    for key, (claim_id, won, owner_id) in claims.items():
        assert recorded[key].claim_id == claim_id
        assert recorded[key].status == ("owner" if won else "lost")
        owner = owners[(recorded[key].client_key, recorded[key].line)]
        assert owner is not None and owner.claim_id == owner_id  # told the real owner
    by_key = {r.key: r.id for r in store.allocations()}
    assert all(by_key[k] == v for k, v in ids.items())
    assert len(set(by_key.values())) == len(by_key)
    assert store.check_integrity() == []
    for region in workers.REGIONS:
        seqs = sorted(r.sequence for r in store.allocations(region))
        assert seqs == list(range(1, len(seqs) + 1))
    t0 = time.monotonic()  # nothing is left locked by the dead processes
    late = store.put_claim(ClaimRequest(client_key="client-00", line="parcel", unit="late",
                                        at=workers.T0, key="late", by="t"))
    assert not late.won and time.monotonic() - t0 < 5
    last = max(ids, key=lambda k: (int(k[1]), int(k.split("id")[1])))
    assert IdAllocator(None, store).new_client(ids[last][:6], key=last, by="retry").compact \
        == ids[last]

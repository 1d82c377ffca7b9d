"""The ID ledger: central allocation that never hands out an ID twice (D-11, D-12, D-17)."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bigclient.errors import (
    ExhaustedError,
    InputError,
    InvalidComponent,
    InvalidLength,
    StoreError,
    UnknownRegion,
)
from bigclient.ledger import (
    IdAllocator,
    KeyConflict,
    Ledger,
    SqliteLedger,
    UnknownHeadquarters,
)
from bigclient.sections.ids.scheme import DEFAULT_SCHEME, ClientId, IdScheme
from tests import _ledger_workers as workers

SHANTOU = IdScheme.model_validate({"segments": [
    {"name": "region", "kind": "region", "width": 6,
     "allowed": [440500, 440507, 440511, 440512, 440513, 440514, 440515, 440523]},
    {"name": "sequence", "kind": "sequence", "width": 5, "start": 1},
    {"name": "branch", "kind": "branch", "width": 3, "headquarters": 0}]})


def tiny(seq: int = 1, branch: int = 1) -> IdScheme:
    return IdScheme.model_validate({"segments": [
        {"name": "region", "kind": "region", "width": 6},
        {"name": "sequence", "kind": "sequence", "width": seq},
        {"name": "branch", "kind": "branch", "width": branch}]})


def new_ledger(path: Path | str, scheme: IdScheme = DEFAULT_SCHEME, **kw: Any) -> SqliteLedger:
    """A new ledger (D-12: never made by merely opening a path)."""
    return SqliteLedger.create(path, ruleset="shantou-postal", scheme=scheme, **kw)


@pytest.fixture
def ledger(tmp_path: Path) -> SqliteLedger:
    return new_ledger(tmp_path / "ids.db")


@pytest.fixture
def alloc(ledger: SqliteLedger) -> IdAllocator:
    return IdAllocator(SHANTOU, ledger)


def test_sqlite_ledger_is_a_ledger(ledger: SqliteLedger) -> None:
    assert isinstance(ledger, Ledger)


def test_sequences_per_region_from_00001(alloc: IdAllocator) -> None:
    """D-11: the sequence counts within a division, from 00001; branch 000."""
    regions: list[str | int] = ["440507", "440507", "440511", 440507]
    got = [alloc.new_client(r, key=f"k{i}", by="t").format() for i, r in enumerate(regions)]
    assert got == ["440507 00001 000", "440507 00002 000", "440511 00001 000",
                   "440507 00003 000"]


def test_region_checked_against_scheme(alloc: IdAllocator) -> None:
    """D-11 region list; PITFALLS: '001234' stays text, an int from YAML is fine."""
    with pytest.raises(UnknownRegion, match="430602"):
        alloc.new_client("430602", key="k", by="t")
    with pytest.raises(InvalidComponent, match="001234 is not a GB/T 2260"):
        alloc.new_client("001234", key="k", by="t")
    with pytest.raises(InvalidComponent, match="quotes"):
        alloc.new_client(668, key="k", by="t")  # what YAML made of 001234
    assert alloc.new_client(440511, key="k", by="t").region == "440511"


def test_keys_and_names_are_required(alloc: IdAllocator) -> None:
    for key, by in (("", "t"), ("  ", "t"), ("k", ""), (None, "t"), ("k" * 201, "t")):
        with pytest.raises(InputError):
            alloc.new_client("440507", key=key, by=by)  # type: ignore[arg-type]


def test_same_key_same_id(alloc: IdAllocator, ledger: SqliteLedger) -> None:
    """D-12: a retried request gets the ID it got the first time, not a second one."""
    a = alloc.new_client("440507", key="req-1", by="svc-a")
    assert alloc.new_client("440507", key="req-1", by="svc-b") == a
    assert alloc.new_client("440507", key="req-2", by="svc-a").sequence == 2
    rec = ledger.get_by_key("req-1")
    assert rec is not None and rec.id == a.compact and rec.by == "svc-a" and not rec.new
    b = alloc.new_branch(a, key="br-1", by="svc-a")
    assert alloc.new_branch(a.format(), key="br-1", by="svc-a") == b


def test_same_key_for_something_else_is_refused(alloc: IdAllocator) -> None:
    """D-12: never return a wrong ID — a reused key for another request is an error."""
    a = alloc.new_client("440507", key="req-1", by="t")
    with pytest.raises(KeyConflict, match="region 440511"):
        alloc.new_client("440511", key="req-1", by="t")
    with pytest.raises(KeyConflict, match="cannot also allocate a branch"):
        alloc.new_branch(a, key="req-1", by="t")
    b = alloc.new_client("440507", key="req-2", by="t")
    alloc.new_branch(a, key="br", by="t")
    with pytest.raises(KeyConflict):
        alloc.new_branch(b, key="br", by="t")
    with pytest.raises(KeyConflict):
        alloc.new_client("440507", key="br", by="t")
    assert isinstance(KeyConflict("x"), StoreError)


def test_branches(alloc: IdAllocator, ledger: SqliteLedger) -> None:
    """D-11 layer 3 and D-17: branches 001, 002, … under a headquarters ending in 000."""
    hq = alloc.new_client("440507", key="hq", by="city centre")
    other = alloc.new_client("440507", key="hq2", by="city centre")
    b1 = alloc.new_branch(hq, key="b1", by="county")
    b2 = alloc.new_branch(str(hq), key="b2", by="county")
    o1 = alloc.new_branch(other, key="o1", by="county")
    assert [b1.format(), b2.format(), o1.format()] == [
        "440507 00001 001", "440507 00001 002", "440507 00002 001"]
    assert b1.headquarters == hq and not b1.is_headquarters
    rec = alloc.lookup(b2)
    assert rec is not None and rec.kind == "branch" and rec.headquarters == hq.compact
    assert alloc.lookup("44050700099000") is None


def test_branch_needs_a_known_headquarters(alloc: IdAllocator) -> None:
    hq = alloc.new_client("440507", key="hq", by="t")
    b1 = alloc.new_branch(hq, key="b1", by="t")
    with pytest.raises(InvalidComponent, match=r"is a branch ID \(digits 12-14 are 001\)"):
        alloc.new_branch(b1, key="b2", by="t")
    with pytest.raises(UnknownHeadquarters, match="never allocated"):
        alloc.new_branch("44050700042000", key="b3", by="t")
    with pytest.raises(InvalidLength):
        alloc.new_branch("4405070004200", key="b4", by="t")
    with pytest.raises(UnknownRegion):
        alloc.new_branch("43060200001000", key="b5", by="t")


def test_region_exhaustion_tiny_scheme(tmp_path: Path) -> None:
    """D-11: a full region says so plainly instead of wrapping round or widening."""
    a = IdAllocator(tiny(seq=1), new_ledger(tmp_path / "t.db", tiny(seq=1)))
    got = [a.new_client("440507", key=f"k{i}", by="t").sequence for i in range(9)]
    assert got == list(range(1, 10))
    with pytest.raises(ExhaustedError, match="region 440507 has no client sequence numbers left"):
        a.new_client("440507", key="k9", by="t")
    assert a.new_client("440511", key="k10", by="t").sequence == 1  # other regions go on
    assert a.new_client("440507", key="k3", by="t").sequence == 4  # old keys still answer


def test_branch_exhaustion_tiny_scheme(tmp_path: Path) -> None:
    a = IdAllocator(tiny(branch=1), new_ledger(tmp_path / "t.db", tiny(branch=1)))
    hq = a.new_client("440507", key="hq", by="t")
    assert [a.new_branch(hq, key=f"b{i}", by="t").branch for i in range(9)] == list(range(1, 10))
    with pytest.raises(ExhaustedError, match="no branch numbers left"):
        a.new_branch(hq, key="b9", by="t")


def test_exhaustion_at_99999_and_999(tmp_path: Path) -> None:
    """D-11 widths: 99,999 clients per division, 999 branches per client."""
    path = tmp_path / "t.db"
    a = IdAllocator(None, new_ledger(path))
    hq = a.new_client("440507", key="hq", by="t")
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE region_counter SET last = 99998 WHERE region = '440507'")
        raw.execute("INSERT INTO branch_counter VALUES (?, 998)", (hq.compact,))
    assert a.new_client("440507", key="last", by="t").format() == "440507 99999 000"
    with pytest.raises(ExhaustedError, match="1-99,999"):
        a.new_client("440507", key="one-too-many", by="t")
    assert a.new_branch(hq, key="last-b", by="t").format() == "440507 00001 999"
    with pytest.raises(ExhaustedError, match="1-999"):
        a.new_branch(hq, key="b-too-many", by="t")


def test_check_character_scheme_allocates_checked_ids(tmp_path: Path) -> None:
    scheme = IdScheme.model_validate({**SHANTOU.model_dump(), "check": "iso7064_mod11_2"})
    a = IdAllocator(scheme, new_ledger(tmp_path / "t.db", scheme))
    cid = a.new_client("440507", key="k", by="t")
    assert len(cid.compact) == 15 and ClientId.parse(cid.format(), scheme) == cid
    assert a.new_branch(cid, key="b", by="t").headquarters == cid


def test_allocation_record(ledger: SqliteLedger, alloc: IdAllocator) -> None:
    """D-12: every allocated ID is recorded: kind, region, time, who, key, headquarters."""
    cid = alloc.new_client("440507", key="k", by="alice")
    rec = ledger.get(cid.compact)
    assert rec is not None
    assert (rec.kind, rec.region, rec.sequence, rec.branch, rec.headquarters, rec.key,
            rec.by) == ("client", "440507", 1, 0, cid.compact, "k", "alice")
    assert rec.at.endswith("+00:00")
    assert [r.id for r in ledger.allocations("440507")] == [cid.compact]
    assert ledger.check_integrity() == []


# -- concurrency, crashes, store errors ------------------------------------------------------


def _context() -> Any:
    return mp.get_context("spawn")


def _collect(q: mp.Queue, n: int, procs: list[mp.process.BaseProcess]) -> list[tuple]:  # type: ignore[type-arg]
    got = [q.get(timeout=120) for _ in range(n)]
    for p in procs:
        p.join(timeout=60)
    return got


def test_eight_processes_2000_allocations(tmp_path: Path) -> None:
    """D-12 under load: 8 processes × 250 allocations over 3 regions on one file give 2,000
    distinct IDs, per-region sequences exactly 1..N, and no "database is locked"."""
    path = str(tmp_path / "ids.db")
    new_ledger(path).close()
    ctx = _context()
    barrier, results = ctx.Barrier(8), ctx.Queue()
    procs = [ctx.Process(target=workers.allocate_many, args=(path, w, 250, barrier, results))
             for w in range(8)]
    for p in procs:
        p.start()
    got = _collect(results, 8, procs)
    errors = [g[2] for g in got if g[0] != "ok"]
    assert errors == []
    ids = [cid for g in got for _, cid in g[2]]
    assert len(ids) == 2000 and len(set(ids)) == 2000
    per_region = Counter(cid[:6] for cid in ids)
    for region in workers.REGIONS:
        seqs = sorted(int(c[6:11]) for c in ids if c[:6] == region)
        assert seqs == list(range(1, per_region[region] + 1))
    ledger = SqliteLedger(path)
    recorded = {r.key: r.id for r in ledger.allocations()}
    assert recorded == {k: cid for g in got for k, cid in g[2]}
    assert ledger.check_integrity() == []


def test_same_key_from_many_processes(tmp_path: Path) -> None:
    """D-12: six processes racing with one key all get the one ID it was given."""
    path = str(tmp_path / "ids.db")
    new_ledger(path).close()
    ctx = _context()
    barrier, results = ctx.Barrier(6), ctx.Queue()
    procs = [ctx.Process(target=workers.same_key, args=(path, "req-42", "440507", barrier,
                                                        results)) for _ in range(6)]
    for p in procs:
        p.start()
    got = _collect(results, 6, procs)
    assert {g[0] for g in got} == {"ok"}, got
    assert {g[1] for g in got} == {"44050700001000"}
    assert len(SqliteLedger(path).allocations()) == 1


def test_threads_share_one_ledger(ledger: SqliteLedger) -> None:
    """One SqliteLedger used by several threads (a web server's workers)."""
    alloc = IdAllocator(None, ledger)
    out: list[str] = []
    lock = threading.Lock()

    def work(t: int) -> None:
        for i in range(50):
            cid = alloc.new_client("440507", key=f"t{t}-{i}", by="thread").compact
            with lock:
                out.append(cid)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(int(c[6:11]) for c in out) == list(range(1, 301))


def _child_env() -> dict[str, str]:
    root = Path(workers.__file__).resolve().parent.parent
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root / "src"), str(root), os.environ.get("PYTHONPATH", "")])}


def test_sigkill_mid_allocation_leaves_a_sound_ledger(tmp_path: Path) -> None:
    """D-12 after a crash: kill -9 while allocating; every ID the process was given is
    recorded, none twice, the file is sound, and allocation goes on after it."""
    path = str(tmp_path / "ids.db")
    new_ledger(path).close()
    seen: dict[str, str] = {}
    script = Path(workers.__file__)
    env = _child_env()
    for round_ in range(3):
        proc = subprocess.Popen([sys.executable, str(script), path, f"r{round_}"],
                                stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(150 + 37 * round_)]
        time.sleep(0.003 * round_)  # land the kill at different points of a transaction
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        for line in lines + rest.splitlines():
            if line.strip():
                key, cid = line.split()
                seen[key] = cid

    ledger = SqliteLedger(path)
    assert ledger.check_integrity() == []
    records = ledger.allocations()
    by_key = {r.key: r.id for r in records}
    assert len({r.id for r in records}) == len(records)
    for key, cid in seen.items():  # the ledger kept every ID it handed out
        assert by_key[key] == cid
    for region in workers.REGIONS:
        seqs = sorted(r.sequence for r in records if r.region == region)
        assert seqs == list(range(1, len(seqs) + 1))
    alloc = IdAllocator(None, ledger)
    last_key = max(seen, key=lambda k: (int(k[1]), int(k.split("-")[1])))
    assert alloc.new_client(seen[last_key][:6], key=last_key, by="retry").compact == \
        seen[last_key]  # a retry after the crash gets the same ID
    nxt = alloc.new_client("440507", key="after", by="t")
    assert nxt.sequence == 1 + max(r.sequence for r in records if r.region == "440507")


def test_sigkill_inside_the_transaction_rolls_back(tmp_path: Path) -> None:
    """D-12: a process killed while it holds the write lock, mid-allocation, leaves no
    half-made ID; the lock is released and the next allocation takes that number."""
    path = str(tmp_path / "ids.db")
    alloc = IdAllocator(None, new_ledger(path))
    alloc.new_client("440507", key="before", by="t")
    proc = subprocess.Popen([sys.executable, str(Path(workers.__file__)), path, "stall"],
                            stdout=subprocess.PIPE, text=True, env=_child_env())
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "inside 2"  # holds BEGIN IMMEDIATE now
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    ledger = SqliteLedger(path)
    assert ledger.get_by_key("stalled") is None and ledger.check_integrity() == []
    t0 = time.monotonic()
    assert alloc.new_client("440507", key="after", by="t").sequence == 2
    assert time.monotonic() - t0 < 5


def test_a_short_lock_is_waited_out(ledger: SqliteLedger, tmp_path: Path) -> None:
    """PITFALLS: another writer holding the lock briefly must not surface as an error."""
    alloc = IdAllocator(None, ledger)
    other = sqlite3.connect(ledger.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.4, lambda: other.execute("COMMIT"))
    timer.start()
    t0 = time.monotonic()
    assert alloc.new_client("440507", key="k", by="t").sequence == 1
    assert time.monotonic() - t0 >= 0.3
    timer.join()
    other.close()


def test_a_long_lock_becomes_a_plain_store_error(tmp_path: Path) -> None:
    path = tmp_path / "ids.db"
    alloc = IdAllocator(None, new_ledger(path, timeout=0.3))
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("PRAGMA busy_timeout = 0")
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="stayed busy") as info:
            alloc.new_client("440507", key="k", by="t")
        assert not isinstance(info.value, sqlite3.Error)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert alloc.new_client("440507", key="k", by="t").sequence == 1


def test_driver_errors_become_store_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"junk\.db"):
        SqliteLedger(junk)
    with pytest.raises(StoreError):
        SqliteLedger(tmp_path)  # a folder
    with pytest.raises(StoreError, match="there is no ledger"):
        SqliteLedger(tmp_path / "missing.db")
    newer = tmp_path / "newer.db"
    with sqlite3.connect(newer) as raw:
        raw.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer bigclient"):
        SqliteLedger(newer)


def test_reopen_and_fork(tmp_path: Path) -> None:
    """A ledger reopens after close and after fork (a child never reuses the connection)."""
    path = tmp_path / "ids.db"
    ledger = new_ledger(path)
    alloc = IdAllocator(DEFAULT_SCHEME, ledger)
    alloc.new_client("440507", key="a", by="t")
    ledger.close()
    assert alloc.new_client("440507", key="b", by="t").sequence == 2
    if not hasattr(os, "fork"):
        pytest.skip("no fork here")
    ctx = mp.get_context("fork")
    q = ctx.Queue()

    def child() -> None:
        q.put(alloc.new_client("440507", key="c", by="child").compact)

    p = ctx.Process(target=child)
    p.start()
    assert q.get(timeout=30) == "44050700003000"
    p.join(timeout=30)
    assert alloc.new_client("440507", key="d", by="t").sequence == 4

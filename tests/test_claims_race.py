"""Claims under contention and crashes, on the SQLite ledger (D-16: 签到制, the first
registration that reaches the store owns the client; exactly one owner, whatever the race)."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import _claims_workers as workers

from bigclient.ledger import SqliteLedger
from bigclient.ledger.claims import ClaimRequest
from bigclient.sections.ids.scheme import DEFAULT_SCHEME


def new_ledger(path: str) -> None:
    SqliteLedger.create(path, ruleset="shantou-postal", scheme=DEFAULT_SCHEME).close()


def _child_env() -> dict[str, str]:
    root = Path(workers.__file__).resolve().parent.parent
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root / "src"), str(root / "tests"), os.environ.get("PYTHONPATH", "")])}


def test_eight_processes_race_for_the_same_100_pairs(tmp_path: Path) -> None:
    """D-16 under load: 8 processes claim the same 100 (client, line) pairs, each in its own
    order. Each pair ends with exactly one owner; every loser was told that owner."""
    path = str(tmp_path / "claims.db")
    new_ledger(path)
    ctx: Any = mp.get_context("spawn")
    barrier, results = ctx.Barrier(8), ctx.Queue()
    procs = [ctx.Process(target=workers.race, args=(path, w, barrier, results))
             for w in range(8)]
    for p in procs:
        p.start()
    got = [results.get(timeout=180) for _ in range(8)]
    for p in procs:
        p.join(timeout=60)
    assert [g[2] for g in got if g[0] != "ok"] == []
    outcomes: dict[tuple[str, str], list[tuple[bool, str, int, int]]] = defaultdict(list)
    for _, worker, rows in got:
        assert len(rows) == 100
        for client, line, won, owner_unit, owner_id, own_id in rows:
            outcomes[(client, line)].append((won, owner_unit, owner_id, own_id))
            if won:
                assert (owner_unit, owner_id) == (f"unit{worker}", own_id)
    ledger = SqliteLedger(path)
    owners = {(c.client_key, c.line): c for c in ledger.claims(status="owner")}
    assert len(owners) == 100 and set(owners) == set(workers.PAIRS)
    for pair, seen in outcomes.items():
        assert len(seen) == 8
        winners = [s for s in seen if s[0]]
        assert len(winners) == 1, (pair, seen)
        owner = owners[pair]
        assert {(s[1], s[2]) for s in seen} == {(owner.unit, owner.claim_id)}  # losers too
    assert len(ledger.claims()) == 800 and len(ledger.claims(status="lost")) == 700
    assert ledger.check_integrity() == []


def test_sigkill_mid_claim_loses_nothing(tmp_path: Path) -> None:
    """kill -9 while claiming: every outcome the process was given is recorded as given,
    no claim is half-recorded (a lost claim always has its escalation), one owner a pair."""
    path = str(tmp_path / "claims.db")
    new_ledger(path)
    seen: dict[str, tuple[int, str, int]] = {}
    for round_ in range(3):
        proc = subprocess.Popen([sys.executable, workers.__file__, path, f"r{round_}"],
                                stdout=subprocess.PIPE, text=True, env=_child_env())
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(120 + 37 * round_)]
        time.sleep(0.003 * round_)  # land the kill at different points of a transaction
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        for line in lines + rest.splitlines():
            if line.strip():
                key, claim_id, status, owner_id = line.split()
                seen[key] = (int(claim_id), status, int(owner_id))
    ledger = SqliteLedger(path)
    assert ledger.check_integrity() == []
    claims = ledger.claims()
    by_key = {c.key: c for c in claims}
    for key, (claim_id, status, _owner) in seen.items():
        assert by_key[key].claim_id == claim_id and by_key[key].status == status
    pairs = [(c.client_key, c.line) for c in claims if c.status == "owner"]
    assert len(pairs) == len(set(pairs))
    lost = {c.claim_id for c in claims if c.status == "lost"}
    assert lost == {e.claim_id for e in ledger.escalations()}  # never one without the other
    # a retry after the crash with the last key printed gets the same outcome back
    last = max(seen, key=lambda k: (int(k[1]), int(k.split("-")[1])))
    again = ledger.put_claim(ClaimRequest(
        client_key=by_key[last].client_key, line=by_key[last].line, unit=by_key[last].unit,
        at=by_key[last].at, key=last, by="retry"))
    assert (again.new, again.claim.claim_id, again.owner.claim_id) == (
        False, seen[last][0], seen[last][2])


def test_sigkill_inside_the_transaction_rolls_back(tmp_path: Path) -> None:
    """A process killed while it holds the write lock mid-claim leaves no trace of its
    claim; the lock is released and the next unit to claim the pair owns it."""
    path = str(tmp_path / "claims.db")
    new_ledger(path)
    ledger = SqliteLedger(path)
    ledger.put_claim(ClaimRequest(client_key="other", line="savings", unit="u", at=workers.T0,
                                  key="before", by="t"))
    proc = subprocess.Popen([sys.executable, workers.__file__, path, "stall"],
                            stdout=subprocess.PIPE, text=True, env=_child_env())
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "inside"  # holds BEGIN IMMEDIATE now
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert ledger.claims(client_key="contested") == []
    res = ledger.put_claim(ClaimRequest(client_key="contested", line="savings", unit="alive",
                                        at=workers.T0, key="after", by="t"))
    assert res.won and ledger.check_integrity() == []
    assert [c.key for c in ledger.claims()] == ["before", "after"]

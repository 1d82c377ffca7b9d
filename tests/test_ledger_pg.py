"""The ID ledger's contract on PostgreSQL (D-11, D-12): the same answers as the SQLite
ledger (tests/test_ledger.py), one shared server, several rulesets in one database."""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

import bigclient
from bigclient.errors import ExhaustedError, StoreError
from bigclient.ledger import (
    IdAllocator,
    KeyConflict,
    Ledger,
    LedgerMismatch,
    NoLedger,
    PostgresLedger,
    SqliteLedger,
    UnknownHeadquarters,
    create_ledger,
    open_ledger,
)
from bigclient.sections.ids.scheme import DEFAULT_SCHEME, IdScheme
from tests.test_ledger import SHANTOU, tiny

CHECKED = IdScheme.model_validate({**DEFAULT_SCHEME.model_dump(), "check": "iso7064_mod11_2"})


def new_pg(dsn: str, scheme: IdScheme = DEFAULT_SCHEME, ruleset: str = "shantou-postal",
           **kw: Any) -> PostgresLedger:
    return PostgresLedger.create(dsn, ruleset=ruleset, scheme=scheme, **kw)


@pytest.fixture
def ledger(pg_dsn: str) -> PostgresLedger:
    return new_pg(pg_dsn)


@pytest.fixture
def alloc(ledger: PostgresLedger) -> IdAllocator:
    return IdAllocator(SHANTOU, ledger)


def test_postgres_ledger_is_a_ledger_and_a_claim_store(ledger: PostgresLedger) -> None:
    from bigclient.ledger.claims import ClaimStore

    assert isinstance(ledger, Ledger) and isinstance(ledger, ClaimStore)
    assert bigclient.PostgresLedger is PostgresLedger
    assert bigclient.open_ledger is open_ledger


def test_sequences_per_region_and_same_key_same_id(alloc: IdAllocator,
                                                   ledger: PostgresLedger) -> None:
    """D-11: per-division sequences from 00001; D-12: a retried key gets its first ID."""
    regions: list[str | int] = ["440507", "440507", "440511", 440507]
    got = [alloc.new_client(r, key=f"k{i}", by="t").format() for i, r in enumerate(regions)]
    assert got == ["440507 00001 000", "440507 00002 000", "440511 00001 000",
                   "440507 00003 000"]
    assert alloc.new_client("440507", key="k0", by="other").format() == "440507 00001 000"
    rec = ledger.get_by_key("k0")
    assert rec is not None and rec.by == "t" and not rec.new and rec.at.endswith("+00:00")
    assert ledger.info().generation == 4
    assert [r.id for r in ledger.allocations("440511")] == ["44051100001000"]


def test_same_key_for_something_else_is_refused(alloc: IdAllocator) -> None:
    a = alloc.new_client("440507", key="req-1", by="t")
    with pytest.raises(KeyConflict, match="region 440511"):
        alloc.new_client("440511", key="req-1", by="t")
    with pytest.raises(KeyConflict, match="cannot also allocate a branch"):
        alloc.new_branch(a, key="req-1", by="t")


def test_branches(alloc: IdAllocator, ledger: PostgresLedger) -> None:
    """D-11 layer 3, D-17: branches 001, 002, … under a headquarters ending in 000."""
    hq = alloc.new_client("440507", key="hq", by="city")
    other = alloc.new_client("440507", key="hq2", by="city")
    got = [alloc.new_branch(hq, key="b1", by="county"), alloc.new_branch(hq, key="b2", by="c"),
           alloc.new_branch(other, key="o1", by="county")]
    assert [b.format() for b in got] == ["440507 00001 001", "440507 00001 002",
                                         "440507 00002 001"]
    assert alloc.new_branch(hq, key="b1", by="again") == got[0]
    with pytest.raises(UnknownHeadquarters, match="never allocated"):
        alloc.new_branch("44050700042000", key="b3", by="t")
    rec = alloc.lookup(got[1])
    assert rec is not None and rec.kind == "branch" and rec.headquarters == hq.compact
    assert ledger.check_integrity() == []


def test_exhaustion_is_said_and_leaves_no_gap(pg_dsn: str) -> None:
    """D-11: a full region says so; the refused attempt takes no number (gap-free)."""
    a = IdAllocator(tiny(seq=1), new_pg(pg_dsn, tiny(seq=1)))
    assert [a.new_client("440507", key=f"k{i}", by="t").sequence for i in range(9)] == \
        list(range(1, 10))
    with pytest.raises(ExhaustedError, match="region 440507 has no client sequence numbers"):
        a.new_client("440507", key="k9", by="t")
    assert a.new_client("440511", key="k10", by="t").sequence == 1
    hq = a.new_client("440511", key="hq", by="t")
    assert [a.new_branch(hq, key=f"b{i}", by="t").branch for i in range(9)] == \
        list(range(1, 10))
    with pytest.raises(ExhaustedError, match="no branch numbers left"):
        a.new_branch(hq, key="b9", by="t")


def test_failed_allocation_leaves_no_gap(alloc: IdAllocator, ledger: PostgresLedger) -> None:
    """A refused request inside the transaction gives its number back: the next is +1."""
    alloc.new_client("440507", key="a", by="t")
    with pytest.raises(KeyConflict):
        alloc.new_client("440511", key="a", by="t")
    with pytest.raises(UnknownHeadquarters):
        alloc.new_branch("44050700009000", key="x", by="t")
    assert alloc.new_client("440507", key="b", by="t").sequence == 2
    assert alloc.new_branch("44050700001000", key="c", by="t").branch == 1


def test_never_created_by_opening(pg_dsn: str) -> None:
    """D-12: opening where no ledger is says how to make one and creates nothing."""
    with pytest.raises(NoLedger, match="bigclient id init"):
        PostgresLedger(pg_dsn)
    with pytest.raises(NoLedger, match="never created on its own"):
        PostgresLedger(pg_dsn, ruleset="shantou-postal")
    with pytest.raises(NoLedger):
        open_ledger(pg_dsn + "?schema=ids")
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE "
                            "'bigclient%%' OR nspname = 'ids'").fetchone() == (0,)


def test_create_refuses_an_existing_ledger(pg_dsn: str) -> None:
    new_pg(pg_dsn).close()
    with pytest.raises(StoreError, match="already exists"):
        new_pg(pg_dsn)
    with pytest.raises(StoreError, match="which ruleset"):
        PostgresLedger.create(pg_dsn, ruleset=" ", scheme=DEFAULT_SCHEME)


def test_info_and_mismatch_refusal(pg_dsn: str) -> None:
    """D-12: a ledger states its ruleset and ID-scheme fingerprint and refuses others."""
    info = new_pg(pg_dsn).info()
    assert (info.ruleset, info.scheme, info.generation) == ("shantou-postal",
                                                            DEFAULT_SCHEME.fingerprint, 0)
    assert PostgresLedger(pg_dsn).scheme() == DEFAULT_SCHEME
    with pytest.raises(LedgerMismatch, match="serves ruleset shantou-postal, not yueyang"):
        PostgresLedger(pg_dsn + "?schema=bigclient_shantou_postal", ruleset="yueyang-postal")
    with pytest.raises(LedgerMismatch, match=r"check none.*check iso7064_mod11_2"):
        PostgresLedger(pg_dsn, scheme=CHECKED)
    with pytest.raises(LedgerMismatch, match=r"check none.*check iso7064_mod11_2"):
        IdAllocator(CHECKED, PostgresLedger(pg_dsn))


def test_several_rulesets_share_one_database(pg_dsn: str) -> None:
    """A schema per ledger: each ruleset counts on its own; opening without saying which
    one, with several there, is refused with their names."""
    a = IdAllocator(None, new_pg(pg_dsn))
    b = IdAllocator(None, new_pg(pg_dsn, ruleset="yueyang-postal"))
    c = IdAllocator(None, new_pg(pg_dsn + "?schema=ids_test", ruleset="yueyang-postal"))
    assert [x.new_client("440507", key="same", by="t").sequence for x in (a, b, c)] == [1, 1, 1]
    with pytest.raises(StoreError, match=r"several ledgers .*bigclient_shantou_postal "
                                         r"\(shantou-postal\)"):
        PostgresLedger(pg_dsn)
    assert PostgresLedger(pg_dsn, ruleset="yueyang-postal").schema == "bigclient_yueyang_postal"
    assert str(c.ledger).endswith("?schema=ids_test")


def test_open_and_create_pick_the_store_by_target(pg_dsn: str, tmp_path: Path) -> None:
    pg = create_ledger(pg_dsn.replace("postgresql://", "postgres://"), ruleset="shantou-postal",
                       scheme=DEFAULT_SCHEME)
    lite = create_ledger(tmp_path / "ids.db", ruleset="shantou-postal", scheme=DEFAULT_SCHEME)
    assert isinstance(pg, PostgresLedger) and isinstance(lite, SqliteLedger)
    assert isinstance(open_ledger(pg_dsn, ruleset="shantou-postal"), PostgresLedger)
    assert isinstance(open_ledger(str(tmp_path / "ids.db")), SqliteLedger)
    with pytest.raises(LedgerMismatch):
        open_ledger(pg_dsn + "?schema=bigclient_shantou_postal", ruleset="yueyang-postal")


def test_password_is_never_shown(pg_dsn: str) -> None:
    url = pg_dsn.replace("postgres@", "postgres:s3cret@")  # trust auth ignores it
    ledger = new_pg(url)
    assert "s3cret" not in str(ledger) and "s3cret" not in repr(ledger)
    with pytest.raises(StoreError) as info:
        PostgresLedger(url, ruleset="yueyang-postal")
    assert "s3cret" not in str(info.value)


def test_driver_errors_become_store_errors(pg_dsn: str, pg_cluster: Any) -> None:
    """No psycopg exception leaves the API: an unreachable server, a dropped schema."""
    with pytest.raises(StoreError, match="cannot connect") as info:
        PostgresLedger("postgresql://postgres@127.0.0.1:1/x", timeout=2)
    assert not isinstance(info.value, psycopg.Error)
    with pytest.raises(StoreError, match="cannot connect"):
        PostgresLedger(pg_cluster.dsn("no_such_db"))
    ledger = new_pg(pg_dsn)
    alloc = IdAllocator(None, ledger)
    alloc.new_client("440507", key="a", by="t")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA bigclient_shantou_postal CASCADE")
    with pytest.raises(NoLedger) as gone:
        alloc.new_client("440507", key="b", by="t")
    assert not isinstance(gone.value, psycopg.Error)
    assert ledger.check_integrity()  # reported, not raised
    with pytest.raises(NoLedger):
        ledger.get("44050700001000")


def test_a_held_lock_becomes_a_plain_store_error(pg_dsn: str) -> None:
    """PITFALLS: a counter row held by another session is waited for, then a plain error."""
    alloc = IdAllocator(None, new_pg(pg_dsn, timeout=0.5))
    alloc.new_client("440507", key="a", by="t")
    with psycopg.connect(pg_dsn) as other:
        other.execute("SELECT * FROM bigclient_shantou_postal.region_counter FOR UPDATE")
        with pytest.raises(StoreError, match="stayed busy"):
            alloc.new_client("440507", key="b", by="t")
    assert alloc.new_client("440507", key="b", by="t").sequence == 2


def test_reopen_and_fork(pg_dsn: str) -> None:
    """A child process opens its own connection; the parent's keeps working."""
    ledger = new_pg(pg_dsn)
    alloc = IdAllocator(None, ledger)
    alloc.new_client("440507", key="a", by="t")
    ledger.close()
    assert alloc.new_client("440507", key="b", by="t").sequence == 2
    ctx = mp.get_context("fork")
    q = ctx.Queue()

    def child() -> None:
        q.put(alloc.new_client("440507", key="c", by="child").compact)

    p = ctx.Process(target=child)
    p.start()
    assert q.get(timeout=30) == "44050700003000"
    p.join(timeout=30)
    assert p.exitcode == 0
    assert alloc.new_client("440507", key="d", by="t").sequence == 4


def test_without_psycopg_the_error_says_what_to_install(tmp_path: Path) -> None:
    """psycopg is optional: bigclient imports without it; a PostgresLedger says pip install."""
    blocker = tmp_path / "psycopg.py"
    blocker.write_text("raise ImportError('psycopg is not installed here')\n")
    code = ("import bigclient\n"
            "try:\n"
            "    bigclient.open_ledger('postgresql://x@127.0.0.1/db')\n"
            "except bigclient.StoreError as e:\n"
            "    print(e)\n")
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(
                             [str(tmp_path), str(root / "src")])}, timeout=60)
    assert out.returncode == 0, out.stderr
    assert 'pip install "bigclient[postgres]"' in out.stdout


def _cli(argv: list[str]) -> int:
    from tests.test_ledger_safety import run_cli

    return run_cli(argv)


def test_cli_takes_a_postgresql_url(pg_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`bigclient id init|new|branch|parse|check --ledger postgresql://…`; the SQLite-only
    verbs say so instead of failing obscurely."""
    rs = "rulesets/shantou-postal"
    assert _cli(["id", "init", pg_dsn, "--ruleset", rs]) == 0
    assert "schema bigclient_shantou_postal" in capsys.readouterr().err
    assert _cli(["id", "init", pg_dsn, "--ruleset", rs]) == 1
    assert "already exists" in capsys.readouterr().err
    new = ["id", "new", "--ruleset", rs, "--region", "440507", "--key", "r1", "--ledger", pg_dsn]
    assert _cli(new) == 0
    hq = capsys.readouterr().out.strip()
    assert hq == "44050700001000"
    assert _cli(new) == 0
    out = capsys.readouterr()
    assert out.out.strip() == hq and "same ID returned" in out.err
    assert _cli(["id", "branch", hq, "--key", "b1", "--ledger", pg_dsn]) == 0
    assert capsys.readouterr().out.strip() == "44050700001001"
    assert _cli(["id", "parse", "44050700001001", "--ledger", pg_dsn]) == 0
    assert "allocated by" in capsys.readouterr().out
    assert _cli(["id", "check", pg_dsn]) == 0
    assert "no problems found" in capsys.readouterr().err
    for verb in (["backup", pg_dsn, "x.db"], ["restore", "x.db", pg_dsn],
                 ["import", "x.csv", "--ledger", pg_dsn]):
        assert _cli(["id", *verb]) == 1
        err = capsys.readouterr().err
        assert "works on SQLite ledger files only" in err and "Traceback" not in err
    assert _cli(["id", "new", "--ruleset", "rulesets/yueyang-postal", "--region", "430602",
                 "--key", "y", "--ledger", pg_dsn]) == 1
    assert "there is no ledger" in capsys.readouterr().err  # never created by `new`

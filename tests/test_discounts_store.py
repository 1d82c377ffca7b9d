"""The discount store's contract (D-28) on the SQLite ledger and on PostgreSQL (the
throwaway server of tests/pgserver.py): approved concessions only, append-only history per
client/contract/line, same approval recorded once, several processes at once lose nothing;
and the ``bigclient discount`` verb round trip on both."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import _discount_workers as workers
import pytest
from discount_rulesets import TEXT, request

from bigclient.cli import main
from bigclient.errors import InputError
from bigclient.ledger import (
    DiscountStore,
    KeyConflict,
    LedgerMismatch,
    NotApproved,
    PostgresLedger,
    SqliteLedger,
)
from bigclient.loading import load_text
from bigclient.sections.ids.scheme import DEFAULT_SCHEME

T0 = dt.datetime(2009, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
RS = load_text(TEXT, "jx.yaml")


def make(kind: str, tmp: Path, request_: pytest.FixtureRequest, ruleset: str = "jx-test"
         ) -> tuple[str, SqliteLedger | PostgresLedger]:
    if kind == "sqlite":
        path = str(tmp / f"{ruleset}.db")
        return path, SqliteLedger.create(path, ruleset=ruleset, scheme=DEFAULT_SCHEME,
                                         durable=False)
    dsn = request_.getfixturevalue("pg_dsn")
    return dsn, PostgresLedger.create(dsn, ruleset=ruleset, scheme=DEFAULT_SCHEME)


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    _, ledger = make(kind, tmp_path, request)
    with ledger:
        yield ledger


def test_records_an_approved_concession(store: Any) -> None:
    assert isinstance(store, DiscountStore)
    assert store.discount_history() == [] and store.current_discount("c", "h", "l") is None
    rec = store.record_discount(RS.approve_discount(request()), by="clerk", at=T0)
    assert rec.new and rec.replaces is None and rec.record_id >= 1
    assert (rec.client, rec.contract, rec.line) == ("36010000001000", "HT-2009-001", "express")
    assert (rec.kind, rec.value, rec.approver) == ("ratio", Decimal("0.10"),
                                                   "tariff_coordination_group")
    assert rec.approved_on == dt.date(2009, 3, 1) and rec.at == T0
    assert (rec.ruleset, rec.version, rec.by) == ("jx-test", "1.0.0", "clerk")
    assert rec.reference == "资费协调领导小组会议纪要 2009-3"
    assert store.current_discount(rec.client, rec.contract, rec.line) == rec
    money = store.record_discount(RS.approve_discount(request(ratio=None, amount="1.25万",
                                                              line="parcels")), by="c", at=T0)
    assert (money.kind, money.value) == ("amount", Decimal("12500"))


def test_history_kept_when_replaced(store: Any) -> None:
    """A later concession replaces the one in force; the old one stays in the history."""
    first = store.record_discount(RS.approve_discount(request()), by="a", at=T0)
    other = store.record_discount(RS.approve_discount(request(contract="HT-2009-002")),
                                  by="a", at=T0)
    second = store.record_discount(RS.approve_discount(request(
        ratio="12%", approved_on="2009-06-01", reference="纪要 2009-6")), by="b",
        at=T0 + dt.timedelta(days=90))
    assert second.replaces == first.record_id and other.replaces is None
    hist = store.discount_history(client="36010000001000", contract="HT-2009-001")
    assert [r.record_id for r in hist] == [first.record_id, second.record_id]
    assert hist[0] == first  # unchanged: append-only
    assert store.current_discount("36010000001000", "HT-2009-001", "express") == second
    assert len(store.discount_history()) == 3
    assert store.discount_history(line="parcels") == []


def test_same_approval_recorded_once_and_key_conflicts(store: Any) -> None:
    first = store.record_discount(RS.approve_discount(request()), by="a", at=T0)
    again = store.record_discount(RS.approve_discount(request()), by="retry",
                                  at=T0 + dt.timedelta(minutes=1))
    assert not again.new and again.record_id == first.record_id and again.by == "a"
    with pytest.raises(KeyConflict, match="own reference"):
        store.record_discount(RS.approve_discount(request(ratio="11%")), by="a", at=T0)
    assert len(store.discount_history()) == 1


def test_refuses_what_must_not_be_recorded(store: Any, kind: str, tmp_path: Path,
                                           request: pytest.FixtureRequest) -> None:
    with pytest.raises(NotApproved, match="wrong_approver"):
        store.record_discount(RS.approve_discount(request_(approver="boss")), by="a", at=T0)
    with pytest.raises(InputError, match="time zone"):
        store.record_discount(RS.approve_discount(request_()), by="a",
                              at=dt.datetime(2009, 3, 2, 9))
    other = load_text(TEXT.replace("ruleset: jx-test", "ruleset: jx-other"))
    with pytest.raises(LedgerMismatch, match="jx-other"):
        store.record_discount(other.approve_discount(request_()), by="a", at=T0)
    assert store.discount_history() == []


request_ = request  # the request builder (``request`` is pytest's fixture request above)


def test_processes_at_once_lose_no_record(kind: str, tmp_path: Path,
                                          request: pytest.FixtureRequest) -> None:
    """4 processes record 20 concessions each on each of 2 contracts of one client at the
    same moment: all 160 are kept, and each contract's history is one unbroken chain."""
    target, ledger = make(kind, tmp_path, request)
    ledger.close()
    ctx: Any = mp.get_context("spawn")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=workers.record_many,
                         args=(target, TEXT, w, 20, barrier, results)) for w in range(4)]
    for p in procs:
        p.start()
    got = [results.get(timeout=180) for _ in range(4)]
    for p in procs:
        p.join(timeout=60)
    assert [g[2] for g in got if g[0] != "ok"] == []
    returned = sorted(i for _, _, ids in got for i in ids)
    with make_open(kind, target) as again:
        hist = again.discount_history(client="c1")
    assert sorted(r.record_id for r in hist) == returned and len(returned) == 160
    chains: dict[str, list[Any]] = defaultdict(list)
    for r in hist:
        chains[r.contract].append(r)
    assert set(chains) == set(workers.CONTRACTS)
    for records in chains.values():
        assert len(records) == 80
        # each record replaces the one recorded just before it on its contract: no fork
        assert [r.replaces for r in records] == [None] + [r.record_id for r in records[:-1]]


def make_open(kind: str, target: str) -> Any:
    return SqliteLedger(target) if kind == "sqlite" else PostgresLedger(target)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_round_trip(kind: str, tmp_path: Path, request: pytest.FixtureRequest,
                        capsys: pytest.CaptureFixture[str]) -> None:
    target, ledger = make(kind, tmp_path, request)
    ledger.close()
    rs_file = tmp_path / "1.0.0.yaml"
    rs_file.write_text(TEXT, encoding="utf-8")
    base = ["discount", "approve", str(rs_file), "--ledger", target, "--client", "C1",
            "--contract", "HT-1", "--line", "express", "--approver",
            "tariff_coordination_group", "--approved-on", "2009-03-01", "--filed",
            "--at", "2009-03-02T09:00+08:00", "--by", "clerk", "--lang", "en"]
    code, out, _ = run(capsys, *base, "--ratio", "10%", "--reference", "M-3")
    assert code == 0 and out.startswith("approved and recorded: #1  C1  HT-1  express  10%")
    code, out, _ = run(capsys, *base, "--ratio", "10%", "--reference", "M-3")
    assert code == 0 and out.startswith("already recorded")
    code, out, _ = run(capsys, *base, "--ratio", "12%", "--reference", "M-6", "--json")
    assert code == 0 and json.loads(out)["replaces"] == 1
    code, out, _ = run(capsys, *base, "--ratio", "40%", "--reference", "M-7")
    assert code == 1 and "refused" in out and "over_limit" in out
    code, out, _ = run(capsys, *base, "--ratio", "5%", "--reference", "M-8", "--check")
    assert code == 0 and "valid" in out
    code, out, err = run(capsys, "discount", "list", "--ledger", target, "--client", "C1")
    assert code == 0 and len(out.splitlines()) == 2
    assert "(replaced)" in out.splitlines()[0] and "replaces #1" in out.splitlines()[1]
    code, out, err = run(capsys, "discount", "list", "--ledger", target, "--json")
    assert [json.loads(line)["value"] for line in out.splitlines()] == ["0.1", "0.12"]
    code, _, err = run(capsys, *base, "--reference", "M-9")
    assert code == 2 and "--ratio" in err
    code, _, err = run(capsys, *base[:3], "--client", "C1", "--contract", "HT-1", "--line",
                       "express", "--approver", "tariff_coordination_group", "--approved-on",
                       "2009-03-01", "--filed", "--ratio", "5%", "--reference", "R")
    assert code == 2 and "--ledger" in err
    code, _, err = run(capsys, *base, "--ratio", "5%", "--reference", "R", "--input", "x")
    assert code == 2 and "name=value" in err
    code, _, err = run(capsys, "discount", "list", "--ledger", str(tmp_path / "none.db"))
    assert code == 1 and "no ledger" in err and "Traceback" not in err

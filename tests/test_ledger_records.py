"""A records ledger: the ledger of a ruleset without an ID scheme (no ``ids:``), which keeps
its ownership claims (D-16) and approved concessions (D-28) and refuses every ID, on SQLite
and on PostgreSQL (the throwaway server of tests/pgserver.py); and the command-line flow of
docs/howto/discounts.md for the shipped Jiangxi ruleset, which has no ``ids:``."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from discount_rulesets import DISCOUNTS, HEADER

import bigclient
from bigclient.cli import main
from bigclient.errors import BigClientError, StoreError
from bigclient.ledger import (
    IdAllocator,
    LedgerMismatch,
    NoIdScheme,
    PostgresLedger,
    SqliteLedger,
    create_ledger,
    open_ledger,
)
from bigclient.ledger._files import SCHEMA_VERSION
from bigclient.ledger._highwater import read_mark
from bigclient.ledger.importing import import_csv
from bigclient.ledger.restore import restore
from bigclient.loading import load_text
from bigclient.sections.ids.scheme import DEFAULT_SCHEME

ROOT = Path(__file__).resolve().parent.parent
JIANGXI_DIR = ROOT / "rulesets" / "jiangxi-postal"
JIANGXI = bigclient.load(JIANGXI_DIR / "1.0.0.yaml")
# A ruleset with claims and concessions but no IDs (the Jiangxi seed gives no ownership rules).
WITH_CLAIMS = load_text(HEADER + "ownership:\n  per: client\n  protection: none\n" + DISCOUNTS,
                        "jx-claims.yaml")
T0 = dt.datetime(2009, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
NO_IDS = "which has no ID scheme: it records claims and concessions, not IDs"
REQUEST = {"client": "36010000001000", "contract": "HT-2009-001", "line": "express",
           "ratio": "10%", "approver": "tariff_coordination_group",
           "approved_on": "2009-03-01", "reference": "资费协调领导小组会议纪要 2009-3",
           "filed": True}


def make(kind: str, tmp: Path, request: pytest.FixtureRequest, ruleset: str
         ) -> tuple[str, SqliteLedger | PostgresLedger]:
    if kind == "sqlite":
        path = str(tmp / f"{ruleset}.db")
        return path, SqliteLedger.create(path, ruleset=ruleset, scheme=None, durable=False)
    dsn = str(request.getfixturevalue("pg_dsn"))
    return dsn, PostgresLedger.create(dsn, ruleset=ruleset, scheme=None)


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_jiangxi_has_discounts_and_no_id_scheme() -> None:
    """The premise: the shipped Jiangxi ruleset approves concessions but makes no IDs."""
    assert JIANGXI.id == "jiangxi-postal" and JIANGXI.ids is None
    assert JIANGXI.approve_discount(REQUEST).approved


def test_a_records_ledger_keeps_concessions(kind: str, tmp_path: Path,
                                            request: pytest.FixtureRequest) -> None:
    target, ledger = make(kind, tmp_path, request, JIANGXI.id)
    with ledger:
        info = ledger.info()
        assert (info.ruleset, info.scheme, info.generation) == ("jiangxi-postal", None, 0)
        decision = JIANGXI.approve_discount(REQUEST)
        rec = ledger.record_discount(decision, by="pricing-service", at=T0)
        assert rec.new and rec.record_id == 1 and rec.ruleset == "jiangxi-postal"
        again = ledger.record_discount(decision, by="pricing-service", at=T0)
        assert not again.new and again.record_id == 1
        assert ledger.check_integrity() == []
    # opened again, by ruleset (as `bigclient discount` does) and without
    with open_ledger(target, ruleset=JIANGXI.id) as reopened:
        now = reopened.current_discount("36010000001000", "HT-2009-001", "express")
        assert now is not None and now.record_id == 1 and now.value == Decimal("0.1")
        assert now.at == T0
    with open_ledger(target) as plain:
        assert [r.reference for r in plain.discount_history(client="36010000001000")] == [
            "资费协调领导小组会议纪要 2009-3"]


def test_a_records_ledger_keeps_claims(kind: str, tmp_path: Path,
                                       request: pytest.FixtureRequest) -> None:
    """Claims go in when the ruleset has ownership rules; Jiangxi has none and says so."""
    _, ledger = make(kind, tmp_path, request, WITH_CLAIMS.id)
    with ledger:
        register = WITH_CLAIMS.claims(ledger)
        first = register.claim("C1", "*", "nanchang", T0, key="k1", by="clerk")
        second = register.claim("C1", "*", "jiujiang", T0 + dt.timedelta(hours=1),
                                key="k2", by="clerk")
        assert first.won and not second.won and second.owner.unit == "nanchang"
        owner = register.owner("C1", "*")
        assert owner is not None and owner.unit == "nanchang"
        decision = WITH_CLAIMS.approve_discount({**REQUEST, "reference": "M-1"})
        assert ledger.record_discount(decision, by="clerk", at=T0).new
        assert ledger.check_integrity() == []
    with pytest.raises(BigClientError, match="no 'ownership:' section"):
        JIANGXI.claims(ledger)


def test_every_id_call_is_refused_in_words(kind: str, tmp_path: Path,
                                           request: pytest.FixtureRequest) -> None:
    target, ledger = make(kind, tmp_path, request, JIANGXI.id)
    with ledger:
        for attempt in (lambda: IdAllocator(None, ledger),
                        lambda: IdAllocator(DEFAULT_SCHEME, ledger),
                        ledger.scheme,
                        lambda: ledger.allocate_client(
                            "360100", key="k", by="t", first=1, last=99,
                            make_id=lambda n: DEFAULT_SCHEME.make_id("360100", n, 0)),
                        lambda: ledger.allocate_branch(
                            "36010000001000", key="k", by="t", first=1, last=99,
                            make_id=lambda n: DEFAULT_SCHEME.make_id("360100", 1, n))):
            with pytest.raises(NoIdScheme) as caught:
                attempt()
            message = str(caught.value)
            assert isinstance(caught.value, StoreError)
            assert f"serves jiangxi-postal, {NO_IDS}" in message, message
        assert ledger.allocations() == [] and ledger.info().generation == 0
    # opening it for an ID scheme is refused too (it is the ledger of a ruleset without one)
    with pytest.raises(NoIdScheme, match=NO_IDS):
        open_ledger(target, ruleset=JIANGXI.id, scheme=DEFAULT_SCHEME)


def test_a_ledger_with_a_scheme_is_unchanged(kind: str, tmp_path: Path,
                                             request: pytest.FixtureRequest) -> None:
    """The other way round: a ledger made with a scheme still allocates, and still refuses
    another scheme with LedgerMismatch (not the records-ledger words)."""
    if kind == "sqlite":
        target = str(tmp_path / "ids.db")
    else:
        target = str(request.getfixturevalue("pg_dsn"))
    with create_ledger(target, ruleset="shantou-postal", scheme=DEFAULT_SCHEME) as ledger:
        assert ledger.info().scheme == DEFAULT_SCHEME.fingerprint
        cid = IdAllocator(DEFAULT_SCHEME, ledger).new_client("440507", key="k", by="t")
        assert cid.compact == "44050700001000"
    other = DEFAULT_SCHEME.model_validate({**DEFAULT_SCHEME.model_dump(),
                                           "check": "iso7064_mod11_2"})
    with pytest.raises(LedgerMismatch) as caught:
        open_ledger(target, scheme=other)
    assert not isinstance(caught.value, NoIdScheme)


def test_create_ledger_makes_records_ledgers_on_both(kind: str, tmp_path: Path,
                                                    request: pytest.FixtureRequest) -> None:
    target = (str(tmp_path / "r.db") if kind == "sqlite"
              else str(request.getfixturevalue("pg_dsn")))
    with create_ledger(target, ruleset="jiangxi-postal", scheme=None) as ledger:
        assert ledger.info().scheme is None
    with pytest.raises(StoreError, match="already exists"):
        create_ledger(target, ruleset="jiangxi-postal", scheme=None)


def test_stored_form_keeps_the_format(tmp_path: Path, pg_dsn: str) -> None:
    """No scheme is stored as empty text in the columns every bigclient reads (NOT NULL),
    so the SQLite file stays format 2 and the PostgreSQL layout format 1."""
    path = tmp_path / "r.db"
    SqliteLedger.create(path, ruleset="jiangxi-postal", scheme=None).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
        assert conn.execute("SELECT ruleset, scheme, scheme_json, generation FROM ledger"
                            ).fetchone() == ("jiangxi-postal", "", "", 0)
    finally:
        conn.close()
    PostgresLedger.create(pg_dsn, ruleset="jiangxi-postal", scheme=None).close()
    with psycopg.connect(pg_dsn) as pg:
        row = pg.execute("SELECT ruleset, scheme, scheme_json, format FROM "
                         "bigclient_jiangxi_postal.ledger").fetchone()
    assert row == ("jiangxi-postal", "", "", 1)


def test_backup_restore_and_mark_of_a_records_ledger(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with SqliteLedger.create(path, ruleset=JIANGXI.id, scheme=None) as ledger:
        ledger.record_discount(JIANGXI.approve_discount(REQUEST), by="clerk", at=T0)
        result = ledger.backup(tmp_path / "ledger-2009-03-02.db")
        info = ledger.info()
    mark = read_mark(path)
    assert mark is not None and (mark.ledger_id, mark.generation) == (info.ledger_id, 0)
    assert (result.ruleset, result.generation) == ("jiangxi-postal", 0)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))
                  ) == ["ledger-2009-03-02.db", "ledger.db", "ledger.db.hwm"]
    assert not [p.name for p in tmp_path.iterdir() if ".part-" in p.name]  # no leftovers
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    with restore(result.path, path) as back:
        assert back.info().ledger_id == info.ledger_id and back.info().scheme is None
        assert len(back.discount_history()) == 1 and back.check_integrity() == []
        second = JIANGXI.approve_discount({**REQUEST, "ratio": "12%", "reference": "M-6"})
        assert back.record_discount(second, by="clerk", at=T0).replaces == 1
    with SqliteLedger(result.path, stale_ok=True) as copy:  # the backup reads, never writes
        assert copy.info().backup_taken_at is not None
        with pytest.raises(NoIdScheme):
            copy.scheme()


def test_import_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    csv = tmp_path / "ids.csv"
    csv.write_text("id\n36010000001000\n", encoding="utf-8")
    with SqliteLedger.create(path, ruleset=JIANGXI.id, scheme=None) as ledger:
        for scheme in (None, DEFAULT_SCHEME):
            with pytest.raises(NoIdScheme, match=NO_IDS):
                import_csv(ledger, csv, by="t", scheme=scheme)
        assert ledger.info().generation == 0


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_howto_discounts_flow(kind: str, tmp_path: Path, request: pytest.FixtureRequest,
                              capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/howto/discounts.md, word for word: init the ledger of jiangxi-postal, approve
    and record, list; the ID verbs on that ledger say plainly why not."""
    monkeypatch.chdir(tmp_path)
    target = ("ledger.db" if kind == "sqlite"
              else str(request.getfixturevalue("pg_dsn")))
    rulesets = str(JIANGXI_DIR)
    code, _, err = run(capsys, "id", "init", target, "--ruleset", rulesets)
    assert code == 0, err
    assert "records ledger" in err and "jiangxi-postal" in err and NO_IDS in err
    approve = ["discount", "approve", rulesets, "--ledger", target,
               "--client", "36010000001000", "--contract", "HT-2009-001", "--line", "express",
               "--ratio", "10%", "--approver", "tariff_coordination_group",
               "--approved-on", "2009-03-01", "--reference", "资费协调领导小组会议纪要 2009-3",
               "--filed", "--lang", "en"]
    code, out, err = run(capsys, *approve)
    assert code == 0, err
    assert out.strip() == ("approved and recorded: #1  36010000001000  HT-2009-001  express  "
                           "10%  tariff_coordination_group  2009-03-01  资费协调领导小组会议纪要 "
                           "2009-3")
    code, out, _ = run(capsys, *approve)
    assert code == 0 and out.startswith("already recorded")
    code, out, _ = run(capsys, "discount", "list", "--ledger", target,
                       "--client", "36010000001000")
    assert code == 0 and out.splitlines() == [
        "#1  36010000001000  HT-2009-001  express  10%  tariff_coordination_group  "
        "2009-03-01  资费协调领导小组会议纪要 2009-3"]
    code, out, _ = run(capsys, "discount", "list", "--ledger", target, "--json")
    assert code == 0 and json.loads(out)["ruleset"] == "jiangxi-postal"
    # the ID verbs, on this ledger: one plain sentence each, exit 1, no traceback
    refusals: list[list[str]] = [
        ["id", "new", "--ruleset", rulesets, "--region", "360100", "--key", "k",
         "--ledger", target],
        ["id", "branch", "36010000001000", "--key", "k", "--ledger", target],
        ["id", "parse", "36010000001000", "--ledger", target]]
    if kind == "sqlite":
        (tmp_path / "ids.csv").write_text("id\n36010000001000\n", encoding="utf-8")
        refusals.append(["id", "import", "ids.csv", "--ledger", target])
    for argv in refusals:
        code, out, err = run(capsys, *argv)
        assert code == 1 and out == "" and "no ID scheme" in err, (argv, err)
        assert "records claims and concessions, not IDs" in err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "id", "check", target)
    assert code == 0 and "no problems found" in err
    code, _, err = run(capsys, "id", "init", target, "--ruleset", rulesets)
    assert code == 1 and "already exists" in err


def test_cli_backup_restore_of_a_records_ledger(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    ledger, copy = str(tmp_path / "ledger.db"), str(tmp_path / "backup.db")
    assert run(capsys, "id", "init", ledger, "--ruleset", str(JIANGXI_DIR))[0] == 0
    code, _, err = run(capsys, "id", "backup", ledger, copy)
    assert code == 0 and "ruleset jiangxi-postal" in err
    assert not [p.name for p in tmp_path.iterdir() if ".part-" in p.name]
    moved = tmp_path / "old"
    moved.mkdir()
    for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm"):
        if (tmp_path / name).exists():
            (tmp_path / name).rename(moved / name)
    code, _, err = run(capsys, "id", "restore", copy, ledger)
    assert code == 0 and "0 allocations" in err, err
    with SqliteLedger(ledger) as back:
        assert back.info().scheme is None


def test_init_for_a_ruleset_with_ids_is_unchanged(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    target = str(tmp_path / "ids.db")
    code, _, err = run(capsys, "id", "init", target, "--ruleset",
                       str(ROOT / "rulesets" / "shantou-postal"))
    assert code == 0 and "records ledger" not in err and "(IDs of " in err
    code, out, _ = run(capsys, "id", "new", "--ruleset", str(ROOT / "rulesets" / "shantou-postal"),
                       "--region", "440507", "--key", "k", "--ledger", target)
    assert code == 0 and out.strip() == "44050700001000"

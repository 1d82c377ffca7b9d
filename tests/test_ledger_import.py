"""Importing the IDs a bureau already issued (issue 7, D-12): sequences continue above
them, clashes name both owners, every bad row is reported and nothing is half-imported."""

from __future__ import annotations

import re
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bigclient.ledger import (
    IdAllocator,
    ImportRefused,
    LedgerMismatch,
    SqliteLedger,
    import_csv,
)
from bigclient.sections.ids.scheme import DEFAULT_SCHEME, IdScheme
from tests.test_ledger_safety import new_ledger, run_cli, write

# -- import ------------------------------------------------------------------------------


def test_import_continues_above_the_highest_per_region_and_client(tmp_path: Path) -> None:
    path = tmp_path / "ids.db"
    ledger = new_ledger(path)
    src = write(tmp_path / "ids.csv",
                "id,key,by,at\n"
                "440507 00041 000,crm:41,city centre,2019-03-01\n"
                "44050700007000,,,\n"
                "440507 00041 003,crm:41-3,chaoyang county,2019-03-01T09:30:00+08:00\n"
                "440511 00002 000,crm:x,,\n")
    result = import_csv(ledger, src, by="ops")
    assert (result.added, result.already, result.next_sequence) == (
        4, 0, {"440507": 42, "440511": 3})
    alloc = IdAllocator(None, ledger)
    assert alloc.new_client("440507", key="n1", by="t").format() == "440507 00042 000"
    assert alloc.new_client("440511", key="n2", by="t").format() == "440511 00003 000"
    assert alloc.new_client("440513", key="n3", by="t").format() == "440513 00001 000"
    assert alloc.new_branch("44050700041000", key="b", by="t").format() == "440507 00041 004"
    assert alloc.new_branch("44050700007000", key="b7", by="t").branch == 1
    assert alloc.new_client("440507", key="crm:41", by="t").format() == "440507 00041 000"
    rec = ledger.get("44050700041003")
    assert rec is not None and (rec.kind, rec.by, rec.at) == (
        "branch", "chaoyang county", "2019-03-01T01:30:00.000000+00:00")
    rec = ledger.get("44050700007000")
    assert rec is not None and (rec.key, rec.by) == ("import:44050700007000", "ops")
    assert ledger.check_integrity() == []


def test_reimport_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ids.db"
    new_ledger(path).close()
    src = write(tmp_path / "ids.csv", "id,key\n44050700041000,crm:41\n44050700003000,\n")
    argv = ["id", "import", str(src), "--ledger", str(path), "--by", "ops"]
    assert run_cli(argv) == 0
    assert "imported 2 ID(s)" in capsys.readouterr().err
    before = [(r.id, r.key, r.by, r.at) for r in SqliteLedger(path).allocations()]
    assert run_cli(argv) == 0
    err = capsys.readouterr().err
    assert "imported 0 ID(s)" in err and "2 were already in the ledger" in err
    assert [(r.id, r.key, r.by, r.at) for r in SqliteLedger(path).allocations()] == before
    assert SqliteLedger(path).info().generation == 2


def test_import_clash_names_both_owners(tmp_path: Path) -> None:
    path = tmp_path / "ids.db"
    ledger = new_ledger(path)
    alloc = IdAllocator(None, ledger)
    alloc.new_client("440507", key="crm:1", by="city centre")
    src = write(tmp_path / "ids.csv",
                "id,key,by\n44050700005000,crm:5,x\n44050700001000,legacy:1,old system\n"
                "44050700009000,crm:1,old system\n")
    with pytest.raises(ImportRefused) as info:
        import_csv(ledger, src, by="ops")
    assert info.value.problems == [
        "row 3: ID 440507 00001 000 is already in the ledger for key 'crm:1', allocated by "
        f"city centre at {ledger.get('44050700001000').at}; the file gives key 'legacy:1', "  # type: ignore[union-attr]
        "by old system",
        "row 4: key 'crm:1' already stands for ID 44050700001000 in the ledger (allocated by "
        f"city centre at {ledger.get('44050700001000').at}); the file gives it to "  # type: ignore[union-attr]
        "440507 00009 000"]
    assert [r.id for r in ledger.allocations()] == ["44050700001000"]  # row 2 not half-done
    assert alloc.new_client("440507", key="n", by="t").sequence == 2


def test_invalid_rows_are_all_reported_and_nothing_imported(tmp_path: Path) -> None:
    path = tmp_path / "ids.db"
    ledger = new_ledger(path)
    src = write(tmp_path / "ids.csv",
                "id,key,at\n"
                "44050700001000,a,\n"
                "4405070000100,b,\n"                 # 13 digits
                "44050700000000,c,\n"                # sequence 00000
                "44050700002000,d,2019-02-30\n"      # no such day
                "44050700003000,e,2019-03-01T09:00\n"  # no time zone
                "44050700004000,f\n"                 # a field short
                "44050700009001,g,\n"                # branch without its headquarters
                "44050700005000,a,\n"                # key a again, another ID
                ",h,\n")
    with pytest.raises(ImportRefused) as info:
        import_csv(ledger, src, by="ops")
    rows = [re.match(r"rows? \d+( and \d+)?", p).group(0)  # type: ignore[union-attr]
            for p in info.value.problems]
    assert rows == ["row 3", "row 4", "row 5", "row 6", "row 7", "row 8", "rows 2 and 9",
                    "row 10"]
    assert "expected 14 characters" in info.value.problems[0]
    assert "no time zone" in info.value.problems[3]
    assert "nothing was imported" in str(info.value)
    assert ledger.allocations() == [] and ledger.info().generation == 0
    fixed = write(tmp_path / "fixed.csv", "id,key\n44050700009001,g\n44050700005000,a\n"
                  "44050700006000,a\n")
    with pytest.raises(ImportRefused) as info:
        import_csv(ledger, fixed, by="ops")
    assert info.value.problems == [
        "row 2: branch 440507 00009 001 needs its headquarters 440507 00009 000 in the "
        "ledger or in the file",
        "rows 3 and 4 give one key 'a' to two IDs, 440507 00005 000 and 440507 00006 000; "
        "a key stands for one client"]


def test_import_header_is_strict(tmp_path: Path) -> None:
    ledger = new_ledger(tmp_path / "ids.db")
    for header, expected in (("id,name\n", r"unknown column\(s\) 'name'"),
                             ("key,by\n", "no 'id' column"),
                             ("id,key,key\n", "key appear more than once"),
                             ("", "the file is empty")):
        with pytest.raises(ImportRefused, match=expected):
            import_csv(ledger, write(tmp_path / "h.csv", header + "44050700001000,x\n"
                                     if header else ""), by="ops")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("id,by\n44050700001000,汕头市局\n".encode("gbk"))
    with pytest.raises(ImportRefused, match="not utf-8-sig text"):
        import_csv(ledger, gbk, by="ops")
    assert import_csv(ledger, gbk, by="ops", encoding="gbk").added == 1
    with pytest.raises(ImportRefused, match=r"not a division code of this scheme"):
        import_csv(new_ledger(tmp_path / "s.db", IdScheme.model_validate({
            **DEFAULT_SCHEME.model_dump(),
            "segments": [{**DEFAULT_SCHEME.model_dump()["segments"][0], "allowed": ["440511"]},
                         *DEFAULT_SCHEME.model_dump()["segments"][1:]]})), gbk, by="ops",
                   encoding="gbk")


@given(st.lists(st.tuples(st.sampled_from(["440507", "440511", "440513"]),
                          st.integers(1, 99_990), st.integers(0, 3)),
                min_size=1, max_size=12, unique_by=lambda t: (t[0], t[1])))
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_new_ids_never_collide_with_imported(tmp_path: Path,
                                             existing: list[tuple[str, int, int]]) -> None:
    """Property: after any import, new IDs are never imported ones and every new sequence
    lies above the highest imported in its division (branches: above the client's)."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example, replays included
    ledger = new_ledger(folder / "ids.db", durable=False)
    rows = [f"{r}{s:05d}000,k{r}{s}" for r, s, _b in existing]
    rows += [f"{r}{s:05d}{b:03d},k{r}{s}-{b}" for r, s, b in existing if b]
    import_csv(ledger, write(folder / "ids.csv", "id,key\n" + "\n".join(rows) + "\n"), by="t")
    alloc = IdAllocator(None, ledger)
    imported = {row.split(",")[0] for row in rows}
    for region in ("440507", "440511", "440513"):
        cid = alloc.new_client(region, key=f"new-{region}", by="t")
        assert cid.compact not in imported
        assert cid.sequence > max((s for r, s, _b in existing if r == region), default=0)
    for r, s, b in existing:
        br = alloc.new_branch(f"{r}{s:05d}000", key=f"nb{r}{s}", by="t")
        assert br.compact not in imported and br.branch == b + 1



def test_format_1_ledger_says_how_to_move_its_ids(tmp_path: Path) -> None:
    """A ledger from before this change recorded no ruleset: refused, with the way out
    (its rows export as exactly the import format)."""
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as raw:
        raw.execute("CREATE TABLE allocation (id TEXT PRIMARY KEY, kind TEXT, region TEXT, "
                    "sequence INTEGER, branch INTEGER, headquarters TEXT, key TEXT UNIQUE, "
                    "allocated_by TEXT, allocated_at TEXT)")
        raw.execute("INSERT INTO allocation VALUES ('44050700003000', 'client', '440507', 3, "
                    "0, '44050700003000', 'k3', 'ops', '2026-01-01T00:00:00+00:00')")
        raw.execute("PRAGMA user_version = 1")
    with pytest.raises(LedgerMismatch, match=r"format 1.*bigclient id import"):
        SqliteLedger(old)
    with sqlite3.connect(old) as raw:
        rows = raw.execute("SELECT id, key, allocated_by AS by, allocated_at AS at "
                           "FROM allocation").fetchall()
    csv_file = write(tmp_path / "ids.csv", "id,key,by,at\n" + "".join(
        ",".join(r) + "\n" for r in rows))
    ledger = new_ledger(tmp_path / "new.db")
    assert import_csv(ledger, csv_file, by="migration").added == 1
    assert IdAllocator(None, ledger).new_client("440507", key="n", by="t").sequence == 4

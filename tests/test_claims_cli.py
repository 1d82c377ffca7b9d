"""``bigclient claims``: the verbs a host operator uses, in text and JSON, with exit codes
0 (done / won), 1 (lost or refused) and 2 (usage)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bigclient.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHANTOU = str(ROOT / "rulesets" / "shantou-postal")
AT = "2026-03-01T09:00+08:00"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ledger file, or a ledger on the throwaway PostgreSQL server (--ledger URL)."""
    target = str(tmp_path / "l.db") if request.param == "sqlite" else \
        request.getfixturevalue("pg_dsn")
    assert main(["id", "init", target, "--ruleset", SHANTOU]) == 0
    return target


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_claim_won_lost_and_retried(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """D-16: the first registration wins (exit 0); a later one is told the owner (exit 1);
    the same unit asking again gets its first outcome back (default key)."""
    code, out, _ = run(capsys, "claims", "claim", SHANTOU, "--ledger", db, "--client", "C1",
                       "--unit", "county_center", "--manager", "li", "--at", AT)
    assert code == 0 and out.startswith("won: client C1 (line *) belongs to county_center")
    code, out, _ = run(capsys, "claims", "claim", SHANTOU, "--ledger", db, "--client", "C1",
                       "--unit", "specialty_bureau", "--at", AT, "--territory", "440507",
                       "--business-place", "440511")
    assert code == 1 and "belongs to county_center (claim #1" in out
    assert "escalated to city_center" in out
    code, out, _ = run(capsys, "claims", "claim", SHANTOU, "--ledger", db, "--client", "C1",
                       "--unit", "county_center", "--json")
    record = json.loads(out)
    assert code == 0 and record["won"] and record["new"] is False
    assert record["claim"]["at"] == "2026-03-01T01:00:00+00:00"
    code, out, _ = run(capsys, "claims", "list", "--ledger", db, "--json")
    assert [json.loads(line)["status"] for line in out.splitlines()] == ["owner", "lost"]
    code, out, _ = run(capsys, "claims", "escalations", "--ledger", db, "--to", "city_center")
    # claim numbers are unique, not gap-free (a PostgreSQL sequence may skip one)
    assert code == 0 and re.search(r"claimed by specialty_bureau \(claim #\d+\), owned by "
                                   "county_center", out)


def test_sign_apply_reassign_orphans(db: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    base = ("--ledger", db, "--client", "C1", "--at", AT)
    assert run(capsys, "claims", "claim", SHANTOU, *base, "--unit", "county_center",
               "--manager", "li")[0] == 0
    code, out, _ = run(capsys, "claims", "sign", SHANTOU, *base, "--unit", "county_center")
    assert code == 0 and "signed" in out
    code, out, err = run(capsys, "claims", "sign", SHANTOU, *base, "--unit", "city_center")
    assert code == 1 and re.search(r"belongs to unit county_center|county_center does", err)
    code, out, _ = run(capsys, "claims", "apply", SHANTOU, *base, "--unit", "branch_office",
                       "--note", "代发工资", "--json")
    assert code == 0 and json.loads(out)["owner"] == "county_center"
    reassign = ("claims", "reassign", SHANTOU, "--ledger", db, "--from", "li", "--to", "chen",
                "--by", "boss", "--from-level", "outlet_manager", "--to-level", "office",
                "--at", AT)
    code, _, err = run(capsys, *reassign, "--level", "office")
    assert code == 1 and "may not approve" in err and "sub_bureau or enterprise" in err
    code, out, _ = run(capsys, *reassign, "--level", "sub_bureau")
    assert code == 0 and "moved 1 client line(s) from li to chen" in out
    clients = tmp_path / "clients.csv"
    clients.write_text("client_id,name\nC1,甲\nC2,乙\n", encoding="utf-8")
    code, out, err = run(capsys, "claims", "orphans", "--ledger", db, str(clients),
                         "--departed", "chen")
    assert code == 1 and out.splitlines() == [
        "C1  *  its manager has left  (#1 county_center)", "C2  *  no unit owns it"]
    assert "2 of 2 client(s)" in err
    code, _, _ = run(capsys, "claims", "orphans", "--ledger", db, str(clients))
    assert code == 1  # C2 still has no owner


def test_errors_in_plain_words(db: str, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    claim = ("claims", "claim", SHANTOU, "--ledger", db, "--client", "C1", "--unit", "u")
    code, _, err = run(capsys, *claim, "--at", "2026-03-01")
    assert code == 2 and "no time zone" in err
    code, _, err = run(capsys, *claim, "--at", "tomorrow")
    assert code == 2 and "not a date and time" in err
    code, _, err = run(capsys, *claim, "--territory", "440507")
    assert code == 2 and "together" in err
    code, _, err = run(capsys, *claim, "--line", "savings")
    assert code == 1 and "registers whole clients" in err
    code, _, err = run(capsys, "claims", "claim", str(ROOT / "rulesets" / "yueyang-postal"),
                       "--ledger", db, "--client", "C1", "--unit", "u")
    # SQLite: the file serves another ruleset; PostgreSQL: that ruleset's schema is empty
    assert code == 1 and ("serves ruleset shantou-postal" in err
                          or ("there is no ledger" in err and "yueyang_postal" in err))
    code, _, err = run(capsys, "claims", "list", "--ledger", str(tmp_path / "none.db"))
    assert code == 1 and "there is no ledger" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nx\n", encoding="utf-8")
    code, _, err = run(capsys, "claims", "orphans", "--ledger", db, str(bad))
    assert code == 1 and "--column" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exit_info:
        main(["claims", "claim", SHANTOU])
    assert exit_info.value.code == 2

"""The bigclient command: exit codes and outputs host pipelines rely on (DESIGN.md, CLI)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bigclient.cli import main
from tests.conftest import ROOT, RULESETS

SHANTOU = str(RULESETS / "shantou-postal")
CLIENTS = ROOT / "examples" / "clients.csv"


def test_evaluate_sample_clients(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.csv"
    assert main(["evaluate", SHANTOU, str(CLIENTS), "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 1000
    assert {r["tier"] for r in rows} <= {"diamond", "gold", "silver", "general", ""}
    assert rows[0]["client_id"] == "C00001"
    assert "1,000 of 1,000 rows" in capsys.readouterr().err


def test_bad_rows_are_reported_and_the_run_goes_on(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    src.write_text("client_id,region,revenue_prev_year.savings,agreement_signed\n"
                   "A,440507,2万,true\nB,4405,100,true\nC,440511,abc,false\nD,440511,5,false\n",
                   encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = main(["evaluate", SHANTOU, str(src), "-o", str(out), "--set", "bureau_revenue=1亿"])
    assert code == 1
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in rows] == [2, 3, 4, 5]
    assert rows[0]["tier"] == "general" and rows[3]["qualified"] is False
    assert "input 'region'" in rows[1]["error"]
    assert "revenue_prev_year" in rows[2]["error"]
    err = capsys.readouterr().err
    assert "row 3" in err and "row 4" in err and "2 rows had errors" in err


def test_jsonl_input(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"client_id": "X", "region": "440507", "revenue_prev_year": '
                   '{"savings": 20000.10}, "revenue_month": {"savings": 2000}}\nnot json\n',
                   encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["evaluate", SHANTOU, str(src), "-o", str(out),
                 "--set", "bureau_revenue=1亿"]) == 1
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["criteria"] == "comprehensive;specialty:savings"
    assert "not valid JSON" in rows[1]["error"]


def test_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    client = tmp_path / "c.json"
    client.write_text(json.dumps({"region": "440507", "agreement_signed": True,
                                  "revenue_prev_year": {"savings": 1500000},
                                  "context": {"bureau_revenue": "10亿"}}), encoding="utf-8")
    assert main(["explain", SHANTOU, str(client), "--lang", "zh"]) == 0
    assert "钻石" in capsys.readouterr().out


def test_validate_and_test_shipped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(RULESETS)]) == 0
    assert main(["test", str(RULESETS)]) == 0
    assert "0 failed" in capsys.readouterr().out


def test_validate_reports_location_and_exit_1(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "1.0.0.yaml"
    bad.write_text((RULESETS / "shantou-postal" / "1.0.0.yaml").read_text(encoding="utf-8")
                   .replace("weight: 40%", "weight: 30%"), encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:" in out and "BC211" in out and "fix:" in out
    assert main(["validate", str(bad), "--format", "github"]) == 1
    assert "::error file=" in capsys.readouterr().out


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path / "nope")]) == 2
    assert main(["evaluate", SHANTOU, str(tmp_path / "missing.csv")]) == 2
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


def test_junit_report(tmp_path: Path) -> None:
    junit = tmp_path / "cases.xml"
    assert main(["test", SHANTOU, "--junit", str(junit)]) == 0
    assert "<testsuite" in junit.read_text(encoding="utf-8")


def test_gbk_csv_is_explained_and_readable(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Chinese Excel saves CSV as GBK: say so plainly, and read it with --encoding gbk."""
    src = tmp_path / "gbk.csv"
    src.write_bytes("client_id,name,region,agreement_signed\nA,汕头客户,440507,true\n"
                    .encode("gbk"))
    out = tmp_path / "out.csv"
    assert main(["evaluate", SHANTOU, str(src), "--set", "bureau_revenue=1亿",
                 "-o", str(out)]) == 2
    assert "--encoding gbk" in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == [src]  # nothing half-written
    assert main(["evaluate", SHANTOU, str(src), "--set", "bureau_revenue=1亿",
                 "--encoding", "gbk", "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["name"] == "汕头客户" and rows[0]["tier"] == "general"

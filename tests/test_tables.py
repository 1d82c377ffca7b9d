"""Client files in, decision files out (issue 7): every malformed row is a named bad row,
an untrustworthy header refuses the file, and an output is whole or absent."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bigclient.cli import main
from tests.conftest import ROOT, RULESETS

SHANTOU = str(RULESETS / "shantou-postal" / "1.0.0.yaml")
CLIENTS = ROOT / "examples" / "clients.csv"
CTX = ["--set", "bureau_revenue=1亿"]
HEAD = "client_id,region,revenue_prev_year.savings,agreement_signed\n"


def run(tmp_path: Path, text: str, *extra: str, name: str = "in.csv",
        out: str = "out.jsonl") -> tuple[int, list[dict[str, object]], Path]:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    dst = tmp_path / out
    code = main(["evaluate", SHANTOU, str(src), "-o", str(dst), *CTX, *extra])
    rows = ([json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
            if dst.exists() else [])
    return code, rows, dst


# -- 1. rows that do not match the header ------------------------------------------


def test_fewer_more_and_truncated_rows_are_named_bad_rows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, _ = run(tmp_path, HEAD + "A,440507,2万,true\n"
                        "B,440507,2万\n"            # fewer
                        "C,440507,2万,true,x\n"     # more
                        "D,440507,2万,true\n"
                        "E,4405")                   # cut mid-row, no newline
    assert code == 1
    by_row = {r["row"]: r for r in rows}
    assert by_row[2]["tier"] == "general" and by_row[5]["tier"] == "general"
    assert "3 cells, but the header has 4" in str(by_row[3]["error"])
    assert "'agreement_signed'" in str(by_row[3]["error"])
    assert "5 cells, but the header has 4" in str(by_row[4]["error"])
    assert "column 5 (E) ('x')" in str(by_row[4]["error"])
    assert "row 6" in str(by_row[6]["error"]) and "cut off" in str(by_row[6]["error"])
    assert all("qualified" not in by_row[n] for n in (3, 4, 6))
    assert "3 rows had errors" in capsys.readouterr().err


def test_unterminated_quote_is_a_bad_row(tmp_path: Path) -> None:
    code, rows, _ = run(tmp_path, HEAD + 'A,440507,2万,true\nB,"440507,2万,true\nC,440507,1,true\n')
    assert code == 1
    assert rows[0]["tier"] == "general"
    assert rows[1]["row"] == 3 and "never closed" in str(rows[1]["error"])
    assert len(rows) == 2  # the rest of the file was inside the quote, and says so


def test_duplicated_column_refuses_the_file(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _rows, dst = run(tmp_path, "client_id,region,agreement_signed,region\n"
                          "A,440507,true,440508\n")
    assert code == 2 and not dst.exists()
    err = capsys.readouterr().err
    assert "'region' heads both column 2 (B) and column 4 (D)" in err
    assert "no row was decided" in err and "Traceback" not in err


def test_blank_lines_are_skipped_but_counted_and_spaces_are_a_row(tmp_path: Path) -> None:
    code, rows, _ = run(tmp_path, HEAD + "A,440507,2万,true\n\nB,440507,2万,true\n   \n")
    assert code == 1
    assert [r["row"] for r in rows] == [2, 4, 5]  # row 3 was blank: skipped, still counted
    assert "1 cells, but the header has 4" in str(rows[2]["error"])


@settings(max_examples=40, deadline=None)
@given(width=st.integers(1, 6), cells=st.integers(1, 9))
def test_property_a_row_of_another_width_is_never_decided(tmp_path_factory: pytest.TempPathFactory,
                                                         width: int, cells: int) -> None:
    """Every value is valid where it stands: only the count of cells is wrong."""
    columns = ["region", "agreement_signed", "credit_warning", "revenue_prev_year.savings",
               "revenue_month.savings", "newspapers_turnover_month"]
    values = ["440507", "true", "false", "2万", "3000", "0"] + ["0"] * 3
    tmp = tmp_path_factory.mktemp("prop")
    code, rows, _ = run(tmp, ",".join(columns[:width]) + "\n" + ",".join(values[:cells]) + "\n")
    if cells != width:
        assert code == 1 and "error" in rows[0] and "qualified" not in rows[0]
    else:
        assert code == 0 and "error" not in rows[0]


# -- 2. header columns --------------------------------------------------------------


def test_unknown_column_refused_with_did_you_mean(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, dst = run(tmp_path, "client_id,region,agreemnt_signed\nA,440507,true\n")
    assert code == 2 and not dst.exists()
    err = capsys.readouterr().err
    assert "column 3 (C)" in err and "did you mean 'agreement_signed'?" in err


def test_unknown_line_of_a_table_refused(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(tmp_path, "region,revenue_month.savngs,revenue_mnth.savings\n1,2,3\n")
    assert code == 2
    err = capsys.readouterr().err
    assert "'savngs' is not a product line of revenue_month" in err
    assert "did you mean 'revenue_month.savings'?" in err
    assert "'revenue_mnth.savings' is not an input" in err


def test_identity_columns_must_be_declared(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    text = "client_id,branch,region,agreement_signed\nA,金平,440507,true\n"
    code, _, _ = run(tmp_path, text)
    assert code == 2 and "--keep branch" in capsys.readouterr().err
    code, rows, _ = run(tmp_path, text, "--keep", "branch")
    assert code == 0 and rows[0]["branch"] == "金平" and rows[0]["tier"] == "general"


def test_known_columns_accepts_a_declared_set(shantou: object) -> None:
    from bigclient.tables.columns import known_columns, plan_header

    cols = known_columns(shantou, ["client_id", "户名"])
    plan = plan_header(["户名", "client_id", "region"], cols, "x.csv")
    assert plan.kept_at == ((0, "户名"), (1, "client_id")) and plan.input_at == ((2, "region"),)


def test_chinese_label_headers_are_the_inputs(tmp_path: Path) -> None:
    en = ("client_id,region,agreement_signed,revenue_prev_year.savings,revenue_month.letters\n"
          "A,440507,false,2万,3000\n")
    zh = ("client_id,所在地行政区划代码,已与邮政企业签订业务协议,上年各业务收入.储汇,"
          "revenue_month.函件\nA,440507,false,2万,3000\n")
    _, a, _ = run(tmp_path, en, out="a.jsonl")
    code, b, _ = run(tmp_path, zh, name="zh.csv", out="b.jsonl")
    assert code == 0 and a == b and a[0]["criteria"]


def test_a_label_and_a_name_for_one_input_refused(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(tmp_path, "region,所在地行政区划代码\n440507,440507\n")
    assert code == 2 and "are both the input region" in capsys.readouterr().err


# -- 3 and 4. JSON Lines and over-long cells ----------------------------------------


def test_jsonl_bad_rows_and_the_run_goes_on(tmp_path: Path) -> None:
    good = '{"client_id": "G", "region": "440507", "revenue_prev_year": {"savings": 20000.10}}'
    lines = [good, "[1, 2]", "{not json", '{"region": ' + "9" * 5000 + "}",
             '{"region": ' + "[" * 100_000 + "]" * 100_000 + "}",
             '{"region": "440507", "region": "440508"}',
             '{"region": "440507", "agreemnt_signed": true}', good]
    code, rows, _ = run(tmp_path, "\n".join(lines) + "\n", name="in.jsonl")
    assert code == 1 and [r["row"] for r in rows] == list(range(1, 9))
    errors = [str(r.get("error", "")) for r in rows]
    assert "error" not in rows[0] and "error" not in rows[7] and rows[0]["qualified"] is False
    assert "expected a JSON object" in errors[1]
    assert "not valid JSON" in errors[2]
    assert "5,000 characters" in errors[3]
    assert "nested" in errors[4]
    assert "'region' appears twice" in errors[5]
    assert "did you mean 'agreement_signed'?" in errors[6]


def test_jsonl_numbers_are_exact() -> None:
    from decimal import Decimal

    from bigclient.tables.read import parse_json_line

    record, error = parse_json_line(1, '{"a": 12345678901234567.89, "b": 440507}')
    assert error == "" and record == {"a": Decimal("12345678901234567.89"), "b": 440507}


@pytest.mark.parametrize("size", [50_000, 200_000])
def test_a_huge_cell_is_a_bad_row(tmp_path: Path, size: int) -> None:
    code, rows, _ = run(tmp_path, HEAD + f"A,440507,{'9' * size},true\nB,440507,2万,true\n")
    assert code == 1
    assert "more than 10,000" in str(rows[0]["error"]) or "longer than" in str(rows[0]["error"])
    assert rows[1]["row"] == 3 and rows[1]["tier"] == "general"
    code, rows, _ = run(tmp_path, json.dumps({"region": "x" * size}) + "\n", name="in.jsonl")
    assert code == 1 and "more than 10,000" in str(rows[0]["error"])


# -- 8. encodings -------------------------------------------------------------------


def test_a_byte_order_mark_is_dropped_whatever_the_encoding(tmp_path: Path) -> None:
    src = tmp_path / "bom.csv"
    src.write_bytes(b"\xef\xbb\xbf" + (HEAD + "A,440507,2万,true\n").encode("utf-8"))
    for enc in ("utf-8", "gbk"):
        out = tmp_path / f"{enc}.csv"
        assert main(["evaluate", SHANTOU, str(src), "-o", str(out), "--encoding", enc,
                     *CTX]) == 0
        assert next(csv.DictReader(out.open(encoding="utf-8")))["client_id"] == "A"

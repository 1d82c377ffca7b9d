"""``bigclient pay``: payslips for a file of employees on the Yueyang incentive plan (D-21,
D-23), every bad row named with its file and row, and nothing written when one is bad."""

from __future__ import annotations

import csv
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bigclient
from bigclient.cli import main

ROOT = Path(__file__).resolve().parent.parent
RULESET = str(ROOT / "rulesets" / "yueyang-incentives" / "1.0.0.yaml")

EMPLOYEES = """employee_id,name,employment,grade,base_salary
E1,张三,regular,senior,3000
E2,李四,agency,manager,2500
"""
MEASURES = """\
employee_id,period,assessment_score,business_revenue,insurance,phone_numbers,key_business,\
mail_order
E1,2024-03,85,80000,,,,
E2,2024-03,60,0,,,,
E1,2024-Q1,,,5000,3,,
E2,2024-Q1,,,,,,20000
E1,2024-Q2,,,,,9000,
E2,2024-Q2,,,,,,
E1,2024-Q3,,,,,,
E2,2024-Q3,,,,,,
E1,2024-Q4,,,,,60000,
E2,2024-Q4,,,,,,
"""


def files(tmp: Path, employees: str = EMPLOYEES, measures: str = MEASURES,
          encoding: str = "utf-8") -> list[str]:
    (tmp / "employees.csv").write_text(employees, encoding=encoding)
    (tmp / "measures.csv").write_text(measures, encoding=encoding)
    return [RULESET, str(tmp / "employees.csv"), str(tmp / "measures.csv")]


def pay(tmp: Path, *args: str, employees: str = EMPLOYEES, measures: str = MEASURES,
        encoding: str = "utf-8") -> int:
    return main(["pay", *files(tmp, employees, measures, encoding), *args, "--lang", "en"])


def read_csv(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_month_pays_every_component_with_the_hold_back_for_regular_and_agency_staff(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "payslips.csv"
    assert pay(tmp_path, "--period", "2024-03", "-o", str(out)) == 0
    assert "2 payslips for 2024-03 (yueyang-incentives 1.0.0)" in capsys.readouterr().err
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens it with Chinese intact
    rows = read_csv(out)
    assert list(rows[0]) == ["employee_id", "name", "period", "base_salary", "post_allowance",
                             "communication_allowance", "transport_allowance", "commission",
                             "holdback", "total"]
    e1, e2 = rows
    assert e1["name"] == "张三" and e1["period"] == "2024-03"
    # D-21: 200 withheld from regular staff, 85% paid out at score 85: net -30.00
    assert (e1["base_salary"], e1["post_allowance"], e1["commission"], e1["holdback"],
            e1["total"]) == ("3000.00", "800.00", "1100.00", "-30.00", "5220.00")
    # agency staff: 100 withheld, 60% paid out at score 60: net -40.00
    assert (e2["holdback"], e2["commission"], e2["total"]) == ("-40.00", "0.00", "3110.00")


def test_lines_show_what_was_withheld_and_what_was_paid_out(tmp_path: Path) -> None:
    out = tmp_path / "lines.csv"
    assert pay(tmp_path, "--period", "2024-03", "-o", str(out), "--lines") == 0
    rows = read_csv(out)
    assert list(rows[0]) == ["employee_id", "name", "period", "component", "label_zh",
                             "label_en", "kind", "base", "rate", "amount", "rule", "detail"]
    hold = [(r["employee_id"], r["kind"], r["base"], r["rate"], r["amount"]) for r in rows
            if r["component"] == "holdback"]
    assert hold == [("E1", "withheld", "", "", "-200.00"), ("E1", "paid_out", "200.00", "0.85",
                                                            "170.00"),
                    ("E2", "withheld", "", "", "-100.00"), ("E2", "paid_out", "100.00", "0.6",
                                                            "60.00")]
    assert {r["rule"] for r in rows} >= {"D-21", "D-21, D-22"}
    by_employee: dict[str, Decimal] = {}
    for r in rows:
        by_employee[r["employee_id"]] = by_employee.get(r["employee_id"], Decimal(0)) + Decimal(
            r["amount"])
    assert by_employee == {"E1": Decimal("5220.00"), "E2": Decimal("3110.00")}


def test_a_quarter_takes_the_earlier_quarters_as_history(tmp_path: Path) -> None:
    out = tmp_path / "q2.csv"
    assert pay(tmp_path, "--period", "2024-Q2", "-o", str(out)) == 0
    rows = {r["employee_id"]: r for r in read_csv(out)}
    # E1: Q1 115 points (star1, advance 80% of 300 = 240); Q2 +90 = 205 (star2: 80% of 600 =
    # 480, less 240 already advanced)
    assert rows["E1"]["star_marketing"] == "240.00" == rows["E1"]["total"]
    # E2 reached star2 in Q1 (480 advanced) and earned nothing since
    assert rows["E2"]["star_marketing"] == "0.00"
    rs = bigclient.load(RULESET)
    slip = rs.pay({"employee_id": "E1", "employment": "regular", "grade": "senior",
                   "base_salary": 3000}, "2024-Q2", {"key_business": 9000},
                  history=[{"insurance": 5000, "phone_numbers": 3}])
    assert Decimal(rows["E1"]["total"]) == slip.total


def test_a_year_settles_the_star_points_from_the_four_quarters(tmp_path: Path) -> None:
    out = tmp_path / "2024.jsonl"
    assert pay(tmp_path, "--period", "2024", "-o", str(out)) == 0
    rows = {r["employee_id"]: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    # E1: 115 + 90 + 0 + 600 = 805 points: star4 (2,000); advances 240 + 240 + 0 + 1,120
    assert rows["E1"]["star_marketing"] == "400.00"
    assert rows["E2"]["star_marketing"] == "120.00"  # star2 600, 480 advanced
    assert isinstance(rows["E1"]["total"], str)  # amounts are decimal text, never floats


def test_a_missing_earlier_quarter_names_the_employee_and_the_quarter(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    measures = "\n".join(ln for ln in MEASURES.splitlines() if ",2024-Q1," not in ln)
    out = tmp_path / "q2.csv"
    assert pay(tmp_path, "--period", "2024-Q2", "-o", str(out), measures=measures) == 1
    err = capsys.readouterr().err
    assert "employees.csv: row 2: employee E1 has no measures row for 2024-Q1" in err
    assert "employees.csv: row 3: employee E2 has no measures row for 2024-Q1" in err
    assert "earlier quarters" in err
    assert not out.exists()


def test_every_bad_row_is_named_and_nothing_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    employees = EMPLOYEES + ("E3,王五,contract,manager,abc\n"  # row 4: two bad values
                             "E1,重复,regular,senior,1\n"  # row 5: listed twice
                             "E4,赵六,agency,chief,2000\n"  # row 6: its measures are bad
                             "E5,钱七,agency,chief,2000\n")  # row 7: no measures
    measures = ("employee_id,period,assessment_score,business_revenue\n"
                "E1,2024-03,85,80000\n"       # row 2: good
                "E2,2024-03,60,0\n"           # row 3: good
                "E1,2024-03,85,80000\n"       # row 4: the same employee and period again
                "E9,2024-03,85,1\n"           # row 5: no such employee
                "E4,2024-03,185,1\n"          # row 6: score above 100
                "E4,2024-13,85,1\n"           # row 7: not a period
                "E2,2024-04,,\n")             # row 8: another month, not read
    out = tmp_path / "payslips.csv"
    out.write_text("last month's file\n", encoding="utf-8")
    assert pay(tmp_path, "--period", "2024-03", "-o", str(out), employees=employees,
               measures=measures) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{tmp_path / 'employees.csv'}: row 4: 'employment': expected one of regular, agency "
        "(found 'contract')",
        f"{tmp_path / 'employees.csv'}: row 4: 'base_salary': expected a number such as "
        "12000, 1,500,000, 1.2万, 150万, 3‰, 5‱ or 12%, found 'abc'",
        f"{tmp_path / 'employees.csv'}: row 5: employee E1 is listed twice (also row 2)",
        f"{tmp_path / 'employees.csv'}: row 7: employee E5 has no measures row for 2024-03 in "
        f"{tmp_path / 'measures.csv'}",
        f"{tmp_path / 'measures.csv'}: row 4: a second row for employee E1 and 2024-03 (the "
        "first is row 2)",
        f"{tmp_path / 'measures.csv'}: row 5: no employee E9 in the employees file",
        f"{tmp_path / 'measures.csv'}: row 6: 'measures.assessment_score': must be at most 100 "
        "(found '185')",
        f"{tmp_path / 'measures.csv'}: row 7: 'period': expected a pay period such as 2024-03 "
        "(a month), 2024-Q1 (a quarter), 2024-H1 (a half year) or 2024 (a year) (found "
        "'2024-13')",
        "8 bad rows; nothing was paid or written",
    ]
    assert out.read_text(encoding="utf-8") == "last month's file\n"  # the old file, untouched
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_an_unknown_column_is_a_bad_header_row(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    employees = EMPLOYEES.replace("base_salary\n", "base_salery\n", 1)
    out = tmp_path / "payslips.csv"
    assert pay(tmp_path, "--period", "2024-03", "-o", str(out), employees=employees) == 1
    err = capsys.readouterr().err
    assert ("employees.csv: row 1: column 5 (E) 'base_salery' is not a column of this file; "
            "did you mean 'base_salary'?") in err
    assert "no employee" not in err  # the measures rows are not blamed for it
    assert not out.exists()


def test_columns_may_be_headed_by_their_chinese_labels(tmp_path: Path) -> None:
    employees = EMPLOYEES.replace("employee_id,name,employment,grade,base_salary",
                                  "员工编号,姓名,用工性质,客户经理级别,工资(月)")
    measures = MEASURES.replace("employee_id,period,assessment_score",
                                "员工编号,期间,月度客户管理考核得分")
    out = tmp_path / "payslips.csv"
    assert pay(tmp_path, "--period", "2024-03", "-o", str(out), employees=employees,
               measures=measures) == 0
    assert [r["total"] for r in read_csv(out)] == ["5220.00", "3110.00"]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_inputs_in_gbk_or_utf8_with_or_without_bom_are_read(tmp_path: Path,
                                                            encoding: str) -> None:
    out = tmp_path / "payslips.csv"
    assert pay(tmp_path, "--period", "2024-03", "-o", str(out), encoding=encoding) == 0
    assert [(r["name"], r["total"]) for r in read_csv(out)] == [("张三", "5220.00"),
                                                                ("李四", "3110.00")]


def test_gbk_output_round_trips_exactly(tmp_path: Path) -> None:
    out = tmp_path / "payslips.csv"
    assert pay(tmp_path, "--period", "2024-03", "-o", str(out), "--encoding", "gbk") == 0
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_csv(out, "gbk")
    assert rows[0]["name"] == "张三"
    assert [Decimal(r["total"]) for r in rows] == [Decimal("5220.00"), Decimal("3110.00")]
    bom = tmp_path / "bom.csv"
    assert pay(tmp_path, "--period", "2024-03", "-o", str(bom)) == 0
    assert read_csv(bom) == rows


def test_a_name_gbk_cannot_hold_refuses_gbk_naming_row_and_column(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    employees = EMPLOYEES.replace("李四", "李四😀")
    out = tmp_path / "payslips.csv"
    code = pay(tmp_path, "--period", "2024-03", "-o", str(out), "--encoding", "gbk",
               employees=employees)
    assert code == 2
    err = capsys.readouterr().err
    assert "row 3, column B (name): '😀' cannot be written in GBK" in err
    assert "nothing was written" in err and not out.exists()


def test_xlsx_output_holds_exact_numbers_a_totals_row_and_a_frozen_header(
        tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "payslips.xlsx"
    assert pay(tmp_path, "--period", "2024-03", "-o", str(out)) == 0
    ws = openpyxl.load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "员工编号\nEmployee id" and rows[0][-1] == "合计\nTotal"
    assert rows[1][:3] == ("E1", "张三", "2024-03")
    assert rows[1][-1] == 5220 and rows[1][-2] == -30
    assert rows[3][0] == "合计 Total" and rows[3][-1] == 5220 + 3110
    assert ws["D2"].number_format == "0.00" and ws["J4"].number_format == "0.00"
    assert ws.freeze_panes == "A2"


def test_explain_prints_one_employees_payslip(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pay", *files(tmp_path), "--period", "2024-03", "--explain", "E2",
                 "--lang", "zh"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("工资单 2024-03（employee_id=E2, name=李四）")
    assert "客户管理考核切块: -100.00 — 切块扣留" in text and "合计: 3110.00" in text
    assert main(["pay", *files(tmp_path), "--period", "2024-03", "--explain", "E7"]) == 2


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert pay(tmp_path, "--period", "2024-13", "-o", str(tmp_path / "x.csv")) == 2
    assert pay(tmp_path, "--period", "2024-H1", "-o", str(tmp_path / "x.csv")) == 2
    assert "pays nothing per half year" in capsys.readouterr().err
    assert pay(tmp_path, "--period", "2024-03") == 2  # no -o and no --explain
    assert not (tmp_path / "x.csv").exists()


def test_formula_cells_from_the_employee_file_are_neutralised(tmp_path: Path) -> None:
    names = ['=HYPERLINK("http://x","点击")', "@SUM(A1)", "+1+1", "-2+3", "-12", "王五"]
    employees = ["employee_id,name,employment,grade,base_salary"]
    measures = ["employee_id,period,assessment_score,business_revenue"]
    for i, name in enumerate(names):
        cell = '"' + name.replace('"', '""') + '"'
        employees.append(f"E{i},{cell},regular,senior,3000")
        measures.append(f"E{i},2024-03,85,80000")
    for lines in ([], ["--lines"]):
        out = tmp_path / "payslips.csv"
        assert pay(tmp_path, "--period", "2024-03", "-o", str(out), *lines,
                   employees="\n".join(employees) + "\n",
                   measures="\n".join(measures) + "\n") == 0
        rows = read_csv(out)
        written = list(dict.fromkeys(r["name"] for r in rows))
        assert written == ["'=HYPERLINK(\"http://x\",\"点击\")", "'@SUM(A1)", "'+1+1", "'-2+3",
                           "-12", "王五"]  # a plain number is left as it is
        amounts = [r["holdback"] for r in rows] if not lines else [
            r["amount"] for r in rows if r["kind"] == "withheld"]
        assert set(amounts) == ({"-200.00"} if lines else {"-30.00"})


AMOUNT = st.integers(min_value=0, max_value=10**9).map(lambda n: Decimal(n) / 100)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(st.tuples(st.sampled_from(["regular", "agency"]),
                                 st.sampled_from(["manager", "principal", "senior", "chief"]),
                                 AMOUNT, st.integers(0, 100), AMOUNT),
                       min_size=1, max_size=6))
def test_the_total_column_is_the_sum_of_the_component_columns(
        people: list[tuple[str, str, Decimal, int, Decimal]]) -> None:
    employees = ["employee_id,employment,grade,base_salary"]
    measures = ["employee_id,period,assessment_score,business_revenue"]
    for i, (employment, grade, salary, score, revenue) in enumerate(people):
        employees.append(f"E{i},{employment},{grade},{salary}")
        measures.append(f"E{i},2024-03,{score},{revenue}")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        out = tmp / "payslips.csv"
        assert pay(tmp, "--period", "2024-03", "-o", str(out),
                   employees="\n".join(employees) + "\n",
                   measures="\n".join(measures) + "\n") == 0
        rows = read_csv(out)
    components = [k for k in rows[0] if k not in ("employee_id", "name", "period", "total")]
    assert len(rows) == len(people)
    for r in rows:
        assert Decimal(r["total"]) == sum((Decimal(r[k]) for k in components), Decimal(0))
        assert all(len(r[k].partition(".")[2]) == 2 for k in [*components, "total"])


# -- findings in the incentives section (reported to the lead, not fixed here) ------------------


def test_a_years_lines_can_be_written_in_gbk(tmp_path: Path) -> None:
    out = tmp_path / "2024.csv"
    assert pay(tmp_path, "--period", "2024", "-o", str(out), "--lines",
               "--encoding", "gbk") == 0


def test_a_zero_advance_is_rounded_like_every_line() -> None:
    rs = bigclient.load(RULESET)
    slip = rs.pay({"employee_id": "E2", "employment": "agency", "grade": "manager",
                   "base_salary": 1}, "2024-Q2", {}, history=[{"mail_order": 20000}])
    assert str(slip.line("star_marketing").amount) == "0.00"


def test_a_folder_pays_with_the_version_in_force_when_the_period_began(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(ROOT / "examples" / "revisions" / "yueyang-incentives")  # 1.1.0 from 2008
    args = files(tmp_path)[1:]
    out = tmp_path / "p.csv"
    assert main(["pay", folder, *args, "--period", "2024-03", "-o", str(out)]) == 0
    assert "using yueyang-incentives 1.1.0 (in force on 2024-03-01" in capsys.readouterr().err
    assert main(["pay", folder, *args, "--period", "2007-03", "-o", str(out),
                 "--lang", "en"]) == 1
    assert "no version in" in capsys.readouterr().err  # none of that folder's was in force
    one = str(ROOT / "examples" / "revisions" / "yueyang-incentives" / "1.1.0.yaml")
    assert main(["pay", one, *args, "--period", "2007-12", "-o", str(out), "--lang", "en"]) == 2
    assert "is in force from 2008-01-01, not for all of 2007-12" in capsys.readouterr().err

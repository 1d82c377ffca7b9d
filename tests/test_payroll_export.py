"""Payroll files payroll staff can open: exact amounts in CSV and .xlsx, UTF-8 with a BOM or
GBK, formula cells neutralised, and a file written whole or not at all."""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bigclient
from bigclient.language.common import Label
from bigclient.sections.incentives import PayLine, Payslip
from bigclient.tables import TableError
from bigclient.tables.payroll import (
    csv_bytes,
    lines_table,
    neutralised,
    payslip_table,
    plain,
    risky,
    write_payroll,
)

ROOT = Path(__file__).resolve().parent.parent
RS = bigclient.load(ROOT / "rulesets" / "yueyang-incentives" / "1.0.0.yaml")
IDENTITY = {"employee_id": Label(zh="员工编号", en="Employee id"),
            "name": Label(zh="姓名", en="Name")}
SALARY = Label(zh="工资", en="Salary")


def slip(name: str, *amounts: str, employee_id: str = "E1") -> Payslip:
    lines = tuple(PayLine(f"c{i}", Label(zh=f"项目{i}", en=f"Item {i}"), "amount", Decimal(a))
                  for i, a in enumerate(amounts))
    return Payslip("r", "1.0.0", "2024-03", {"employee_id": employee_id, "name": name}, lines)


def declared(n: int) -> list[tuple[str, Label]]:
    return [(f"c{i}", Label(zh=f"项目{i}", en=f"Item {i}")) for i in range(n)]


@pytest.mark.parametrize(("text", "bad"), [
    ("=1+1", True), ("+1+1", True), ("-2+3", True), ("@SUM(A1)", True), ("\t=1", True),
    ("\r=1", True), ("-12", False), ("+5", False), ("-1234.50", False), ("张三", False),
    ("", False), ("a=b", False)])
def test_formula_like_text_is_recognised(text: str, bad: bool) -> None:
    assert risky(text) is bad
    assert neutralised(text) == ("'" + text if bad else text)


def test_amounts_are_plain_decimal_text_never_exponents_or_floats() -> None:
    assert plain(Decimal("1234.50")) == "1234.50"
    assert plain(Decimal("1E+3")) == "1000"
    assert plain(None) == "" and plain(7) == "7"
    table = payslip_table([slip("张三", "0", "-0.00", "1234.5")], IDENTITY, declared(3))
    text = csv_bytes(table).decode("utf-8-sig")
    assert text.splitlines()[1] == "E1,张三,2024-03,0.00,0.00,1234.50,1234.50"


def test_csv_is_utf8_with_a_bom_or_gbk() -> None:
    table = payslip_table([slip("张三", "1")], IDENTITY, declared(1))
    assert csv_bytes(table).startswith(b"\xef\xbb\xbfemployee_id,")
    gbk = csv_bytes(table, "gbk")
    assert "张三".encode("gbk") in gbk and not gbk.startswith(b"\xef\xbb\xbf")


def test_every_cell_gbk_cannot_hold_is_named() -> None:
    table = payslip_table([slip("张三", "1"), slip("李😀", "2", employee_id="E€😀")],
                          IDENTITY, declared(1))
    with pytest.raises(TableError) as err:
        csv_bytes(table, "gbk")
    text = str(err.value)
    assert "row 3, column A (employee_id): '€😀' cannot be written in GBK" in text
    assert "row 3, column B (name): '😀' cannot be written in GBK" in text
    assert "row 2" not in text


def test_lines_table_has_one_row_per_line_with_detail_in_the_language_asked() -> None:
    s = RS.pay({"employee_id": "E1", "name": "张三", "employment": "agency",
                "grade": "manager", "base_salary": 2000}, "2024-03",
               {"assessment_score": 50, "business_revenue": 0})
    zh = lines_table([s], IDENTITY, "zh")
    assert len(zh.rows) == len(s.lines)
    held = next(r for r in zh.rows if r["kind"] == "withheld")
    assert held["amount"] == Decimal("-100.00") and held["detail"].startswith("切块扣留")
    en = lines_table([s], IDENTITY, "en")
    assert next(r for r in en.rows if r["kind"] == "withheld")["detail"].startswith("withheld")


def _sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_xlsx_numbers_are_written_exactly_from_decimals(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "p.xlsx"
    table = payslip_table([slip("=cmd|'/C calc'!A0", "9176613956.71", "-8953347693.28")],
                          IDENTITY, declared(2))
    write_payroll(table, out, "xlsx")
    xml = _sheet_xml(out)
    # through a float ("%.16g") these would be 9176613956.709999 and -8953347693.280001
    assert "<v>9176613956.71</v>" in xml and "<v>-8953347693.28</v>" in xml
    assert "<v>223266263.43</v>" in xml  # the total, and the totals row
    ws = openpyxl.load_workbook(out).active
    assert ws["D2"].number_format == "0.00" and ws["F3"].number_format == "0.00"
    assert ws["A3"].value == "合计 Total" and ws.freeze_panes == "A2"
    name = ws["B2"]
    assert name.value == "=cmd|'/C calc'!A0" and name.data_type == "s" and name.quotePrefix
    assert [c.value for c in ws[1]] == ["员工编号\nEmployee id", "姓名\nName", "期间\nPeriod",
                                        "项目0\nItem 0", "项目1\nItem 1", "合计\nTotal"]


def test_missing_openpyxl_says_how_to_install_it(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if the extra were not installed
    table = payslip_table([slip("张三", "1")], IDENTITY, declared(1))
    with pytest.raises(TableError, match=r"pip install 'bigclient\[xlsx\]'"):
        write_payroll(table, tmp_path / "p.xlsx", "xlsx")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_no_file_and_no_temporary(tmp_path: Path) -> None:
    table = payslip_table([slip("张三😀", "1")], IDENTITY, declared(1))
    out = tmp_path / "p.csv"
    out.write_bytes(b"old")
    with pytest.raises(TableError):
        write_payroll(table, out, "csv", "gbk")
    with pytest.raises(TableError, match="does not exist"):
        write_payroll(table, tmp_path / "nowhere" / "p.csv", "csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]
    assert out.read_bytes() == b"old"


MONEY = st.integers(min_value=0, max_value=10**10).map(lambda n: Decimal(n) / 100)
EMPLOYEE = st.fixed_dictionaries({
    "employee_id": st.text("E0123456789", min_size=1, max_size=5),
    "employment": st.sampled_from(["regular", "agency"]),
    "grade": st.sampled_from(["manager", "principal", "senior", "chief"]),
    "base_salary": MONEY})
MONTH = st.fixed_dictionaries({"assessment_score": st.integers(0, 100).map(Decimal),
                               "business_revenue": MONEY})
QUARTER = st.fixed_dictionaries({"key_business": MONEY, "insurance": MONEY,
                                 "phone_numbers": st.integers(0, 500)})


@settings(max_examples=60, deadline=None)
@given(people=st.lists(st.tuples(EMPLOYEE, MONTH, st.lists(QUARTER, min_size=2, max_size=2)),
                       min_size=1, max_size=5),
       gbk=st.booleans())
def test_written_totals_are_the_sum_of_the_component_columns(
        people: list[tuple[dict[str, object], dict[str, object], list[dict[str, object]]]],
        gbk: bool) -> None:
    for period in ("2024-03", "2024-Q2"):
        slips = [RS.pay(e, period, q[1] if period.endswith("Q2") else m,
                        history=q[:1] if period.endswith("Q2") else ())
                 for e, m, q in people]
        kinds = [(r.spec.id, r.spec.label) for r in RS.section("incentives").rules
                 if period == "2024-03"] or [("star_marketing", SALARY)]
        table = payslip_table(slips, IDENTITY, kinds)
        encoding = "gbk" if gbk else "utf-8-sig"
        rows = list(csv.DictReader(io.StringIO(csv_bytes(table, encoding).decode(encoding))))
        comps = [k for k, _label in kinds]
        for s, r in zip(slips, rows, strict=True):
            assert Decimal(r["total"]) == s.total
            assert Decimal(r["total"]) == sum((Decimal(r[k]) for k in comps), Decimal(0))
            assert all("e" not in r[k].lower() for k in [*comps, "total"])

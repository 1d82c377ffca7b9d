"""Payroll files that payroll staff can open: payslips as CSV (UTF-8 with a byte-order mark,
or GBK), Excel ``.xlsx`` or JSON Lines, written whole or not at all.

Amounts are written exactly from their Decimals: plain decimal text in CSV (``1234.50``,
never a float) and, in ``.xlsx``, numbers whose stored text is the Decimal's own (shown with
the format ``0.00``). A text cell that Excel
would read as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return and is not a plain number) is neutralised: in CSV it gets a leading ``'``, in
``.xlsx`` it is a text cell with Excel's "quote prefix" (what typing ``'`` does in Excel).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bigclient.i18n import _
from bigclient.language.common import Label
from bigclient.sections.incentives.payslip import Payslip
from bigclient.tables.columns import column_letter
from bigclient.tables.errors import TableError
from bigclient.tables.write import _file_mode, interruptible, os_problem
from bigclient.tables.xlsx import openpyxl_module

FORMATS = ("csv", "xlsx", "jsonl")
ENCODINGS = ("utf-8-sig", "gbk")
TEXT, AMOUNT, NUMBER = "text", "amount", "number"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
PROJECTS = "projects"
"""The one column that holds a year's key-project awards (their lines are per project)."""


@dataclass(frozen=True)
class Column:
    """One column of a payroll file: its key (CSV header), labels and kind of value."""

    key: str
    label: Label
    kind: str = TEXT  # text | amount (money, two decimals) | number (a base or a rate)

    def heading(self) -> str:
        return f"{self.label.zh}\n{self.label.en}"


@dataclass
class PayrollTable:
    """Rows of a payroll file, by column key, with amounts as Decimals."""

    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def totals(self) -> dict[str, Decimal]:
        """The sum of every amount column, exactly."""
        return {c.key: sum((r.get(c.key) or Decimal(0) for r in self.rows), Decimal(0))
                for c in self.columns if c.kind == AMOUNT}


CENT = Decimal("0.01")


def _amount(value: Decimal) -> Decimal:
    """At least two decimals (``0`` -> ``0.00``, exactly), and never ``-0.00``."""
    if value == 0:
        value = abs(value)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        value = value.quantize(CENT)
    return value


def component_columns(slips: Sequence[Payslip], declared: Sequence[tuple[str, Label]]
                      ) -> list[Column]:
    """One column per component paid in the period: the declared ones in ruleset order
    (a component not paid to someone is 0), then any other line, key-project awards in one
    ``projects`` column."""
    cols = {cid: Column(cid, label, AMOUNT) for cid, label in declared}
    for slip in slips:
        for ln in slip.lines:
            key = _column_of(ln.component)
            if key not in cols:
                label = (Label(zh="项目奖励", en="Key-project awards") if key == PROJECTS
                         else ln.label)
                cols[key] = Column(key, label, AMOUNT)
    return list(cols.values())


def _column_of(component: str) -> str:
    return PROJECTS if component.startswith("project:") else component


def payslip_table(slips: Sequence[Payslip], identity: Mapping[str, Label],
                  declared: Sequence[tuple[str, Label]]) -> PayrollTable:
    """One row per payslip: identity columns, period, one amount per component, total.

    A component with two lines (a hold-back: withheld and paid out) shows their sum, so the
    total is always the sum of the component columns."""
    comps = component_columns(slips, declared)
    table = PayrollTable([*(Column(k, lb) for k, lb in identity.items()),
                          Column("period", Label(zh="期间", en="Period")), *comps,
                          Column("total", Label(zh="合计", en="Total"), AMOUNT)])
    for slip in slips:
        row: dict[str, Any] = {k: slip.employee.get(k) for k in identity}
        row["period"] = slip.period
        row.update({c.key: Decimal(0) for c in comps})
        for ln in slip.lines:
            key = _column_of(ln.component)
            row[key] = row[key] + ln.amount
        for c in comps:
            row[c.key] = _amount(row[c.key])
        row["total"] = _amount(slip.total)
        table.rows.append(row)
    return table


LINE_COLUMNS = (
    Column("component", Label(zh="项目编号", en="Component")),
    Column("label_zh", Label(zh="项目名称", en="Label (zh)")),
    Column("label_en", Label(zh="项目名称(英文)", en="Label (en)")),
    Column("kind", Label(zh="类别", en="Kind")),
    Column("base", Label(zh="基数", en="Base"), NUMBER),
    Column("rate", Label(zh="比例", en="Rate"), NUMBER),
    Column("amount", Label(zh="金额", en="Amount"), AMOUNT),
    Column("rule", Label(zh="依据", en="Rule")),
    Column("detail", Label(zh="计算说明", en="Detail")),
)


def lines_table(slips: Sequence[Payslip], identity: Mapping[str, Label],
                lang: str = "en") -> PayrollTable:
    """One row per payslip line (a hold-back gives two: withheld and paid out); ``detail``
    in ``lang``."""
    table = PayrollTable([*(Column(k, lb) for k, lb in identity.items()),
                          Column("period", Label(zh="期间", en="Period")), *LINE_COLUMNS])
    for slip in slips:
        who = {k: slip.employee.get(k) for k in identity}
        for ln in slip.lines:
            table.rows.append({**who, "period": slip.period, "component": ln.component,
                               "label_zh": ln.label.zh, "label_en": ln.label.en,
                               "kind": ln.kind, "base": ln.base, "rate": ln.rate,
                               "amount": _amount(ln.amount), "rule": ln.rule,
                               "detail": ln.detail[1] if lang == "zh" else ln.detail[0]})
    return table


# -- cells ------------------------------------------------------------------------------


def risky(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula (and it is no number)."""
    return text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text)


def neutralised(text: str) -> str:
    """``text`` as a CSV cell Excel shows as text: ``'=1+1`` instead of ``=1+1``."""
    return "'" + text if risky(text) else text


def plain(value: Any) -> str:
    """A cell as CSV text: Decimals as plain decimal text (never an exponent or a float)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return neutralised(str(value))


# -- formats ----------------------------------------------------------------------------


def csv_bytes(table: PayrollTable, encoding: str = "utf-8-sig") -> bytes:
    """The table as CSV in ``encoding``; every cell the encoding cannot hold is named (row
    as Excel numbers it, header row 1; column by name and letter) and nothing is returned."""
    problems: list[str] = []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    rows = [[c.key for c in table.columns],
            *([plain(r.get(c.key)) for c in table.columns] for r in table.rows)]
    for n, cells in enumerate(rows, start=1):
        for i, cell in enumerate(cells):
            try:
                cell.encode(encoding)
            except UnicodeEncodeError:
                chars = "".join(dict.fromkeys(ch for ch in cell if not _fits(ch, encoding)))
                problems.append(_("row {n}, column {letter} ({column}): '{chars}' cannot be "
                                  "written in {encoding}").format(
                    n=n, letter=column_letter(i), column=table.columns[i].key, chars=chars,
                    encoding=encoding.upper()))
        writer.writerow(cells)
    if problems:
        raise TableError(_("some characters cannot be written in {encoding}; nothing was "
                           "written. Write UTF-8 (the default) or change these cells:").format(
            encoding=encoding.upper()) + "".join(f"\n  {p}" for p in problems))
    return out.getvalue().encode(encoding)


def _fits(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def jsonl_bytes(table: PayrollTable) -> bytes:
    """One JSON object per row; amounts as decimal strings, never floats."""
    lines = []
    for r in table.rows:
        obj = {c.key: (format(r[c.key], "f") if isinstance(r.get(c.key), Decimal)
                       else r.get(c.key)) for c in table.columns}
        lines.append(json.dumps(obj, ensure_ascii=False) + "\n")
    return "".join(lines).encode("utf-8")


def xlsx_save(table: PayrollTable, path: str, sheet: str = "工资单") -> None:
    """One sheet: a bilingual, frozen header row; amounts as numbers formatted ``0.00``
    written from their Decimals; a totals row; text always text."""
    openpyxl = openpyxl_module()
    from openpyxl.styles import Alignment, Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    bold = Font(bold=True)
    for i, c in enumerate(table.columns, start=1):
        cell = ws.cell(row=1, column=i, value=c.heading())
        cell.font, cell.alignment = bold, Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[column_letter(i - 1)].width = 14 if c.kind != TEXT else 18
    for n, r in enumerate(table.rows, start=2):
        for i, c in enumerate(table.columns, start=1):
            _put(ws.cell(row=n, column=i), r.get(c.key), c.kind)
    last = len(table.rows) + 2
    totals = table.totals()
    first = ws.cell(row=last, column=1, value="合计 Total")
    first.font = bold
    for i, c in enumerate(table.columns, start=1):
        if c.key in totals:
            cell = ws.cell(row=last, column=i)
            _put(cell, totals[c.key], AMOUNT)
            cell.font = bold
    ws.freeze_panes = "A2"
    wb.save(path)


def _put(cell: Any, value: Any, kind: str) -> None:
    if value is None:
        return
    if isinstance(value, Decimal):
        # openpyxl would write a Decimal through a float ("%.16g": 9176613956.71 becomes
        # 9176613956.709999); a numeric cell holding the exact text is written as it is
        cell.value = format(_amount(value) if kind == AMOUNT else value, "f")
        cell.data_type = "n"
        if kind == AMOUNT:
            cell.number_format = "0.00"
        return
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
        return
    text = str(value)
    cell.value = text
    cell.data_type = "s"  # '=1+1' stays text, never a formula
    if risky(text):
        cell.quotePrefix = True


# -- writing ----------------------------------------------------------------------------


def write_payroll(table: PayrollTable, path: Path | None, fmt: str = "csv",
                  encoding: str = "utf-8-sig") -> None:
    """Write ``table`` to ``path`` (None: the screen, CSV or JSON Lines only) whole or not
    at all: a temporary file beside it, flushed and renamed into place."""
    if fmt not in FORMATS:
        raise TableError(_("unknown format '{fmt}'; choose csv, xlsx or jsonl").format(fmt=fmt))
    if fmt == "xlsx":
        openpyxl_module()
        if path is None:
            raise TableError(_("an .xlsx file cannot be written to the screen; give -o "
                               "FILE.xlsx"))
        _atomic(path, lambda tmp: xlsx_save(table, tmp))
        return
    data = jsonl_bytes(table) if fmt == "jsonl" else csv_bytes(table, encoding)
    if path is None:
        out = sys.stdout
        out.flush()
        out.buffer.write(data.removeprefix(b"\xef\xbb\xbf"))
        out.buffer.flush()
        return
    _atomic(path, lambda tmp: Path(tmp).write_bytes(data))


def _atomic(path: Path, fill: Callable[[str], object]) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    tmp: str | None = None
    with interruptible(_("nothing was written")):
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
            os.fchmod(fd, _file_mode(path))
            os.close(fd)
            fill(tmp)
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, path)
            tmp = None
        except OSError as exc:
            raise os_problem(exc, path) from None
        finally:
            if tmp is not None:
                with suppress(OSError):
                    os.unlink(tmp)


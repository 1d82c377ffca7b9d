"""Excel ``.xlsx`` in and out with openpyxl (the optional extra ``bigclient[xlsx]``).

Numbers are taken as Excel shows them: a cell holds a binary double, and Excel displays at
most 15 significant digits, so ``1234.56`` (stored as ``1234.5599999999999``) is read as the
exact ``Decimal('1234.56')``. Dates stay dates. Text written out is always text: a client
name starting with ``=`` is never turned into a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from bigclient.i18n import _
from bigclient.tables.errors import MAX_CELL, TableError


def openpyxl_module() -> Any:
    """openpyxl, or a plain error saying how to install it (bigclient[xlsx])."""
    try:
        import openpyxl
    except ImportError:
        raise TableError(_("reading and writing .xlsx files needs openpyxl: pip install "
                           "'bigclient[xlsx]' (or save the sheet as CSV UTF-8)")) from None
    return openpyxl


def cell_value(value: Any) -> Any:
    """An exact value from what openpyxl read: floats become Decimals as Excel shows them."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return int(value)
        return Decimal(format(value, ".15g"))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def open_sheet(path: Path, sheet: str | None) -> tuple[Any, Iterator[tuple[Any, ...]], int | None]:
    """(workbook, rows of cell values, row count if known) of the chosen or first sheet."""
    openpyxl = openpyxl_module()
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean "not a workbook"
        raise TableError(_("{file} cannot be read as an Excel workbook: {reason}").format(
            file=path, reason=exc)) from None
    if sheet is None:
        ws = wb.worksheets[0]
    elif sheet in wb.sheetnames:
        ws = wb[sheet]
    else:
        wb.close()
        raise TableError(_("{file} has no sheet '{sheet}'; its sheets are: {names}").format(
            file=path, sheet=sheet, names=", ".join(wb.sheetnames)))
    return wb, ws.iter_rows(values_only=True), ws.max_row


def xlsx_rows(rows: Iterator[tuple[Any, ...]]) -> tuple[tuple[str, ...],
                                                        Iterator[tuple[int, list[Any], str]]]:
    """The header (trailing empty cells dropped) and the data rows, padded to its width."""
    from bigclient.tables.columns import where

    first = next(rows, None)
    cells = list(first or ())
    while cells and cells[-1] is None:
        cells.pop()
    header = tuple("" if c is None else str(c) for c in cells)
    width = len(header)

    def body() -> Iterator[tuple[int, list[Any], str]]:
        for n, row in enumerate(rows, start=2):
            values = [cell_value(v) for v in row]
            if all(v is None or v == "" for v in values):
                continue  # an empty row of the sheet
            extra = next((i for i in range(width, len(values)) if values[i] not in (None, "")),
                         None)
            if extra is not None:
                yield n, [], _("row {n}: {where} holds '{value}' but has no column name in "
                               "the header").format(n=n, where=where(extra),
                                                    value=str(values[extra])[:40])
                continue
            values = (values + [None] * width)[:width]
            long = next((i for i, v in enumerate(values)
                         if isinstance(v, str) and len(v) > MAX_CELL), None)
            if long is not None:
                yield n, [], _("row {n}: {where} holds {size:,} characters, more than "
                               "{limit:,}").format(n=n, where=where(long),
                                                   size=len(values[long]), limit=MAX_CELL)
                continue
            yield n, values, ""

    return header, body()


class XlsxWriter:
    """Decisions as one sheet; every text cell stays text."""

    def __init__(self, path: str, columns: Sequence[str]) -> None:
        openpyxl = openpyxl_module()
        from openpyxl.cell import WriteOnlyCell

        self._cell = WriteOnlyCell
        self.path = path
        self.wb = openpyxl.Workbook(write_only=True)
        self.ws = self.wb.create_sheet("decisions")
        self.ws.append(list(columns))

    def write(self, values: Sequence[Any]) -> None:
        row = []
        for v in values:
            cell = self._cell(self.ws, value=v)
            if isinstance(v, str):
                cell.data_type = "s"  # '=1+1' in a name stays text, never a formula
            row.append(cell)
        self.ws.append(row)

    def close(self) -> None:
        self.wb.save(self.path)

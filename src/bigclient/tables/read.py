"""Read CSV, JSON Lines, ``.xlsx`` and Parquet client files row by row; a malformed row is
a bad row.

Row numbers are the file's rows as Excel numbers them: the header is row 1, and a blank line
still counts as a row (so the numbers match the file when no cell spans several lines).
Only a line with nothing at all on it is skipped; a line of spaces or of empty cells is a
row like any other.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from bigclient.i18n import _
from bigclient.tables.columns import Columns, Plan, map_keys, plan_header, where
from bigclient.tables.display import Progress
from bigclient.tables.errors import MAX_CELL, TableError

if TYPE_CHECKING:
    from bigclient.tables.parquet import ParquetRows

MAX_LINE = 1_000_000
"""Longest JSON Lines line read into memory."""
MAX_NUMBER = 40
"""Longest JSON number (characters); amounts have at most 28 significant digits."""
MAX_DEPTH = 2
"""A JSON client is an object of values or of per-line tables: nothing deeper."""

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
REFUSED_SUFFIXES = (".xls", ".xlsb", ".ods", ".numbers", ".et")


class Row(NamedTuple):
    """One client of a file: its row number, inputs (None if bad), error and kept columns."""

    n: int
    record: dict[str, Any] | None
    error: str
    kept: dict[str, Any]


Raw = tuple[int, Sequence[Any] | dict[str, Any] | None, str]


def kind(path: Path) -> str:
    """``csv``, ``jsonl``, ``xlsx`` or ``parquet`` from the file name; old spreadsheet
    formats refused."""
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in REFUSED_SUFFIXES:
        raise TableError(_("{file}: bigclient reads .xlsx, .csv and .jsonl files, not "
                           "{suffix}; in Excel use 'Save As' and choose 'Excel Workbook "
                           "(.xlsx)'").format(file=path, suffix=suffix))
    return "csv"


def text_encoding(path: Path, encoding: str) -> str:
    """The codec to read ``path`` with: a UTF-8 byte-order mark always wins (Excel's
    "CSV UTF-8" writes one), and plain ``utf-8`` drops a mark instead of keeping it in the
    first column's name."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise TableError(_("unknown encoding '{encoding}'; try utf-8 or gbk").format(
            encoding=encoding)) from None
    with path.open("rb") as fh:
        if fh.read(3) == codecs.BOM_UTF8:
            return "utf-8-sig"
    return "utf-8-sig" if name == "utf-8" else encoding


class Source:
    """An opened client file: its header (None for JSON Lines) and its raw rows."""

    def __init__(self, path: Path, encoding: str = "utf-8", sheet: str | None = None) -> None:
        if not path.is_file():
            raise TableError(_("input file not found: {file}").format(file=path))
        self.path = path
        self.kind = kind(path)
        self.header: tuple[str, ...] | None = None
        self.total_rows: int | None = None
        self.size = path.stat().st_size
        self._binary: IO[bytes] | None = None
        self._closers: list[Any] = []
        self._rows: Iterator[Raw]
        self.parquet: ParquetRows | None = None
        if sheet is not None and self.kind != "xlsx":
            raise TableError(_("--sheet applies to .xlsx files only, not {file}").format(
                file=path))
        if self.kind == "parquet":
            from bigclient.tables.parquet import ParquetRows

            self.parquet = ParquetRows(path)
            self._closers.append(self.parquet)
            self.header = self.parquet.header
            self.total_rows = self.parquet.num_rows + 1  # counted as .xlsx rows: a header too
            self._rows = self.parquet.rows()
            return
        if self.kind == "xlsx":
            from bigclient.tables.xlsx import open_sheet, xlsx_rows

            wb, sheet_rows, self.total_rows = open_sheet(path, sheet)
            self._closers.append(wb)
            header, body = xlsx_rows(sheet_rows)
            if not header:
                self.close()
                raise TableError(_("{file}: the first row of the sheet is empty; it must name "
                                   "the columns").format(file=path))
            self.header = header
            self._rows = body
            return
        self.encoding = text_encoding(path, encoding)
        self._binary = path.open("rb")
        text = io.TextIOWrapper(self._binary, encoding=self.encoding, newline="")
        self._closers.append(text)
        try:
            self._rows = self._jsonl(text) if self.kind == "jsonl" else self._csv(text)
        except BaseException:
            self.close()
            raise

    def position(self) -> float | None:
        """How far reading has got, 0..1 (bytes read of the file's size), if known."""
        if self.parquet is not None:
            return self.parquet.position()
        if self._binary is None or not self.size:
            return None
        try:
            return min(1.0, self._binary.tell() / self.size)
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        for c in self._closers:
            c.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rows(self) -> Iterator[Raw]:
        """(row number, cells or object or None, error) for every non-blank row."""
        return self._rows

    # -- CSV --------------------------------------------------------------------
    def _decode_error(self, n: int, exc: UnicodeDecodeError) -> TableError:
        return TableError(_("{file}: row {n} is not {encoding} text. Excel in Chinese often "
                            "saves CSV as GBK: save it as 'CSV UTF-8', or pass --encoding "
                            "gbk").format(file=self.path, n=n, encoding=self.encoding))

    def _csv(self, text: IO[str]) -> Iterator[Raw]:
        reader = csv.reader(text, strict=True)
        try:
            header = next(reader, None)
        except UnicodeDecodeError as exc:
            raise self._decode_error(1, exc) from None
        except csv.Error as exc:
            raise TableError(_("{file}: the header row cannot be read: {reason}").format(
                file=self.path, reason=exc)) from None
        if not header:
            raise TableError(_("{file}: the file is empty; the first row must name the "
                               "columns").format(file=self.path))
        self.header = tuple(header)
        return self._csv_body(reader, len(header))

    def _ends_cleanly(self) -> bool:
        with self.path.open("rb") as fh:
            fh.seek(max(0, self.size - 1))
            return fh.read(1) in (b"\n", b"\r")

    def _csv_body(self, reader: Any, width: int) -> Iterator[Raw]:
        n = 1
        while True:
            n += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise self._decode_error(n, exc) from None
            except csv.Error as exc:
                yield n, None, self._csv_problem(n, str(exc))
                continue
            if not cells:
                continue  # a line with nothing on it
            if len(cells) != width:
                yield n, None, self._width_problem(n, cells, width)
                continue
            long = _long_cell(cells)
            if long is not None:
                yield n, None, _("row {n}: {where} holds {size:,} characters, more than "
                                 "{limit:,}").format(n=n, where=where(long),
                                                     size=len(cells[long]), limit=MAX_CELL)
                continue
            yield n, cells, ""

    def _csv_problem(self, n: int, reason: str) -> str:
        if "field limit" in reason:
            return _("row {n}: a cell is longer than {limit:,} characters").format(
                n=n, limit=MAX_CELL)
        if "unexpected end of data" in reason:
            return _("row {n}: a quote (\") opened in this row is never closed, so the rest "
                     "of the file was read as one cell; close the quote").format(n=n)
        return _("row {n}: not valid CSV ({reason})").format(n=n, reason=reason)

    def _width_problem(self, n: int, cells: Sequence[str], width: int) -> str:
        header = self.header or ()
        if len(cells) < width:
            text = _("row {n}: {found} cells, but the header has {expected}; the cells from "
                     "'{column}' on are missing").format(
                n=n, found=len(cells), expected=width, column=header[len(cells)])
            if not self._ends_cleanly():
                text += _(" (the file ends without a line break: it may have been cut off)")
            return text
        extra = next((c for c in cells[width:] if c), "")
        return _("row {n}: {found} cells, but the header has {expected}; the extra cells "
                 "start at {where} ('{value}'). A comma inside a value needs quotes").format(
            n=n, found=len(cells), expected=width, where=where(width), value=extra[:40])

    # -- JSON Lines -------------------------------------------------------------
    def _jsonl(self, text: IO[str]) -> Iterator[Raw]:
        n = 0
        while True:
            n += 1
            try:
                line = text.readline(MAX_LINE)
            except UnicodeDecodeError as exc:
                raise self._decode_error(n, exc) from None
            if not line:
                return
            if len(line) >= MAX_LINE and not line.endswith("\n"):
                while (rest := text.readline(MAX_LINE)) and not rest.endswith("\n"):
                    pass
                yield n, None, _("row {n}: the line is longer than {limit:,} characters").format(
                    n=n, limit=MAX_LINE)
                continue
            if not line.strip():
                continue
            yield n, *parse_json_line(n, line)


def _long_cell(cells: Sequence[str]) -> int | None:
    if max(map(len, cells)) <= MAX_CELL:
        return None
    for i, c in enumerate(cells):
        if isinstance(c, str) and len(c) > MAX_CELL:
            return i
    return None


class _BadNumber(ValueError):
    pass


def _number(text: str) -> Decimal | int:
    if len(text) > MAX_NUMBER:
        raise _BadNumber(_("a number with {size:,} characters (at most {limit})").format(
            size=len(text), limit=MAX_NUMBER))
    if text.lstrip("-").isdigit():
        return int(text)
    return Decimal(text)


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _BadNumber(_("the key '{key}' appears twice").format(key=key))
        out[key] = value
    return out


def parse_json_line(n: int, line: str) -> tuple[dict[str, Any] | None, str]:
    """One JSON Lines row: an object of exact numbers, or the reason it is a bad row."""
    try:
        record = json.loads(line, parse_float=_number, parse_int=_number,
                            object_pairs_hook=_unique)
    except _BadNumber as exc:
        return None, _("row {n}: {reason}").format(n=n, reason=exc)
    except json.JSONDecodeError as exc:
        return None, _("row {n}: not valid JSON ({reason} at character {pos})").format(
            n=n, reason=exc.msg, pos=exc.pos + 1)
    except RecursionError:
        return None, _("row {n}: the JSON is nested too deeply").format(n=n)
    if not isinstance(record, dict):
        return None, _("row {n}: expected a JSON object {{\"name\": value, ...}}, found "
                       "{what}").format(n=n, what=type(record).__name__)
    stack: list[tuple[Any, int]] = [(record, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str) and len(value) > MAX_CELL:
            return None, _("row {n}: a value holds {size:,} characters, more than "
                           "{limit:,}").format(n=n, size=len(value), limit=MAX_CELL)
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                return None, _("row {n}: values nested more than {depth} levels deep; a "
                               "client is an object of values and per-line tables").format(
                    n=n, depth=MAX_DEPTH)
            items = value.values() if isinstance(value, dict) else value
            stack.extend((v, depth + 1) for v in items)
    return record, ""


# -- rows for a ruleset -----------------------------------------------------------


def planned_rows(source: Source, cols: Columns, plan: Plan | None) -> Iterator[Row]:
    """The file's rows as inputs for the ruleset, by the ``checked_plan`` of its header
    (None for JSON Lines, whose rows name their own keys)."""
    return _planned(source, cols, plan)


def checked_plan(source: Source, cols: Columns) -> Plan | None:
    """The header mapped to inputs (None for JSON Lines), every column checked: a bad
    header or a Parquet column that cannot be read exactly refuses the file."""
    plan = plan_header(source.header, cols, str(source.path)) if source.header else None
    if plan is not None and source.parquet is not None:
        source.parquet.check(plan, cols)
    return plan


def _planned(source: Source, cols: Columns, plan: Plan | None) -> Iterator[Row]:
    for n, raw, error in source.rows():
        if raw is None or error:
            yield Row(n, None, error, {})
        elif isinstance(raw, dict):
            inputs, kept, error = map_keys(raw, cols)
            yield Row(n, None if error else inputs,
                      _("row {n}: {reason}").format(n=n, reason=error) if error else "", kept)
        else:
            assert plan is not None
            yield Row(n, {key: raw[i] for i, key in plan.input_at}, "",
                      {name: raw[i] for i, name in plan.kept_at})


def open_rows(path: Path, encoding: str = "utf-8", sheet: str | None = None) -> Source:
    """Open a client file (CSV, JSON Lines, .xlsx or Parquet) for reading; close it when
    done."""
    return Source(path, encoding, sheet)


def read_records(path: Path, encoding: str = "utf-8", sheet: str | None = None, *,
                 progress: Progress | None = None,
                 ) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(row, record or None, error) with every column as read, no ruleset check.

    Kept for ``bigclient diff``: malformed rows are bad rows and a duplicated column refuses
    the file, but column names are not checked against any ruleset here. ``progress`` is
    told the file's size (or an .xlsx sheet's rows) and ticked once per row; the caller
    ends it (``done``) when the rows are used.
    """
    with Source(path, encoding, sheet) as source:
        header = source.header
        if header is not None:
            plan_header(header, Columns(kept=tuple(str(h).strip() for h in header)),
                        str(path))
        if progress is not None:
            progress.size = source.size
            progress.total_rows = source.total_rows - 1 if source.total_rows else None
        for n, raw, error in source.rows():
            if progress is not None:
                progress.tick(source.position if progress.enabled else None)
            if raw is None or error:
                yield n, None, error
            elif isinstance(raw, dict):
                yield n, raw, ""
            else:
                assert header is not None
                yield n, {str(h).strip(): v for h, v in zip(header, raw, strict=True)}, ""

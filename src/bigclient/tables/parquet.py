"""Parquet in and out with pyarrow (the optional extra ``bigclient[parquet]``).

Both sides stream in record batches of :data:`BATCH` rows, so memory stays flat however
many rows a file holds: the file is read through a buffer of :data:`READ_BUFFER` bytes a
column, not pre-buffered (see there), and every :data:`WRITE_BATCH` decisions are written
as their own row group.

Reading is exact or refused before any row is decided: a money, ratio or count column may
be ``decimal128``/``decimal256`` (cast to text in Arrow, a column at a time: converting
Arrow decimals to ``Decimal`` one by one was the slowest step of every adapter we measured),
whole numbers or text; a floating-point column is refused by name, since a double cannot
hold amounts such as 0.1 and bigclient never guesses what was meant. Text and enum inputs
(region codes) must be string columns: an integer column has already lost leading zeros. A
struct column ``revenue_month {savings, …}`` is read as the flat columns
``revenue_month.savings``, …. Rows are numbered from 1, the first record of the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from bigclient.i18n import _
from bigclient.tables.columns import Columns, Plan
from bigclient.tables.errors import MAX_CELL, TableError

BATCH = 16_384
"""Rows read at a time: a batch is held as Python values (about 25 per row), so this bounds
the memory of a run whatever the file's size."""
WRITE_BATCH = 65_536
"""Decisions written at a time (one row group each)."""
READ_BUFFER = 1 << 20
"""Bytes each column reads from the file at a time. Arrow's default instead pre-buffers the
row groups into a cache it empties only when the file is closed (apache/arrow#39808): a
run's memory then grew by the file's compressed size, ~42 bytes a row."""

NUMBERS = ("money", "ratio", "integer")


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.compute
        import pyarrow.parquet
    except ImportError:
        raise TableError(_("reading and writing Parquet files needs pyarrow: pip install "
                           "'bigclient[parquet]'")) from None
    return pyarrow


def _flat(pa: Any, name: str, arr: Any) -> Iterator[tuple[str, Any]]:
    """A struct column as its dotted child columns (``revenue_month.savings``)."""
    if pa.types.is_struct(arr.type):
        for field, child in zip(arr.type, arr.flatten(), strict=True):
            yield from _flat(pa, f"{name}.{field.name}", child)
    else:
        yield name, arr


def _flat_types(pa: Any, name: str, typ: Any) -> Iterator[tuple[str, Any]]:
    if pa.types.is_struct(typ):
        for field in typ:
            yield from _flat_types(pa, f"{name}.{field.name}", field.type)
    else:
        yield name, typ


def _plain_type(pa: Any, typ: Any) -> Any:
    return typ.value_type if pa.types.is_dictionary(typ) else typ


def is_text(pa: Any, typ: Any) -> bool:
    return bool(pa.types.is_string(typ) or pa.types.is_large_string(typ)
                or getattr(pa.types, "is_string_view", lambda t: False)(typ))


def _type_problem(pa: Any, kind: str, typ: Any) -> str | None:
    """Why a column of Arrow type ``typ`` cannot feed an input of ``kind``, or None."""
    typ = _plain_type(pa, typ)
    if pa.types.is_null(typ) or is_text(pa, typ):
        return None
    t = pa.types
    if kind in NUMBERS:
        if t.is_decimal(typ) or t.is_integer(typ):
            return None
        if t.is_floating(typ):
            return _("holds floating-point numbers ({type}), which cannot hold amounts such "
                     "as 0.1 exactly; write the column as decimal128 (e.g. decimal128(18, 2)) "
                     "or as text").format(type=typ)
    elif kind in ("text", "enum"):
        if t.is_integer(typ) or t.is_floating(typ) or t.is_decimal(typ):
            return _("holds numbers ({type}), but it is text: codes such as regions lose "
                     "their leading zeros as numbers; write it as a string column").format(
                         type=typ)
    elif kind == "bool":
        if t.is_boolean(typ) or t.is_integer(typ):
            return None
    elif kind == "date" and (t.is_date(typ) or t.is_timestamp(typ)):
        return None
    return _("holds {type} values, which a {kind} input cannot take").format(type=typ,
                                                                             kind=kind)


class ParquetRows:
    """An opened Parquet file: its flattened header and its rows, a batch at a time."""

    def __init__(self, path: Path) -> None:
        pa = self._pa = _pyarrow()
        self.path = path
        try:
            self.file = pa.parquet.ParquetFile(path, pre_buffer=False,
                                               buffer_size=READ_BUFFER)
            schema = self.file.schema_arrow
        except (pa.ArrowException, OSError) as exc:
            raise TableError(_("{file} cannot be read as a Parquet file: {reason}").format(
                file=path, reason=exc)) from None
        self.types = [t for f in schema for t in _flat_types(pa, f.name, f.type)]
        self.header = tuple(name for name, _t in self.types)
        self.num_rows: int = self.file.metadata.num_rows
        self.done = 0

    def check(self, plan: Plan, cols: Columns) -> None:
        """Refuse, before any row, a column whose type cannot be read exactly."""
        problems = []
        for i, key in plan.input_at:
            name, typ = self.types[i]
            why = _type_problem(self._pa, cols.kinds.get(key, "text"), typ)
            if why is not None:
                problems.append(_("'{name}' {why}").format(name=name, why=why))
        if problems:
            raise TableError(_("{file}: the columns cannot be read exactly, no row was "
                               "decided:").format(file=self.path)
                             + "".join(f"\n  {p}" for p in problems))

    def position(self) -> float | None:
        return self.done / self.num_rows if self.num_rows else None

    def close(self) -> None:
        self.file.close()

    def _values(self, arr: Any) -> list[Any]:
        """A column as Python values: decimals as their exact text, cast in Arrow."""
        pa, pc = self._pa, self._pa.compute
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        if not pa.types.is_decimal(arr.type):
            values: list[Any] = arr.to_pylist()
            return values
        text = pc.cast(arr, pa.string())
        values = text.to_pylist()
        if pc.any(pc.match_substring(text, "E")).as_py():  # Arrow writes 0E-10, 1E-10
            values = [Decimal(v) if v is not None and "E" in v else v for v in values]
        return values

    def _long(self, arrays: Sequence[Any]) -> dict[int, int]:
        """Row offset -> column of a text cell longer than MAX_CELL, in this batch."""
        pa, pc = self._pa, self._pa.compute
        out: dict[int, int] = {}
        for j, arr in enumerate(arrays):
            if not is_text(pa, arr.type) or not len(arr):
                continue
            lengths = pc.utf8_length(arr)
            biggest = pc.max(lengths).as_py()
            if biggest is not None and biggest > MAX_CELL:
                for k, size in enumerate(lengths.to_pylist()):
                    if size is not None and size > MAX_CELL:
                        out.setdefault(k, j)
        return out

    def batches(self) -> Iterator[Any]:
        """The file's record batches of :data:`BATCH` rows, decoded in this thread: Arrow's
        decoding threads added some 45 MiB of memory and no speed (measured at 2,000,000
        rows, benchmarks/bench_parquet.py)."""
        pa = self._pa
        n = 0
        try:
            for batch in self.file.iter_batches(batch_size=BATCH, use_threads=False):
                yield batch
                n += batch.num_rows
        except (pa.ArrowException, OSError) as exc:
            raise TableError(_("{file}: the file cannot be read after row {n}: "
                               "{reason}").format(file=self.path, n=n, reason=exc)) from None

    def rows(self) -> Iterator[tuple[int, Sequence[Any] | dict[str, Any] | None, str]]:
        from bigclient.tables.columns import where

        pa = self._pa
        n = 0
        try:
            for batch in self.batches():
                arrays = [a for name, col in zip(batch.schema.names, batch.columns,
                                                 strict=True)
                          for _n, a in _flat(pa, name, col)]
                long = self._long(arrays)
                for k, cells in enumerate(zip(*(self._values(a) for a in arrays),
                                              strict=True)):
                    n += 1
                    if k in long:
                        j = long[k]
                        yield n, None, _("row {n}: {where} holds {size:,} characters, more "
                                         "than {limit:,}").format(
                            n=n, where=where(j), size=len(cells[j]), limit=MAX_CELL)
                        continue
                    yield n, cells, ""
                self.done = n
        except (pa.ArrowException, OSError) as exc:
            raise TableError(_("{file}: the file cannot be read after row {n}: "
                               "{reason}").format(file=self.path, n=n, reason=exc)) from None


def cell(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ParquetWriter:
    """Decisions as a Parquet file, a row group of :data:`WRITE_BATCH` rows at a time.
    ``row`` is int64, ``qualified`` bool, the ``decimals`` columns (the score) exact
    decimal128(38, scale); every other column is text.

    Rows come one at a time (:meth:`write`) or as Arrow columns (:meth:`write_columns`);
    either way the row groups are cut at the same rows, so the file's bytes do not depend
    on how the rows arrived."""

    def __init__(self, path: str, columns: Sequence[str],
                 decimals: Mapping[str, int] | None = None) -> None:
        pa = self._pa = _pyarrow()
        decimals = decimals or {}
        self.columns = tuple(columns)
        self.types = [pa.int64() if c == "row" else pa.bool_() if c == "qualified"
                      else pa.decimal128(38, decimals[c]) if c in decimals else pa.string()
                      for c in self.columns]
        self.schema = pa.schema(list(zip(self.columns, self.types, strict=True)))
        self._buffer: list[list[Any]] = [[] for _c in self.columns]
        self._pending: list[Any] = []  # record batches not yet written
        self._pending_rows = 0
        self._writer = pa.parquet.ParquetWriter(path, self.schema)
        self._text = [t == pa.string() for t in self.types]

    def write(self, row: Mapping[str, Any]) -> None:
        for values, column, text in zip(self._buffer, self.columns, self._text, strict=True):
            value = row.get(column)
            values.append(cell(value) if text else value)
        if len(self._buffer[0]) + self._pending_rows >= WRITE_BATCH:
            self._drain()

    def write_columns(self, columns: Mapping[str, Any], rows: int) -> None:
        """``rows`` decisions as Arrow arrays by output column (a missing column is null),
        cast to the file's types: text must already be text, as :meth:`write` makes it."""
        pa = self._pa
        self._take_rows()
        arrays = []
        for name, typ in zip(self.columns, self.types, strict=True):
            arr = columns.get(name)
            if arr is None:
                arrays.append(pa.nulls(rows, typ))
                continue
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            try:
                arrays.append(arr.cast(typ))
            except pa.ArrowInvalid as exc:
                raise _inexact(exc) from None
        self._pending.append(pa.record_batch(arrays, schema=self.schema))
        self._pending_rows += rows
        if self._pending_rows >= WRITE_BATCH:
            self._drain()

    def _take_rows(self) -> None:
        """The rows written one at a time so far, as a pending record batch."""
        if not self._buffer[0]:
            return
        pa = self._pa
        try:
            batch = pa.record_batch([pa.array(v, type=t) for v, t in
                                     zip(self._buffer, self.types, strict=True)],
                                    schema=self.schema)
        except pa.ArrowInvalid as exc:
            raise _inexact(exc) from None
        self._buffer = [[] for _c in self.columns]
        self._pending.append(batch)
        self._pending_rows += batch.num_rows

    def _drain(self, last: bool = False) -> None:
        """Write every whole row group of WRITE_BATCH pending rows (and the rest if last)."""
        self._take_rows()
        if self._pending_rows < WRITE_BATCH and not (last and self._pending_rows):
            return
        pending = self._pa.Table.from_batches(self._pending, schema=self.schema)
        if len(self._pending) > 1:
            pending = pending.combine_chunks()  # one array a column, as from a list
        self._pending, self._pending_rows = [], 0
        start = 0
        while pending.num_rows - start >= WRITE_BATCH or (last and start < pending.num_rows):
            size = min(WRITE_BATCH, pending.num_rows - start)
            self._writer.write_table(pending.slice(start, size), row_group_size=size)
            start += size
        if start < pending.num_rows:
            rest = pending.slice(start)
            self._pending, self._pending_rows = rest.to_batches(), rest.num_rows

    def close(self) -> None:
        self._drain(last=True)
        self._writer.close()

    def abort(self) -> None:
        self._writer.close()


def _inexact(exc: Exception) -> TableError:
    """A score finer than the declared step: never rounded."""
    return TableError(_("a decision cannot be written exactly to Parquet: {reason}").format(
        reason=exc))

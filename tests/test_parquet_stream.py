"""``bigclient evaluate`` streams a Parquet file: row groups read are let go, no batch is
kept, and the columnar writer cuts the same row groups, byte for byte, as the row runner."""

from __future__ import annotations

import gc
import io
import weakref
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import bigclient
from bigclient.tables import batchrun, evaluate_file, run
from bigclient.tables import parquet as parquet_module
from bigclient.tables.parquet import ParquetRows
from tests.test_parquet import CONTEXT, SHANTOU, csv_as_parquet, evaluate


def _with_bad_rows(src: Path, row_group_size: int) -> None:
    csv_as_parquet(src, row_group_size=row_group_size)
    rows = pq.read_table(src).to_pylist()
    for k in (10, 96, 97, 500):  # inside a batch, at both sides of a batch edge, later on
        rows[k]["region"] = "44"
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(src)), src,
                   row_group_size=row_group_size)


def test_columnar_output_is_the_row_runners_file_byte_for_byte(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Record batches of 97 rows, row groups of 100 decisions: every row group is cut
    across batches, and the file equals the one the row runner writes, bytes and all (kept
    columns of every type included)."""
    monkeypatch.setattr(parquet_module, "BATCH", 97)
    monkeypatch.setattr(parquet_module, "WRITE_BATCH", 100)
    src = tmp_path / "clients.parquet"
    _with_bad_rows(src, row_group_size=250)
    keep = ["--keep", "agreement_signed", "--keep", "revenue_month.savings",
            "--keep", "newspapers_commission_rate"]
    calls: list[int] = []
    real = batchrun.evaluate_batches

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(run, "evaluate_batches", counted)
    assert evaluate(src, tmp_path / "batch.parquet", *keep) == 1
    monkeypatch.setattr(run, "batch_ready", lambda *a: False)
    assert evaluate(src, tmp_path / "rows.parquet", *keep) == 1
    assert calls == [1]  # the first run took the columnar path, the second did not
    written = (tmp_path / "batch.parquet").read_bytes()
    assert written == (tmp_path / "rows.parquet").read_bytes()
    meta = pq.ParquetFile(tmp_path / "batch.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [100] * 10
    out = pq.read_table(tmp_path / "batch.parquet")
    assert [r for r, e in zip(out.column("row").to_pylist(), out.column("error").to_pylist(),
                              strict=True) if e] == [11, 97, 98, 501]
    assert set(out.column("agreement_signed").to_pylist()) == {"true", "false"}


def test_no_batch_outlives_its_turn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When a batch is decided, the tables and results of the batches before the previous
    one are gone: nothing collects them (a list of results would grow with the file)."""
    monkeypatch.setattr(parquet_module, "BATCH", 50)
    src = tmp_path / "clients.parquet"
    csv_as_parquet(src, row_group_size=200)
    rs = bigclient.load(SHANTOU)
    seen: list[weakref.ref[Any]] = []
    alive: list[int] = []
    real = rs.evaluate_table

    def watched(table: Any, *args: Any, **kwargs: Any) -> Any:
        gc.collect()
        alive.append(sum(r() is not None for r in seen[:-2]))
        result = real(table, *args, **kwargs)
        seen.extend((weakref.ref(table), weakref.ref(result)))
        return result

    monkeypatch.setattr(rs, "evaluate_table", watched)
    assert evaluate_file(rs, src, tmp_path / "out.parquet", rs.read_context(CONTEXT),
                         err=io.StringIO()) == 0
    assert len(alive) == 20 and not any(alive)


def _held_while_reading(path: Path) -> int:
    """The most bytes Arrow itself holds (its own count, not the process's memory) while
    the file is read a batch at a time, above what it held before."""
    before = pa.total_allocated_bytes()
    rows = ParquetRows(path)
    most = 0
    try:
        for batch in rows.batches():
            del batch
            most = max(most, pa.total_allocated_bytes() - before)
    finally:
        rows.close()
    return most


def test_reading_holds_no_more_of_a_longer_file(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading 120 row groups holds what reading 60 holds. Arrow's default pre-buffering
    kept every row group read until the file was closed (apache/arrow#39808): ~42 bytes a
    row, 400 MiB over 10,000,000 clients."""
    monkeypatch.setattr(parquet_module, "BATCH", 1000)
    one = tmp_path / "one.parquet"
    csv_as_parquet(one, row_group_size=1000)
    clients = pq.read_table(one)
    short, long = tmp_path / "short.parquet", tmp_path / "long.parquet"
    pq.write_table(pa.concat_tables([clients] * 60), short, row_group_size=1000)
    pq.write_table(pa.concat_tables([clients] * 120), long, row_group_size=1000)
    group = pq.ParquetFile(short).metadata.row_group(0).total_byte_size
    del clients
    assert _held_while_reading(long) - _held_while_reading(short) < group


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_counts_the_rows_of_a_batch(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parquet_module, "BATCH", 97)
    src = tmp_path / "clients.parquet"
    csv_as_parquet(src)
    rs = bigclient.load(SHANTOU)
    screen = _Terminal()
    assert evaluate_file(rs, src, tmp_path / "out.parquet", rs.read_context(CONTEXT),
                         err=screen) == 0
    assert "| 1,000 of 1,000 rows, about" in screen.getvalue()  # not 11 (batches) of 1,000

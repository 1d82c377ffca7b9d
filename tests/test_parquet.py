"""Parquet in ``bigclient evaluate``: exact columns or a refused file, bad rows by number,
and the same decisions as CSV and as ``Ruleset.evaluate``."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bigclient
from bigclient.cli import main
from bigclient.tables import parquet as parquet_module
from tests.conftest import ROOT, RULESETS

SHANTOU = str(RULESETS / "shantou-postal" / "1.0.0.yaml")
CLIENTS = ROOT / "examples" / "clients.csv"
CTX = ["--set", "bureau_revenue=2亿"]
CONTEXT = {"bureau_revenue": "2亿"}
MONEY = pa.decimal128(18, 2)


def evaluate(src: Path, out: Path, *extra: str) -> int:
    return main(["evaluate", SHANTOU, str(src), "-o", str(out), *CTX, *extra])


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def csv_as_parquet(dst: Path, row_group_size: int = 1000) -> None:
    """examples/clients.csv as a warehouse exports it: decimal money, bool flags, text."""
    with CLIENTS.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    columns: dict[str, Any] = {}
    for name in rows[0]:
        values = [r[name] or None for r in rows]
        if name in ("agreement_signed", "credit_warning"):
            columns[name] = pa.array([v == "true" for v in values])
        elif name.startswith(("revenue", "newspapers")):
            columns[name] = pa.array(values, pa.string()).cast(pa.decimal128(12, 2 if
                                     name != "newspapers_commission_rate" else 4))
        else:
            columns[name] = pa.array(values, pa.string())
    pq.write_table(pa.table(columns), dst, row_group_size=row_group_size)


def table(path: Path, **columns: Any) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


# -- the same decisions as CSV, every mix of formats ---------------------------------------


def test_parquet_in_decides_as_csv_in(tmp_path: Path) -> None:
    src = tmp_path / "clients.parquet"
    csv_as_parquet(src, row_group_size=97)  # many row groups: batches do not change rows
    assert evaluate(CLIENTS, tmp_path / "a.jsonl") == 0
    assert evaluate(src, tmp_path / "b.jsonl") == 0
    a, b = jsonl(tmp_path / "a.jsonl"), jsonl(tmp_path / "b.jsonl")
    assert len(a) == len(b) == 1000
    assert [r["row"] for r in b] == list(range(1, 1001))  # a Parquet file has no header row
    for x, y in zip(a, b, strict=True):
        assert {**x, "row": 0} == {**y, "row": 0}


@pytest.mark.parametrize(("into", "out"), [("parquet", "parquet"), ("parquet", "csv"),
                                           ("csv", "parquet"), ("parquet", "xlsx")])
def test_every_mix_of_formats_gives_the_same_table(tmp_path: Path, into: str,
                                                   out: str) -> None:
    src = CLIENTS if into == "csv" else tmp_path / "clients.parquet"
    if into == "parquet":
        csv_as_parquet(src)
    assert evaluate(CLIENTS, tmp_path / "reference.csv") == 0
    dst = tmp_path / f"decisions.{out}"
    assert evaluate(src, dst) == 0
    with (tmp_path / "reference.csv").open(encoding="utf-8") as fh:
        reference = [{k: v for k, v in r.items() if k != "row"} for r in csv.DictReader(fh)]
    if out == "parquet":
        got_table = pq.read_table(dst)
        assert got_table.schema.field("score").type == pa.decimal128(38, 2)
        assert got_table.schema.field("row").type == pa.int64()
        assert got_table.schema.field("qualified").type == pa.bool_()
        got = [{k: "" if v is None else ("true" if v is True else "false" if v is False
                                         else str(v)) for k, v in r.items() if k != "row"}
               for r in got_table.to_pylist()]
    elif out == "xlsx":
        import openpyxl

        ws = openpyxl.load_workbook(dst, read_only=True).worksheets[0]
        values = list(ws.iter_rows(values_only=True))
        head = list(values[0])
        got = [{k: "" if v is None else ("true" if v is True else "false" if v is False
                                         else str(v))
                for k, v in zip(head, (*r, *[None] * (len(head) - len(r))), strict=True)
                if k != "row"} for r in values[1:]]
        reference = [{**r, "score": Decimal(r["score"])} for r in reference]
        got = [{**r, "score": Decimal(r["score"])} for r in got]
    else:
        with dst.open(encoding="utf-8") as fh:
            got = [{k: v for k, v in r.items() if k != "row"} for r in csv.DictReader(fh)]
    assert got == reference


def test_scores_are_written_exactly_as_decimals(tmp_path: Path) -> None:
    src = tmp_path / "clients.parquet"
    csv_as_parquet(src)
    assert evaluate(src, tmp_path / "d.parquet") == 0
    assert evaluate(src, tmp_path / "d.jsonl") == 0
    scores = pq.read_table(tmp_path / "d.parquet").column("score").to_pylist()
    assert scores == [Decimal(r["score"]) for r in jsonl(tmp_path / "d.jsonl")]
    assert all(isinstance(s, Decimal) and s.as_tuple().exponent == -2 for s in scores)


def test_batches_number_rows_across_their_edges(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parquet_module, "BATCH", 7)
    src = table(tmp_path / "in.parquet",
                region=pa.array(["440507"] * 20 + ["44"] + ["440507"] * 9),
                agreement_signed=pa.array([True] * 30))
    assert evaluate(src, tmp_path / "d.parquet") == 1
    out = pq.read_table(tmp_path / "d.parquet").to_pylist()
    assert [r["row"] for r in out] == list(range(1, 31))
    assert [r["row"] for r in out if r["error"]] == [21]
    assert all(r["tier"] == "general" for r in out if not r["error"])


# -- exact columns, or a refused file -----------------------------------------------------

THRESHOLDS = [Decimal("20000"), Decimal("2000"), Decimal("1000"), Decimal("10000")]


def _boundary(draw: st.DrawFn) -> Decimal:
    edge = draw(st.sampled_from(THRESHOLDS))
    return edge + Decimal(draw(st.integers(-2, 2))) / 100


amounts = st.one_of(st.integers(0, 10**12).map(lambda c: Decimal(c) / 100),
                    st.composite(_boundary)())
clients = st.lists(st.fixed_dictionaries({
    "region": st.sampled_from(["440507", "440511", "440523"]),
    "agreement_signed": st.booleans(),
    "revenue_prev_year.savings": amounts,
    "revenue_month.savings": amounts,
    "revenue_month.letters": amounts,
}), min_size=1, max_size=25)


def _as_column(values: list[Decimal], how: str) -> Any:
    if how == "decimal128":
        return pa.array(values, pa.decimal128(38, 2))
    if how == "decimal256":
        return pa.array(values, pa.decimal256(60, 10))
    if how == "int64":
        return pa.array([int(v) for v in values], pa.int64())
    return pa.array([str(v) for v in values], pa.string())


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=clients, how=st.sampled_from(["decimal128", "decimal256", "string", "int64"]))
def test_money_columns_are_read_exactly(tmp_path_factory: pytest.TempPathFactory,
                                        shantou: bigclient.Ruleset,
                                        rows: list[dict[str, Any]], how: str) -> None:
    tmp = tmp_path_factory.mktemp("exact")
    if how == "int64":  # whole yuan in an integer column
        rows = [{k: v.to_integral_value() if isinstance(v, Decimal) else v
                 for k, v in r.items()} for r in rows]
    columns = {k: (_as_column([r[k] for r in rows], how) if k.startswith("revenue")
                   else pa.array([r[k] for r in rows])) for k in rows[0]}
    src = table(tmp / "in.parquet", **columns)
    assert evaluate(src, tmp / "out.jsonl") == 0
    got = jsonl(tmp / "out.jsonl")
    for row, line in zip(rows, got, strict=True):
        expected = shantou.evaluate(row, CONTEXT).to_dict()
        assert {k: v for k, v in line.items() if k != "row"} == expected


def test_decimals_at_the_limits_of_their_types(tmp_path: Path,
                                               shantou: bigclient.Ruleset) -> None:
    huge = Decimal("9999999999999999.99")  # the largest decimal128(18, 2)
    tiny = Decimal("0.0000000001")
    src = table(tmp_path / "in.parquet",
                region=pa.array(["440507", "440507", "440507", "440507"]),
                **{"revenue_prev_year.savings": pa.array(
                    [huge, -huge, tiny, Decimal("19999.9999999999")], pa.decimal128(38, 10)),
                   "revenue_month.savings": pa.array([Decimal("2E+3")] * 4,
                                                     pa.decimal128(5, 0))})
    evaluate(src, tmp_path / "out.jsonl")
    got = jsonl(tmp_path / "out.jsonl")
    values = [huge, -huge, tiny, Decimal("19999.9999999999")]
    for value, line in zip(values, got, strict=True):
        client = {"region": "440507", "revenue_prev_year": {"savings": value},
                  "revenue_month": {"savings": Decimal("2000")}}
        try:
            expected: dict[str, Any] = shantou.evaluate(client, CONTEXT).to_dict()
        except bigclient.InputError as exc:
            assert exc.message in line["error"] and line["row"] == 2
            continue
        assert {k: v for k, v in line.items() if k != "row"} == expected
    assert got[3]["criteria"] == [] or "specialty:savings" not in got[3]["criteria"]


@pytest.mark.parametrize("kind", [pa.float64(), pa.float32()])
def test_a_float_money_column_is_refused_by_name(tmp_path: Path, kind: Any,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    src = table(tmp_path / "in.parquet", region=pa.array(["440507"]),
                **{"revenue_month.savings": pa.array([0.1], kind),
                   "newspapers_commission_rate": pa.array([0.12], kind)})
    out = tmp_path / "out.parquet"
    assert evaluate(src, out) == 2
    err = capsys.readouterr().err
    assert "'revenue_month.savings' holds floating-point numbers" in err
    assert "'newspapers_commission_rate' holds floating-point numbers" in err
    assert "no row was decided" in err and "decimal128" in err
    assert not out.exists()


def test_a_numeric_region_column_is_refused(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    src = table(tmp_path / "in.parquet", region=pa.array([440507], pa.int64()))
    assert evaluate(src, tmp_path / "out.csv") == 2
    err = capsys.readouterr().err
    assert "'region' holds numbers (int64)" in err and "leading zeros" in err


def test_text_region_codes_keep_their_leading_zeros(tmp_path: Path) -> None:
    from bigclient.tables import read_records

    src = table(tmp_path / "in.parquet", region=pa.array(["012345", "440507"]),
                agreement_signed=pa.array([True, True]))
    assert [r for _n, r, _e in read_records(src)] == [
        {"region": "012345", "agreement_signed": True},
        {"region": "440507", "agreement_signed": True}]
    assert evaluate(src, tmp_path / "out.jsonl") == 0


# -- bad rows by number; structs, dictionaries, nulls --------------------------------------


def test_bad_rows_are_reported_with_their_numbers(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    src = table(tmp_path / "in.parquet",
                client_id=pa.array(["A", "B", "C", "D", "E"]),
                region=pa.array(["440507", "440507", "9999", "440507", None]),
                **{"revenue_month.savings": pa.array(["100", "12%", "1", "2万", "1"])})
    out = tmp_path / "out.parquet"
    assert evaluate(src, out) == 1
    err = capsys.readouterr().err
    assert "row 2:" in err and "row 3:" in err and "row 5:" in err
    assert "3 rows had errors" in err
    rows = pq.read_table(out).to_pylist()
    assert [(r["row"], r["client_id"], bool(r["error"])) for r in rows] == [
        (1, "A", False), (2, "B", True), (3, "C", True), (4, "D", False), (5, "E", True)]
    assert rows[1]["qualified"] is None and rows[1]["score"] is None
    assert "is required but missing" in rows[4]["error"]


def test_a_struct_column_is_read_as_its_lines(tmp_path: Path) -> None:
    month = pa.StructArray.from_arrays(
        [pa.array([Decimal("2000.00"), Decimal("1999.99")], MONEY),
         pa.array([None, Decimal("5")], MONEY)], names=["savings", "letters"])
    src = table(tmp_path / "in.parquet", region=pa.array(["440507", "440507"]),
                revenue_month=month,
                **{"revenue_prev_year.savings": pa.array([Decimal("20000")] * 2, MONEY)})
    assert evaluate(src, tmp_path / "out.jsonl") == 0
    first, second = jsonl(tmp_path / "out.jsonl")
    assert "specialty:savings" in first["criteria"]
    assert "specialty:savings" not in second["criteria"]


def test_a_float_inside_a_struct_is_refused_too(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    month = pa.StructArray.from_arrays([pa.array([0.1])], names=["savings"])
    src = table(tmp_path / "in.parquet", region=pa.array(["440507"]), revenue_month=month)
    assert evaluate(src, tmp_path / "out.jsonl") == 2
    assert "'revenue_month.savings' holds floating-point numbers" in capsys.readouterr().err


def test_dictionary_text_and_unknown_columns(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    src = table(tmp_path / "in.parquet",
                region=pa.array(["440507", "440511"]).dictionary_encode(),
                scope=pa.array(["regional", None]).dictionary_encode())
    assert evaluate(src, tmp_path / "out.jsonl") == 0
    bad = table(tmp_path / "bad.parquet", region=pa.array(["440507"]),
                regoin=pa.array(["440507"]))
    assert evaluate(bad, tmp_path / "bad.jsonl") == 2
    assert "did you mean 'region'?" in capsys.readouterr().err


def test_a_long_text_cell_is_a_bad_row(tmp_path: Path) -> None:
    src = table(tmp_path / "in.parquet", region=pa.array(["440507", "4" * 20_000]))
    assert evaluate(src, tmp_path / "out.jsonl") == 1
    good, bad = jsonl(tmp_path / "out.jsonl")
    assert "error" not in good and good["row"] == 1
    assert bad["row"] == 2 and "20,000 characters" in bad["error"]


def test_not_a_parquet_file_is_refused_plainly(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.parquet"
    src.write_text("region\n440507\n", encoding="utf-8")
    assert evaluate(src, tmp_path / "out.csv") == 2
    assert "cannot be read as a Parquet file" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("out", ["csv", "parquet"])
def test_the_columnar_path_writes_what_the_row_path_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, out: str) -> None:
    """A Parquet file under the ruleset's own column names is decided a batch at a time by
    evaluate_table; the file written is the row-by-row runner's, bad rows included."""
    from bigclient.tables import batchrun, run

    monkeypatch.setattr(parquet_module, "BATCH", 97)  # many batches: rows numbered across
    src = tmp_path / "clients.parquet"
    csv_as_parquet(src, row_group_size=250)
    rows = pq.read_table(src).to_pylist()
    rows[10]["region"] = "44"  # a bad row in the middle of a batch
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(src)), src)
    calls: list[int] = []
    real = batchrun.evaluate_batches

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(run, "evaluate_batches", counted)
    assert evaluate(src, tmp_path / f"batch.{out}") == 1
    assert calls == [1]
    monkeypatch.setattr(run, "batch_ready", lambda *a: False)
    assert evaluate(src, tmp_path / f"rows.{out}") == 1
    assert calls == [1]
    if out == "csv":
        assert (tmp_path / "batch.csv").read_bytes() == (tmp_path / "rows.csv").read_bytes()
    else:
        a = pq.read_table(tmp_path / "batch.parquet")
        b = pq.read_table(tmp_path / "rows.parquet")
        assert a.schema == b.schema and a.to_pylist() == b.to_pylist()

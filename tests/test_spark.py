"""bigclient.spark on a real local Spark (local[2]): the same decisions as one process.

One Spark session serves the module (starting one costs seconds); batches are kept small so
every task runs several Arrow batches through one compiled ruleset.
"""

from __future__ import annotations

import csv
import functools
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from pyspark.errors import PythonException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

import bigclient
import bigclient.spark as bs
from bigclient.tables.errors import TableError
from bigclient.tables.run import route_cells

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

import generate  # noqa: E402
import spark_job  # noqa: E402

SHANTOU = ROOT / "rulesets" / "shantou-postal" / "1.0.0.yaml"
CONTEXT = {"bureau_revenue": "2亿"}
COMPARED = ("qualified", "criteria", "score", "computed_tier", "tier", "flags", "unit",
            "support")


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    before = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers run this interpreter (bigclient)
    session = (SparkSession.builder.master("local[2]").appName("bigclient-tests")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.default.parallelism", "2")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.execution.arrow.maxRecordsPerBatch", "64")
               .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    if before is None:
        os.environ.pop("PYSPARK_PYTHON", None)
    else:
        os.environ["PYSPARK_PYTHON"] = before


@pytest.fixture(scope="module")
def clients_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark") / "clients.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        generate.write(out, 400, 2011)
    return path


def single_process(rs: bigclient.Ruleset, path: Path) -> dict[str, dict[str, Any]]:
    """What one process decides for each client of a CSV file, keyed by client_id."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for d in rs.evaluate_many(rows, CONTEXT):
        out[d.identity["client_id"]] = {
            "qualified": d.qualified, "criteria": ";".join(d.criteria), "score": d.score,
            "computed_tier": d.computed_tier, "tier": d.tier, "flags": ";".join(d.flags),
            **route_cells(d)}
    return out


def text_schema(columns: list[str]) -> T.StructType:
    """Every column read as text: what ``bigclient evaluate`` reads from a CSV file."""
    return T.StructType([T.StructField(c, T.StringType()) for c in columns])


def by_client(df: DataFrame) -> dict[str, dict[str, Any]]:
    return {r["client_id"]: r.asDict() for r in df.collect()}


def test_csv_with_explicit_schema_decides_as_one_process(spark: SparkSession,
                                                         shantou: bigclient.Ruleset,
                                                         clients_csv: Path) -> None:
    df = spark.read.csv(str(clients_csv), header=True, enforceSchema=False,
                        schema=text_schema(generate.columns())).repartition(3)
    got = by_client(bs.evaluate(df, shantou, CONTEXT))
    want = single_process(shantou, clients_csv)
    assert len(got) == len(want) == 400
    for cid, expected in want.items():
        row = got[cid]
        assert {k: row[k] for k in COMPARED} == expected, cid
        assert isinstance(row["score"], Decimal)
    tiers = {row["tier"] for row in got.values()}
    assert {None, "general", "silver"} <= tiers  # not a run where every client is the same
    assert any(r["unit"] and r["unit"] != "branch_office" for r in got.values())


def typed_frame(spark: SparkSession, rows: list[dict[str, str]], columns: list[str]
                ) -> DataFrame:
    """The generated clients as a typed table would hold them: decimals and booleans."""
    def spark_type(name: str) -> T.DataType:
        if name in ("agreement_signed", "credit_warning"):
            return T.BooleanType()
        if name == "newspapers_commission_rate":
            return T.DecimalType(9, 4)
        if "revenue" in name or "turnover" in name:
            return T.DecimalType(18, 2)
        return T.StringType()

    schema = T.StructType([T.StructField(c, spark_type(c)) for c in columns])

    def cell(name: str, value: str | None) -> Any:
        if value is None or value == "":
            return None
        kind = schema[name].dataType
        if isinstance(kind, T.BooleanType):
            return value == "true"
        return Decimal(value) if isinstance(kind, T.DecimalType) else value

    data = [tuple(cell(c, r.get(c)) for c in columns) for r in rows]
    return spark.createDataFrame(data, schema)


def test_typed_frame_with_chinese_labels_and_dotted_columns_round_trip(
        spark: SparkSession, shantou: bigclient.Ruleset, clients_csv: Path) -> None:
    rows = list(generate.clients(400, 2011))
    columns = generate.columns()
    df = typed_frame(spark, rows, columns)
    # A province's export may head a per-line column with the Chinese labels instead.
    zh = {line: label.zh for line, label in shantou.spec.lines.items()}
    labelled = [f"当月各业务收入.{zh[c.partition('.')[2]]}" if c.startswith("revenue_month.")
                else c for c in columns]
    df = df.toDF(*labelled)
    kept = ["当月各业务收入.储汇", "revenue_prev_year.savings"]
    out = bs.evaluate(df, shantou, CONTEXT, keep=kept)
    assert out.columns[:4] == ["client_id", "name", *kept]
    got = by_client(out)
    want = single_process(shantou, clients_csv)
    for r in rows:
        row = got[r["client_id"]]
        assert {k: row[k] for k in COMPARED} == want[r["client_id"]]
        for name, source in zip(kept, ("revenue_month.savings", "revenue_prev_year.savings"),
                                strict=True):
            value = r.get(source)
            assert row[name] == (Decimal(value) if value else None)  # the dotted name is back


def bad_rows(spark: SparkSession) -> DataFrame:
    rows = list(generate.clients(6, 3))
    rows[1]["region"] = "4405"
    rows[3]["revenue_month.savings"] = "-12.50"
    rows[4]["newspapers_commission_rate"] = "lots"
    columns = generate.columns()
    return spark.createDataFrame([tuple(r.get(c) for c in columns) for r in rows],
                                 text_schema(columns))


def test_collect_turns_a_bad_row_into_an_error_naming_the_value(
        spark: SparkSession, shantou: bigclient.Ruleset) -> None:
    out = bs.evaluate(bad_rows(spark), shantou, CONTEXT, errors="collect")
    assert out.columns == bs.output_columns(shantou, errors="collect")
    assert out.columns[-1] == "error" and "unit" in out.columns
    got = by_client(out)
    errors = {cid: r["error"] for cid, r in got.items()}
    assert "region" in errors["C00002"] and "'4405'" in errors["C00002"]
    # The reader names the line of a per-line table, and shows the table (as one process does).
    assert "'revenue_month': line 'savings': must be at least 0" in errors["C00004"]
    assert "newspapers_commission_rate" in errors["C00005"] and "'lots'" in errors["C00005"]
    for cid in ("C00001", "C00003", "C00006"):
        assert errors[cid] is None
        assert got[cid]["score"] is not None
    assert got["C00002"]["qualified"] is None and got["C00002"]["name"]  # identity kept


def test_raise_fails_the_job_naming_the_value_and_the_client(
        spark: SparkSession, shantou: bigclient.Ruleset) -> None:
    df = bad_rows(spark).where("client_id = 'C00002'")
    with pytest.raises(PythonException) as info:
        bs.evaluate(df, shantou, CONTEXT).collect()
    message = str(info.value)
    assert "InputError" in message and "'4405'" in message and "C00002" in message


def test_inferred_numeric_types_are_refused_before_any_task(
        spark: SparkSession, shantou: bigclient.Ruleset) -> None:
    schema = T.StructType([T.StructField("client_id", T.StringType()),
                           T.StructField("region", T.IntegerType()),
                           T.StructField("revenue_month.savings", T.DoubleType()),
                           T.StructField("revenue_prev_year.savings", T.DecimalType(18, 2))])
    df = spark.createDataFrame([], schema)
    with pytest.raises(TableError) as info:
        bs.evaluate(df, shantou, CONTEXT)
    message = str(info.value)
    assert "'region' is int" in message and "'revenue_month.savings' is double" in message
    assert "revenue_prev_year" not in message  # a decimal is exact: accepted


def test_unknown_columns_and_wrong_context_are_refused_on_the_driver(
        spark: SparkSession, shantou: bigclient.Ruleset) -> None:
    df = spark.createDataFrame([], text_schema(["client_id", "regoin", "revenue_month.savngs"]))
    with pytest.raises(TableError) as info:
        bs.evaluate(df, shantou, CONTEXT)
    assert "region" in str(info.value) and "savings" in str(info.value)
    ok = spark.createDataFrame([], text_schema(["client_id", "region"]))
    with pytest.raises(TableError, match="not_there"):
        bs.evaluate(ok, shantou, CONTEXT, keep=["not_there"])
    with pytest.raises(bigclient.InputError, match="bureau_revenue"):
        bs.evaluate(ok, shantou, {"bureau_revenue": "a lot"})
    with pytest.raises(ValueError, match="collect"):
        bs.evaluate(ok, shantou, CONTEXT, errors="ignore")  # type: ignore[arg-type]


def test_workers_get_the_ruleset_text_not_a_pickled_ruleset(
        spark: SparkSession, shantou: bigclient.Ruleset) -> None:
    df = spark.createDataFrame([], text_schema(["client_id", "region"]))
    job = bs.job_for(df, shantou, CONTEXT)
    assert job.text == SHANTOU.read_text(encoding="utf-8")
    from pyspark import cloudpickle

    sent = cloudpickle.dumps(functools.partial(bs.score_batches, job))
    assert b"bigclient.ruleset" not in sent and b"Ruleset" not in sent
    assert len(sent) < len(job.text.encode()) + 4000
    rs = bs.compiled(job.text, job.file)
    assert bs.compiled(job.text, "other-name.yaml") is rs  # once per process, by the text
    assert pickle.loads(pickle.dumps(job)) == job


def test_score_batches_in_process_matches_evaluate_many(shantou: bigclient.Ruleset) -> None:
    """The worker function on plain Arrow batches (no Spark): decimals, nulls, an empty
    batch and a batch of several rows give what evaluate_many gives."""
    rows = list(generate.clients(50, 9))
    columns = generate.columns()
    types = {c: pa.decimal128(18, 2) if "revenue" in c or "turnover" in c else pa.string()
             for c in columns}
    types["newspapers_commission_rate"] = pa.decimal128(9, 4)
    safe = [bs.SAFE.format(i) for i in range(len(columns))]
    table = pa.table({s: pa.array([Decimal(r[c]) if r.get(c) and types[c] != pa.string()
                                   else r.get(c) for r in rows], type=types[c])
                      for s, c in zip(safe, columns, strict=True)})
    job = bs.Job(text=shantou.source.text, file=shantou.file, context=CONTEXT,
                 inputs=tuple((s, c) for s, c in zip(safe, columns, strict=True)
                              if c not in ("client_id", "name")),
                 kept=((safe[0], "client_id"),), errors="raise", routed=True, score_scale=2)
    batches = [pa.RecordBatch.from_pylist([], schema=table.schema),
               *table.to_batches(max_chunksize=16)]
    out = pa.Table.from_batches(list(bs.score_batches(job, batches)))
    assert out.num_rows == 50
    assert out.schema.field("score").type == pa.decimal128(38, 2)
    decisions = list(shantou.evaluate_many(rows, CONTEXT))
    assert out.column("tier").to_pylist() == [d.tier for d in decisions]
    assert out.column("score").to_pylist() == [d.score for d in decisions]
    assert out.column(safe[0]).to_pylist() == [r["client_id"] for r in rows]


def test_score_keeps_the_declared_step(shantou: bigclient.Ruleset) -> None:
    """A ruleset scoring in steps of 0.5 gets decimal(38, 1) scores, equal to one process
    (Shantou's weights give whole-number scores, so only the scale shows here)."""
    rs = bigclient.load_text(shantou.source.text.replace("score: 0.01", "score: 0.5", 1),
                             "half-points.yaml")
    rows = list(generate.clients(30, 4))
    columns = [c for c in generate.columns() if c not in ("client_id", "name")]
    job = bs.Job(text=rs.source.text, file=rs.file, context=CONTEXT,
                 inputs=tuple((c, c) for c in columns), kept=(), errors="collect",
                 routed=True, score_scale=bs._scale(rs))
    batch = pa.RecordBatch.from_pylist([{c: r.get(c) for c in columns} for r in rows],
                                       schema=pa.schema([(c, pa.string()) for c in columns]))
    out = pa.Table.from_batches(list(bs.score_batches(job, [batch])))
    assert out.schema.field("score").type == pa.decimal128(38, 1)
    scores = [d.score for d in rs.evaluate_many(rows, CONTEXT)]
    assert out.column("score").to_pylist() == scores
    assert all(str(s).endswith(".0") for s in out.column("score").to_pylist())  # one place


def test_example_job_writes_decisions(spark: SparkSession, shantou: bigclient.Ruleset,
                                      clients_csv: Path, tmp_path: Path) -> None:
    """examples/spark_job.py as docs/howto/spark.md runs it, in this test's session."""
    out = tmp_path / "decisions.parquet"
    code = spark_job.main(["--ruleset", str(SHANTOU), "--set", "bureau_revenue=2亿",
                           "--input", str(clients_csv), "--output", str(out),
                           "--errors", "collect"], spark=spark)
    assert code == 0
    written = {r["client_id"]: r.asDict() for r in spark.read.parquet(str(out)).collect()}
    want = single_process(shantou, clients_csv)
    assert len(written) == len(want)
    for cid, expected in want.items():
        assert {k: written[cid][k] for k in COMPARED} == expected
        assert written[cid]["error"] is None


def test_import_bigclient_does_not_import_spark_or_arrow() -> None:
    code = ("import sys, bigclient, bigclient.spark; "
            "print(sorted(m for m in ('pyspark', 'pyarrow', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("errors", ["raise", "collect"])
def test_the_worker_columnar_path_equals_its_row_loop(shantou: bigclient.Ruleset,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       errors: str) -> None:
    """A batch decided by evaluate_table gives, column for column, what the worker's row
    loop gives (';'-joined criteria and flags, '' for no unit, exact scores); a batch with
    a bad row goes to the row loop, so its error reads as before."""
    rows = list(generate.clients(120, 4))
    columns = generate.columns()
    types = {c: pa.decimal128(18, 2) if "revenue" in c or "turnover" in c else pa.string()
             for c in columns}
    types["newspapers_commission_rate"] = pa.decimal128(9, 4)
    if errors == "collect":
        rows[70]["scope"] = "global"  # one bad row: its batch takes the row loop
    safe = [bs.SAFE.format(i) for i in range(len(columns))]
    table = pa.table({s: pa.array([Decimal(r[c]) if r.get(c) and types[c] != pa.string()
                                   else r.get(c) for r in rows], type=types[c])
                      for s, c in zip(safe, columns, strict=True)})
    job = bs.Job(text=shantou.source.text, file=shantou.file, context=CONTEXT,
                 inputs=tuple((s, c) for s, c in zip(safe, columns, strict=True)
                              if c not in ("client_id", "name")),
                 kept=((safe[0], "client_id"),), errors=errors,  # type: ignore[arg-type]
                 routed=True, score_scale=2)
    batches = table.to_batches(max_chunksize=32)
    taken: list[bool] = []
    columnar_path = bs._columnar

    def counted(*args: Any) -> Any:
        got = columnar_path(*args)
        taken.append(got is not None)
        return got

    monkeypatch.setattr(bs, "_columnar", counted)
    columnar = pa.Table.from_batches(list(bs.score_batches(job, batches)))
    assert taken == [True, True, errors == "raise", True]  # row 70 is in the third batch
    monkeypatch.setattr(bs, "_columnar", lambda *a: None)
    row_loop = pa.Table.from_batches(list(bs.score_batches(job, batches)))
    assert columnar.equals(row_loop)
    if errors == "collect":
        assert columnar.column("error").null_count == len(rows) - 1

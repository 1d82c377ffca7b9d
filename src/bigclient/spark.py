"""Score a Spark DataFrame with a ruleset, where the data lives (``pip install bigclient[spark]``).

    import bigclient.spark
    decisions = bigclient.spark.evaluate(clients_df, "rulesets/shantou-postal/1.0.0.yaml",
                                         {"bureau_revenue": "2亿"}, errors="collect")

Why it is built this way:

- **The ruleset travels as its YAML text**, never as a pickled ``Ruleset``: each Python worker
  compiles it once (a per-process cache keyed by the SHA-256 of the text) and reuses it for
  every batch and task it runs. Workers then depend on the driver for 15 KB of text, not on
  the driver's pickles; they only need bigclient installed.
- **Every row is decided by** :meth:`bigclient.Ruleset.decide`, the single-process path, so a
  decision is the same whether it came from ``bigclient evaluate``, ``rs.evaluate_many`` or
  Spark. Rows go through ``mapInArrow`` in Arrow batches; decimals are cast to text in Arrow
  first (exact, and faster than making ``Decimal`` objects one by one).
- **Columns are those of a client file**: an input's name or Chinese label, and per-line
  money as flat ``revenue_month.savings`` columns. ``mapInArrow`` refuses column names with
  a dot, so every column is renamed to a plain name on the way in and its own name is put
  back on the way out; nothing of this shows to the caller.
- **Types are checked on the driver before any task runs**: CSV schema inference reads a
  region ``001234`` as the integer 1234 and money as double. A text input in a numeric column,
  or money in a float column, refuses the DataFrame, naming the column (give Spark a schema).

The output has the kept (identity) columns, then ``qualified, criteria, score,
computed_tier, tier, flags`` and, when the ruleset routes, ``unit, support`` — as the CSV of
``bigclient evaluate`` has them — and with ``errors="collect"`` an ``error`` column. ``score``
is a decimal at the ruleset's score step, never a double.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bigclient.errors import EvaluationError, InputError
from bigclient.i18n import _
from bigclient.loading import load, load_text
from bigclient.records import ErrorMode, as_mapping
from bigclient.ruleset import Ruleset
from bigclient.tables.columns import declared_identity, known_columns, plan_header
from bigclient.tables.errors import TableError
from bigclient.tables.run import DECISION_COLUMNS, ROUTE_COLUMNS, route_cells

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame
    from pyspark.sql.types import DataType, StructType

__all__ = ["Job", "compiled", "evaluate", "job_for", "output_columns", "score_batches"]

SAFE = "_bc{}"
"""Column names inside the ``mapInArrow`` step: plain, so no name with a dot reaches it."""


@dataclass(frozen=True)
class Job:
    """All a worker is sent: the ruleset's text, the context and the column plan (small)."""

    text: str
    file: str
    context: Mapping[str, Any]
    inputs: tuple[tuple[str, str], ...]
    """(safe column, input key such as ``revenue_month.savings``)"""
    kept: tuple[tuple[str, str], ...]
    """(safe column, its own name): passed through to the output unchanged"""
    errors: ErrorMode
    routed: bool
    score_scale: int


_COMPILED: dict[str, Ruleset] = {}


def compiled(text: str, file: str = "<string>") -> Ruleset:
    """The ruleset of ``text``, compiled once per process (keyed by the text's SHA-256)."""
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    rs = _COMPILED.get(key)
    if rs is None:
        rs = _COMPILED[key] = load_text(text, file)
    return rs


def output_columns(ruleset: Ruleset, keep: Iterable[str] = (), *,
                   errors: ErrorMode = "raise") -> list[str]:
    """The names of the columns :func:`evaluate` returns, in order, for a DataFrame that has
    all of the ruleset's identity columns (one it lacks is not in the output either)."""
    kept = tuple(dict.fromkeys((*declared_identity(ruleset), *keep)))
    routed = ruleset.section("routing") is not None
    return [*kept, *DECISION_COLUMNS[:-1], *(ROUTE_COLUMNS if routed else ()),
            *(DECISION_COLUMNS[-1:] if errors == "collect" else ())]


def evaluate(df: DataFrame, ruleset: Ruleset | str | Path,
             context: Mapping[str, Any] | None = None, *, errors: ErrorMode = "raise",
             keep: Iterable[str] = ()) -> DataFrame:
    """Decide every row of ``df``; a DataFrame of decisions, lazily (nothing runs yet).

    ``ruleset`` is a loaded :class:`~bigclient.Ruleset`, a ruleset file, or a ruleset folder
    (the version in force today). ``context`` holds the values about the bureau (read here
    once, so a wrong context fails before any task). ``keep`` names more columns to copy to
    the output beside the ruleset's ``identity`` columns. With ``errors="raise"`` a bad row
    fails the job with the row's message (its identity columns added as a note); with
    ``"collect"`` it becomes a row whose ``error`` names the input and the value found.
    """
    job = job_for(df, ruleset, context, errors=errors, keep=keep)
    names = list(df.columns)
    safe_df = df.toDF(*(SAFE.format(i) for i in range(len(names))))  # by position: no parsing
    used = dict.fromkeys([s for s, _n in job.kept] + [s for s, _k in job.inputs])
    scored = safe_df.select(*used).mapInArrow(functools.partial(score_batches, job),
                                              _spark_schema(job, safe_df.schema))
    from pyspark.sql.functions import col

    return scored.select(*(col(s).alias(name) for s, name in job.kept),
                         *(c for c in scored.columns if not c.startswith("_bc")))


def job_for(df: DataFrame, ruleset: Ruleset | str | Path,
            context: Mapping[str, Any] | None = None, *, errors: ErrorMode = "raise",
            keep: Iterable[str] = ()) -> Job:
    """What the workers of :func:`evaluate` are sent, checked on the driver: the ruleset's
    text (never a pickled Ruleset), the context, and which column feeds which input."""
    if errors not in ("raise", "collect"):
        raise ValueError(_("errors must be 'raise' or 'collect', found {errors!r}").format(
            errors=errors))
    rs = ruleset if isinstance(ruleset, Ruleset) else load(ruleset)
    if not rs.source.text:
        raise ValueError(_("{ruleset} was not loaded from YAML text; load it with "
                           "bigclient.load or bigclient.load_text").format(ruleset=rs))
    raw_context = dict(as_mapping(context, "context")) if context is not None else {}
    rs.read_context(raw_context)  # refuse a wrong context now, not in every task
    names = list(df.columns)
    keep = tuple(keep)
    missing = [name for name in keep if name not in names]
    if missing:
        raise TableError(_("keep names {names}, not columns of the DataFrame").format(
            names=", ".join(missing)))
    cols = known_columns(rs, (*declared_identity(rs), *keep))
    plan = plan_header(names, cols, _("the DataFrame"))
    _check_types(rs, df.schema, plan.input_at)
    clash = [name for _i, name in plan.kept_at if name in DECISION_COLUMNS + ROUTE_COLUMNS]
    if clash:
        raise TableError(_("kept column {names} would clash with a decision column of the "
                           "same name; rename it first").format(names=", ".join(clash)))
    at = {name: i for i, name in plan.kept_at}  # in the order of bigclient evaluate's CSV
    kept = tuple((SAFE.format(at[name]), name) for name in cols.kept if name in at)
    job = Job(text=rs.source.text, file=rs.file, context=raw_context,
              inputs=tuple((SAFE.format(i), key) for i, key in plan.input_at), kept=kept,
              errors=errors, routed=rs.section("routing") is not None,
              score_scale=_scale(rs))
    return job


def score_batches(job: Job, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The worker's side of :func:`evaluate`: Arrow batches of clients in, decisions out."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rs = compiled(job.text, job.file)
    ctx = rs.read_context(job.context)
    keys = [key for _s, key in job.inputs]
    collect = job.errors == "collect"
    names = ["qualified", "criteria", "score", "computed_tier", "tier", "flags",
             *(ROUTE_COLUMNS if job.routed else ()), *(("error",) if collect else ())]
    types = {"qualified": pa.bool_()}
    score_type = pa.decimal128(38, job.score_scale)
    for batch in batches:
        decided = _columnar(rs, job, batch, names, score_type)
        if decided is not None:
            yield decided
            continue
        columns = []
        for safe, _key in job.inputs:
            arr = batch.column(safe)
            if pa.types.is_decimal(arr.type):  # exact text, parsed on bigclient's fast path
                arr = pc.cast(arr, pa.string())
            columns.append(arr.to_pylist())
        rows = zip(*columns, strict=True) if columns else repeat((), batch.num_rows)
        out: dict[str, list[Any]] = {name: [] for name in names}
        for i, values in enumerate(rows):
            try:
                d = rs.decide(dict(zip(keys, values, strict=True)), ctx)
            except (InputError, EvaluationError) as exc:
                if not collect:
                    exc.add_note(_("the row with {identity}").format(identity=", ".join(
                        f"{name}={batch.column(safe)[i].as_py()!r}" for safe, name in job.kept)
                        or "-"))
                    raise
                for name in names:
                    out[name].append(str(exc) if name == "error" else None)
                continue
            out["qualified"].append(d.qualified)
            out["criteria"].append(";".join(d.criteria))
            out["score"].append(None if d.score is None else str(d.score))
            out["computed_tier"].append(d.computed_tier)
            out["tier"].append(d.tier)
            out["flags"].append(";".join(d.flags))
            if job.routed:
                cells = route_cells(d)
                out["unit"].append(cells["unit"])
                out["support"].append(cells["support"])
            if collect:
                out["error"].append(None)
        arrays = [batch.column(safe) for safe, _n in job.kept]
        arrays += [pa.array(out[name], type=types.get(name, pa.string())) for name in names]
        # Scores go to Arrow as text and are cast there: exact (a cast that would round
        # fails), and ten times cheaper than converting Decimal objects one by one.
        at = names.index("score") + len(job.kept)
        arrays[at] = arrays[at].cast(score_type)
        yield pa.RecordBatch.from_arrays(arrays, names=[s for s, _n in job.kept] + names)


def _columnar(rs: Ruleset, job: Job, batch: pa.RecordBatch, names: list[str],
              score_type: pa.DataType) -> pa.RecordBatch | None:
    """A batch decided by the exact columnar path (``evaluate_table``), in the worker's
    columns; None when a row has an error, so the row loop gives it the worker's message
    (the identity named when raising, the plain message in an ``error`` column)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.Table.from_arrays([batch.column(safe) for safe, _key in job.inputs],
                                 names=[key for _safe, key in job.inputs])
    try:
        out = rs.evaluate_table(table, job.context)
    except (InputError, EvaluationError):
        return None
    made = {"qualified": out.column("qualified"),
            "criteria": pc.binary_join(out.column("criteria"), ";"),
            "score": out.column("score").cast(score_type),
            "computed_tier": out.column("computed_tier"), "tier": out.column("tier"),
            "flags": pc.binary_join(out.column("flags"), ";"),
            "error": pa.nulls(batch.num_rows, pa.string())}
    if job.routed:  # the row loop writes no route as "" (route_cells)
        made["unit"] = pc.fill_null(out.column("unit"), "")
        made["support"] = pc.fill_null(out.column("support"), "")
    arrays = [batch.column(safe) for safe, _n in job.kept]
    arrays += [made[name].combine_chunks() if isinstance(made[name], pa.ChunkedArray)
               else made[name] for name in names]
    return pa.RecordBatch.from_arrays(arrays, names=[s for s, _n in job.kept] + names)


def _scale(rs: Ruleset) -> int:
    """Decimal places of the declared score step (0.01 -> 2; 5 -> 0)."""
    exponent = rs.spec.rounding.score.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 2


def _spark_schema(job: Job, schema: StructType) -> StructType:
    from pyspark.sql.types import BooleanType, DecimalType, StringType, StructField, StructType

    fields = [schema[s] for s, _n in job.kept]
    fields.append(StructField("qualified", BooleanType()))
    fields += [StructField(name, DecimalType(38, job.score_scale) if name == "score"
                           else StringType())
               for name in ("criteria", "score", "computed_tier", "tier", "flags")]
    if job.routed:
        fields += [StructField(name, StringType()) for name in ROUTE_COLUMNS]
    if job.errors == "collect":
        fields.append(StructField("error", StringType()))
    return StructType(fields)


def _check_types(rs: Ruleset, schema: StructType, input_at: Iterable[tuple[int, str]]) -> None:
    """Refuse columns whose Spark type would change a value before bigclient reads it."""
    problems = []
    for i, key in input_at:
        field = schema.fields[i]
        kind = rs.spec.inputs[key.partition(".")[0]].type
        if not _fits(kind, field.dataType):
            problems.append(_("column '{column}' is {found} in the DataFrame, but the input "
                              "{key} is {kind}").format(column=field.name,
                                                        found=field.dataType.simpleString(),
                                                        key=key, kind=kind))
    if problems:
        raise TableError(_("the DataFrame's column types cannot be used, no row was decided:")
                         + "".join(f"\n  {p}" for p in problems) + "\n" + _(
            "Give Spark an explicit schema: read text such as region codes as string (schema "
            "inference reads 001234 as the number 1234) and money as string or decimal, never "
            "float or double."))


def _fits(kind: str, t: DataType) -> bool:
    from pyspark.sql import types as T

    if isinstance(t, T.StringType | T.VarcharType | T.CharType):
        return True
    integral = isinstance(t, T.ByteType | T.ShortType | T.IntegerType | T.LongType)
    if kind in ("money", "ratio", "integer", "money_map"):
        return integral or isinstance(t, T.DecimalType)
    if kind == "bool":
        return integral or isinstance(t, T.BooleanType)
    if kind == "date":
        return isinstance(t, T.DateType | T.TimestampType | T.TimestampNTZType)
    return False  # text and enum: only text keeps leading zeros and spelling

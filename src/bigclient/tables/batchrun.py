"""``bigclient evaluate`` on a Parquet file through the exact columnar batch path.

A Parquet file whose columns carry the ruleset's own names (``revenue_month.savings`` or a
``revenue_month`` struct) is decided a record batch at a time by ``Ruleset.evaluate_table``
(bigclient.batch), which equals the scalar path row for row. Parquet output is written as
Arrow columns too; CSV and .xlsx output a row at a time.
Files headed by Chinese labels, and JSON Lines output (which carries the whole decision),
keep the row-by-row runner in ``run.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from bigclient.tables import parquet
from bigclient.tables.columns import Columns, Plan
from bigclient.tables.read import Source
from bigclient.tables.write import Output

Report = Callable[[str], None]


def batch_ready(ruleset: Any, source: Source, plan: Plan | None, out_kind: str) -> bool:
    """True when the columnar path can take this file: Parquet in, not JSON Lines out, every
    input column under the name the ruleset gives it, and pyarrow importable."""
    if source.parquet is None or plan is None or out_kind == "jsonl":
        return False
    if ruleset.section("qualification") is None:
        return False
    if any(plan.header[i] != key for i, key in plan.input_at):
        return False
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow comes with the parquet extra
        return False
    return True


def evaluate_batches(ruleset: Any, source: Source, cols: Columns, ctx: Mapping[str, Any],
                     out: Output, routed: bool, report: Report,
                     tick: Callable[[int], None]) -> tuple[Counter[str | None], int, int]:
    """Decide every row, a record batch at a time; (clients per tier, bad rows, rows).

    Parquet output takes the decisions as Arrow columns, so no batch becomes Python values;
    other outputs are written a row at a time. Nothing of a batch outlives its turn."""
    import pyarrow as pa

    assert source.parquet is not None
    tiers: Counter[str | None] = Counter()
    bad = n = 0
    write = _write_columns if out.columnar else _write_rows
    for batch in source.parquet.batches():
        table = pa.Table.from_batches([batch])
        res = ruleset.evaluate_table(table, ctx, errors="collect", start=n + 1)
        bad += write(table, res, cols, out, routed, n, tiers, report)
        n += table.num_rows
        source.parquet.done = n
        tick(table.num_rows)
    return tiers, bad, n


def _write_rows(table: Any, res: Any, cols: Columns, out: Output, routed: bool, n: int,
                tiers: Counter[str | None], report: Report) -> int:
    """The batch's decisions a row at a time (rows numbered after ``n``); its bad rows."""
    bad = 0
    got = {name: res.column(name).to_pylist() for name in res.column_names
           if name != "routes"}
    kept = {name: _kept(table, name) for name in cols.kept}
    for k in range(table.num_rows):
        base = {"row": n + k + 1, **{name: kept[name][k] for name in cols.kept}}
        error = got["error"][k]
        if error:
            bad += 1
            report(error)
            out.write({**base, "error": error}, {})
            continue
        qualified, tier = got["qualified"][k], got["tier"][k]
        tiers[tier if qualified else None] += 1
        out.write({**base, "qualified": qualified, "criteria": ";".join(got["criteria"][k]),
                   "score": got["score"][k], "computed_tier": got["computed_tier"][k],
                   "tier": tier, "flags": ";".join(got["flags"][k]),
                   **({"unit": got["unit"][k] or "", "support": got["support"][k] or ""}
                      if routed else {})}, {})
    return bad


def _write_columns(table: Any, res: Any, cols: Columns, out: Output, routed: bool, n: int,
                   tiers: Counter[str | None], report: Report) -> int:
    """The batch's decisions as Arrow columns, the same cells :func:`_write_rows` gives
    (a bad row: its row, kept columns and error, nothing else); its bad rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = table.num_rows
    error = res.column("error")
    bad = pc.not_equal(pc.fill_null(error, ""), "")  # the row loop's `if error:`

    def good(arr: Any) -> Any:
        return pc.if_else(bad, pa.scalar(None, arr.type), arr)

    columns: dict[str, Any] = {"row": pa.array(range(n + 1, n + rows + 1), pa.int64())}
    columns.update((name, _kept_text(table, name)) for name in cols.kept)
    qualified, tier = res.column("qualified"), res.column("tier")
    columns.update(qualified=good(qualified),
                   criteria=good(pc.binary_join(res.column("criteria"), ";")),
                   score=good(res.column("score")),
                   computed_tier=good(res.column("computed_tier")), tier=good(tier),
                   flags=good(pc.binary_join(res.column("flags"), ";")),
                   error=pc.if_else(bad, error, pa.scalar(None, pa.string())))
    if routed:
        columns.update(unit=good(pc.fill_null(res.column("unit"), "")),
                       support=good(pc.fill_null(res.column("support"), "")))
    out.write_columns(columns, rows)
    errors = pc.filter(error, bad).to_pylist()
    for message in errors:
        report(message)
    counted = pc.and_(pc.invert(bad), pc.fill_null(qualified, False))
    chosen = pc.filter(tier, counted)
    for entry in pc.value_counts(chosen).to_pylist():
        tiers[entry["values"]] += entry["counts"]
    if rows - len(errors) - len(chosen):
        tiers[None] += rows - len(errors) - len(chosen)
    return len(errors)


def _kept_text(table: Any, name: str) -> Any:
    """A kept column as the text :class:`~bigclient.tables.parquet.ParquetWriter` makes of
    the row runner's values: text columns as they are, anything else cell by cell."""
    import pyarrow as pa

    if name in table.column_names:
        col = table.column(name)
        typ = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
        if pa.types.is_null(typ) or parquet.is_text(pa, typ):
            return col.cast(pa.string())
    return pa.array([parquet.cell(v) for v in _kept(table, name)], pa.string())


def _kept(table: Any, name: str) -> list[Any]:
    """A kept column's values as the row runner writes them (a struct field by its path)."""
    if name in table.column_names:
        values: list[Any] = table.column(name).to_pylist()
        return values
    head, _dot, field = name.partition(".")
    if head in table.column_names:
        return [None if v is None else v.get(field) for v in table.column(head).to_pylist()]
    return [None] * table.num_rows

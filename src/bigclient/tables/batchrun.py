"""``bigclient evaluate`` on a Parquet file through the exact columnar batch path.

A Parquet file whose columns carry the ruleset's own names (``revenue_month.savings`` or a
``revenue_month`` struct) is decided a record batch at a time by ``Ruleset.evaluate_table``
(bigclient.batch), which equals the scalar path row for row; only the writing is per row.
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
                     tick: Callable[[], None]) -> tuple[Counter[str | None], int, int]:
    """Decide every row, a record batch at a time; (clients per tier, bad rows, rows)."""
    import pyarrow as pa

    assert source.parquet is not None
    tiers: Counter[str | None] = Counter()
    bad = n = 0
    for batch in source.parquet.file.iter_batches(batch_size=parquet.BATCH):
        table = pa.Table.from_batches([batch])
        res = ruleset.evaluate_table(table, ctx, errors="collect", start=n + 1)
        got = {name: res.column(name).to_pylist() for name in res.column_names
               if name != "routes"}
        kept = {name: _kept(table, name) for name in cols.kept}
        for k in range(table.num_rows):
            n += 1
            base = {"row": n, **{name: kept[name][k] for name in cols.kept}}
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
        source.parquet.done = n
        tick()
    return tiers, bad, n


def _kept(table: Any, name: str) -> list[Any]:
    """A kept column's values as the row runner writes them (a struct field by its path)."""
    if name in table.column_names:
        values: list[Any] = table.column(name).to_pylist()
        return values
    head, _dot, field = name.partition(".")
    if head in table.column_names:
        return [None if v is None else v.get(field) for v in table.column(head).to_pylist()]
    return [None] * table.num_rows

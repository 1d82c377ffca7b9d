"""The decision table: columns from the columnar path, rows from the scalar path merged in
at their places, with the same types either way."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from bigclient.batch.decide import ROUTES_TYPE, Outcome
from bigclient.errors import EvaluationError, InputError
from bigclient.records import BadRow, ErrorMode


@dataclass
class Decided:
    """The rows the scalar path decided (0-based positions) and what it gave for each."""

    rows: list[int] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)  # Decision | BadRow


def scalar_rows(rs: Any, table: pa.Table, ctx: dict[str, Any], mask: Any,
                errors: ErrorMode, start: int) -> Decided:
    """Decide the masked rows one by one, exactly as ``evaluate_many`` would."""
    out = Decided()
    if mask is None or not pc.any(mask).as_py():
        return out
    positions = pc.indices_nonzero(mask)
    records = table.take(positions).to_pylist()
    for pos, record in zip(positions.to_pylist(), records, strict=True):
        row = start + pos
        try:
            result: Any = rs.decide(record, ctx, row=row)
        except (InputError, EvaluationError) as exc:
            if errors == "raise":
                raise
            result = BadRow(row, exc, record)
        out.rows.append(pos)
        out.results.append(result)
    return out


def types(rs: Any, score_scale: int) -> dict[str, Any]:
    cols: dict[str, Any] = {
        "qualified": pa.bool_(), "criteria": pa.list_(pa.string()),
        "score": pa.decimal128(38, score_scale), "computed_tier": pa.string(),
        "tier": pa.string(), "flags": pa.list_(pa.string())}
    if rs.section("routing") is not None:
        cols.update(unit=pa.string(), support=pa.string(), routes=ROUTES_TYPE)
    return cols


def _score_scale(rs: Any) -> int:
    sc = rs.section("scoring")
    if sc is None:
        return 0
    exp = sc.step.as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def _row_values(d: Any) -> dict[str, Any]:
    if isinstance(d, BadRow):
        return {"error": str(d.error)}
    routes = d.routes
    return {"qualified": d.qualified, "criteria": list(d.criteria),
            "score": d.score if isinstance(d.score, Decimal) else None,
            "computed_tier": d.computed_tier, "tier": d.tier, "flags": list(d.flags),
            "unit": ";".join(r.unit + (f"[{r.line}]" if r.line else "") for r in routes)
            if routes else None,
            "support": ";".join(r.support or "" for r in routes if r.support) or None,
            "routes": [r.to_dict() for r in routes]}


def assemble(rs: Any, table: pa.Table, outcome: Outcome | None, decided: Decided,
             errors: ErrorMode) -> pa.Table:
    n = table.num_rows
    kinds = types(rs, _score_scale(rs))
    cols: dict[str, Any] = {}
    for name in rs.spec.identity:
        cols[name] = (table.column(name) if name in table.column_names
                      else pa.nulls(n, pa.string()))
    scalar_values = [_row_values(d) for d in decided.results]
    scalar_cols = {name: pa.array([v.get(name) for v in scalar_values], kind)
                   for name, kind in kinds.items()}
    scalar_errors = pa.array([v.get("error") for v in scalar_values], pa.string())
    if outcome is None:  # every row was decided by the scalar path, in order
        cols.update(scalar_cols)
        if errors == "collect":
            cols["error"] = scalar_errors
        return pa.table(cols)
    if not decided.rows:
        for name, kind in kinds.items():
            col = outcome.columns[name]
            cols[name] = col if col.type == kind else col.cast(kind)
        if errors == "collect":
            cols["error"] = pa.nulls(n, pa.string())
        return pa.table(cols)
    mask = outcome.scalar
    keep = pc.invert(mask)
    kept = pc.cumulative_sum(pc.cast(keep, pa.int64()))
    moved = pc.cumulative_sum(pc.cast(mask, pa.int64()))
    n_kept = n - len(decided.rows)
    perm = pc.if_else(mask, pc.add(moved, n_kept - 1), pc.subtract(kept, 1))
    for name, kind in kinds.items():
        vec = outcome.columns[name].cast(kind).filter(keep)
        both = pa.concat_arrays([_array(vec), scalar_cols[name]])
        cols[name] = both.take(perm)
    if errors == "collect":
        both = pa.concat_arrays([pa.nulls(n_kept, pa.string()), scalar_errors])
        cols["error"] = both.take(perm)
    return pa.table(cols)


def _array(col: Any) -> Any:
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col

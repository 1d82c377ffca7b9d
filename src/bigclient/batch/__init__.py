"""The exact columnar batch path: ``Ruleset.evaluate_table`` over an Arrow table.

Needs the ``arrow`` extra (``pip install 'bigclient[arrow]'``); pyarrow is imported only
here, so ``import bigclient`` stays light. Rows are decided by the ruleset's expressions
translated to pyarrow.compute over exact int64 rationals (:mod:`bigclient.batch.numbers`).
Anything the translation cannot vouch for is decided by the scalar path — the whole table
(an expression shape it does not know, an int64 overflow) or single rows (a value it does
not read, a comparison the scalar path's Decimal rounding could tip). Every row is therefore
the scalar path's decision; the schema metadata says which path decided what:

- ``bigclient.path``: ``columnar`` or ``scalar``;
- ``bigclient.scalar_rows``: how many rows the scalar path decided;
- ``bigclient.reason``: why the whole table went to the scalar path (empty otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bigclient.errors import EvaluationError, InputError
from bigclient.i18n import _
from bigclient.records import ErrorMode

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["evaluate_table", "records_to_table"]


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ImportError(_("the batch path needs pyarrow: pip install 'bigclient[arrow]'")
                          ) from None
    return pyarrow


def evaluate_table(rs: Any, table: pa.Table, context: Any = None, *,
                   errors: ErrorMode = "raise", start: int = 1) -> pa.Table:
    """Decide every row of ``table``; see the module docstring and ``Ruleset.evaluate_table``."""
    pa = _pyarrow()
    from bigclient.batch.decide import decide
    from bigclient.batch.numbers import Unsupported
    from bigclient.batch.output import assemble, scalar_rows

    if errors not in ("raise", "collect"):
        raise ValueError(
            _("errors must be 'raise' or 'collect', found {errors!r}").format(errors=errors))
    if not isinstance(table, pa.Table):
        if hasattr(table, "to_arrow"):  # Polars
            table = table.to_arrow()
        elif type(table).__module__.startswith("pandas"):
            table = pa.Table.from_pandas(table, preserve_index=False)
        else:
            raise InputError("(table)", None, _(
                "expected an Arrow table (pyarrow.Table), found {kind}").format(
                    kind=type(table).__name__))
    ctx = rs.read_context(context)
    reason = ""
    try:
        outcome = decide(rs, table, ctx)
    except Unsupported as exc:
        reason = str(exc)
        outcome = None
    except (ArithmeticError, EvaluationError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        outcome = None
    fallback = (pa.array([True] * table.num_rows, pa.bool_()) if outcome is None
                else outcome.scalar)
    decided = scalar_rows(rs, table, ctx, fallback, errors, start)
    result = assemble(rs, table, outcome, decided, errors)
    meta = {"bigclient.path": "scalar" if outcome is None else "columnar",
            "bigclient.scalar_rows": str(len(decided.rows)),
            "bigclient.reason": reason,
            "bigclient.ruleset": f"{rs.id}@{rs.version}"}
    return result.replace_schema_metadata(meta)


def records_to_table(rs: Any, records: list[Mapping[str, Any]]) -> pa.Table:
    """Client dicts (as ``evaluate`` takes them) as an Arrow table of the ruleset's columns:
    per-line tables become ``name.line`` columns; Decimal amounts become decimal128."""
    pa = _pyarrow()
    n = len(records)
    maps = [name for name, f in rs.spec.inputs.items() if f.type == "money_map"]
    flat: dict[str, list[Any]] = {name: [None] * n for name in (*rs.spec.identity,
                                                                 *rs.spec.inputs)
                                  if name not in maps}
    by_line = {name: {line: [None] * n for line in rs.lines} for name in maps}
    for i, r in enumerate(records):  # one pass, over the keys each record has
        for key, value in r.items():
            col = flat.get(key)
            if col is not None:
                col[i] = value
            elif value and key in by_line:
                lines = by_line[key]
                for line, v in value.items():
                    target = lines.get(line)
                    if target is None:
                        raise InputError(f"{key}.{line}", None, _("not a product line"), i + 1)
                    target[i] = v
    for name in maps:
        flat.update((f"{name}.{line}", values) for line, values in by_line[name].items())
    cols = {name: _array(pa, values) for name, values in flat.items()
            if name in rs.spec.identity or any(v is not None for v in values)}
    return pa.table(cols)


def _array(pa: Any, values: list[Any]) -> Any:
    """Decimals at a common scale are converted ten times faster than when pyarrow infers
    the type, so try the usual scales first."""
    first = next((v for v in values if v is not None), None)
    if first is None:
        return pa.nulls(len(values), pa.string())
    if isinstance(first, Decimal):
        for scale in (2, 4, 8):
            try:
                return pa.array(values, pa.decimal128(38, scale))
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                continue
    return pa.array(values)

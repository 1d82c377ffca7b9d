"""Static analysis of a routing table: clients no row covers (gaps), rows that never
decide (shadowed under 'first' or 'priority'), and rows that match together under
'unique' (overlaps). Exact: every combination of the columns' atoms is tried (see
``table.atoms``), so a table this analysis calls clean really has no gap or overlap.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from bigclient.errors import Problem
from bigclient.i18n import _, language
from bigclient.language.source import Located
from bigclient.sections.routing.compiled import CompiledRouting
from bigclient.sections.routing.table import atoms, describe_atom

LIMIT = 200_000
"""Above this many combinations the table is too wide to enumerate; a note says so."""
SHOWN = 5  # gap examples listed in one finding


@dataclass
class Coverage:
    """What the enumeration found: combinations without a row, and rows by combination."""

    gaps: list[tuple[object, ...]]
    deciding: set[int]  # rows that decide for at least one combination
    matching: set[int]  # rows that match at least one combination
    overlaps: dict[tuple[int, ...], tuple[object, ...]]  # rows matching together → example


def coverage(table: CompiledRouting) -> Coverage | None:
    """Enumerate every combination of atoms; None when there are more than LIMIT."""
    cols = table.columns
    per_col = [atoms(c, [r.cells[i] for r in table.rows]) for i, c in enumerate(cols)]
    if math.prod(len(a) for a in per_col) > LIMIT:
        return None
    # hits[r][i]: indexes of the atoms of column i that row r's cell holds
    hits = [[frozenset(k for k, a in enumerate(per_col[i]) if cell.match_atom(a))
             for i, cell in enumerate(r.cells)] for r in table.rows]
    out = Coverage([], set(), set(), {})
    for combo in itertools.product(*(range(len(a)) for a in per_col)):
        matched = [r for r, row_hits in zip(table.rows, hits, strict=True)
                   if all(k in h for k, h in zip(combo, row_hits, strict=True))]
        if not matched:
            out.gaps.append(tuple(per_col[i][k] for i, k in enumerate(combo)))
            continue
        out.matching.update(r.index for r in matched)
        if table.spec.hit == "unique" and len(matched) > 1:
            key = tuple(r.index for r in matched)
            out.overlaps.setdefault(key, tuple(per_col[i][k] for i, k in enumerate(combo)))
            continue
        out.deciding.update(r.index for r in table.choose(matched))
    return out


def check_routing(table: CompiledRouting, src: Located) -> list[Problem]:
    cov = coverage(table)
    if cov is None:
        return [src.problem(("routing", "columns"), _(
            "this routing table has too many combinations of column values to check for "
            "gaps and overlaps (more than {limit}); split it or use fewer columns").format(
                limit=f"{LIMIT:,}"), code="BC801", severity="info")]
    out: list[Problem] = []
    cols = table.columns
    lang = "zh" if language().startswith("zh") else "en"
    if cov.gaps:
        shown = "; ".join(", ".join(describe_atom(c, a, lang) for c, a in zip(
            cols, gap, strict=True)) for gap in cov.gaps[:SHOWN])
        more = len(cov.gaps) - SHOWN
        out.append(src.problem(("routing", "rows"), _(
            "no row of the routing table covers these big clients, so they would get no "
            "responsible unit (flag 'unrouted'): {combos}{more}").format(
                combos=shown, more=_(" … and {n} more").format(n=more) if more > 0 else ""),
            code="BC801", severity="warning",
            hint=_("add a row for them, or widen a row's condition (write '-' for any)")))
    for row in table.rows:
        if row.index not in cov.matching and not any(
                row.index in key for key in cov.overlaps):
            out.append(src.problem(("routing", "rows", row.index), _(
                "row {n} matches no client: its conditions exclude each other or name "
                "nothing a client can have").format(n=row.number), code="BC802",
                severity="warning"))
        elif table.spec.hit in ("first", "priority") and row.index not in cov.deciding:
            why = (_("rows above it already cover every client it matches")
                   if table.spec.hit == "first" else
                   _("a row whose unit comes earlier in 'units' always matches with it"))
            out.append(src.problem(("routing", "rows", row.index), _(
                "row {n} never decides: {why}").format(n=row.number, why=why),
                code="BC803", severity="warning",
                hint=_("remove the row, or move it above the rows that cover it")))
    for key, example in sorted(cov.overlaps.items()):
        shown = ", ".join(describe_atom(c, a, lang) for c, a in zip(cols, example,
                                                                     strict=True))
        out.append(src.problem(("routing", "rows", key[-1]), _(
            "rows {rows} all match the same clients (for example {example}), but the hit "
            "policy 'unique' allows only one; such a client could not be routed").format(
                rows=", ".join(str(k + 1) for k in key), example=shown),
            code="BC804", severity="warning",
            hint=_("narrow one of the rows, or use hit policy 'first' if the order "
                   "should decide")))
    return out

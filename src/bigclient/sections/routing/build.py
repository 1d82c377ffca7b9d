"""Compile the routing section once at load: resolve every column, cell, unit and cadence,
and report each problem where it is written."""

from __future__ import annotations

from typing import Any

from bigclient.i18n import _
from bigclient.language.common import Label
from bigclient.language.expr import suggest
from bigclient.language.source import YamlPath
from bigclient.sections.base import CompileContext
from bigclient.sections.routing.compiled import CompiledRouting, CompiledRow
from bigclient.sections.routing.model import Routing
from bigclient.sections.routing.table import Cell, CellError, Column, column_for, compile_cell

BASE: YamlPath = ("routing",)


def compile_routing(spec: Routing, ctx: CompileContext) -> CompiledRouting | None:
    src, problems = ctx.src, ctx.problems
    before = len(problems)
    scoring: Any = ctx.compiled.get("scoring")
    tiers = [t.id for t in scoring.spec.tiers] if scoring is not None else []
    tier_labels = {t.id: t.label for t in scoring.spec.tiers} if scoring is not None else {}
    flags: Any = ctx.compiled.get("flags")
    flag_ids = [fl.id for fl, _e in flags.flags] if flags is not None else []
    contacts: Any = ctx.compiled.get("contacts")
    cadences: dict[str, Any] = dict(getattr(contacts, "cadences", None) or {})
    if scoring is None:
        problems.append(src.problem(BASE, _(
            "routing needs tiers: a routing table decides by the client's tier, so the "
            "ruleset needs a scoring section"), code="BC805"))
        return None

    columns: list[Column] = []
    for i, name in enumerate(spec.columns):
        if name in spec.columns[:i]:
            problems.append(src.problem((*BASE, "columns", i), _(
                "the column '{name}' is listed twice").format(name=name), code="BC806"))
            continue
        try:
            columns.append(column_for(name, ctx.names, tiers, flag_ids, ctx.lines,
                                      ctx.name_labels, tier_labels, ctx.value_labels))
        except CellError as exc:
            problems.append(src.problem((*BASE, "columns", i), str(exc), code="BC806"))

    rows: list[CompiledRow] = []
    by_name = {c.name: c for c in columns}
    for r, row in enumerate(spec.rows):
        path: YamlPath = (*BASE, "rows", r)
        for key in row.when:
            if key not in spec.columns:
                hint = suggest(key, spec.columns)
                problems.append(src.problem((*path, "when", key), _(
                    "'{key}' is not one of the table's columns ({columns}); add it to "
                    "'columns' or correct the name").format(
                        key=key, columns=", ".join(spec.columns)) + (
                    f" ({hint})" if hint else ""), code="BC806"))
        cells: list[Cell] = []
        for col in columns:
            try:
                cells.append(compile_cell(col, row.when.get(col.name)))
            except CellError as exc:
                problems.append(src.problem((*path, "when", col.name), str(exc),
                                            code="BC807"))
        for field in ("unit", "support"):
            unit = getattr(row, field)
            if unit is not None and unit not in spec.units:
                hint = suggest(unit, list(spec.units))
                problems.append(src.problem((*path, field), _(
                    "'{unit}' is not a unit of this table; the units are: {units}").format(
                        unit=unit, units=", ".join(spec.units)) + (
                    f" ({hint})" if hint else ""), code="BC808"))
        if row.support is not None and row.support == row.unit:
            problems.append(src.problem((*path, "support"), _(
                "the supporting unit is the responsible unit itself; leave 'support' out "
                "or name another unit"), code="BC808"))
        if row.cadence is not None and row.cadence not in cadences:
            where = (_("the cadences are: {ids}").format(ids=", ".join(cadences))
                     if cadences else _("the ruleset declares no cadences (add them under "
                                        "'contacts: cadences:')"))
            problems.append(src.problem((*path, "cadence"), _(
                "'{cadence}' is not a contact cadence; {where}").format(
                    cadence=row.cadence, where=where), code="BC809"))
        if row.per_line and "lines" not in by_name and not ctx.lines:
            problems.append(src.problem((*path, "per_line"), _(
                "'per_line' needs the ruleset's lines"), code="BC809"))
        rows.append(CompiledRow(r, row, tuple(cells)))
    if len(problems) > before:
        return None
    labels: dict[str, Label] = {cid: c.label for cid, c in cadences.items()}
    return CompiledRouting(spec, tuple(columns), rows, ctx.lines, dict(ctx.line_labels),
                           labels)

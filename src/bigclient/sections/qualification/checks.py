"""Static checks of the qualification section: threshold tables and implied criteria.

A yearly threshold written where a monthly one belongs (or the unit 万 left out), and a
criterion that every client meeting another one also meets (D-1, D-2).
"""

from __future__ import annotations

import ast
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bigclient.errors import Problem
from bigclient.i18n import _
from bigclient.language.amounts import format_amount
from bigclient.language.ranges import COMPARISONS, FLIPPED, Parsed, Ranges, parse
from bigclient.language.source import Located, YamlPath
from bigclient.sections.qualification.model import CompiledQualification, Qualification


def check_qualification(spec: Qualification, compiled: CompiledQualification, src: Located,
                        ranges: Ranges) -> list[Problem]:
    return _check_thresholds(spec, src) + _check_implied(spec, compiled, src, ranges)


_YEARLY = re.compile(r"year|annual|年", re.IGNORECASE)
_MONTHLY = re.compile(r"month|月", re.IGNORECASE)


def _column_period(col: str, table: Any) -> str:
    label = table.columns.get(col)
    words = " ".join([col, label.zh, label.en] if label is not None else [col])
    monthly, yearly = bool(_MONTHLY.search(words)), bool(_YEARLY.search(words))
    if monthly and not (yearly and not _MONTHLY.search(col)):
        return "month"
    return "year" if yearly else ""


def _check_thresholds(spec: Qualification, src: Located) -> list[Problem]:
    """A unit left out of a threshold (1.2 for 1.2万): the previous-year threshold below
    the monthly one, or a threshold a hundred times below the other lines'."""
    out: list[Problem] = []
    for i, c in enumerate(spec.criteria):
        table = c.per_line
        if table is None:
            continue
        base: YamlPath = ("qualification", "criteria", i, "per_line", "thresholds")
        periods = {col: _column_period(col, table) for col in table.compare}
        years = [col for col, p in periods.items() if p == "year"]
        months = [col for col, p in periods.items() if p == "month"]
        flagged: set[tuple[str, str]] = set()
        if len(years) == 1 and len(months) == 1:
            y, m = years[0], months[0]
            for line, row in table.thresholds.items():
                if y in row and m in row and row[y] < row[m]:
                    flagged.add((line, y))
                    out.append(
                        src.problem(
                            (*base, line, y),
                            _(
                                "the previous-year threshold of '{line}' ({row}) is "
                                "smaller than its monthly threshold ({row2}); a "
                                "year's revenue is normally far more than a month's "
                                "— was a unit left out (万)?"
                            ).format(
                                line=line, row=format_amount(row[y]), row2=format_amount(row[m])
                            ),
                            code="BC502",
                            severity="warning",
                            hint=_(
                                "write it with its unit, e.g. {row}万, or as a full number"
                            ).format(row=format_amount(row[y])),
                        )
                    )
        for col in table.compare:
            values = {line: row[col] for line, row in table.thresholds.items() if col in row}
            for line, v in values.items():
                others = [x for k, x in values.items() if k != line]
                if (line, col) in flagged or len(others) < 2 or v <= 0:
                    continue
                median = Decimal(statistics.median(others))
                if v * 100 < median:
                    out.append(
                        src.problem(
                            (*base, line, col),
                            _(
                                "the threshold {v} of '{line}' ({col}) is more "
                                "than a hundred times smaller than the other "
                                "lines' (median {median}); was a unit left out (万)?"
                            ).format(
                                v=format_amount(v), line=line, col=col, median=format_amount(median)
                            ),
                            code="BC503",
                            severity="warning",
                            hint=_("write it with its unit, e.g. {v}万").format(v=format_amount(v)),
                        )
                    )
    return out


# -- qualification: implied criteria ---------------------------------------------------------


@dataclass(frozen=True)
class _AtLeast:
    """One conjunct of a 'when': total(table) (or more) must be >= / > amount."""

    table: str
    strict: bool
    amount: Decimal


def _conjuncts(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        return [c for v in node.values for c in _conjuncts(v)]
    return [node]


def _total_of(ranges: Ranges, e: Parsed, node: ast.expr, depth: int = 0) -> str | None:
    """The per-line table T when ``node`` is always ≥ total(T): total(T) itself, a derived
    value defined so, or such a value plus terms that are never negative."""
    if depth > 20:
        return None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "total" and len(node.args) == 1
            and isinstance(node.args[0], ast.Name)):
        return node.args[0].id
    if isinstance(node, ast.Name) and node.id in ranges.derived_expr:
        d = ranges.derived_expr[node.id]
        return _total_of(ranges, d, d.tree, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        for main, rest in ((node.left, node.right), (node.right, node.left)):
            table = _total_of(ranges, e, main, depth + 1)
            if table is not None and ranges.of(e, rest, {}).lo >= 0:
                return table
    return None


def _at_least(ranges: Ranges, e: Parsed, node: ast.expr) -> _AtLeast | None:
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return None
    left, op, right = node.left, node.ops[0], node.comparators[0]
    kind = COMPARISONS.get(type(op))
    c = Ranges.const(e, right)
    subject = left
    if c is None:
        c = Ranges.const(e, left)
        subject = right
        kind = FLIPPED.get(kind or "")
    if c is None or kind not in (">=", ">"):
        return None
    table = _total_of(ranges, e, subject)
    if table is None:
        return None
    return _AtLeast(table, kind == ">", c)


def _check_implied(spec: Qualification, compiled: CompiledQualification, src: Located,
                   ranges: Ranges) -> list[Problem]:
    """Lines of a per-line table whose thresholds imply a 'total(…) >= A and …' criterion.

    A line checks ``T[line] >= t``; when every other line of T is never negative,
    total(T) >= T[line] >= t >= A. A line measured by another value (newspapers on
    turnover, D-3) proves nothing about T and is left out. Any part of the criterion we
    cannot read this way means no report: we only say what we can prove.
    """
    out: list[Problem] = []
    spec_criteria = spec.criteria
    whens: list[tuple[str, str, list[_AtLeast]]] = []
    for c in spec_criteria:
        if c.when is None:
            continue
        e = parse(c.when, ())
        if e is None:
            continue
        parts = [_at_least(ranges, e, x) for x in _conjuncts(e.tree)]
        if parts and all(p is not None for p in parts):
            whens.append((c.id, e.text, [p for p in parts if p is not None]))
    if not whens:
        return out
    index = {c.id: k for k, c in enumerate(spec_criteria)}
    for cc in compiled.criteria:
        if cc.spec.per_line is None:
            continue
        for wid, wtext, needs in whens:
            implying: list[str] = []
            for line, checks in cc.lines:
                ok = True
                for need in needs:
                    f = ranges.fields.get(need.table)
                    if f is None or f.type != "money_map" or f.min is None or f.min < 0:
                        ok = False
                        break
                    if not any(k.by_line and k.source == need.table and (
                            k.threshold > need.amount if need.strict
                            else k.threshold >= need.amount) for k in checks):
                        ok = False
                        break
                if ok:
                    implying.append(line)
            if not implying:
                continue
            others = [line + (" (measured on another value)" if any(
                not k.by_line for k in checks) else "")
                for line, checks in cc.lines if line not in implying]
            out.append(
                src.problem(
                    ("qualification", "criteria", index[cc.id], "per_line"),
                    f"every client that meets '{cc.id}' for "
                    f"{_join(implying)} also meets '{wid}' ({wtext}): "
                    + (
                        "that line's thresholds are"
                        if len(implying) == 1
                        else "those lines' thresholds are"
                    )
                    + " at least as high, on the same per-line tables"
                    + (
                        f"; {_join(others)} {'does' if len(others) == 1 else 'do'} not imply it"
                        if others
                        else ""
                    ),
                    code="BC501",
                    severity="info",
                    hint=_(
                        "nothing to do if intended (the line still names the specialty); "
                        "otherwise check the thresholds of '{id}' and '{wid}'"
                    ).format(id=cc.id, wid=wid),
                )
            )
    return out


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


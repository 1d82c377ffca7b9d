"""A routing table compiled for evaluation: match the rows, apply the hit policy, name the
route, and explain it (D-13, D-14, D-18).

Routing runs after the tier is final (an approved override changes who is responsible),
so it works in ``conclude``, not ``decide``. Only big clients are routed: a client that is
not one has no route. A big client no row matches gets no route and the flag
``unrouted`` — never a guessed unit; ``bigclient validate`` reports such gaps beforehand.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bigclient.errors import EvaluationError
from bigclient.fused.gen import CannotFuse, Gen
from bigclient.i18n import _
from bigclient.language.amounts import describe_amount
from bigclient.language.common import Label
from bigclient.language.words import EXPLAIN_WORDS
from bigclient.route import Route, routes_by_line
from bigclient.sections.base import CompiledSection, Decided, Verdict
from bigclient.sections.routing.model import Routing, Row
from bigclient.sections.routing.table import NONE, Cell, Column, describe_atom

LOOKUP_LIMIT = 10_000
"""Tables over finite columns with at most this many value combinations are decided by a
look-up table built at load."""

UNROUTED = "unrouted"
"""The flag of a big client that no routing row matches."""


@dataclass(frozen=True)
class CompiledRow:
    index: int  # from 0
    spec: Row
    cells: tuple[Cell, ...]  # one per column, in column order

    @property
    def number(self) -> int:
        return self.index + 1


class CompiledRouting(CompiledSection):
    def __init__(self, spec: Routing, columns: tuple[Column, ...], rows: list[CompiledRow],
                 lines: tuple[str, ...], line_labels: Mapping[str, Label],
                 cadence_labels: Mapping[str, Label]) -> None:
        self.spec = spec
        self.columns = columns
        self.rows = rows
        self.lines = lines
        self.line_labels = line_labels
        self.cadence_labels = cadence_labels
        self.units = spec.units
        self.unit_ids = frozenset(spec.units)
        self._priority = {u: i for i, u in enumerate(spec.units)}
        # each row's route without a line; a per-line row names its lines per decision
        self._templates = {r.index: (Route(unit=r.spec.unit, support=r.spec.support,
                                           cadence=r.spec.cadence, managers=r.spec.managers,
                                           row=r.number, rule=r.spec.rule or spec.rule),
                                     r.spec.per_line) for r in rows}
        self._lookup = self._build_lookup()
        self._tier_at = next((i for i, c in enumerate(columns) if c.name == "tier"), None)
        self._names = [c.name for c in columns]

    def _build_lookup(self) -> dict[tuple[Any, ...], list[CompiledRow] | EvaluationError] | None:
        """For tables over finite columns only (tiers, enums, yes/no): every combination of
        values decided once at load, so evaluation is one dictionary look-up."""
        if any(c.kind not in ("enum", "bool") or c.name in ("flags", "lines")
               for c in self.columns):
            return None
        domains = [c.domain if c.kind == "enum" else (True, False) for c in self.columns]
        if math.prod(len(d) for d in domains) > LOOKUP_LIMIT:
            return None
        out: dict[tuple[Any, ...], list[CompiledRow] | EvaluationError] = {}
        for combo in itertools.product(*domains):
            try:
                out[combo] = self.choose(self.matching(combo))
            except EvaluationError as exc:
                out[combo] = exc
        return out

    # -- evaluation -----------------------------------------------------------------
    def met_lines(self, criteria: Sequence[str]) -> frozenset[str]:
        """Lines whose per-line criterion was met ('specialty:savings' → savings)."""
        out = set()
        for c in criteria:
            _cid, sep, line = c.partition(":")
            if sep and line in self.lines:
                out.add(line)
        return frozenset(out)

    def values(self, env: Mapping[str, Any], tier: str | None, flags: Sequence[str],
               criteria: Sequence[str]) -> list[Any]:
        met = self.met_lines(criteria)
        return [col.read(env, tier, flags, met) for col in self.columns]

    def matching(self, values: Sequence[Any]) -> list[CompiledRow]:
        return [r for r in self.rows
                if all(c.match(v) for c, v in zip(r.cells, values, strict=True))]

    def choose(self, matched: list[CompiledRow]) -> list[CompiledRow]:
        """The rows that decide, by the hit policy."""
        if not matched:
            return []
        hit = self.spec.hit
        if hit == "collect":
            return matched
        if hit == "unique" and len(matched) > 1:
            raise EvaluationError(_(
                "routing rows {rows} all match this client, but the hit policy 'unique' "
                "allows only one; run bigclient validate to see the overlap and fix the "
                "table").format(rows=", ".join(str(r.number) for r in matched)))
        if hit == "priority":
            return [min(matched, key=lambda r: (self._priority[r.spec.unit], r.index))]
        return matched[:1]

    def conclude(self, env: dict[str, Any], verdict: Verdict) -> None:
        if not verdict.qualified or verdict.tier is None:
            return
        chosen: list[CompiledRow] | EvaluationError | None = None
        if self._lookup is not None:
            key = [env.get(n) for n in self._names]
            if self._tier_at is not None:
                key[self._tier_at] = verdict.tier
            chosen = self._lookup.get(tuple(key))
        if chosen is None:
            values = self.values(env, verdict.tier, verdict.flags, verdict.criteria)
            chosen = self.choose(self.matching(values))
        elif isinstance(chosen, EvaluationError):
            raise chosen
        routes = routes_by_line([self._templates[row.index] for row in chosen],
                                verdict.criteria, self.lines)
        verdict.routes = routes
        if not routes:
            verdict.flags += (UNROUTED,)

    def emit_conclude(self, gen: Gen) -> None:
        """As :meth:`conclude`, for tables decided by the look-up table. Each combination's
        rows are kept as route templates (a per-line row names its lines per decision);
        an error, or a combination not in the table, goes to the reference path."""
        if self._lookup is None:
            raise CannotFuse("a routing table over amounts, flags or lines")
        key = [("tier" if i == self._tier_at else gen.local(n) if n in gen.names else "None")
               for i, n in enumerate(self._names)]
        templates = {k: tuple(self._templates[r.index] for r in rows)
                     for k, rows in self._lookup.items() if isinstance(rows, list)}
        fixed = {k: tuple(t for t, _per_line in rows) for k, rows in templates.items()
                 if not any(per_line for _t, per_line in rows)}
        with gen.block("if qualified and tier is not None:"):
            gen.line(f"key = ({''.join(k + ', ' for k in key)})")
            gen.line(f"routes = {gen.const(fixed)}.get(key)")
            with gen.block("if routes is None:"):
                gen.line(f"routes = {gen.const(routes_by_line)}({gen.const(templates)}[key], "
                         f"criteria, {gen.const(self.lines)})")
            with gen.block("if not routes:"):
                gen.line(f"flags = flags + ({UNROUTED!r},)")

    # -- explanation ----------------------------------------------------------------
    def explain(self, d: Decided, lang: str) -> list[str]:
        zh = lang == "zh"
        colon = "：" if zh else ": "
        head = EXPLAIN_WORDS[lang]["route"]
        if not d.qualified or d.tier is None:
            return [head + colon + ("无（不是大客户）" if zh else "none (not a big client)")]
        if not d.routes:
            values = self.values(d.values, d.tier, d.flags, d.criteria)
            seen = "，".join if zh else ", ".join
            shown = seen(describe_atom(c, _atom(c, v), lang)
                         for c, v in zip(self.columns, values, strict=True))
            return [head + colon + (
                f"无——路由表没有一行适用于（{shown}）；请运行 bigclient validate 查看缺口"
                if zh else f"none — no row of the routing table matches ({shown}); "
                "bigclient validate shows the gap")]
        out = []
        for route in d.routes:
            out.extend(self._explain_route(route, lang))
        return out

    def _explain_route(self, route: Route, lang: str) -> list[str]:
        zh = lang == "zh"
        colon = "：" if zh else ": "
        row = self.rows[route.row - 1]
        unit = self.units[route.unit]
        rule = f", {route.rule}" if route.rule and not zh else (
            f"，{route.rule}" if route.rule else "")
        where = (f"（第 {route.row} 行{rule}）" if zh else f" (row {route.row}{rule})")
        head = EXPLAIN_WORDS[lang]["route"]
        if route.line is not None:
            line = self.line_labels[route.line](lang)
            head = f"{head}（{line}）" if zh else f"{head} for {line}"
        out = [f"{head}{colon}{unit.label(lang)}{where}"]
        conditions = [self._cell_words(c, lang) for c in row.cells if not c.is_any]
        if conditions:
            out.append(("  依据：" if zh else "  because: ") + ("；" if zh else "; ").join(
                conditions))
        if row.spec.per_line and route.line is None:
            out.append("  没有任何业务达到按业务确定的标准，所属业务未定" if zh else
                       "  no line met its per-line criterion, so the line is not known")
        if route.support is not None:
            out.append(("  协助单位：" if zh else "  supported by: ")
                       + self.units[route.support].label(lang))
        if route.cadence is not None:
            label = self.cadence_labels.get(route.cadence)
            out.append(("  联系频次：" if zh else "  contact cadence: ")
                       + (label(lang) if label else route.cadence))
        if route.managers == "ab":
            out.append("  主辅制（AB 角）：开发时 A 角为主、B 角配合；开发成功后 B 角维护为主、"
                       "A 角配合（D-18）" if zh else
                       "  two client managers (A/B roles): A leads development with B "
                       "supporting; once developed, B leads maintenance with A supporting "
                       "(D-18)")
        return out

    def _cell_words(self, cell: Cell, lang: str) -> str:
        zh = lang == "zh"
        col = cell.column
        if cell.ranges:
            parts = [_range_words(r, lang) for r in cell.ranges]
            shown = ("或" if zh else " or ").join(parts)
        else:
            order = {v: i for i, v in enumerate(col.domain)}
            vals = sorted(cell.values or (), key=lambda v: (order.get(v, len(order)), str(v)))
            shown = ("或" if zh else " or ").join(
                ("无" if zh else "none") if v == NONE else col.show(v, lang) for v in vals)
        if cell.negate:
            shown = ("不是" if zh else "not ") + shown
        return f"{col.title(lang)}{'为' if zh else ' '}{shown}"


def _atom(column: Column, value: Any) -> Any:
    if column.kind == "number":
        return ("pt", value)
    return value


def _range_words(r: tuple[Any, Any, bool], lang: str) -> str:
    lo, hi, point = r
    if point:
        return describe_amount(lo)
    zh = lang == "zh"
    if hi is None:
        return f"{describe_amount(lo)}{'及以上' if zh else ' or more'}"
    if lo is None:
        return f"{'低于' if zh else 'below '}{describe_amount(hi)}"
    return (f"{describe_amount(lo)}（含）至{describe_amount(hi)}（不含）" if zh
            else f"from {describe_amount(lo)} up to {describe_amount(hi)}")

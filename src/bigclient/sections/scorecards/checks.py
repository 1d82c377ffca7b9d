"""Static checks of scorecards (``bigclient validate``): ranges that do not add up to full
marks, item bounds that can never be reached, items worth more than their part holds,
weights that miss the part's maximum, grades that leave totals ungraded (BC930–BC935).

Value ranges come from the facts' ``min``/``max`` through the language's interval
analysis, so ``min(savings_growth / 50万, 30)`` is known to give 0..30 when the fact has
``min: 0``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bigclient.errors import Problem
from bigclient.i18n import _
from bigclient.language.amounts import format_amount
from bigclient.language.fields import FieldSpec
from bigclient.language.ranges import INF, NEG_INF, Iv, Ranges, parse, walk_guarded
from bigclient.language.source import Located, YamlPath
from bigclient.sections.scorecards.compiled import CompiledCard, CompiledItem
from bigclient.sections.scorecards.model import ScorecardSpec

ZERO, ONE = Decimal(0), Decimal(1)


@dataclass
class _FactsSpec:
    inputs: Mapping[str, FieldSpec]
    context: Mapping[str, FieldSpec]


@dataclass
class _FactsView:
    """A scorecard's facts seen as the interval analysis sees a ruleset's inputs."""

    source: Located
    spec: Any
    derived: list[tuple[str, Any]]
    lines: tuple[str, ...]


def _fmt(value: Decimal) -> str:
    return format_amount(value)


def raw_range(ranges: Ranges, it: CompiledItem, path: YamlPath) -> Iv:
    """Points an item can give before its own min/max (after its form's arithmetic)."""
    key = {"points": "points", "per": "per", "weighted": "attainment"}[it.form]
    e = parse(it.expr.text, (*path, key))
    iv = ranges.of(e, e.tree, {}) if e is not None else Iv(NEG_INF, INF)
    if it.form == "points":
        return iv
    assert it.each is not None
    if it.form == "weighted":
        a = Iv(max(iv.lo, ZERO), min(iv.hi, ONE))
        if a.lo > a.hi:  # the attainment is always outside 0..1: held to one end
            a = Iv(ONE, ONE) if iv.lo > ONE else Iv(ZERO, ZERO)
        return Iv(a.lo * it.each, a.hi * it.each)
    count = Iv(max(iv.lo, ZERO), max(iv.hi, ZERO))
    ends = [count.lo * it.each, count.hi * it.each if count.hi != INF else
            (INF if it.each > 0 else NEG_INF if it.each < 0 else ZERO)]
    return Iv(min(ends), max(ends))


def check_card(card: ScorecardSpec, compiled: CompiledCard, base: YamlPath, src: Located,
               lines: tuple[str, ...]) -> list[Problem]:
    out: list[Problem] = []
    ranges = Ranges(_FactsView(src, _FactsSpec(card.facts, {}), [], lines))
    low = sum((p.range[0] for p in card.parts), ZERO)
    high = sum((p.range[1] for p in card.parts), ZERO)
    if card.max is not None and high != card.max:
        out.append(src.problem((*base, "max"), _(
            "the parts' ranges add up to {sum} ({parts}), not to the scorecard's full marks "
            "{max}").format(sum=_fmt(high), max=_fmt(card.max), parts=" + ".join(
                _fmt(p.range[1]) for p in card.parts)), code="BC930", severity="warning",
            hint=_("correct a part's range, or the scorecard's max")))
    for pi, cpart in enumerate(compiled.parts):
        p = cpart.spec
        ppath = (*base, "parts", pi)
        lo, hi = p.range
        width = hi - lo
        if not lo <= p.start <= hi:
            out.append(src.problem((*ppath, "start"), _(
                "part '{id}' starts at {start}, outside its range {lo}..{hi}").format(
                    id=p.id, start=_fmt(p.start), lo=_fmt(lo), hi=_fmt(hi)),
                code="BC935", severity="warning"))
        weights = [it.each for it in cpart.items if it.form == "weighted" and it.each]
        if weights and sum(weights, ZERO) != hi - p.start:
            out.append(src.problem((*ppath, "items"), _(
                "the weights of part '{id}' add up to {sum}, but the part's maximum is "
                "{max}").format(id=p.id, sum=_fmt(sum(weights, ZERO)),
                                max=_fmt(hi - p.start)), code="BC933", severity="warning",
                hint=_("make the weights add up to the part's maximum")))
        index = {id(spec): ii for ii, spec in enumerate(p.items)}
        for it in cpart.items:
            ipath = (*ppath, "items", index[id(it.spec)])
            out.extend(_item_checks(ranges, it, ipath, p.id, width, src))
            out.extend(_divisions(ranges, it, ipath, src))
    if card.grades:
        lowest = min(card.grades, key=lambda g: g.from_)
        if lowest.from_ > low:
            gi = card.grades.index(lowest)
            out.append(src.problem((*base, "grades", gi, "from"), _(
                "totals from {low} up to {start} get no grade: the lowest grade '{id}' starts "
                "at {start}").format(low=_fmt(low), start=_fmt(lowest.from_), id=lowest.id),
                code="BC934", severity="warning",
                hint=_("let the lowest grade start at {low}").format(low=_fmt(low))))
        for gi, g in enumerate(card.grades):
            if g.from_ > high:
                out.append(src.problem((*base, "grades", gi, "from"), _(
                    "grade '{id}' starts at {start}, above the highest possible total "
                    "{high}: no subject can reach it").format(
                        id=g.id, start=_fmt(g.from_), high=_fmt(high)),
                    code="BC934", severity="warning"))
    return out


def _item_checks(ranges: Ranges, it: CompiledItem, ipath: YamlPath, part: str,
                 width: Decimal, src: Located) -> list[Problem]:
    out: list[Problem] = []
    spec = it.spec
    raw = raw_range(ranges, it, ipath)
    if spec.max is not None and raw.hi < spec.max:
        out.append(src.problem((*ipath, "max"), _(
            "item '{id}' can never reach its max {bound}: it gives at most {reach}").format(
                id=spec.id, bound=_fmt(spec.max), reach=_fmt(raw.hi)),
            code="BC931", severity="warning"))
    if spec.min is not None and raw.lo > spec.min:
        out.append(src.problem((*ipath, "min"), _(
            "item '{id}' can never reach its min {bound}: it gives at least {reach}").format(
                id=spec.id, bound=_fmt(spec.min), reach=_fmt(raw.lo)),
            code="BC931", severity="warning"))
    top = raw.hi if spec.max is None else min(raw.hi, spec.max)
    bottom = raw.lo if spec.min is None else max(raw.lo, spec.min)
    if top != INF and top > width:
        out.append(src.problem(ipath, _(
            "item '{id}' can add {points} points, but part '{part}' spans only {width}: its "
            "points above that never count").format(id=spec.id, points=_fmt(top),
                                                     part=part, width=_fmt(width)),
            code="BC932", severity="warning", hint=_("give the item a max")))
    elif bottom != NEG_INF and -bottom > width:
        out.append(src.problem(ipath, _(
            "item '{id}' can deduct {points} points, but part '{part}' spans only {width}: "
            "deductions beyond that never count").format(id=spec.id, points=_fmt(-bottom),
                                                         part=part, width=_fmt(width)),
            code="BC932", severity="warning", hint=_("give the item a min")))
    return out


def _divisions(ranges: Ranges, it: CompiledItem, ipath: YamlPath,
               src: Located) -> list[Problem]:
    """``a / b`` where the fact b can be 0 and no guard rules it out (as validate warns of
    the ruleset's own expressions)."""
    key = {"points": "points", "per": "per", "weighted": "attainment"}[it.form]
    e = parse(it.expr.text, (*ipath, key))
    if e is None:
        return []
    out: list[Problem] = []
    for node, facts in walk_guarded(ranges, e, e.tree, {}):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and \
                ranges.of(e, node.right, facts).can_be_zero:
            text = e.source(node.right)
            out.append(src.problem((*ipath, key), _(
                "'{source}' divides by '{text}', which can be 0; for such a subject the "
                "assessment would stop with a division-by-zero error").format(
                    source=e.source(node), text=text), code="BC306", severity="warning",
                hint=_("give '{text}' a min above 0, or guard it: ({source}) if {text} > 0 "
                       "else 0").format(text=text, source=e.source(node))))
    return out

"""The sections of a decision over columns: derived values, qualification (criteria and
per-line tables), scoring (bands, weights, rounding, cut-offs), flags (exclude, cap) and
routing (tables over finite columns).

Whatever has few distinct outcomes — a row's met criteria, its band in every indicator, its
raised flags, its routing key — is coded as one small integer per row; each distinct code is
then decided once by the sections' own scalar code (``tier_of``, ``conclude``) and spread
back with ``take``. So the score, the tier and the route of every row come from the same
Decimal code the scalar path runs, and the columns only decide which code a row has.

Two phases keep memory flat: :func:`_codes` reads the inputs and reduces every row to its
codes, and returns (so the input columns and every intermediate are freed); only then are
the decision columns made from the codes, reusing that memory.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from bigclient.batch import inputs
from bigclient.batch import numbers as nb
from bigclient.batch.codes import by_code, full, int_type, pack, spread
from bigclient.batch.numbers import Num, Unsupported
from bigclient.batch.plan import Plan, plan_of
from bigclient.batch.routing import ROUTES_TYPE, route_columns, route_keys
from bigclient.batch.vexpr import Columns
from bigclient.batch.vexpr import and_ as _and
from bigclient.batch.vexpr import or_ as _or
from bigclient.language.amounts import ROUNDING_MODES

__all__ = ["ROUTES_TYPE", "Outcome", "decide"]

UNROUTED = "unrouted"


class Outcome(NamedTuple):
    """Decision columns for every row, and the rows the scalar path must decide instead."""

    columns: dict[str, Any]
    scalar: Any  # boolean array, or None


class Codes(NamedTuple):
    """Rows reduced to codes: all the decision columns are made from these."""

    qualified: Any  # bool array
    criteria: Any  # int array: bit i set when the i-th criterion mask holds
    score: Any  # int array: the band combination (see ``plan.memo('score')``); None: no scoring
    rank: Any  # int array: tier position, len(tiers) for none
    flags: Any  # int array: bit i set when the i-th flag is raised
    route: Any  # int array: routing key + 1, 0 when not routed (None: no routing)
    scalar: Any  # bool array: rows the scalar path decides (None: none)
    score_keys: list[int]  # the distinct values of ``score``
    route_keys: list[int]  # the distinct values of ``route``


MORSEL = 65_536
"""Rows read and reduced to codes at a time: the input columns and intermediates of one
morsel are all that is alive at once (a few MB, reused from morsel to morsel and then by
the decision columns), instead of the whole table's."""


def decide(rs: Any, table: pa.Table, context: dict[str, Any]) -> Outcome:
    """All decision columns of ``table``, or Unsupported."""
    plan = plan_of(rs)
    n = table.num_rows
    parts = -(-n // MORSEL) or 1
    size = -(-n // parts)
    morsels = [_codes(plan, table.slice(i, size), context, min(size, n - i))
               for i in range(0, n, size)] if n else [_codes(plan, table, context, 0)]
    return _columns(plan, _merge(morsels), n)


def _merge(morsels: list[Codes]) -> Codes:
    if len(morsels) == 1:
        return morsels[0]

    def cat(name: str) -> Any:
        arrays = [getattr(m, name) for m in morsels]
        if arrays[0] is None:
            return None
        t = max((a.type for a in arrays), key=lambda t: t.bit_width)
        return pa.concat_arrays([a if a.type == t else a.cast(t) for a in arrays])

    masks = [m.scalar for m in morsels]
    scalar = None if all(m is None for m in masks) else pa.concat_arrays([
        m if m is not None else full(False, len(c.qualified), pa.bool_())
        for m, c in zip(masks, morsels, strict=True)])
    return Codes(cat("qualified"), cat("criteria"), cat("score"), cat("rank"), cat("flags"),
                 cat("route"), scalar,
                 sorted(set().union(*(m.score_keys for m in morsels))),
                 sorted(set().union(*(m.route_keys for m in morsels))))


def _codes(plan: Plan, table: pa.Table, context: dict[str, Any], n: int) -> Codes:
    read = inputs.read(inputs.prepare(table, plan.maps), plan.fields, plan.lines,
                       plan.identity, plan.needed)
    env: dict[str, Any] = {**read.env, **inputs.constant_env(context)}
    read.env = {}
    cols = Columns(env, n, plan)
    for name, expr in plan.derived:
        env[name] = cols.run(expr)
    scalar: list[Any] = read.scalar

    # -- qualification ------------------------------------------------------------------
    q = plan.q
    masks: list[Any] = []
    groups: list[Any] = []
    for c in q.criteria:
        if c.expr is not None:
            hit = cols.run(c.expr)
            masks.append(hit)
            groups.append(hit)
            continue
        group: Any = False
        for line, checks in c.lines:
            ok: Any = True
            for chk in checks:
                value = env[chk.source][line] if chk.by_line else env[chk.source]
                if not isinstance(value, Num):
                    raise Unsupported("a per-line table over something other than amounts")
                ge, amb = nb.compare(value, nb.const(chk.threshold), "ge")
                if amb is not None:
                    scalar.append(amb)
                ok = _and(ok, ge)
            masks.append(ok)
            group = _or(group, ok)
        groups.append(group)
    qualified: Any = groups[0]
    for g in groups[1:]:
        qualified = _or(qualified, g) if q.any else _and(qualified, g)
    qualified = full(qualified, n, pa.bool_())
    criteria_code = pack(masks, n)
    del masks, groups

    # -- scoring ------------------------------------------------------------------------
    sc = plan.sc
    no_tier = len(plan.tier_names) - 1
    score_code: Any = None
    score_keys: list[int] = []
    if sc is not None:
        score_code, score_keys, rank = _scoring(plan, cols, n)
    else:
        rank = full(no_tier, n, pa.int16())

    # -- flags ----------------------------------------------------------------------------
    fl = plan.fl
    raised: list[Any] = []
    if fl is not None:
        for rule, expr in fl.flags:
            hit = cols.run(expr)
            raised.append(hit)
            if isinstance(hit, bool) and not hit:
                continue
            if rule.exclude:
                qualified = pc.and_(qualified, pc.invert(full(hit, n, pa.bool_())))
            if rule.cap is not None and sc is not None:
                cap = pa.scalar(sc.rank(rule.cap), rank.type)
                rank = pc.if_else(pc.and_(full(hit, n, pa.bool_()), pc.less(rank, cap)),
                                  cap, rank)
    rank = pc.if_else(qualified, rank, pa.scalar(no_tier, rank.type))
    flags_code = pack(raised, n)
    del raised
    scalar.extend(cols.ambiguous)

    route: Any = None
    keys: list[int] = []
    if plan.rt is not None:
        route, keys, bad = route_keys(plan, env, n, rank, criteria_code, flags_code)
        if bad is not None:
            scalar.append(bad)
    mask: Any = None
    for m in scalar:
        if isinstance(m, bool):
            if not m:
                continue
            m = full(m, n, pa.bool_())
        mask = m if mask is None else pc.or_(mask, m)
    return Codes(qualified, criteria_code, score_code, rank, flags_code, route, mask,
                 score_keys, keys)


def _columns(plan: Plan, codes: Codes, n: int) -> Outcome:
    ids = plan.criteria_ids
    flag_ids = [rule.id for rule, _e in plan.fl.flags] if plan.fl is not None else []
    out: dict[str, Any] = {"qualified": codes.qualified}
    out["criteria"] = spread(codes.criteria, lambda c: [i for b, i in enumerate(ids)
                                                        if c >> b & 1],
                             pa.list_(pa.string()), plan.memo("criteria"))
    score_type = pa.decimal128(38, _score_scale(plan))
    if codes.score is not None:
        memo = plan.memo("score")
        out["score"] = by_code(codes.score, codes.score_keys, lambda c: memo[c][0],
                               score_type)
    else:
        out["score"] = pa.nulls(n, score_type)
    tier_col = pc.take(pa.array(plan.tier_names, pa.string()), codes.rank)
    out["computed_tier"] = tier_col
    out["tier"] = tier_col
    flags_code = codes.flags
    if codes.route is not None:
        unit, support, routes, unrouted = route_columns(plan, codes.route, codes.route_keys)
        out.update(unit=unit, support=support, routes=routes)
        if unrouted is not None:
            bit = 1 << len(flag_ids)
            t = int_type(len(flag_ids) + 1)
            flags_code = pc.add(pc.cast(flags_code, t), pc.multiply(pc.cast(unrouted, t),
                                                                    pa.scalar(bit, t)))
    every_flag = [*flag_ids, UNROUTED]
    out["flags"] = spread(flags_code, lambda c: [f for b, f in enumerate(every_flag)
                                                 if c >> b & 1], pa.list_(pa.string()),
                          plan.memo("flags"))
    return Outcome(out, codes.scalar)


def _score_scale(plan: Plan) -> int:
    if plan.sc is None:
        return 0
    exp = plan.sc.step.as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def _scoring(plan: Plan, cols: Columns, n: int) -> tuple[Any, list[int], Any]:
    """(band combination per row, the distinct combinations, tier rank per row); every
    combination's score and rank are in ``plan.memo('score')`` afterwards."""
    sc = plan.sc
    radix = 1
    parts: list[tuple[int, Any, list[Decimal], Decimal]] = []  # (radix, weight, scores, else)
    bands: list[tuple[Any, int]] = []
    for ind in sc.enabled:
        if ind.expr is None:
            continue
        value = cols.run(ind.expr)
        if not isinstance(value, Num):
            raise Unsupported("an indicator whose value is not a number")
        band: Any = 0  # 0: otherwise, j + 1: bands[j]
        for j, (lower, b) in enumerate(zip(ind.lowers, ind.bands, strict=True)):
            hit: Any = True
            if lower.is_finite():
                hit = _compare(cols, value, lower, "ge")
            if b.to is not None:
                hit = _and(hit, _compare(cols, value, b.to, "lt"))
            if isinstance(hit, bool):
                band = j + 1 if hit else band
            else:
                band = pc.if_else(hit, pa.scalar(j + 1, pa.int16()),
                                  pa.scalar(band, pa.int16()) if isinstance(band, int)
                                  else band)
        bands.append((band, radix))
        parts.append((radix, ind.weight, [b.score for b in ind.bands], ind.spec.otherwise))
        radix *= len(ind.bands) + 1
        if radix > 2**62:
            raise Unsupported("too many band combinations")
    t = int_type(radix.bit_length())
    fixed = 0  # the bands every row shares
    code: Any = None
    for band, r in bands:
        if isinstance(band, int):
            fixed += band * r
            continue
        term = pc.cast(band, t)
        if r != 1:
            term = pc.multiply(term, pa.scalar(r, t))
        code = term if code is None else pc.add(code, term)
    if code is None:
        code = full(fixed, n, t)
    elif fixed:
        code = pc.add(code, pa.scalar(fixed, t))
    memo = plan.memo("score")
    rounding = ROUNDING_MODES[sc.mode]

    def make(c: int) -> tuple[Decimal, int]:  # the scalar path's sum, in its order, rounded
        total = Decimal(0)
        for r, weight, band_scores, otherwise in parts:
            j = c // r % (len(band_scores) + 1)
            total += weight * (band_scores[j - 1] if j else otherwise)
        score = total.quantize(sc.step, rounding=rounding)
        return score, sc.rank(sc.tier_of(score))

    uniq = pc.unique(code).to_pylist()
    for c in uniq:
        if c not in memo:
            memo[c] = make(c)
    return code, uniq, by_code(code, uniq, lambda c: memo[c][1], pa.int16())


def _compare(cols: Columns, value: Num, bound: Decimal, op: str) -> Any:
    result, amb = nb.compare(value, nb.const(bound), op)
    if amb is not None:
        cols.ambiguous.append(amb)
    return result

"""The sections of a decision over columns: derived values, qualification (criteria and
per-line tables), scoring (bands, weights, rounding, cut-offs), flags (exclude, cap) and
routing (tables over finite columns).

Whatever has few distinct outcomes — a row's met criteria, its band in every indicator, its
raised flags, its routing key — is coded as one integer per row; each distinct code is then
decided once by the sections' own scalar code (``tier_of``, ``conclude``) and spread back
with ``take``. So the score, the tier and the route of every row come from the same Decimal
code the scalar path runs, and the columns only decide which code a row has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from bigclient.batch import inputs
from bigclient.batch import numbers as nb
from bigclient.batch.numbers import Num, Unsupported
from bigclient.batch.vexpr import Columns
from bigclient.batch.vexpr import and_ as _and
from bigclient.batch.vexpr import or_ as _or
from bigclient.errors import EvaluationError
from bigclient.language.amounts import ROUNDING_MODES
from bigclient.sections.base import CompiledSection, Verdict

KNOWN = frozenset({"derived", "qualification", "scoring", "flags", "routing"})
"""Sections whose part of a decision the columnar path knows how to make."""
UNROUTED = "unrouted"


@dataclass
class Outcome:
    """Decision columns for every row, and the rows the scalar path must decide instead."""

    columns: dict[str, Any]
    scalar: Any  # boolean array, or None


def check_sections(rs: Any) -> None:
    """Refuse (Unsupported) a ruleset with a deciding section this module does not know."""
    if rs.section("qualification") is None:
        raise Unsupported("the ruleset has no client rules")
    for section in rs.sections:
        c = rs.section(section.key)
        if c is None or section.key in KNOWN:
            continue
        t = type(c)
        if t.decide is not CompiledSection.decide or t.conclude is not CompiledSection.conclude:
            raise Unsupported(f"the section '{section.key}' is not vectorised")


def full(value: Any, n: int, type_: Any = None) -> Any:
    """A per-row array of a value that may be a constant."""
    if isinstance(value, pa.Array | pa.ChunkedArray):
        return value
    return pa.array([value] * n, type_) if n else pa.array([], type_)


def _codes(masks: Sequence[Any], n: int) -> Any:
    """Σ mask_i · 2**i, one int64 per row: which of the masks hold."""
    if len(masks) > 62:
        raise Unsupported("more than 62 criteria or flags")
    code: Any = pa.scalar(0, pa.int64())
    for i, m in enumerate(masks):
        if isinstance(m, bool):
            if m:
                code = pc.add(code, 1 << i)
            continue
        code = pc.add(code, pc.if_else(m, pa.scalar(1 << i, pa.int64()),
                                       pa.scalar(0, pa.int64())))
    return full(code.as_py(), n, pa.int64()) if isinstance(code, pa.Scalar) else code


def spread(code: Any, make: Callable[[int], Any], type_: Any) -> Any:
    """For each distinct code, ``make(code)`` once; then every row gets its code's value."""
    uniq = pc.unique(code)
    values = [make(c) for c in uniq.to_pylist()]
    return pc.take(pa.array(values, type_), pc.index_in(code, uniq))


def decide(rs: Any, table: pa.Table, context: dict[str, Any]) -> Outcome:
    """All decision columns of ``table``, or Unsupported."""
    check_sections(rs)
    spec = rs.spec
    n = table.num_rows
    maps = {name: rs.lines for name, f in spec.inputs.items() if f.type == "money_map"}
    read = inputs.read(inputs.prepare(table, maps), spec.inputs, rs.lines,
                       tuple(spec.identity))
    env: dict[str, Any] = {**read.env, **inputs.constant_env(context)}
    cols = Columns(env, n)
    for name, expr in rs.derived:
        env[name] = cols.run(expr)
    scalar: list[Any] = [*read.scalar]
    out: dict[str, Any] = {}

    # -- qualification ------------------------------------------------------------------
    q = rs.section("qualification")
    ids: list[str] = []
    masks: list[Any] = []
    groups: list[Any] = []
    for c in q.criteria:
        if c.expr is not None:
            hit = cols.run(c.expr)
            ids.append(c.id)
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
            ids.append(f"{c.id}:{line}")
            masks.append(ok)
            group = _or(group, ok)
        groups.append(group)
    qualified: Any = groups[0]
    for g in groups[1:]:
        qualified = _or(qualified, g) if q.any else _and(qualified, g)
    qualified = full(qualified, n, pa.bool_())
    criteria_code = _codes(masks, n)

    # -- scoring ------------------------------------------------------------------------
    sc = rs.section("scoring")
    no_tier = len(sc.tiers) if sc is not None else 0
    score_code: Any = None
    rank: Any = full(no_tier, n, pa.int64())
    score_type = pa.decimal128(38, 0)
    if sc is not None:
        score_code, scores, ranks, score_type = _scoring(sc, cols, n)
        rank = ranks

    # -- flags ----------------------------------------------------------------------------
    fl = rs.section("flags")
    flag_ids: list[str] = []
    raised: list[Any] = []
    if fl is not None:
        for rule, expr in fl.flags:
            hit = cols.run(expr)
            flag_ids.append(rule.id)
            raised.append(hit)
        for rule, hit in zip((r for r, _ in fl.flags), raised, strict=True):
            if isinstance(hit, bool) and not hit:
                continue
            if rule.exclude:
                qualified = pc.and_(qualified, pc.invert(full(hit, n, pa.bool_())))
            if rule.cap is not None and sc is not None:
                cap = sc.rank(rule.cap)
                rank = pc.if_else(pc.and_(full(hit, n, pa.bool_()), pc.less(rank, cap)),
                                  pa.scalar(cap, pa.int64()), rank)
    rank = pc.if_else(qualified, rank, pa.scalar(no_tier, pa.int64()))
    flags_code = _codes(raised, n)
    scalar.extend(cols.ambiguous)

    # -- the columns ----------------------------------------------------------------------
    tier_names = [t for _cut, t in sc.tiers] + [None] if sc is not None else [None]
    tier_col = pc.take(pa.array(tier_names, pa.string()), rank)
    out["qualified"] = qualified
    out["criteria"] = spread(criteria_code, lambda c: [i for b, i in enumerate(ids) if c >> b & 1],
                             pa.list_(pa.string()))
    out["score"] = (pc.take(pa.array(scores, score_type), score_code) if sc is not None
                    else pa.nulls(n, score_type))
    out["computed_tier"] = tier_col
    out["tier"] = tier_col
    unrouted: Any = None
    rt = rs.section("routing")
    if rt is not None:
        unit, support, routes, unrouted, bad = _routing(rt, env, n, rank, tier_names,
                                                        criteria_code, ids, flags_code,
                                                        flag_ids)
        out.update(unit=unit, support=support, routes=routes)
        if bad is not None:
            scalar.append(bad)
    if unrouted is not None:
        flags_code = pc.add(flags_code, pc.if_else(unrouted, pa.scalar(1 << len(flag_ids),
                                                                       pa.int64()),
                                                   pa.scalar(0, pa.int64())))
    every_flag = [*flag_ids, UNROUTED]
    out["flags"] = spread(flags_code, lambda c: [f for b, f in enumerate(every_flag)
                                                 if c >> b & 1], pa.list_(pa.string()))
    mask: Any = None
    for m in scalar:
        if isinstance(m, bool):
            m = full(m, n, pa.bool_())
        mask = m if mask is None else pc.or_(mask, m)
    return Outcome(out, mask)


def _scoring(sc: Any, cols: Columns, n: int) -> tuple[Any, list[Decimal], Any, Any]:
    """(combination code per row, score per code, tier rank per row, score type)."""
    code: Any = pa.scalar(0, pa.int64())
    radix = 1
    parts: list[tuple[int, Any, list[Decimal], Decimal]] = []  # (radix, weight, scores, else)
    for ind in sc.enabled:
        if ind.expr is None:
            continue
        value = cols.run(ind.expr)
        if not isinstance(value, Num):
            raise Unsupported("an indicator whose value is not a number")
        band: Any = pa.scalar(0, pa.int64())  # 0: otherwise, j + 1: bands[j]
        for j, (lower, b) in enumerate(zip(ind.lowers, ind.bands, strict=True)):
            hit: Any = True
            if lower.is_finite():
                hit = _compare(cols, value, lower, "ge")
            if b.to is not None:
                hit = _and(hit, _compare(cols, value, b.to, "lt"))
            if isinstance(hit, bool):
                band = pa.scalar(j + 1, pa.int64()) if hit else band
            else:
                band = pc.if_else(hit, pa.scalar(j + 1, pa.int64()), band)
        code = pc.add_checked(code, pc.multiply_checked(band, radix))
        parts.append((radix, ind.weight, [b.score for b in ind.bands], ind.spec.otherwise))
        radix *= len(ind.bands) + 1
        if radix > 2**62:
            raise Unsupported("too many band combinations")
    code = full(code.as_py(), n, pa.int64()) if isinstance(code, pa.Scalar) else code
    uniq = pc.unique(code).to_pylist()
    rounding = ROUNDING_MODES[sc.mode]
    scores: list[Decimal] = []
    ranks: list[int] = []
    for c in uniq:  # the scalar path's sum, in its order, rounded as it rounds
        total = Decimal(0)
        for r, weight, band_scores, otherwise in parts:
            j = c // r % (len(band_scores) + 1)
            total += weight * (band_scores[j - 1] if j else otherwise)
        score = total.quantize(sc.step, rounding=rounding)
        scores.append(score)
        ranks.append(sc.rank(sc.tier_of(score)))
    exp = sc.step.as_tuple().exponent
    score_type = pa.decimal128(38, max(0, -exp) if isinstance(exp, int) else 0)
    index = pc.index_in(code, pa.array(uniq, pa.int64()))
    return index, scores, pc.take(pa.array(ranks, pa.int64()), index), score_type


def _compare(cols: Columns, value: Num, bound: Decimal, op: str) -> Any:
    result, amb = nb.compare(value, nb.const(bound), op)
    if amb is not None:
        cols.ambiguous.append(amb)
    return result


def _routing(rt: Any, env: dict[str, Any], n: int, rank: Any, tier_names: list[str | None],
             criteria_code: Any, ids: list[str], flags_code: Any,
             flag_ids: list[str]) -> tuple[Any, Any, Any, Any, Any]:
    """Unit, support, routes, the 'unrouted' rows and the rows whose table is in error."""
    parts: list[tuple[Any, int, Callable[[int], Any]]] = []  # (code per row, size, decode)
    for col in rt.columns:
        if col.name == "tier":
            parts.append((rank, len(tier_names), lambda c: tier_names[c]))
        elif col.name == "lines":
            parts.append((criteria_code, 1 << len(ids), lambda c: c))
        elif col.name == "flags":
            parts.append((flags_code, 1 << len(flag_ids),
                          lambda c: [f for b, f in enumerate(flag_ids) if c >> b & 1]))
        elif col.kind in ("enum", "bool"):
            value = env.get(col.name)
            domain: list[Any] = list(col.domain) if col.kind == "enum" else [False, True]
            if isinstance(value, pa.Array | pa.ChunkedArray):
                idx = pc.index_in(value, pa.array(domain))
                if idx.null_count:
                    raise Unsupported(f"a value of '{col.name}' outside its domain")
                idx = pc.cast(idx, pa.int64())
            elif value in domain:
                idx = full(domain.index(value), n, pa.int64())
            else:
                raise Unsupported(f"the routing column '{col.name}'")
            parts.append((idx, len(domain), lambda c, d=domain: d[c]))  # type: ignore[misc]
        else:
            raise Unsupported(f"the routing column '{col.name}' ({col.kind})")
    code: Any = pa.scalar(0, pa.int64())
    radix = 1
    for part, size, _decode in parts:
        code = pc.add_checked(code, pc.multiply_checked(part, radix))
        radix *= size
        if radix > 2**40:
            raise Unsupported("too many routing keys")
    code = full(code.as_py(), n, pa.int64()) if isinstance(code, pa.Scalar) else code
    routed = pc.less(rank, len(tier_names) - 1)  # qualified with a tier
    code = pc.if_else(routed, code, pa.scalar(-1, pa.int64()))

    def decode(k: int) -> tuple[dict[str, Any], Verdict]:
        crit, c = divmod(k, radix)
        fake_env: dict[str, Any] = {}
        verdict = Verdict(qualified=True, criteria=tuple(
            i for b, i in enumerate(ids) if crit >> b & 1))
        for col, (_part, size, dec) in zip(rt.columns, parts, strict=True):
            c, digit = divmod(c, size)
            value = dec(digit)
            if col.name == "tier":
                verdict.tier = value
            elif col.name == "flags":
                verdict.flags = tuple(value)
            elif col.name == "lines":
                verdict.criteria = tuple(i for b, i in enumerate(ids) if value >> b & 1)
            else:
                fake_env[col.name] = value
        return fake_env, verdict

    def per_line(k: int) -> bool:
        """Does the row chosen for this key route per line (so the met lines matter)?"""
        if k < 0:
            return False
        fake_env, verdict = decode(k)
        try:
            chosen = rt.choose(rt.matching(rt.values(fake_env, verdict.tier, verdict.flags,
                                                     verdict.criteria)))
        except EvaluationError:
            return False
        return any(r.spec.per_line for r in chosen)

    line_bits = sum(1 << b for b, i in enumerate(ids) if i.partition(":")[2] in rt.lines)
    needs = spread(code, per_line, pa.bool_())
    if pc.any(needs).as_py():
        if radix * (line_bits + 1) > 2**62:
            raise Unsupported("too many routing keys")
        lines_code = pc.multiply_checked(pc.bit_wise_and(criteria_code, line_bits), radix)
        key = pc.if_else(needs, pc.add_checked(code, lines_code), code)
    else:
        key = code
    uniq = pc.unique(key).to_pylist()
    units: list[str | None] = []
    supports: list[str | None] = []
    lists: list[list[dict[str, Any]] | None] = []
    flags: list[bool] = []
    errors: list[bool] = []
    for k in uniq:
        if k < 0:
            units.append(None)
            supports.append(None)
            lists.append([])
            flags.append(False)
            errors.append(False)
            continue
        fake_env, verdict = decode(k)
        before = len(verdict.flags)
        try:
            rt.conclude(fake_env, verdict)
        except EvaluationError:
            units.append(None)
            supports.append(None)
            lists.append([])
            flags.append(False)
            errors.append(True)
            continue
        routes = verdict.routes
        units.append(";".join(r.unit + (f"[{r.line}]" if r.line else "") for r in routes))
        supports.append(";".join(r.support or "" for r in routes if r.support))
        lists.append([r.to_dict() for r in routes])
        flags.append(UNROUTED in verdict.flags[before:])
        errors.append(False)
    index = pc.index_in(key, pa.array(uniq, pa.int64()))
    unit = pc.take(pa.array(units, pa.string()), index)
    support = pc.take(pa.array(supports, pa.string()), index)
    routes_col = pc.take(pa.array(lists, ROUTES_TYPE), index)
    unrouted = pc.take(pa.array(flags, pa.bool_()), index)
    bad = pc.take(pa.array(errors, pa.bool_()), index) if any(errors) else None
    return unit, support, routes_col, unrouted, bad


ROUTE_TYPE = pa.struct([("unit", pa.string()), ("support", pa.string()), ("line", pa.string()),
                        ("cadence", pa.string()), ("managers", pa.string()),
                        ("row", pa.int32()), ("rule", pa.string())])
ROUTES_TYPE = pa.list_(ROUTE_TYPE)

"""Routing over columns: every routed row gets one key (its values in the routing table's
columns, and the lines it met when the row chosen for it routes per line); each distinct key
is concluded once by the routing section's own ``conclude`` and remembered in the plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from bigclient.batch import inputs
from bigclient.batch.codes import by_code, full, positions, spread
from bigclient.batch.numbers import Unsupported
from bigclient.errors import EvaluationError
from bigclient.sections.base import Verdict

ROUTE_TYPE = pa.struct([("unit", pa.string()), ("support", pa.string()), ("line", pa.string()),
                        ("cadence", pa.string()), ("managers", pa.string()),
                        ("row", pa.int32()), ("rule", pa.string())])
ROUTES_TYPE = pa.list_(ROUTE_TYPE)
UNROUTED = "unrouted"
_NOT_ROUTED: tuple[Any, ...] = (None, None, [], False, False)
"""A key's outcome: (unit, support, routes, unrouted, error)."""


def route_keys(plan: Any, env: dict[str, Any], n: int, rank: Any, criteria_code: Any,
               flags_code: Any) -> tuple[Any, list[int], Any]:
    """(routing key + 1 per row, 0 for a row not routed; its distinct keys; the rows whose
    table is in error, or None). Every key's outcome is in ``plan.memo('route')``
    afterwards."""
    rt = plan.rt
    ids = plan.criteria_ids
    flag_ids = [rule.id for rule, _e in plan.fl.flags] if plan.fl is not None else []
    tier_names = plan.tier_names
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
            domain = _domain(col)
            parts.append((_domain_codes(col, env.get(col.name), n), len(domain),
                          domain.__getitem__))
        else:
            raise Unsupported(f"the routing column '{col.name}' ({col.kind})")
    radix = 1
    code: Any = None
    for part, size, _decode in parts:
        if radix > 1:
            part = pc.multiply(pc.cast(part, pa.int64()), pa.scalar(radix, pa.int64()))
        else:
            part = pc.cast(part, pa.int64())
        code = part if code is None else pc.add(code, part)
        radix *= size
        if radix > 2**40:
            raise Unsupported("too many routing keys")
    code = full(0, n, pa.int64()) if code is None else code
    routed = pc.less(rank, pa.scalar(len(tier_names) - 1, rank.type))  # qualified, a tier
    code = pc.if_else(routed, pc.add(code, pa.scalar(1, pa.int64())),
                      pa.scalar(0, pa.int64()))

    def decode(k: int) -> tuple[dict[str, Any], Verdict]:
        crit, c = divmod(k - 1, radix)
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
        if k <= 0:
            return False
        fake_env, verdict = decode(k)
        try:
            chosen = rt.choose(rt.matching(rt.values(fake_env, verdict.tier, verdict.flags,
                                                     verdict.criteria)))
        except EvaluationError:
            return False
        return any(r.spec.per_line for r in chosen)

    line_bits = sum(1 << b for b, i in enumerate(ids) if i.partition(":")[2] in rt.lines)
    needs = spread(code, per_line, pa.bool_(), plan.memo("per_line"))
    if pc.any(needs).as_py():
        if radix * (line_bits + 1) > 2**62:
            raise Unsupported("too many routing keys")
        lines_code = pc.multiply(pc.bit_wise_and(pc.cast(criteria_code, pa.int64()),
                                                 pa.scalar(line_bits, pa.int64())),
                                 pa.scalar(radix, pa.int64()))
        code = pc.if_else(needs, pc.add(code, lines_code), code)
    memo = plan.memo("route")
    uniq = pc.unique(code).to_pylist()
    errors = False
    for k in uniq:
        if k not in memo:
            memo[k] = _outcome(rt, *decode(k)) if k > 0 else _NOT_ROUTED
        errors = errors or memo[k][4]
    bad = by_code(code, uniq, lambda k: memo[k][4], pa.bool_()) if errors else None
    return code, uniq, bad


def _outcome(rt: Any, fake_env: dict[str, Any], verdict: Verdict) -> tuple[Any, ...]:
    before = len(verdict.flags)
    try:
        rt.conclude(fake_env, verdict)
    except EvaluationError:
        return (None, None, [], False, True)
    routes = verdict.routes
    return (";".join(r.unit + (f"[{r.line}]" if r.line else "") for r in routes)  # as the
            if routes else None,  # scalar rows of output.py say them: None, never ""
            ";".join(r.support or "" for r in routes if r.support) or None,
            [r.to_dict() for r in routes], UNROUTED in verdict.flags[before:], False)


def _by_key(index: Any, keys: list[int | None], memo: dict[Any, Any], field: int,
            type_: Any) -> Any:
    """One value per row: field ``field`` of the outcome of the row's key."""
    return pc.take(pa.array([None if k is None else memo[k][field] for k in keys], type_),
                   index)


def route_columns(plan: Any, code: Any, uniq: list[int]) -> tuple[Any, Any, Any, Any]:
    """unit, support, routes and the 'unrouted' rows (None when there are none), from the
    routing key + 1 of every row (0: not routed) and the distinct keys."""
    memo = plan.memo("route")
    index, keys = positions(code, uniq)
    unit = _by_key(index, keys, memo, 0, pa.string())
    support = _by_key(index, keys, memo, 1, pa.string())
    routes = _by_key(index, keys, memo, 2, ROUTES_TYPE)
    unrouted = (_by_key(index, keys, memo, 3, pa.bool_())
                if any(memo[k][3] for k in keys if k is not None) else None)
    return unit, support, routes, unrouted


def _domain(col: Any) -> list[Any]:
    return list(col.domain) if col.kind == "enum" else [False, True]


def _domain_codes(col: Any, value: Any, n: int) -> Any:
    """Each row's position in the routing column's domain."""
    domain = _domain(col)
    if isinstance(value, inputs.Cat):
        if any(v not in domain and not b for v, b in zip(value.values, value.bad,
                                                          strict=True)):
            raise Unsupported(f"a value of '{col.name}' outside its domain")
        return value.map([domain.index(v) if v in domain else 0  # a bad row's
                          for v in value.values], pa.int16())
    if isinstance(value, pa.Array | pa.ChunkedArray):
        idx = pc.index_in(value, pa.array(domain))
        if idx.null_count:
            raise Unsupported(f"a value of '{col.name}' outside its domain")
        return idx
    if value in domain:
        return full(domain.index(value), n, pa.int16())
    raise Unsupported(f"the routing column '{col.name}'")

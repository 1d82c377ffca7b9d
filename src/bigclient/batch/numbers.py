"""Exact numbers for the columnar path: a column of int64 numerators over one denominator.

A value is ``n / k``: ``n`` an int64 Arrow array (or a Python int, the same for every row),
``k`` a positive Python int fixed for the column (``10**scale`` for amounts; a division by a
constant multiplies it). Sums, products and divisions by constants stay exact rationals;
comparisons cross-multiply. Every int64 operation is overflow-checked: an overflow stops
the columnar path (the caller falls back to the scalar one), it never wraps.

The scalar path computes with ``Decimal`` at 28 significant digits, which rounds a quotient
such as ``x / 12``. ``err`` bounds, over all rows, how far the scalar path's Decimal value
may be from the exact one (0: provably equal). A comparison whose two sides differ by no
more than that bound is *ambiguous*: those rows are decided by the scalar path, so the
answer is always the scalar path's, never a guess.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

DIGITS = 28
"""Significant digits of the scalar path's decimal context."""
HALF_ULP = Fraction(6, 10**28)
"""Relative bound of one Decimal rounding at 28 digits (half an ulp is at most 5e-28)."""
INT64_MAX = 2**63 - 1


class Unsupported(Exception):
    """The columnar path cannot decide this table exactly; the message says why."""


class Num(NamedTuple):
    """n / k, exactly (a tuple: made hundreds of times per table, cheaply)."""

    n: Any  # pa.Int64Array | int
    k: int
    err: Fraction | int = 0  # 0 (an int, cheap to add) when exact
    bound: int | None = None  # an upper bound of max |n| (None: unknown)

    @property
    def is_const(self) -> bool:
        return isinstance(self.n, int)

    def max_abs(self) -> int:
        """max |n| over the rows (computed once when no bound is known)."""
        if isinstance(self.n, int):
            return abs(self.n)
        if self.bound is not None:
            return self.bound
        if len(self.n) == 0:
            return 0
        lo, hi = pc.min_max(self.n).values()
        return int(max(abs(lo.as_py() or 0), abs(hi.as_py() or 0)))

    def magnitude(self) -> Fraction:
        return Fraction(self.max_abs(), self.k) + self.err


@functools.lru_cache(maxsize=1024)
def const(value: Decimal | int) -> Num:
    """A Decimal constant as n / 10**e, exactly (remembered: thresholds recur per table)."""
    d = Decimal(value)
    sign, digits, exp = d.as_tuple()
    assert isinstance(exp, int)
    n = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
    if exp >= 0:
        return Num(n * 10**exp, 1)
    return Num(n, 10**-exp)


def _checked(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except (pa.ArrowInvalid, OverflowError) as exc:
        raise Unsupported(f"int64 overflow ({exc})") from None


@functools.lru_cache(maxsize=1024)
def _int_scalar(v: int) -> Any:
    if abs(v) > INT64_MAX:
        raise Unsupported("a constant does not fit in int64")
    return pa.scalar(v, pa.int64())


def scale(n: Any, f: int) -> Any:
    """n × f, checked."""
    if f == 1:
        return n
    if isinstance(n, int):
        return n * f
    return _checked(pc.multiply_checked, n, _int_scalar(f))


def _binary(fn: Any, a: Any, b: Any, py: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        return py(a, b)
    a = _int_scalar(a) if isinstance(a, int) else a
    b = _int_scalar(b) if isinstance(b, int) else b
    return _checked(fn, a, b)


def _two_five(k: int) -> int | None:
    """m such that 10**m / k is an integer (k has no prime factors but 2 and 5), or None."""
    a = b = 0
    while k % 2 == 0:
        k //= 2
        a += 1
    while k % 5 == 0:
        k //= 5
        b += 1
    return max(a, b) if k == 1 else None


def decimal_exact(n_max: int, k: int) -> bool:
    """Does every n / k with |n| ≤ n_max fit in 28 significant digits (so Decimal holds it
    exactly)? Only finite decimals can: k must be 2**a·5**b."""
    m = _two_five(k)
    if m is None:
        return n_max == 0
    return len(str(n_max * (10**m // k))) <= DIGITS


@functools.lru_cache(maxsize=256)
def any_int64_exact(k: int) -> bool:
    """Does Decimal hold every int64 n / k exactly? Then no row's bound is needed to say so
    (k = 10**s with s ≤ 9, as for amounts, always does)."""
    return decimal_exact(INT64_MAX + 1, k)


def _result(n: Any, k: int, err: Fraction | int, bound: int | None, rounds: bool) -> Num:
    """A result Num; ``rounds``: the scalar Decimal operation may have rounded it."""
    if isinstance(n, int):  # a constant in lowest terms: 0/12 is 0, a finite decimal
        g0 = math.gcd(n, k)
        n, k = n // g0, k // g0
    elif not rounds and err == 0 and any_int64_exact(k):
        return Num(n, k, err, bound)
    g = Num(n, k, err, bound)
    if g.bound is None and not isinstance(n, int):  # one min_max, not one per question
        g = Num(n, k, err, g.max_abs())
    if not rounds and err == 0:
        if decimal_exact(g.max_abs(), k):
            return g
        if bound is not None and not isinstance(n, int):  # the bound may be loose
            g = Num(n, k, err, None)
            g = Num(n, k, err, g.max_abs())
            if decimal_exact(g.bound or 0, k):
                return g
    return Num(n, k, err + HALF_ULP * g.magnitude(), g.bound)


def _align(a: Num, b: Num) -> tuple[Any, Any, int]:
    k = a.k * b.k // math.gcd(a.k, b.k)
    return scale(a.n, k // a.k), scale(b.n, k // b.k), k


def _b(a: Num) -> int | None:
    return abs(a.n) if isinstance(a.n, int) else a.bound


def _bound_add(a: Num, b: Num, k: int) -> int | None:
    ba, bb = _b(a), _b(b)
    if ba is None or bb is None:
        return None
    return ba * (k // a.k) + bb * (k // b.k)


def add(a: Num, b: Num, sign: int = 1) -> Num:
    x, y, k = _align(a, b)
    if sign == 1:
        n = _binary(pc.add_checked, x, y, lambda p, q: p + q)
    else:
        n = _binary(pc.subtract_checked, x, y, lambda p, q: p - q)
    return _result(n, k, a.err + b.err, _bound_add(a, b, k), False)


def mul(a: Num, b: Num) -> Num:
    n = _binary(pc.multiply_checked, a.n, b.n, lambda p, q: p * q)
    err: Fraction | int = 0
    if a.err or b.err:
        err = a.magnitude() * b.err + b.magnitude() * a.err + a.err * b.err
    ba, bb = _b(a), _b(b)
    bound = ba * bb if ba is not None and bb is not None else None
    return _result(n, a.k * b.k, err, bound, bool(err))


def div(a: Num, c: Num) -> Num:
    """a / c for a constant c (a context value or a literal): exact as a rational."""
    if not c.is_const:
        raise Unsupported("division by a value that varies by row")
    p, q = c.n, c.k  # c = p / q
    if p == 0:
        raise Unsupported("division by zero")
    sign = -1 if p < 0 else 1
    num, den = q * sign, a.k * abs(p)  # a / c = n·q / (k·p)
    g = math.gcd(num, den)
    num, den = num // g, den // g
    err = a.err / abs(Fraction(p, q)) if a.err else 0
    n = scale(a.n, num) if num != -1 else neg_n(a.n)
    ba = _b(a)
    bound = ba * abs(num) if ba is not None else None
    return _result(n, den, err, bound, bool(err))


def neg_n(n: Any) -> Any:
    if isinstance(n, int):
        return -n
    return _checked(pc.negate_checked, n)


def neg(a: Num) -> Num:
    return Num(neg_n(a.n), a.k, a.err, a.bound)


def absolute(a: Num) -> Num:
    n = abs(a.n) if isinstance(a.n, int) else _checked(pc.abs_checked, a.n)
    return Num(n, a.k, a.err, a.bound)


def extreme(a: Num, b: Num, smallest: bool) -> Num:
    x, y, k = _align(a, b)
    if isinstance(x, int) and isinstance(y, int):
        n: Any = min(x, y) if smallest else max(x, y)
    else:
        fn = pc.min_element_wise if smallest else pc.max_element_wise
        n = fn(_int_scalar(x) if isinstance(x, int) else x,
               _int_scalar(y) if isinstance(y, int) else y)
    return Num(n, k, max(a.err, b.err), _bound_add(a, b, k))


def choose(cond: Any, a: Num, b: Num) -> Num:
    """``a if cond else b`` row by row."""
    x, y, k = _align(a, b)
    if isinstance(cond, bool):
        return Num(x if cond else y, k, a.err if cond else b.err, _bound_add(a, b, k))
    n = pc.if_else(cond, _int_scalar(x) if isinstance(x, int) else x,
                   _int_scalar(y) if isinstance(y, int) else y)
    return Num(n, k, max(a.err, b.err), _bound_add(a, b, k))


OPS = {"lt": pc.less, "le": pc.less_equal, "gt": pc.greater, "ge": pc.greater_equal,
       "eq": pc.equal, "ne": pc.not_equal}
PY_OPS = {"lt": lambda d: d < 0, "le": lambda d: d <= 0, "gt": lambda d: d > 0,
          "ge": lambda d: d >= 0, "eq": lambda d: d == 0, "ne": lambda d: d != 0}


def compare(a: Num, b: Num, op: str) -> tuple[Any, Any]:
    """(result, ambiguous): result a bool array (or bool); ambiguous the rows where the
    scalar path's rounding could decide otherwise (None: none can)."""
    x, y, k = _align(a, b)
    err = a.err + b.err
    if isinstance(x, int) and isinstance(y, int):
        d = x - y
        if err and abs(Fraction(d, k)) <= err:
            raise Unsupported("a comparison of constants is too close to call")
        return PY_OPS[op](d), None
    xs = _int_scalar(x) if isinstance(x, int) else x
    ys = _int_scalar(y) if isinstance(y, int) else y
    result = OPS[op](xs, ys)
    if not err:
        return result, None
    diff = _checked(pc.subtract_checked, xs, ys)
    limit = math.floor(err * k)
    return result, pc.less_equal(_checked(pc.abs_checked, diff), _int_scalar(limit))

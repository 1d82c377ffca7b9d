"""Expressions re-read for static analysis: positions in the YAML text and value ranges.

Sections' checks (band coverage, reachable tiers, implied criteria) and the workflow's
division check all ask the same questions of an expression: where is this sub-expression
in the file, and which values can it take given the fields' min/max and the guards
around it. The answers are intervals (``Iv``) computed from the ruleset text alone.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from bigclient.language.expr import preprocess
from bigclient.language.fields import FieldSpec
from bigclient.language.source import Located, YamlPath

INF = Decimal("Infinity")
NEG_INF = Decimal("-Infinity")
ZERO = Decimal(0)


class Analysed(Protocol):
    """What the analysis reads of a loaded ruleset (``bigclient.Ruleset`` has it)."""

    @property
    def source(self) -> Located: ...

    @property
    def spec(self) -> Any: ...

    @property
    def derived(self) -> list[tuple[str, Any]]: ...

    @property
    def lines(self) -> tuple[str, ...]: ...



@dataclass
class Parsed:
    """An expression re-parsed for analysis, with a map back to the YAML text."""

    text: str  # the expression as written (stripped)
    tree: ast.expr
    constants: dict[str, Decimal]
    path: YamlPath
    segments: list[tuple[int, int, int, int]] = field(default_factory=list)
    prepared_lines: list[str] = field(default_factory=list)

    def offset(self, node: ast.AST) -> int:
        """Character offset of ``node`` in the original expression text."""
        lineno = getattr(node, "lineno", 1)
        col_bytes = getattr(node, "col_offset", 0)
        line = self.prepared_lines[lineno - 1] if lineno - 1 < len(self.prepared_lines) else ""
        col = len(line.encode("utf-8")[:col_bytes].decode("utf-8", errors="ignore"))
        p = sum(len(x) + 1 for x in self.prepared_lines[: lineno - 1]) + col
        shift = 0
        for p_start, p_end, o_start, o_end in self.segments:
            if p < p_start:
                break
            if p < p_end:
                return o_start
            shift = o_end - p_end
        return p + shift

    def source(self, node: ast.AST) -> str:
        """The original text of a sub-expression (numbers as written: 1.2万, not _k0)."""
        start = self.offset(node)
        end_node = ast.Constant(0)
        end_node.lineno = getattr(node, "end_lineno", 1) or 1
        end_node.col_offset = getattr(node, "end_col_offset", 0) or 0
        return self.text[start:self.offset(end_node)].strip() or ast.unparse(node)


def parse(text: Any, path: YamlPath) -> Parsed | None:
    """Parse an expression as expr.compile_expr does, keeping an offset map."""
    if isinstance(text, bool) or not isinstance(text, str | int | Decimal):
        return None
    text = str(text).strip()
    try:
        prepared, constants, segments = preprocess(text)
    except ValueError:  # an unreadable literal: loading reports it
        return None
    try:
        tree = ast.parse(prepared, mode="eval").body
    except SyntaxError:
        return None
    return Parsed(text, tree, constants, path, segments, prepared.split("\n"))



def locate(rs: Analysed, e: Parsed, node: ast.AST | None) -> tuple[int, int]:
    """Line and column of ``node`` in the file: inside the scalar when it can be found on
    the key's line or just below (plain and quoted one-line scalars); else at the key."""
    line, col = rs.source.at(e.path)
    text = rs.source.text
    if node is None or not text:
        return line, col
    lines = text.split("\n")
    for k in range(line - 1, min(line + 2, len(lines))):
        start = col - 1 if k == line - 1 else 0
        found = lines[k].find(e.text, start)
        if found >= 0:
            return k + 1, found + e.offset(node) + 1
    return line, col


# -- value ranges (intervals) ---------------------------------------------------------


@dataclass(frozen=True)
class Iv:
    """A closed range of numbers [lo, hi]; ``nonzero``: 0 is excluded even if inside."""

    lo: Decimal = NEG_INF
    hi: Decimal = INF
    nonzero: bool = False

    @property
    def can_be_zero(self) -> bool:
        return self.lo <= 0 <= self.hi and not self.nonzero

    @property
    def positive(self) -> bool:
        return self.lo > 0 or (self.lo >= 0 and self.nonzero)

    @property
    def negative(self) -> bool:
        return self.hi < 0 or (self.hi <= 0 and self.nonzero)

    def meet(self, other: Iv) -> Iv:
        return Iv(max(self.lo, other.lo), min(self.hi, other.hi), self.nonzero or other.nonzero)

    def join(self, other: Iv) -> Iv:
        return Iv(min(self.lo, other.lo), max(self.hi, other.hi),
                  self.nonzero and other.nonzero)


TOP = Iv()


def _mul(a: Decimal, b: Decimal) -> Decimal:
    return ZERO if a == 0 or b == 0 else a * b


def _iv_add(a: Iv, b: Iv) -> Iv:
    nonzero = (a.positive and b.lo >= 0) or (b.positive and a.lo >= 0) or (
        a.negative and b.hi <= 0) or (b.negative and a.hi <= 0)
    return Iv(a.lo + b.lo, a.hi + b.hi, nonzero)


def _iv_neg(a: Iv) -> Iv:
    return Iv(-a.hi, -a.lo, a.nonzero)


def _iv_mul(a: Iv, b: Iv) -> Iv:
    products = [_mul(x, y) for x in (a.lo, a.hi) for y in (b.lo, b.hi)]
    return Iv(min(products), max(products), not a.can_be_zero and not b.can_be_zero)


def _iv_div(a: Iv, b: Iv) -> Iv:
    if b.negative:
        return _iv_neg(_iv_div(a, _iv_neg(b)))
    if not b.positive:
        return TOP
    nonzero = not a.can_be_zero
    if b.lo == 0:  # (0, hi]: dividing by tiny numbers has no bound
        if a.lo >= 0:
            return Iv(ZERO, INF, nonzero)
        if a.hi <= 0:
            return Iv(NEG_INF, ZERO, nonzero)
        return TOP
    c, d = b.lo, b.hi
    if a.lo >= 0:
        return Iv(a.lo / d, a.hi / c, nonzero)
    if a.hi <= 0:
        return Iv(a.lo / c, a.hi / d, nonzero)
    return Iv(a.lo / c, a.hi / c, nonzero)


Facts = Mapping[str, Iv]
"""What a guard establishes: ast.dump of a sub-expression -> the range it must be in."""


class Ranges:
    """Ranges of numeric fields, derived values and sub-expressions of one ruleset."""

    def __init__(self, rs: Analysed) -> None:
        self.rs = rs
        self.fields: dict[str, FieldSpec] = {**rs.spec.inputs, **rs.spec.context}
        self.derived: dict[str, Iv] = {}
        self.derived_expr: dict[str, Parsed] = {}
        for name, _ in rs.derived:
            e = parse(rs.spec.derived[name].expr, ("derived", name, "expr"))
            if e is None:
                continue
            self.derived_expr[name] = e
            self.derived[name] = self.of(e, e.tree, {})

    def field_iv(self, name: str) -> Iv:
        f = self.fields[name]
        lo = f.min if f.min is not None else NEG_INF
        hi = f.max if f.max is not None else INF
        return Iv(lo, hi)

    def element_iv(self, name: str) -> Iv:
        """A line of a per-line table: a missing line counts as 0."""
        iv = self.field_iv(name)
        return Iv(min(iv.lo, ZERO), max(iv.hi, ZERO))

    def of(self, e: Parsed, node: ast.expr, facts: Facts) -> Iv:
        try:
            iv = self._of(e, node, facts)
        except ArithmeticError:  # e.g. infinity - infinity: know nothing rather than crash
            iv = TOP
        fact = facts.get(ast.dump(node))
        return iv.meet(fact) if fact is not None else iv

    def _of(self, e: Parsed, node: ast.expr, facts: Facts) -> Iv:
        if isinstance(node, ast.Name):
            if node.id in e.constants:
                c = e.constants[node.id]
                return Iv(c, c, c != 0)
            if node.id in self.derived:
                return self.derived[node.id]
            if node.id in self.fields and self.fields[node.id].type in ("money", "ratio",
                                                                        "integer"):
                return self.field_iv(node.id)
            return TOP
        if isinstance(node, ast.UnaryOp):
            inner = self.of(e, node.operand, facts)
            return _iv_neg(inner) if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            a, b = self.of(e, node.left, facts), self.of(e, node.right, facts)
            if isinstance(node.op, ast.Add):
                return _iv_add(a, b)
            if isinstance(node.op, ast.Sub):
                return _iv_add(a, _iv_neg(b))
            if isinstance(node.op, ast.Mult):
                return _iv_mul(a, b)
            if isinstance(node.op, ast.Div):
                return _iv_div(a, b)
            return TOP
        if isinstance(node, ast.IfExp):
            yes = self.of(e, node.body, {**facts, **self.facts(e, node.test, True, facts)})
            no = self.of(e, node.orelse, {**facts, **self.facts(e, node.test, False, facts)})
            return yes.join(no)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            name = node.value.id
            if name in self.fields and self.fields[name].type == "money_map":
                return self.element_iv(name)
            return TOP
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self._call(e, node, facts)
        return TOP

    def _call(self, e: Parsed, node: ast.Call, facts: Facts) -> Iv:
        assert isinstance(node.func, ast.Name)
        fn = node.func.id
        if fn == "total" and len(node.args) == 1 and isinstance(node.args[0], ast.Name):
            name = node.args[0].id
            if name in self.fields and self.fields[name].type == "money_map":
                el = self.element_iv(name)
                n = Decimal(max(len(self.rs.lines), 1))
                return Iv(_mul(el.lo, n), _mul(el.hi, n))
            return TOP
        args = [self.of(e, a, facts) for a in node.args]
        if not args:
            return TOP
        if fn == "max":
            return Iv(max(a.lo for a in args), max(a.hi for a in args),
                      any(a.positive for a in args) or all(a.negative for a in args))
        if fn == "min":
            return Iv(min(a.lo for a in args), min(a.hi for a in args),
                      all(a.positive for a in args) or any(a.negative for a in args))
        if fn == "abs":
            a = args[0]
            if a.lo >= 0:
                return a
            if a.hi <= 0:
                return _iv_neg(a)
            return Iv(ZERO, max(-a.lo, a.hi), a.nonzero)
        return TOP

    def facts(self, e: Parsed, test: ast.expr, holds: bool, facts: Facts) -> dict[str, Iv]:
        """What ``test`` being true (``holds``) or false tells about sub-expressions."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.facts(e, test.operand, not holds, facts)
        if isinstance(test, ast.BoolOp):
            if isinstance(test.op, ast.And) == holds:  # 'a and b' true / 'a or b' false
                out: dict[str, Iv] = {}
                for v in test.values:
                    for k, iv in self.facts(e, v, holds, {**facts, **out}).items():
                        out[k] = out[k].meet(iv) if k in out else iv
                return out
            return {}
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, op, right = test.left, test.ops[0], test.comparators[0]
            lc, rc = self.const(e, left), self.const(e, right)
            if rc is not None and lc is None:
                subject, c, flipped = left, rc, False
            elif lc is not None and rc is None:
                subject, c, flipped = right, lc, True
            else:
                return {}
            kind = _op_kind(op, flipped, holds)
            rng = _range_of(kind, c)
            return {ast.dump(subject): rng} if rng is not None else {}
        return {}

    @staticmethod
    def const(e: Parsed, node: ast.expr) -> Decimal | None:
        if isinstance(node, ast.Name) and node.id in e.constants:
            return e.constants[node.id]
        if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
                and isinstance(node.operand, ast.Name) and node.operand.id in e.constants):
            return -e.constants[node.operand.id]
        return None


_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
COMPARISONS: dict[type[ast.cmpop], str] = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
                                    ast.Eq: "==", ast.NotEq: "!="}


def _op_kind(op: ast.cmpop, flipped: bool, holds: bool) -> str:
    kind = COMPARISONS.get(type(op), "?")
    if kind == "?":
        return kind
    if flipped:
        kind = FLIPPED[kind]
    return kind if holds else _NEGATE[kind]


def _range_of(kind: str, c: Decimal) -> Iv | None:
    """The range of x when ``x <kind> c`` holds."""
    if kind == ">":
        return Iv(c, INF, c >= 0)
    if kind == ">=":
        return Iv(c, INF, c > 0)
    if kind == "<":
        return Iv(NEG_INF, c, c <= 0)
    if kind == "<=":
        return Iv(NEG_INF, c, c < 0)
    if kind == "==":
        return Iv(c, c, c != 0)
    if kind == "!=" and c == 0:
        return Iv(nonzero=True)
    return None


def walk_guarded(ranges: Ranges, e: Parsed, node: ast.expr,
                  facts: Facts) -> Iterator[tuple[ast.expr, Facts]]:
    """Every sub-expression with the facts its guards establish where it is evaluated."""
    yield node, facts
    if isinstance(node, ast.IfExp):
        yield from walk_guarded(ranges, e, node.test, facts)
        yield from walk_guarded(ranges, e, node.body,
                                 {**facts, **ranges.facts(e, node.test, True, facts)})
        yield from walk_guarded(ranges, e, node.orelse,
                                 {**facts, **ranges.facts(e, node.test, False, facts)})
        return
    if isinstance(node, ast.BoolOp):
        known: dict[str, Iv] = dict(facts)
        holds = isinstance(node.op, ast.And)  # later operands run only if earlier ones were
        for v in node.values:
            yield from walk_guarded(ranges, e, v, known)
            known = {**known, **ranges.facts(e, v, holds, known)}
        return
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            yield from walk_guarded(ranges, e, child, facts)


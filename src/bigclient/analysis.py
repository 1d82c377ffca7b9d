"""Static analysis of rulesets: what loading refuses, plus warnings and notes.

Loading (``ruleset.load``) already refuses what would make evaluation wrong or ambiguous
(overlapping bands, weights that do not add up, unknown names …). This module looks at a
ruleset that *did* load and reports what is probably a mistake (warnings) or worth
knowing (infos), each located at ``file:line:column`` with a stable code (``codes.py``):

- band tables: gaps, non-monotone scores, a bound out of scale (1.2 written for 1.2万);
- tiers: a tier no combination of band scores can reach, a cut-off no total equals;
- expressions: division by a value that can be zero with no guard;
- qualification: a criterion implied by another, threshold tables with a unit left out;
- labels: Chinese and English labels that are not translations of each other;
- across the versions of one ruleset: overlapping dates, versions out of order, the
  same version twice, days with no version in force.

Nothing here evaluates a client; everything is computed from the ruleset text.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import re
import statistics
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .amounts import ROUNDING_MODES, describe_amount, format_amount
from .enumeration import too_many_totals
from .errors import Problem, RulesetError
from .expr import _preprocess
from .inputs import FieldSpec
from .ruleset import Ruleset, load, version_key
from .scoring import Band, Indicator
from .source import YamlPath

INF = Decimal("Infinity")
NEG_INF = Decimal("-Infinity")
ZERO = Decimal(0)
ENUMERATION_LIMIT = 100_000
"""Above this many distinct totals, tier reachability falls back to min/max intervals."""

__all__ = ["analyse", "check_files", "check_versions", "github_annotation"]


# -- public entry points -------------------------------------------------------------


def check_files(files: Iterable[Path]) -> list[Problem]:
    """Load every file, analyse what loaded, then compare the versions of each ruleset.

    Load errors come first for each file, then its warnings and notes (in file order);
    cross-version problems follow, located in the newer of the two files involved.
    """
    problems: list[Problem] = []
    loaded: list[Ruleset] = []
    seen: set[Path] = set()
    for f in files:
        key = Path(f).resolve()
        if key in seen:
            continue
        seen.add(key)
        try:
            rs = load(f)
        except RulesetError as exc:
            problems.extend(exc.problems)
            continue
        loaded.append(rs)
        problems.extend(analyse(rs))
    problems.extend(check_versions(loaded))
    return problems


def analyse(rs: Ruleset) -> list[Problem]:
    """Warnings and notes for a ruleset that loaded; sorted by position in the file."""
    out: list[Problem] = []
    ranges = _Ranges(rs)
    out += _check_divisions(rs, ranges)
    if rs.scoring is not None:
        out += _check_bands(rs)
        out += _check_tiers(rs, ranges)
    out += _check_thresholds(rs)
    out += _check_implied(rs, ranges)
    out += _check_labels(rs)
    return sorted(out, key=lambda p: (p.line, p.column, p.code))


def check_versions(rulesets: Sequence[Ruleset]) -> list[Problem]:
    """Versions of one ruleset must follow each other in time without overlapping."""
    out: list[Problem] = []
    by_id: dict[str, list[Ruleset]] = {}
    for rs in rulesets:
        by_id.setdefault(rs.id, []).append(rs)
    for versions in by_id.values():
        unique: dict[str, Ruleset] = {}
        for rs in versions:
            first = unique.get(rs.version)
            if first is not None:
                out.append(rs.source.problem(
                    ("version",), f"version {rs.version} of '{rs.id}' is also declared by "
                    f"{first.file}; two files cannot be the same version", code="BC603",
                    hint="give the revision a higher version, or delete the copy"))
                continue
            unique[rs.version] = rs
        ordered = sorted(unique.values(), key=lambda r: version_key(r.version))
        for old, new in itertools.pairwise(ordered):
            out += _version_pair(old, new)
    return out


def github_annotation(p: Problem) -> str:
    """One GitHub Actions workflow command for a problem, escaped as GitHub requires.

    GitHub decodes ``%25 %0D %0A`` in the message and also ``%3A %2C`` in property values;
    an unescaped ',' or ':' in a file name or title would end the property early.
    """
    level = {"error": "error", "warning": "warning"}.get(p.severity, "notice")
    message = f"{p.code} {p.message}" + (f" — fix: {p.hint}" if p.hint else "")
    props = [f"file={_gh_prop(p.file)}"]
    if p.line > 0:
        props.append(f"line={p.line}")
        if p.column > 0:
            props.append(f"col={p.column}")
    props.append(f"title={_gh_prop(p.code)}")
    return f"::{level} {','.join(props)}::{_gh_data(message)}"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


# -- cross-version -------------------------------------------------------------------


def _span(rs: Ruleset) -> str:
    to = rs.effective_to.isoformat() if rs.effective_to else "open-ended"
    return f"{rs.version} ({rs.effective_from.isoformat()} – {to})"


def _version_pair(old: Ruleset, new: Ruleset) -> list[Problem]:
    """Check two consecutive versions (by number): dates must follow the numbers."""
    where: YamlPath = ("effective", "from")
    if new.effective_from < old.effective_from:
        return [new.source.problem(
            where, f"version {new.version} takes effect on {new.effective_from}, before the "
            f"lower version {_span(old)} in {old.file}; a higher version must start later",
            code="BC602", hint="swap the version numbers, or correct the effective dates")]
    if new.effective_from == old.effective_from:
        return [new.source.problem(
            where, f"versions {old.version} and {new.version} both take effect on "
            f"{new.effective_from}, so {old.version} ({old.file}) is never in force",
            code="BC601", hint=f"start {new.version} later, or delete {old.version}")]
    old_to = old.effective_to
    if old_to is not None and old_to >= new.effective_from:
        return [new.source.problem(
            where, f"version {new.version} takes effect on {new.effective_from}, but "
            f"{_span(old)} in {old.file} is declared in force until {old_to}: both "
            "versions claim the days in between",
            code="BC601", hint=f"end {old.version} on "
            f"{(new.effective_from - dt.timedelta(days=1)).isoformat()}, or start "
            f"{new.version} on {(old_to + dt.timedelta(days=1)).isoformat()}")]
    if old_to is not None and old_to + dt.timedelta(days=1) < new.effective_from:
        return [new.source.problem(
            where, f"no version of '{new.id}' is in force from "
            f"{(old_to + dt.timedelta(days=1)).isoformat()} to "
            f"{(new.effective_from - dt.timedelta(days=1)).isoformat()}: {old.version} ends "
            f"on {old_to} and {new.version} starts on {new.effective_from}",
            code="BC604", severity="info",
            hint=f"start {new.version} on {(old_to + dt.timedelta(days=1)).isoformat()}, "
            "unless the gap is intended")]
    return []


# -- expressions: parsing with positions ---------------------------------------------


@dataclass
class _Expr:
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


def _parse(text: Any, path: YamlPath) -> _Expr | None:
    """Parse an expression as expr.compile_expr does, keeping an offset map."""
    if isinstance(text, bool) or not isinstance(text, str | int | Decimal):
        return None
    text = str(text).strip()
    try:
        prepared, constants, segments = _preprocess(text)
    except ValueError:  # an unreadable literal: loading reports it
        return None
    try:
        tree = ast.parse(prepared, mode="eval").body
    except SyntaxError:
        return None
    return _Expr(text, tree, constants, path, segments, prepared.split("\n"))


def _expressions(rs: Ruleset) -> Iterator[_Expr]:
    """Every expression of the ruleset that was compiled at load, with its YAML path."""
    spec = rs.spec
    for name, d in spec.derived.items():
        e = _parse(d.expr, ("derived", name, "expr"))
        if e is not None:
            yield e
    for i, c in enumerate(spec.qualification.criteria):
        if c.when is not None:
            e = _parse(c.when, ("qualification", "criteria", i, "when"))
            if e is not None:
                yield e
    if spec.scoring is not None:
        for i, ind in enumerate(spec.scoring.indicators):
            if ind.enabled and ind.value is not None:
                e = _parse(ind.value, ("scoring", "indicators", i, "value"))
                if e is not None:
                    yield e
    for i, fl in enumerate(spec.flags):
        e = _parse(fl.when, ("flags", i, "when"))
        if e is not None:
            yield e


def _locate(rs: Ruleset, e: _Expr, node: ast.AST | None) -> tuple[int, int]:
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


class _Ranges:
    """Ranges of numeric fields, derived values and sub-expressions of one ruleset."""

    def __init__(self, rs: Ruleset) -> None:
        self.rs = rs
        self.fields: dict[str, FieldSpec] = {**rs.spec.inputs, **rs.spec.context}
        self.derived: dict[str, Iv] = {}
        self.derived_expr: dict[str, _Expr] = {}
        for name, _ in rs.derived:
            e = _parse(rs.spec.derived[name].expr, ("derived", name, "expr"))
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

    def of(self, e: _Expr, node: ast.expr, facts: Facts) -> Iv:
        try:
            iv = self._of(e, node, facts)
        except ArithmeticError:  # e.g. infinity - infinity: know nothing rather than crash
            iv = TOP
        fact = facts.get(ast.dump(node))
        return iv.meet(fact) if fact is not None else iv

    def _of(self, e: _Expr, node: ast.expr, facts: Facts) -> Iv:
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

    def _call(self, e: _Expr, node: ast.Call, facts: Facts) -> Iv:
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

    def facts(self, e: _Expr, test: ast.expr, holds: bool, facts: Facts) -> dict[str, Iv]:
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
            lc, rc = self._const(e, left), self._const(e, right)
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
    def _const(e: _Expr, node: ast.expr) -> Decimal | None:
        if isinstance(node, ast.Name) and node.id in e.constants:
            return e.constants[node.id]
        if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
                and isinstance(node.operand, ast.Name) and node.operand.id in e.constants):
            return -e.constants[node.operand.id]
        return None


_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_OPS: dict[type[ast.cmpop], str] = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
                                    ast.Eq: "==", ast.NotEq: "!="}


def _op_kind(op: ast.cmpop, flipped: bool, holds: bool) -> str:
    kind = _OPS.get(type(op), "?")
    if kind == "?":
        return kind
    if flipped:
        kind = _FLIP[kind]
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


# -- division by zero ----------------------------------------------------------------


def _check_divisions(rs: Ruleset, ranges: _Ranges) -> list[Problem]:
    """``a / b`` where b can be 0 and no guard (if/and/or) rules it out: a warning."""
    out: list[Problem] = []
    for e in _expressions(rs):
        for node, facts in _walk_guarded(ranges, e, e.tree, {}):
            if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)):
                continue
            divisor = ranges.of(e, node.right, facts)
            if not divisor.can_be_zero:
                continue
            text = e.source(node.right)
            why = _zero_reason(ranges, e, node.right)
            line, col = _locate(rs, e, node.right)
            line_at, col_at = rs.source.at(e.path)
            p = rs.source.problem(
                e.path, f"'{e.source(node)}' divides by '{text}', which {why}; for such a "
                "client the evaluation would stop with a division-by-zero error",
                code="BC306", severity="warning",
                hint=f"guard it: ({e.source(node)}) if {text} > 0 else 0"
                + (f", or give '{text}' a min above 0 (for example min: 1)"
                   if isinstance(node.right, ast.Name) and node.right.id in ranges.fields
                   else ""))
            if (line, col) != (line_at, col_at):
                p = Problem(p.message, p.file, line, col, p.path, p.code, p.severity, p.hint)
            out.append(p)
    return out


def _zero_reason(ranges: _Ranges, e: _Expr, node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        if node.id in e.constants:
            return "is 0"
        f = ranges.fields.get(node.id)
        if f is not None:
            if f.min is None:
                return "can be 0 (it has no 'min')"
            return f"can be 0 (its 'min' is {format_amount(f.min)})"
        if node.id in ranges.derived:
            return "is a derived value that can be 0"
    return "can be 0"


def _walk_guarded(ranges: _Ranges, e: _Expr, node: ast.expr,
                  facts: Facts) -> Iterator[tuple[ast.expr, Facts]]:
    """Every sub-expression with the facts its guards establish where it is evaluated."""
    yield node, facts
    if isinstance(node, ast.IfExp):
        yield from _walk_guarded(ranges, e, node.test, facts)
        yield from _walk_guarded(ranges, e, node.body,
                                 {**facts, **ranges.facts(e, node.test, True, facts)})
        yield from _walk_guarded(ranges, e, node.orelse,
                                 {**facts, **ranges.facts(e, node.test, False, facts)})
        return
    if isinstance(node, ast.BoolOp):
        known: dict[str, Iv] = dict(facts)
        holds = isinstance(node.op, ast.And)  # later operands run only if earlier ones were
        for v in node.values:
            yield from _walk_guarded(ranges, e, v, known)
            known = {**known, **ranges.facts(e, v, holds, known)}
        return
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            yield from _walk_guarded(ranges, e, child, facts)


# -- bands -------------------------------------------------------------------------------


def _lo(b: Band) -> Decimal:
    return b.from_ if b.from_ is not None else NEG_INF


def _sorted_bands(ind: Indicator) -> list[tuple[int, Band]]:
    return sorted(enumerate(ind.bands), key=lambda jb: _lo(jb[1]))


def _check_bands(rs: Ruleset) -> list[Problem]:
    """Gaps, non-monotone scores, and a bound out of scale, per enabled indicator."""
    assert rs.spec.scoring is not None
    src = rs.source
    out: list[Problem] = []
    for i, ind in enumerate(rs.spec.scoring.indicators):
        if not ind.enabled or not ind.bands:
            continue
        base: YamlPath = ("scoring", "indicators", i)
        ordered = _sorted_bands(ind)
        other = format_amount(ind.otherwise)
        for (_, a), (jb, b) in itertools.pairwise(ordered):
            if a.to is not None and b.from_ is not None and b.from_ > a.to:
                out.append(src.problem(
                    (*base, "bands", jb), f"values of '{ind.id}' from {describe_amount(a.to)} "
                    f"up to {describe_amount(b.from_)} fall in no band, so they score "
                    f"'otherwise' ({other})", code="BC201", severity="warning",
                    hint=f"make the band below end at {describe_amount(b.from_)} (to: "
                    f"{describe_amount(b.from_)}) or this band start at {describe_amount(a.to)}, "
                    "or add the missing band"))
        out += _monotone(src, base, ind, ordered)
        out += _band_scale(src, base, ind, ordered)
    return out


def _monotone(src: Any, base: YamlPath, ind: Indicator,
              ordered: list[tuple[int, Band]]) -> list[Problem]:
    if ind.monotone == "none":
        return []
    up = ind.monotone == "increasing"
    word = "increasing (a higher value never scores lower)" if up else \
        "decreasing (a higher value never scores higher)"
    out: list[Problem] = []

    def bad(lower: Decimal, higher: Decimal) -> bool:
        return higher < lower if up else higher > lower

    for (ja, a), (jb, b) in itertools.pairwise(ordered):
        if bad(a.score, b.score):
            out.append(src.problem(
                (*base, "bands", jb, "score"), f"'{ind.id}' is declared monotone {word}, but "
                f"values from {describe_amount(_lo(b))} score {format_amount(b.score)}, "
                f"{'less' if up else 'more'} than the {format_amount(a.score)} of the band "
                f"below (bands[{ja}], line {src.at((*base, 'bands', ja))[0]})", code="BC204",
                severity="warning",
                hint="correct the score, or declare 'monotone: none' if this is intended"))
    j0, first = ordered[0]
    if first.from_ is not None and bad(ind.otherwise, first.score):
        out.append(src.problem(
            (*base, "bands", j0, "score"), f"'{ind.id}' is declared monotone {word}, but "
            f"values below {describe_amount(first.from_)} score 'otherwise' "
            f"({format_amount(ind.otherwise)}), {'more' if up else 'less'} than this lowest "
            f"band's {format_amount(first.score)}", code="BC204", severity="warning",
            hint="correct 'otherwise' or this band's score"))
    jn, last = ordered[-1]
    if last.to is not None and bad(last.score, ind.otherwise):
        out.append(src.problem(
            (*base, "bands", jn), f"'{ind.id}' is declared monotone {word}, but values of "
            f"{describe_amount(last.to)} or more fall in no band and score 'otherwise' "
            f"({format_amount(ind.otherwise)}), {'less' if up else 'more'} than this highest "
            f"band's {format_amount(last.score)}", code="BC204", severity="warning",
            hint="leave 'to' out of the highest band ('and above')"))
    return out


def _band_scale(src: Any, base: YamlPath, ind: Indicator,
                ordered: list[tuple[int, Band]]) -> list[Problem]:
    """1.2 written for 1.2万: the smallest bound is a thousand times below the next."""
    bounds = sorted({x for _, b in ordered for x in (b.from_, b.to) if x is not None and x > 0})
    if len(bounds) < 2 or bounds[1] < bounds[0] * 1000:
        return []
    small = bounds[0]
    for j, b in ordered:
        for key, x in (("from", b.from_), ("to", b.to)):
            if x == small:
                return [src.problem(
                    (*base, "bands", j, key), f"the bound {describe_amount(small)} of "
                    f"'{ind.id}' is more than a thousand times smaller than the next bound "
                    f"({describe_amount(bounds[1])}); was a unit left out (万, ‰)?",
                    code="BC205", severity="warning",
                    hint=f"write it with its unit, e.g. {describe_amount(small)}万 for "
                    f"{format_amount(small * 10000)}")]
    return []  # pragma: no cover - the bound came from these bands


# -- tiers -------------------------------------------------------------------------------


def _indicator_scores(ranges: _Ranges, ind: Indicator, index: int) -> list[Decimal]:
    """The scores an indicator can give: bands its value can fall in, and 'otherwise'
    when some possible value falls in no band."""
    value = TOP
    if ind.value is not None:
        e = _parse(ind.value, ("scoring", "indicators", index, "value"))
        if e is not None:
            value = ranges.of(e, e.tree, {})
    scores: set[Decimal] = set()
    for b in ind.bands:
        if _lo(b) <= value.hi and (b.to is None or b.to > value.lo):
            scores.add(b.score)
    pos = value.lo
    uncovered = False
    for _, b in _sorted_bands(ind):
        if pos == INF or pos > value.hi:
            break
        if _lo(b) > pos:
            uncovered = True
            break
        pos = max(pos, b.to if b.to is not None else INF)
    else:
        uncovered = pos != INF and pos <= value.hi
    if uncovered:
        scores.add(ind.otherwise)
    return sorted(scores)


def _check_tiers(rs: Ruleset, ranges: _Ranges) -> list[Problem]:
    """A tier no total can reach (warning); a cut-off no total equals exactly (info)."""
    scoring, spec = rs.scoring, rs.spec.scoring
    assert scoring is not None and spec is not None
    parts: list[tuple[str, Decimal, list[Decimal]]] = []
    for i, ind in enumerate(spec.indicators):
        if ind.enabled and ind.bands:
            parts.append((ind.id, ind.weight, _indicator_scores(ranges, ind, i)))
    if not parts or any(not s for _, _, s in parts):
        return []
    rounding = ROUNDING_MODES[scoring.mode]
    totals: dict[Decimal, tuple[tuple[str, Decimal, Decimal], ...]] | None = {ZERO: ()}
    for iid, weight, scores in parts:
        assert totals is not None
        if len(totals) * len(scores) > ENUMERATION_LIMIT:  # checked before allocating
            totals = None
            break
        nxt: dict[Decimal, tuple[tuple[str, Decimal, Decimal], ...]] = {}
        for t, how in totals.items():
            for s in scores:
                nxt.setdefault(t + weight * s, (*how, (iid, s, weight)))
        totals = nxt
    rounded: dict[Decimal, tuple[tuple[str, Decimal, Decimal], ...]] = {}
    if totals is not None:
        for t in sorted(totals):
            rounded.setdefault(t.quantize(scoring.step, rounding=rounding), totals[t])
    lo = sum((w * min(s) for _, w, s in parts), ZERO)
    hi = sum((w * max(s) for _, w, s in parts), ZERO)
    out: list[Problem] = [] if totals is not None else [too_many_totals(rs, parts)]
    index = {t.id: k for k, t in enumerate(spec.tiers)}
    upper = INF
    for cut, tid in scoring.tiers:  # highest first
        path: YamlPath = ("scoring", "tiers", index[tid])
        span = (f"{format_amount(cut)} or more" if upper == INF else
                f"{format_amount(cut)} to under {format_amount(upper)}")
        if totals is not None:
            inside = sorted(t for t in rounded if cut <= t < upper)
        else:
            inside = [cut] if (cut <= hi and upper > lo) else []
        if not inside:
            near = _nearest(sorted(rounded), cut, upper) if totals is not None else \
                f"totals run from {format_amount(lo)} to {format_amount(hi)}"
            out.append(rs.source.problem(
                path, f"no client can reach tier '{tid}' (scores {span}): the band scores "
                f"and weights give no total in that range ({near})", code="BC224",
                severity="warning",
                hint="check this cut-off against the band scores and weights"))
        elif totals is not None and cut not in rounded:
            first = inside[0]
            out.append(rs.source.problem(
                (*path, "min"), f"no client can score exactly {format_amount(cut)}: totals are "
                f"sums of weight × band score, and the lowest total that reaches '{tid}' is "
                f"{format_amount(first)} ({_recipe(rounded[first])})", code="BC225",
                severity="info",
                hint=f"nothing to do, unless '{tid}' is meant to start at another total"))
        upper = cut
    return out


def _recipe(how: tuple[tuple[str, Decimal, Decimal], ...]) -> str:
    return " + ".join(f"{iid} {format_amount(s)} × {format_amount(w * 100)}%"
                      for iid, s, w in how)


def _nearest(totals: list[Decimal], lo: Decimal, hi: Decimal) -> str:
    below = [t for t in totals if t < lo]
    above = [t for t in totals if t >= hi]
    parts = []
    if below:
        parts.append(f"nearest below: {format_amount(below[-1])}")
    if above:
        parts.append(f"nearest above: {format_amount(above[0])}")
    return "; ".join(parts) or "no totals at all"


# -- qualification: threshold tables ------------------------------------------------------

_YEARLY = re.compile(r"year|annual|年", re.IGNORECASE)
_MONTHLY = re.compile(r"month|月", re.IGNORECASE)


def _column_period(col: str, table: Any) -> str:
    label = table.columns.get(col)
    words = " ".join([col, label.zh, label.en] if label is not None else [col])
    monthly, yearly = bool(_MONTHLY.search(words)), bool(_YEARLY.search(words))
    if monthly and not (yearly and not _MONTHLY.search(col)):
        return "month"
    return "year" if yearly else ""


def _check_thresholds(rs: Ruleset) -> list[Problem]:
    """A unit left out of a threshold (1.2 for 1.2万): the previous-year threshold below
    the monthly one, or a threshold a hundred times below the other lines'."""
    out: list[Problem] = []
    for i, c in enumerate(rs.spec.qualification.criteria):
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
                    out.append(rs.source.problem(
                        (*base, line, y), f"the previous-year threshold of '{line}' "
                        f"({format_amount(row[y])}) is smaller than its monthly threshold "
                        f"({format_amount(row[m])}); a year's revenue is normally far more "
                        "than a month's — was a unit left out (万)?", code="BC502",
                        severity="warning",
                        hint=f"write it with its unit, e.g. {format_amount(row[y])}万, or as a "
                        "full number"))
        for col in table.compare:
            values = {line: row[col] for line, row in table.thresholds.items() if col in row}
            for line, v in values.items():
                others = [x for k, x in values.items() if k != line]
                if (line, col) in flagged or len(others) < 2 or v <= 0:
                    continue
                median = Decimal(statistics.median(others))
                if v * 100 < median:
                    out.append(rs.source.problem(
                        (*base, line, col), f"the threshold {format_amount(v)} of '{line}' "
                        f"({col}) is more than a hundred times smaller than the other lines' "
                        f"(median {format_amount(median)}); was a unit left out (万)?",
                        code="BC503", severity="warning",
                        hint=f"write it with its unit, e.g. {format_amount(v)}万"))
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


def _total_of(ranges: _Ranges, e: _Expr, node: ast.expr, depth: int = 0) -> str | None:
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


def _at_least(ranges: _Ranges, e: _Expr, node: ast.expr) -> _AtLeast | None:
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return None
    left, op, right = node.left, node.ops[0], node.comparators[0]
    kind = _OPS.get(type(op))
    c = _Ranges._const(e, right)
    subject = left
    if c is None:
        c = _Ranges._const(e, left)
        subject = right
        kind = _FLIP.get(kind or "")
    if c is None or kind not in (">=", ">"):
        return None
    table = _total_of(ranges, e, subject)
    if table is None:
        return None
    return _AtLeast(table, kind == ">", c)


def _check_implied(rs: Ruleset, ranges: _Ranges) -> list[Problem]:
    """Lines of a per-line table whose thresholds imply a 'total(…) >= A and …' criterion.

    A line checks ``T[line] >= t``; when every other line of T is never negative,
    total(T) >= T[line] >= t >= A. A line measured by another value (newspapers on
    turnover, D-3) proves nothing about T and is left out. Any part of the criterion we
    cannot read this way means no report: we only say what we can prove.
    """
    out: list[Problem] = []
    spec_criteria = rs.spec.qualification.criteria
    whens: list[tuple[str, str, list[_AtLeast]]] = []
    for c in spec_criteria:
        if c.when is None:
            continue
        e = _parse(c.when, ())
        if e is None:
            continue
        parts = [_at_least(ranges, e, x) for x in _conjuncts(e.tree)]
        if parts and all(p is not None for p in parts):
            whens.append((c.id, e.text, [p for p in parts if p is not None]))
    if not whens:
        return out
    index = {c.id: k for k, c in enumerate(spec_criteria)}
    for cc in rs.qualification.criteria:
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
            out.append(rs.source.problem(
                ("qualification", "criteria", index[cc.id], "per_line"),
                f"every client that meets '{cc.id}' for "
                f"{_join(implying)} also meets '{wid}' ({wtext}): "
                + ("that line's thresholds are" if len(implying) == 1
                   else "those lines' thresholds are")
                + " at least as high, on the same per-line tables"
                + (f"; {_join(others)} {'does' if len(others) == 1 else 'do'} not imply it"
                   if others else ""),
                code="BC501", severity="info",
                hint=f"nothing to do if intended (the line still names the specialty); "
                f"otherwise check the thresholds of '{cc.id}' and '{wid}'"))
    return out


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# -- labels ------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _check_labels(rs: Ruleset) -> list[Problem]:
    """A label whose zh and en are the same text, or whose zh has no Chinese at all."""
    out: list[Problem] = []

    def walk(data: Any, path: YamlPath) -> None:
        if isinstance(data, dict):
            zh, en = data.get("zh"), data.get("en")
            if isinstance(zh, str) and isinstance(en, str) and set(data) <= {"zh", "en"}:
                if zh.strip() == en.strip() or not _CJK.search(zh):
                    why = ("the Chinese and English texts are the same" if zh.strip() ==
                           en.strip() else "the Chinese text has no Chinese characters")
                    out.append(rs.source.problem(
                        (*path, "zh"), f"this label is not translated: {why} ('{zh}')",
                        code="BC701", severity="info",
                        hint="write the label in Chinese under zh and in English under en"))
                return
            for k, v in data.items():
                walk(v, (*path, k))
        elif isinstance(data, list):
            for k, v in enumerate(data):
                walk(v, (*path, k))

    walk(rs.source.data, ())
    return out

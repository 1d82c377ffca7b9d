"""Ruleset expressions over columns: the same Python AST the scalar path compiles
(``language/expr.py``), evaluated once per table with pyarrow.compute.

Numbers are exact rationals (:mod:`bigclient.batch.numbers`); yes/no values are boolean
arrays; text is string arrays; a per-line table is a dict line → number. A shape this
module does not translate raises :class:`Unsupported`, and the table is decided by the
scalar path instead: the columnar path never approximates.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from bigclient.batch import numbers as nb
from bigclient.batch.inputs import Cat, Unread
from bigclient.batch.numbers import Num, Unsupported
from bigclient.language.expr import Compiled

_CMP = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq",
        ast.NotEq: "ne"}


def parse(expr: Compiled) -> ast.expr:
    """The expression's tree, as the scalar path compiled it (constants as _k names)."""
    return ast.parse(expr.reference_text, mode="eval").body


class Columns:
    """Evaluates trees against an environment of columns; collects ambiguous rows."""

    def __init__(self, env: Mapping[str, Any], length: int, plan: Any = None) -> None:
        self.env = env
        self.length = length
        self.plan = plan  # a batch Plan: trees parsed once per ruleset
        self.ambiguous: list[Any] = []  # boolean arrays: rows the scalar path must decide

    def run(self, expr: Compiled) -> Any:
        if self.plan is not None:
            tree, constants = self.plan.tree(expr)
        else:
            tree, constants = parse(expr), {k: nb.const(v) for k, v in expr.constants.items()}
        return self._eval(tree, _Scope(self.env, constants))

    # -- nodes --------------------------------------------------------------------
    def _eval(self, node: ast.AST, scope: Mapping[str, Any]) -> Any:
        ev = self._eval
        if isinstance(node, ast.Name):
            if node.id not in scope:
                raise Unsupported(f"the value '{node.id}' is not available to the batch path")
            value = scope[node.id]
            if isinstance(value, Cat):
                return value.array()
            if isinstance(value, Unread):
                raise Unsupported(f"the value '{node.id}' was not read")
            return value
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool | str):
                return node.value
            raise Unsupported(f"the constant {node.value!r}")
        if isinstance(node, ast.BoolOp):
            values = [self._bool(ev(v, scope)) for v in node.values]
            out = values[0]
            for v in values[1:]:
                out = and_(out, v) if isinstance(node.op, ast.And) else or_(out, v)
            return out
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand, scope)
            if isinstance(node.op, ast.Not):
                b = self._bool(v)
                return (not b) if isinstance(b, bool) else pc.invert(b)
            num = self._num(v)
            return nb.neg(num) if isinstance(node.op, ast.USub) else num
        if isinstance(node, ast.BinOp):
            a, b = self._num(ev(node.left, scope)), self._num(ev(node.right, scope))
            if isinstance(node.op, ast.Add):
                return nb.add(a, b)
            if isinstance(node.op, ast.Sub):
                return nb.add(a, b, -1)
            if isinstance(node.op, ast.Mult):
                return nb.mul(a, b)
            if isinstance(node.op, ast.Div):
                return nb.div(a, b)
            raise Unsupported(f"the operator {type(node.op).__name__}")
        if isinstance(node, ast.Compare):
            return self._compare(node, scope)
        if isinstance(node, ast.IfExp):
            cond = self._bool(ev(node.test, scope))
            a, b = ev(node.body, scope), ev(node.orelse, scope)
            if isinstance(cond, bool):
                return a if cond else b
            if isinstance(a, Num) or isinstance(b, Num):
                return nb.choose(cond, self._num(a), self._num(b))
            if isinstance(a, dict) or isinstance(b, dict):
                raise Unsupported("if-else between per-line tables")
            return pc.if_else(cond, a, b)
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            args = [ev(a, scope) for a in node.args]
            name = node.func.id
            if name == "total":
                table = args[0]
                if not isinstance(table, dict):
                    raise Unsupported("total() of something other than a per-line table")
                acc: Num = nb.const(0)
                for v in table.values():
                    acc = nb.add(acc, v)
                return acc
            nums = [self._num(a) for a in args]
            if name == "abs":
                return nb.absolute(nums[0])
            if name in ("min", "max"):
                acc = nums[0]
                for v in nums[1:]:
                    acc = nb.extreme(acc, v, name == "min")
                return acc
            raise Unsupported(f"the function {name}()")
        if isinstance(node, ast.Subscript):
            table = ev(node.value, scope)
            key = node.slice
            if not isinstance(table, dict) or not isinstance(key, ast.Constant) or (
                    key.value not in table):
                raise Unsupported("an index into something other than a per-line table")
            return table[key.value]
        if isinstance(node, ast.Tuple | ast.List):
            return tuple(ev(e, scope) for e in node.elts)
        raise Unsupported(f"the expression part {type(node).__name__}")

    def _compare(self, node: ast.Compare, scope: Mapping[str, Any]) -> Any:
        left = self._eval(node.left, scope)
        out: Any = True
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self._eval(right_node, scope)
            if isinstance(op, ast.In | ast.NotIn):
                if not isinstance(right, tuple):
                    raise Unsupported("'in' without a list of constants")
                hit: Any = False
                for item in right:
                    hit = or_(hit, self._equal(left, item, "eq"))
                res = hit if isinstance(op, ast.In) else _not(hit)
            elif type(op) in _CMP:
                res = self._equal(left, right, _CMP[type(op)])
            else:
                raise Unsupported(f"the comparison {type(op).__name__}")
            out = and_(out, res)
            left = right
        return out

    def _equal(self, a: Any, b: Any, op: str) -> Any:
        if isinstance(a, Num) or isinstance(b, Num):
            result, ambiguous = nb.compare(self._num(a), self._num(b), op)
            if ambiguous is not None:
                self.ambiguous.append(ambiguous)
            return result
        if isinstance(a, dict) or isinstance(b, dict) or isinstance(a, tuple):
            raise Unsupported("comparing per-line tables or lists")
        if op not in ("eq", "ne"):
            raise Unsupported("ordering text or yes/no values")
        if not _is_array(a) and not _is_array(b):
            return (a == b) if op == "eq" else (a != b)
        fn = pc.equal if op == "eq" else pc.not_equal
        return fn(a, b)

    def _num(self, v: Any) -> Num:
        if isinstance(v, Num):
            return v
        raise Unsupported("a number was expected")

    def _bool(self, v: Any) -> Any:
        if isinstance(v, bool) or (_is_array(v) and v.type == pa.bool_()):
            return v
        raise Unsupported("a yes/no value was expected")


class _Scope(Mapping[str, Any]):
    """The environment with an expression's constants over it, without copying either."""

    def __init__(self, env: Mapping[str, Any], constants: Mapping[str, Any]) -> None:
        self.env, self.constants = env, constants

    def __getitem__(self, key: str) -> Any:
        got = self.constants.get(key, _NONE)
        return self.env[key] if got is _NONE else got

    def __contains__(self, key: object) -> bool:
        return key in self.constants or key in self.env

    def __iter__(self) -> Any:
        return iter({**self.env, **self.constants})

    def __len__(self) -> int:
        return len({**self.env, **self.constants})


_NONE = object()


def _is_array(v: Any) -> bool:
    return isinstance(v, pa.Array | pa.ChunkedArray)


def and_(a: Any, b: Any) -> Any:
    """Three-valued 'and' of a yes/no constant or column (a constant needs no kernel)."""
    if isinstance(a, bool):
        return b if a else False
    if isinstance(b, bool):
        return a if b else False
    return pc.and_(a, b)


def or_(a: Any, b: Any) -> Any:
    """'or' of a yes/no constant or column."""
    if isinstance(a, bool):
        return True if a else b
    if isinstance(b, bool):
        return True if b else a
    return pc.or_(a, b)


def _not(a: Any) -> Any:
    return (not a) if isinstance(a, bool) else pc.invert(a)


def constant_of(value: Any) -> Any:
    """A context value as the columns see it: a number constant, or the value itself."""
    if isinstance(value, Decimal):
        return nb.const(value)
    if isinstance(value, dict):
        return {k: nb.const(v) for k, v in value.items()}
    return value

"""The writer of a fused decide function: lines of Python, the constants they use, and
ruleset expressions rewritten over local variables.

Generated code names things by fixed rules, so no ruleset text can reach it except through
``repr()`` or a constant: an input, context or derived value ``x`` is the local ``v_x``
(ruleset names are ``[A-Za-z][A-Za-z0-9_]*``); line ``j`` of the per-line table ``x`` is
``m_x[j]``'s local ``mI_J``; constants are ``K0, K1, …`` in the function's globals. The
decision being made lives in the locals ``qualified``, ``met``, ``score``,
``computed``, ``flags``, ``notes`` and ``routes`` (see :mod:`bigclient.fused`); what a
decision keeps raw is one flat tuple (few objects for the garbage collector to walk).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from bigclient.fused.runtime import BUILTINS
from bigclient.language.expr import FUNCTIONS, Compiled, Ty


class CannotFuse(Exception):
    """This ruleset (or one of its expressions) has a shape the fused writer does not
    take; the ruleset then decides by the reference path, which is always right."""


class Gen:
    """Collects the fused function's source and namespace."""

    def __init__(self, names: Mapping[str, Ty], lines: tuple[str, ...]) -> None:
        self.names = names  # every name an expression may use, with its type
        self.lines = lines
        self.ns: dict[str, Any] = {"__builtins__": BUILTINS, "Z": Decimal(0)}
        self.code: list[str] = []
        self.indent = 1
        self.maps: dict[str, tuple[str, ...]] = {}  # per-line table → the locals of its lines
        self.derived: list[str] = []  # derived values in the order computed
        self.indicators: list[tuple[str, str]] = []  # (id, "value, band, score, points")
        self._consts: dict[tuple[type, Any], str] = {}

    # -- source -----------------------------------------------------------------------
    def line(self, text: str) -> None:
        self.code.append("    " * self.indent + text)

    def block(self, head: str) -> _Block:
        """``with gen.block("if x:"):`` indents the lines written inside."""
        self.line(head)
        return _Block(self)

    def const(self, value: Any) -> str:
        """A global holding ``value``: one per distinct value as written (Decimal('1.0') and
        Decimal('1') are equal but not the same constant: the exponent carries on)."""
        plain = isinstance(value, Decimal | str | int | tuple | frozenset) or value is None
        key: tuple[type, Any] = (type(value), repr(value) if plain else id(value))
        name = self._consts.get(key)
        if name is None:
            name = self._consts[key] = f"K{len(self._consts)}"
            self.ns[name] = value
        return name

    def local(self, name: str) -> str:
        if name in self.maps or self.names.get(name, Ty("number")).kind == "map":
            raise CannotFuse(f"the per-line table {name} used as a whole")
        return f"v_{name}"

    def line_local(self, table: str, line: str) -> str:
        """The local holding one line of a per-line table input."""
        if table not in self.maps or line not in self.lines:
            raise CannotFuse(f"{table}[{line}] is not a line of an input table")
        return self.maps[table][self.lines.index(line)]

    # -- expressions ------------------------------------------------------------------
    def expr(self, compiled: Compiled) -> str:
        """Python source computing ``compiled`` from the locals, by the same Decimal
        operations in the same order as its compiled function (so the same result)."""
        tree = ast.parse(compiled.reference_text, mode="eval").body
        out = _Rewrite(self, compiled.constants).visit(tree)
        return "(" + ast.unparse(ast.fix_missing_locations(out)) + ")"


class _Block:
    def __init__(self, gen: Gen) -> None:
        self.gen = gen

    def __enter__(self) -> None:
        self.gen.indent += 1

    def __exit__(self, *exc: object) -> None:
        self.gen.indent -= 1


class _Rewrite(ast.NodeTransformer):
    """Names → locals, literals → constants, table[line] → that line's local,
    total(table) → the sum of its lines from 0 in line order (as ``_total`` adds them)."""

    def __init__(self, gen: Gen, constants: Mapping[str, Decimal]) -> None:
        self.gen = gen
        self.constants = constants

    def _name(self, name: str) -> str:
        if name in self.constants:
            return self.gen.const(self.constants[name])
        if name not in self.gen.names:
            raise CannotFuse(f"unknown name {name}")
        return self.gen.local(name)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name(self._name(node.id), ast.Load())

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        base, key = node.value, node.slice
        if not (isinstance(base, ast.Name) and base.id in self.gen.maps
                and isinstance(key, ast.Constant) and key.value in self.gen.lines):
            raise CannotFuse("a subscript other than table['line']")
        return ast.Name(self.gen.maps[base.id][self.gen.lines.index(key.value)], ast.Load())

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise CannotFuse("an unknown function")
        if node.func.id == "total":
            arg = node.args[0] if len(node.args) == 1 else None
            if not (isinstance(arg, ast.Name) and arg.id in self.gen.maps):
                raise CannotFuse("total() of something other than a per-line table")
            text = " + ".join(["Z", *self.gen.maps[arg.id]])
            return ast.parse(f"({text})", mode="eval").body
        func = self.gen.const(FUNCTIONS[node.func.id][0])
        return ast.Call(ast.Name(func, ast.Load()), [self.visit(a) for a in node.args], [])

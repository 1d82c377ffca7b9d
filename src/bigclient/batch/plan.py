"""What the columnar path needs of a ruleset that no table changes, worked out once.

A :class:`Plan` holds the sections' compiled parts, each expression's tree with its
constants, the inputs some rule reads, and the per-code results (a band combination's
score, a criteria code's list, a routing key's routes), which depend on the ruleset alone
and fill in as tables bring new codes. It is kept beside the ruleset in a weak map, so a
ruleset that is dropped takes its plan with it, and a pickled ruleset carries none.
"""

from __future__ import annotations

import ast
import threading
import weakref
from typing import Any

from bigclient.batch import numbers as nb
from bigclient.batch.numbers import Num, Unsupported
from bigclient.language.expr import Compiled
from bigclient.sections.base import CompiledSection

KNOWN = frozenset({"derived", "qualification", "scoring", "flags", "routing"})
"""Sections whose part of a decision the columnar path knows how to make."""

_PLANS: weakref.WeakKeyDictionary[Any, Plan] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def plan_of(rs: Any) -> Plan:
    """The ruleset's plan (made on first use); Unsupported if the columnar path cannot
    take the ruleset at all."""
    plan = _PLANS.get(rs)
    if plan is None:
        plan = Plan(rs)
        with _LOCK:
            plan = _PLANS.setdefault(rs, plan)
    if plan.unsupported is not None:
        raise Unsupported(plan.unsupported)
    return plan


def _unsupported(rs: Any) -> str | None:
    if rs.section("qualification") is None:
        return "the ruleset has no client rules"
    for section in rs.sections:
        c = rs.section(section.key)
        if c is None or section.key in KNOWN:
            continue
        t = type(c)
        if t.decide is not CompiledSection.decide or t.conclude is not CompiledSection.conclude:
            return f"the section '{section.key}' is not vectorised"
    return None


class Plan:
    """The parts of a ruleset the columnar path reads, and caches keyed by code. It holds
    no reference to the ruleset itself (the weak map's value must not keep its key)."""

    def __init__(self, rs: Any) -> None:
        self.unsupported = _unsupported(rs)
        spec = rs.spec
        self.fields = spec.inputs
        self.lines: tuple[str, ...] = rs.lines
        self.identity: tuple[str, ...] = tuple(spec.identity)
        self.maps = {name: rs.lines for name, f in spec.inputs.items()
                     if f.type == "money_map"}
        self.derived: list[tuple[str, Compiled]] = rs.derived
        self.q: Any = rs.section("qualification")
        self.sc: Any = rs.section("scoring")
        self.fl: Any = rs.section("flags")
        self.rt: Any = rs.section("routing")
        self.trees: dict[int, tuple[Compiled, ast.expr, dict[str, Num]]] = {}
        self.cache: dict[str, dict[Any, Any]] = {}
        self.needed = self._needed()
        self.criteria_ids: list[str] = [  # a criterion, or a per-line one by line: mask order
            i for c in self.q.criteria
            for i in ([c.id] if c.expr is not None else [f"{c.id}:{ln}" for ln, _k in c.lines])
        ] if self.q is not None else []
        self.tier_names: list[str | None] = (
            [t for _cut, t in self.sc.tiers] + [None] if self.sc is not None else [None])

    def _needed(self) -> frozenset[str]:
        """Input names a rule reads: an expression, a per-line check or a routing column."""
        names: set[str] = set()
        exprs: list[Compiled] = [e for _n, e in self.derived]
        if self.q is not None:
            for c in self.q.criteria:
                if c.expr is not None:
                    exprs.append(c.expr)
                for _line, checks in c.lines or ():
                    names.update(chk.source for chk in checks)
        if self.sc is not None:
            exprs += [i.expr for i in self.sc.enabled if i.expr is not None]
        if self.fl is not None:
            exprs += [e for _rule, e in self.fl.flags]
        if self.rt is not None:
            names.update(col.name for col in self.rt.columns)
        for e in exprs:
            names.update(e.names)
        return frozenset(names)

    def tree(self, expr: Compiled) -> tuple[ast.expr, dict[str, Num]]:
        """The expression's tree as the scalar path compiled it (constants as _k names),
        and its constants as exact numbers."""
        got = self.trees.get(id(expr))
        if got is None or got[0] is not expr:
            tree = ast.parse(expr.reference_text, mode="eval").body
            got = (expr, tree, {k: nb.const(v) for k, v in expr.constants.items()})
            self.trees[id(expr)] = got
        return got[1], got[2]

    def memo(self, kind: str) -> dict[Any, Any]:
        """A cache of per-code results of one kind (they depend on the ruleset alone)."""
        got = self.cache.get(kind)
        if got is None:
            got = self.cache.setdefault(kind, {})
        return got

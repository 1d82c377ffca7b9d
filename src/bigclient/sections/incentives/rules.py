"""Compiling pay rules once at load: amounts (numbers, expressions, tables by an enum field),
commissions (a rate, or graduated or whole brackets), hold-backs, caps and floors.

Each compiled piece computes an exact Decimal and says how it got there, so a payslip line
can be explained; rounding happens once, on the line, in ``compiled.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bigclient.errors import Problem
from bigclient.i18n import _
from bigclient.language.amounts import format_amount
from bigclient.language.expr import Compiled, ExprError, Ty, compile_expr, suggest
from bigclient.language.fields import FieldSpec
from bigclient.language.source import Located, YamlPath
from bigclient.sections.incentives.model import AmountSpec, Bracket, ByValue, Component, Step

Env = Mapping[str, Any]
Detail = tuple[str, str]  # (en, zh)


@dataclass
class Compiler:
    """Where compiled pay rules report problems, and the names their expressions may use."""

    src: Located
    problems: list[Problem]
    names: dict[str, Ty]
    enums: Mapping[str, FieldSpec]  # enum fields a table may be keyed by

    def expr(self, text: Any, path: YamlPath, want: str = "number",
             names: dict[str, Ty] | None = None) -> Compiled | None:
        try:
            return compile_expr(str(text), self.names if names is None else names, want)
        except ExprError as exc:
            self.problems.append(self.src.problem(path, exc.message, code=exc.code,
                                                  hint=exc.hint))
            return None

    def amount(self, spec: AmountSpec, path: YamlPath,
               names: dict[str, Ty] | None = None) -> AmountRule | None:
        if isinstance(spec, ByValue):
            return self._table(spec, path)
        compiled = self.expr(spec, path, names=names)
        return None if compiled is None else AmountRule(compiled.func, compiled.text, None,
                                                        compiled.names)

    def _table(self, spec: ByValue, path: YamlPath) -> AmountRule | None:
        field = self.enums.get(spec.by)
        if field is None:
            self.problems.append(self.src.problem((*path, "by"), _(
                "'{name}' is not an enum field of the employee: a table of amounts needs one "
                "(such as employment or grade)").format(name=spec.by), code="BC901",
                hint=suggest(spec.by, list(self.enums)) or _("enum fields: {names}").format(
                    names=", ".join(self.enums) or "—")))
            return None
        allowed = list(field.values or {})
        bad = False
        for value in spec.values:
            if value not in allowed:
                self.problems.append(self.src.problem((*path, "values", value), _(
                    "'{value}' is not a value of '{field}'").format(value=value, field=spec.by),
                    code="BC902", hint=suggest(value, allowed) or _(
                        "its values are: {values}").format(values=", ".join(allowed))))
                bad = True
        missing = [v for v in allowed if v not in spec.values]
        if missing:
            self.problems.append(self.src.problem((*path, "values"), _(
                "no amount for {values}: list an amount for every value of '{field}' (0 if "
                "nothing is paid)").format(values=", ".join(missing), field=spec.by),
                code="BC902"))
            bad = True
        if bad:
            return None
        table = dict(spec.values)
        key = spec.by
        return AmountRule(lambda env: table[env[key]], key, table, frozenset([key]))

    def component(self, c: Component, path: YamlPath) -> PayRule | None:
        when = None if c.when is None else self.expr(c.when, (*path, "when"), "bool")
        if c.when is not None and when is None:
            return None
        rule: PayRule | None
        if c.holdback is not None:
            withhold = self.amount(c.holdback.withhold, (*path, "holdback", "withhold"))
            score = self.expr(c.holdback.score, (*path, "holdback", "score"))
            steps = self._steps(c.holdback.steps, (*path, "holdback", "steps"))
            if withhold is None or score is None or steps is None:
                return None
            rule = PayRule(c, when, holdback=HoldbackRule(withhold, score.func, score.text,
                                                          score.names, c.holdback.out_of,
                                                          steps))
        elif c.base is not None:
            base = self.expr(c.base, (*path, "base"))
            brackets = self._brackets(c.brackets, (*path, "brackets"))
            if base is None or brackets is None:
                return None
            rule = PayRule(c, when, base=base, brackets=brackets)
        else:
            assert c.amount is not None
            amount = self.amount(c.amount, (*path, "amount"))
            if amount is None:
                return None
            rule = PayRule(c, when, amount=amount)
        if c.cap is not None and c.floor is not None and c.floor > c.cap:
            self.problems.append(self.src.problem((*path, "floor"), _(
                "the floor ({floor}) is above the cap ({cap})").format(
                    floor=format_amount(c.floor), cap=format_amount(c.cap)), code="BC903"))
            return None
        return rule

    def _brackets(self, brackets: list[Bracket] | None,
                  path: YamlPath) -> tuple[Bracket, ...] | None:
        if brackets is None:
            return ()
        if not brackets:
            self.problems.append(self.src.problem(path, _("no brackets are listed"),
                                                  code="BC904"))
            return None
        for i in range(1, len(brackets)):
            if brackets[i].from_ <= brackets[i - 1].from_:
                self.problems.append(self.src.problem((*path, i, "from"), _(
                    "brackets must be listed lowest first, each starting above the one "
                    "before; {a} does not come after {b}").format(
                        a=format_amount(brackets[i].from_),
                        b=format_amount(brackets[i - 1].from_)), code="BC904"))
                return None
        return tuple(brackets)

    def _steps(self, steps: list[Step] | None, path: YamlPath) -> tuple[Step, ...] | None:
        if steps is None:
            return ()
        for i, s in enumerate(steps):
            if not Decimal(0) <= s.share <= Decimal(1):
                self.problems.append(self.src.problem((*path, i, "share"), _(
                    "a share paid out is between 0% and 100%, found {share}").format(
                        share=format_amount(s.share)), code="BC905"))
                return None
            if i and s.from_ >= steps[i - 1].from_:
                self.problems.append(self.src.problem((*path, i, "from"), _(
                    "steps must be listed highest score first"), code="BC905"))
                return None
        return tuple(steps)


@dataclass(frozen=True)
class AmountRule:
    """An amount: ``func(env)``; ``table`` when it is looked up by an enum field."""

    func: Callable[[Env], Any]
    text: str
    table: dict[str, Decimal] | None
    names: frozenset[str]

    def __call__(self, env: Env) -> Decimal:
        return Decimal(self.func(env))

    def detail(self, env: Env) -> Detail:
        if self.table is not None:
            value = env[self.text]
            return (f"{self.text} = {value}", f"{self.text} = {value}")
        return ("", "") if _is_literal(self.text) else (self.text, self.text)


@dataclass(frozen=True)
class HoldbackRule:
    withhold: AmountRule
    score: Callable[[Env], Any]
    score_text: str
    score_names: frozenset[str]
    out_of: Decimal
    steps: tuple[Step, ...]

    def share(self, score: Decimal) -> Decimal:
        """The share paid out: the first step the score reaches, or score / out_of."""
        if self.steps:
            return next((s.share for s in self.steps if score >= s.from_), Decimal(0))
        return min(max(score / self.out_of, Decimal(0)), Decimal(1))


@dataclass(frozen=True)
class PayRule:
    """One compiled component."""

    spec: Component
    when: Compiled | None
    amount: AmountRule | None = None
    base: Compiled | None = None
    brackets: tuple[Bracket, ...] = ()
    holdback: HoldbackRule | None = None

    @property
    def names(self) -> frozenset[str]:
        """The employee fields and measures the component reads."""
        out: set[str] = set(self.when.names) if self.when else set()
        if self.base is not None:
            out |= self.base.names
        if self.amount is not None:
            out |= self.amount.names
        if self.holdback is not None:
            out |= self.holdback.withhold.names | self.holdback.score_names
        return frozenset(out)

    def commission(self, base: Decimal) -> tuple[Decimal, Decimal | None, Detail]:
        """(amount, rate shown, detail) of a commission on ``base``."""
        spec = self.spec
        if spec.rate is not None:
            return base * spec.rate, spec.rate, ("", "")
        reached = [b for b in self.brackets if base >= b.from_]
        if not reached:
            return Decimal(0), None, ("below the first bracket", "未达到最低档")
        if spec.method == "whole":
            rate = reached[-1].rate
            return base * rate, rate, (f"whole base at the bracket from "
                                       f"{format_amount(reached[-1].from_)}",
                                       f"全额按 {format_amount(reached[-1].from_)} 起档计")
        total = Decimal(0)
        parts: list[str] = []
        for i, b in enumerate(reached):
            top = self.brackets[i + 1].from_ if i + 1 < len(self.brackets) else None
            slice_ = (min(base, top) if top is not None else base) - b.from_
            total += slice_ * b.rate
            parts.append(f"{format_amount(slice_)}×{format_amount(b.rate * 100)}%")
        text = " + ".join(parts)
        return total, None, (f"graduated: {text}", f"超额累进：{text}")


def _is_literal(text: str) -> bool:
    return not any(ch.isalpha() and ch.isascii() for ch in text)

"""The derived section: named values computed from inputs and context (D-3), compiled in
dependency order; a cycle is refused at load."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import Field

from bigclient.fused.gen import Gen
from bigclient.i18n import _
from bigclient.language.common import LABEL_FIELD, NOTE_FIELD, RULE_FIELD, Identifier, Label, Model
from bigclient.language.expr import Compiled, ExprError, Ty, compile_expr
from bigclient.language.source import YamlPath
from bigclient.language.words import EXPLAIN_WORDS, shown
from bigclient.sections.base import (
    CompileContext,
    CompiledSection,
    Decided,
    Element,
    Section,
    Verdict,
)


class Derived(Model):
    expr: str = Field(description="expression over inputs, context and other derived values")
    label: Label = LABEL_FIELD
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD


class CompiledDerived(CompiledSection):
    def __init__(self, order: list[tuple[str, Compiled]], labels: Mapping[str, Label]) -> None:
        self.order = order
        self.labels = labels
        self._plan = [(name, e.func) for name, e in order]

    def decide(self, env: dict[str, Any], verdict: Verdict) -> None:
        for name, func in self._plan:
            env[name] = func(env)

    def emit(self, gen: Gen) -> None:
        for name, e in self.order:
            gen.line(f"{gen.local(name)} = {gen.expr(e)}")
            gen.derived.append(name)

    def explain(self, d: Decided, lang: str) -> list[str]:
        if not self.order:
            return []
        env = d.values
        if lang == "zh":
            return [f"{EXPLAIN_WORDS[lang]['values']}：" + "，".join(
                f"{self.labels[n].zh} = {shown(env[n], lang)}" for n, _ in self.order)]
        return [f"{EXPLAIN_WORDS[lang]['values']}: " + ", ".join(
            f"{n} = {shown(env[n])}" for n, _ in self.order)]


class DerivedSection(Section):
    key = "derived"
    stage = 0  # before everything that may use a derived value
    explain_rank = 1
    named_map = Element("derived", "Derived value", "推导值")

    def spec_field(self) -> tuple[Any, Any]:
        return dict[Identifier, Derived], Field(
            default_factory=dict,
            description="named values computed from inputs and context (D-3)")

    def compile(self, part: Mapping[str, Derived], ctx: CompileContext) -> CompiledDerived:
        """Compile in dependency order; refuse cycles."""
        src, names, problems = ctx.src, ctx.names, ctx.problems
        pending = dict(part)
        for name in pending:
            if name in names:
                problems.append(
                    src.problem(
                        ("derived", name),
                        _("'{name}' is already an input or context field").format(name=name),
                        code="BC120",
                    )
                )
        order: list[tuple[str, Compiled]] = []
        progress = True
        last_errors: dict[str, ExprError] = {}
        while pending and progress:
            progress = False
            for name, d in list(pending.items()):
                try:
                    compiled = compile_expr(d.expr, names)
                except ExprError as err:
                    last_errors[name] = err
                    continue
                names[name] = Ty(compiled.type.kind, compiled.type.keys, name)
                ctx.name_labels[name] = d.label
                order.append((name, compiled))
                del pending[name]
                progress = True
        for name in pending:
            exc = last_errors[name]
            unknown = re.match(r"unknown name '(\w+)'", exc.message)
            if unknown and unknown.group(1) in pending:
                problems.append(
                    src.problem(
                        ("derived", name, "expr"),
                        _(
                            "'{name}' depends on '{group}', which depends back on it (a cycle)"
                        ).format(name=name, group=unknown.group(1)),
                        code="BC305",
                        hint=_("break the cycle: one of them must be computed from inputs only"),
                    )
                )
            else:
                problems.append(src.problem(("derived", name, "expr"), exc.message,
                                            code=exc.code, hint=exc.hint))
        ctx.failed_names.update(pending)
        return CompiledDerived(order, ctx.name_labels)

    def expressions(self, part: Mapping[str, Derived]) -> Iterator[tuple[YamlPath, Any]]:
        for name, d in part.items():
            yield ("derived", name, "expr"), d.expr

    def added_detail(self, kind: str, what: Mapping[str, Any]) -> tuple[str, str] | None:
        if kind == "derived":
            return f" = {what.get('expr')}", f" = {what.get('expr')}"
        return None


SECTION = DerivedSection()

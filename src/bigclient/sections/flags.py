"""The flags section: warnings that travel with every decision where they hold (D-4),
optionally excluding the client or capping its tier."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import Field

from bigclient.fused.gen import Gen
from bigclient.i18n import _
from bigclient.language.common import ID_FIELD, LABEL_FIELD, RULE_FIELD, Label, Model, Slug
from bigclient.language.expr import Compiled, ExprError, compile_expr
from bigclient.language.source import YamlPath
from bigclient.language.words import EXPLAIN_WORDS, Frame, arrow, field_name, when_detail
from bigclient.sections.base import (
    CompileContext,
    CompiledSection,
    Decided,
    Element,
    Section,
    Verdict,
    Words,
)


class FlagRule(Model):
    """A warning that travels with every decision where it holds (D-4)."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    when: str = Field(description="a yes/no expression: the flag is raised when it holds")
    rule: str | None = RULE_FIELD
    exclude: bool = Field(False, description="true: a flagged client is not a big client")
    cap: Slug | None = Field(None, description="highest tier a flagged client may get")


class CompiledFlags(CompiledSection):
    def __init__(self, flags: list[tuple[FlagRule, Compiled]], scoring: Any) -> None:
        self.flags = flags
        self.scoring = scoring  # the compiled scoring section (ranks tiers for 'cap'), or None
        self._tests = [(fl.id, e.func) for fl, e in flags]
        self._effects = [fl for fl, _ in flags if fl.exclude or fl.cap]

    def decide(self, env: dict[str, Any], verdict: Verdict) -> None:
        raised = [fid for fid, test in self._tests if test(env)]
        if not raised:
            return
        verdict.flags += tuple(raised)
        for fl in self._effects:
            if fl.id not in raised:
                continue
            if fl.exclude and verdict.qualified:
                verdict.qualified = False
                verdict.notes += (("excluded", fl.id),)
            computed = verdict.computed
            if fl.cap is not None and computed is not None and self.scoring is not None and (
                self.scoring.rank(computed) < self.scoring.rank(fl.cap)
            ):
                verdict.notes += (("capped", fl.id, fl.cap, computed),)
                verdict.computed = fl.cap

    def emit(self, gen: Gen) -> None:
        if not self._tests:
            return
        gen.line("raised = []")
        for fl, e in self.flags:
            with gen.block(f"if {gen.expr(e)}:"):
                gen.line(f"raised.append({fl.id!r})")
        with gen.block("if raised:"):
            gen.line("flags = flags + tuple(raised)")
            for fl in self._effects:
                with gen.block(f"if {fl.id!r} in raised:"):
                    if fl.exclude:
                        with gen.block("if qualified:"):
                            gen.line("qualified = False")
                            gen.line(f"notes = notes + (('excluded', {fl.id!r}),)")
                    if fl.cap is not None and self.scoring is not None:
                        ranks = gen.const({tid: i for i, (_c, tid) in
                                           enumerate(self.scoring.tiers)})
                        cap = self.scoring.rank(fl.cap)
                        with gen.block(f"if computed is not None and {ranks}.get(computed, "
                                       f"{len(self.scoring.tiers)}) < {cap}:"):
                            gen.line(f"notes = notes + (('capped', {fl.id!r}, {fl.cap!r}, "
                                     "computed),)")
                            gen.line(f"computed = {fl.cap!r}")
                    gen.line("pass")

    def explain(self, d: Decided, lang: str) -> list[str]:
        if not d.flags:
            return []
        specs = {fl.id: fl for fl, _ in self.flags}
        zh = lang == "zh"
        out = [f"{EXPLAIN_WORDS[lang]['flags']}{'：' if zh else ':'}"]
        for f in d.flags:
            fl = specs.get(f)
            if fl is None and f == "override_refused":
                text = "特批未采纳" if zh else "the override was refused"
            elif fl is None and f == "unrouted":
                text = "路由表没有适用的行，未确定责任单位" if zh else \
                    "no routing row matches: no responsible unit"
            else:
                text = fl.label(lang) + (f" [{fl.rule}]" if fl.rule else "") if fl else f
            out.append(f"  ! {text}" if zh else f"  ! {f} — {text}")
        out.extend(f"  ! {self._note(n, lang)}" for n in d.notes)
        return out

    def _note(self, note: tuple[str, ...], lang: str) -> str:
        labels = {fl.id: fl.label for fl, _ in self.flags}
        if note[0] == "excluded":
            return (f"因“{labels[note[1]].zh}”不认定为大客户" if lang == "zh"
                    else f"excluded by flag {note[1]}")
        _, fid, cap, computed = note
        if lang == "zh":
            tiers = self.scoring.spec.tiers if self.scoring is not None else []
            names = {t.id: t.label.zh for t in tiers}
            return (f"因“{labels[fid].zh}”级别最高为{names.get(cap, cap)}"
                    f"（计算级别{names.get(computed, computed)}）")
        return f"tier capped at {cap} by flag {fid} (computed {computed})"


class FlagsSection(Section):
    key = "flags"
    stage = 3  # after scoring: a flag may cap the computed tier
    explain_rank = 3
    elements: ClassVar[Mapping[YamlPath, Element]] = {("flags",): Element("flag", "Flag", "提示")}

    def spec_field(self) -> tuple[Any, Any]:
        return list[FlagRule], Field(default_factory=list,
                                     description="warnings that travel with decisions (D-4)")

    def compile(self, part: list[FlagRule], ctx: CompileContext) -> CompiledFlags:
        src = ctx.src
        ctx.problems.extend(src.duplicate_ids(("flags",), [f.id for f in part], "flag"))
        scoring = ctx.compiled.get("scoring")
        tier_ids = scoring.tier_ids if scoring is not None else set()
        compiled: list[tuple[FlagRule, Compiled]] = []
        for i, fl in enumerate(part):
            try:
                compiled.append((fl, compile_expr(fl.when, ctx.names, want="bool")))
            except ExprError as exc:
                ctx.problems.append(src.problem(("flags", i, "when"), exc.message,
                                                code=exc.code, hint=exc.hint))
            if fl.cap is not None and fl.cap not in tier_ids:
                ctx.problems.append(
                    src.problem(
                        ("flags", i, "cap"),
                        _("'{cap}' is not a tier").format(cap=fl.cap),
                        code="BC231",
                    )
                )
        return CompiledFlags(compiled, scoring)

    def expressions(self, part: list[FlagRule]) -> Iterator[tuple[YamlPath, Any]]:
        for i, fl in enumerate(part):
            yield ("flags", i, "when"), fl.when

    def describe(self, path: YamlPath, old: Any, new: Any, frame: Frame, en_name: str,
                 zh_name: str, lines: Mapping[str, Any]) -> Words | None:
        last = path[-1]
        if frame.kind == "flag" and last in ("exclude", "cap", "when"):
            return "flag", f"Flag {frame.key} ({en_name}) {field_name(last, 'en')}: " \
                f"{arrow(old, new, 'en')}", \
                f"提示 {frame.key}（{zh_name}）{field_name(last, 'zh')}：{arrow(old, new, 'zh')}"
        return None

    def added_detail(self, kind: str, what: Mapping[str, Any]) -> tuple[str, str] | None:
        return when_detail(what) if kind == "flag" else None


SECTION = FlagsSection()

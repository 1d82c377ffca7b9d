"""Who is a big client (D-1, D-2): named criteria combined any/all, and per-line
threshold tables that yield one criterion id per qualifying line (``specialty:savings``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from bigclient.errors import Problem
from bigclient.fused.gen import Gen
from bigclient.i18n import _
from bigclient.language.common import ID_FIELD, LABEL_FIELD, Amount, Label, Model, Slug
from bigclient.language.expr import Compiled, ExprError, Ty, compile_expr, suggest
from bigclient.language.source import Located, YamlPath
from bigclient.language.words import EXPLAIN_WORDS, shown
from bigclient.sections.base import CompileContext, CompiledSection, Decided, Verdict


class PerLine(Model):
    """A threshold table: a line qualifies when every column reaches its threshold."""

    compare: dict[str, str] = Field(description="column → the per-line table it reads, e.g. "
                                    "{prev_year: revenue_prev_year, month: revenue_month}")
    compare_line: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="lines measured by another value, e.g. newspapers on turnover (D-3): "
        "{newspapers: {prev_year: newspapers_turnover_prev_year}}")
    columns: dict[str, Label] = Field(default_factory=dict, description="labels of the columns")
    thresholds: dict[str, dict[str, Amount]] = Field(
        description="line → column → threshold (reached when value ≥ threshold)")


class Criterion(Model):
    """One way to qualify (D-1): a yes/no expression, or a per-line table (D-2)."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    rule: str | None = Field(None, description="the DOMAIN rule, e.g. D-1(2)")
    when: str | None = Field(None, description="a yes/no expression over inputs, context and "
                             "derived values")
    per_line: PerLine | None = Field(None, description="a per-line threshold table (D-2); "
                                     "meets '<id>:<line>' for each line that reaches it")

    @model_validator(mode="after")
    def _one_kind(self) -> Criterion:
        if (self.when is None) == (self.per_line is None):
            raise ValueError(
                _(
                    "a criterion needs exactly one of 'when' (an expression) or "
                    "'per_line' (a threshold table)"
                )
            )
        return self


class Qualification(Model):
    """D-1: a client is a big client when any (or all) of the criteria hold."""

    combine: Literal["any", "all"] = Field(
        "any", description="any: one criterion is enough (D-1); all: every one must hold")
    criteria: list[Criterion] = Field(min_length=1, description="the ways to qualify, in order")


@dataclass(frozen=True)
class Check:
    """One compiled column check of a per-line table (value source and threshold)."""

    column: str
    source: str  # the name read
    by_line: bool  # True: env[source][line]; False: env[source]
    threshold: Decimal


@dataclass(frozen=True)
class CompiledCriterion:
    id: str
    spec: Criterion
    expr: Compiled | None
    lines: tuple[tuple[str, tuple[Check, ...]], ...]


class CompiledQualification(CompiledSection):
    """Evaluates criteria; returns the ids met, in ruleset order."""

    def __init__(self, spec: Qualification, criteria: list[CompiledCriterion],
                 line_labels: Mapping[str, Label], name_labels: Mapping[str, Label]) -> None:
        self.spec = spec
        self.line_labels = line_labels
        self.name_labels = name_labels
        self.criteria = criteria
        self.any = spec.combine == "any"
        # The hot path reads plain tuples: (id, test) or (None, [(id:line, [(source, line or
        # None, threshold)])]), built once here.
        self._plan: list[tuple[str | None, Any]] = []
        for c in criteria:
            if c.expr is not None:
                self._plan.append((c.id, c.expr.func))
            else:
                self._plan.append((None, [
                    (f"{c.id}:{line}", [(k.source, line if k.by_line else None, k.threshold)
                                        for k in checks])
                    for line, checks in c.lines]))

    def evaluate(self, env: Mapping[str, Any]) -> tuple[bool, tuple[str, ...]]:
        met: list[str] = []
        groups = 0
        for cid, test in self._plan:
            if cid is not None:
                if test(env):
                    met.append(cid)
                    groups += 1
                continue
            hit = False
            for line_id, checks in test:
                for source, line, threshold in checks:
                    value = env[source] if line is None else env[source][line]
                    if value < threshold:
                        break
                else:
                    met.append(line_id)
                    hit = True
            groups += hit
        qualified = groups > 0 if self.any else groups == len(self._plan)
        return qualified, tuple(met)

    def decide(self, env: dict[str, Any], verdict: Verdict) -> None:
        verdict.qualified, verdict.criteria = self.evaluate(env)

    def emit(self, gen: Gen) -> None:
        """As :meth:`evaluate`: every criterion tried, a line's checks as ``not v < t``."""
        gen.line("met = []")
        gen.line("groups = 0")
        for c in self.criteria:
            if c.expr is not None:
                with gen.block(f"if {gen.expr(c.expr)}:"):
                    gen.line(f"met.append({c.id!r})")
                    gen.line("groups += 1")
                continue
            gen.line("hit = False")
            for line, checks in c.lines:
                values = [gen.line_local(k.source, line) if k.by_line else gen.local(k.source)
                          for k in checks]
                tests = [f"not {v} < {gen.const(k.threshold)}"
                         for v, k in zip(values, checks, strict=True)]
                with gen.block(f"if {' and '.join(tests)}:"):
                    gen.line(f"met.append({c.id + ':' + line!r})")
                    gen.line("hit = True")
            gen.line("groups += hit")
        gen.line("qualified = groups > 0" if self.any else
                 f"qualified = groups == {len(self._plan)}")
        gen.line("criteria = tuple(met)")

    def explain(self, d: Decided, lang: str) -> list[str]:
        """English names ids and shows the expressions; Chinese speaks in labels only, as
        policy staff read the policy."""
        zh = lang == "zh"
        w = EXPLAIN_WORDS[lang]
        env = d.values
        verdict = w["qualified"] if d.qualified else w["not_qualified"]
        out = [f"{verdict}（{w[self.spec.combine]}）：" if zh else
               f"{verdict} ({w[self.spec.combine]}):"]
        met = set(d.criteria)
        for c in self.criteria:
            rule = f" [{c.spec.rule}]" if c.spec.rule else ""
            name = c.spec.label.zh if zh else f"{c.id} — {c.spec.label(lang)}"
            if c.expr is not None:
                mark = "✓" if c.id in met else "✗"
                used = ("，" if zh else ", ").join(
                    f"{self._name(n) if zh else n} = {shown(env[n], lang)}"
                    for n in sorted(c.expr.names))
                if zh:
                    out.append(f"  {mark} {name}{rule}" + (f"：{used}" if used else ""))
                else:
                    out.append(f"  {mark} {name}{rule}: {c.expr.text}"
                               + (f"  ({used})" if used else ""))
                continue
            out.append(f"  {name}{rule}{'：' if zh else ':'}")
            columns = c.spec.per_line.columns if c.spec.per_line is not None else {}
            for line, checks in c.lines:
                cid = f"{c.id}:{line}"
                mark = "✓" if cid in met else "✗"
                parts = []
                for chk in checks:
                    v = env[chk.source][line] if chk.by_line else env[chk.source]
                    op = "≥" if v >= chk.threshold else "<"
                    col = chk.column
                    if zh:
                        col = columns[col].zh if col in columns else self._name(chk.source)
                    parts.append(f"{col} {shown(v, lang)} {op} {shown(chk.threshold, lang)}")
                label = self.line_labels[line](lang) if line in self.line_labels else line
                out.append(f"    {mark} {label}：" + "；".join(parts) if zh else
                           f"    {mark} {cid} ({label}): " + "; ".join(parts))
        return out

    def _name(self, name: str) -> str:
        label = self.name_labels.get(name)
        return label.zh if label is not None else name


def compile_qualification(spec: Qualification, ctx: CompileContext) -> CompiledQualification:
    """Compile every criterion; collect located problems instead of stopping at the first."""
    src, names, problems, lines = ctx.src, ctx.names, ctx.problems, ctx.lines
    base: YamlPath = ("qualification",)
    out: list[CompiledCriterion] = []
    problems += src.duplicate_ids((*base, "criteria"), [c.id for c in spec.criteria],
                                  "criterion")
    for i, c in enumerate(spec.criteria):
        path: YamlPath = (*base, "criteria", i)
        if c.when is not None:
            try:
                expr = compile_expr(c.when, names, want="bool")
            except ExprError as exc:
                problems.append(src.problem((*path, "when"), exc.message, code=exc.code,
                                            hint=exc.hint))
                continue
            out.append(CompiledCriterion(c.id, c, expr, ()))
            continue
        assert c.per_line is not None
        out.append(CompiledCriterion(c.id, c, None,
                                     _compile_table(c.per_line, names, src, (*path, "per_line"),
                                                    problems, lines)))
    return CompiledQualification(spec, out, ctx.line_labels, ctx.name_labels)


def _compile_table(table: PerLine, names: Mapping[str, Ty], src: Located, path: YamlPath,
                   problems: list[Problem],
                   lines: tuple[str, ...]) -> tuple[tuple[str, tuple[Check, ...]], ...]:
    def name_problem(p: YamlPath, name: str, want: str) -> bool:
        ty = names.get(name)
        if ty is None:
            problems.append(
                src.problem(
                    p,
                    _("unknown name '{name}'").format(name=name),
                    code="BC301",
                    hint=suggest(name, list(names)) or "declare it first",
                )
            )
            return True
        if ty.kind != want:
            problems.append(
                src.problem(
                    p,
                    _("'{name}' is {ty}, but {Ty} is needed here").format(
                        name=name, ty=ty, Ty=Ty(want)
                    ),
                    code="BC303",
                )
            )
            return True
        return False

    bad = False
    for col, name in table.compare.items():
        bad |= name_problem((*path, "compare", col), name, "map")
    for line, cols in table.compare_line.items():
        if line not in lines:
            problems.append(
                src.problem(
                    (*path, "compare_line", line),
                    _("'{line}' is not a product line").format(line=line),
                    code="BC121",
                    hint=suggest(line, lines) or "declare it under lines",
                )
            )
            bad = True
        for col, name in cols.items():
            if col not in table.compare:
                problems.append(
                    src.problem(
                        (*path, "compare_line", line, col),
                        _("'{col}' is not a column of this table").format(col=col),
                        code="BC121",
                        hint="columns: " + ", ".join(table.compare),
                    )
                )
                bad = True
            bad |= name_problem((*path, "compare_line", line, col), name, "number")
    compiled: list[tuple[str, tuple[Check, ...]]] = []
    for line, row in table.thresholds.items():
        rpath: YamlPath = (*path, "thresholds", line)
        if line not in lines:
            problems.append(
                src.problem(
                    rpath,
                    _("'{line}' is not a product line").format(line=line),
                    code="BC121",
                    hint=suggest(line, lines) or "declare it under lines",
                )
            )
            bad = True
            continue
        missing = [col for col in table.compare if col not in row]
        extra = [col for col in row if col not in table.compare]
        if missing or extra:
            what = (f"missing {', '.join(missing)}" if missing else "") + (
                ("; " if missing and extra else "") + f"unknown {', '.join(extra)}"
                if extra else "")
            problems.append(
                src.problem(
                    rpath,
                    _("this row must give one threshold per column ({compare}): {what}").format(
                        compare=", ".join(table.compare), what=what
                    ),
                    code="BC122",
                )
            )
            bad = True
            continue
        checks = []
        for col, threshold in row.items():
            special = table.compare_line.get(line, {}).get(col)
            if special is not None:
                checks.append(Check(col, special, False, threshold))
            else:
                checks.append(Check(col, table.compare[col], True, threshold))
        compiled.append((line, tuple(checks)))
    return () if bad else tuple(compiled)

"""Assembling a ruleset's fused function from its sections' parts (see
:mod:`bigclient.fused`)."""


from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bigclient.decision import Decision, made_by_fused
from bigclient.fused.gen import CannotFuse, Gen
from bigclient.fused.reader import emit_identity, emit_inputs
from bigclient.language.expr import Ty
from bigclient.language.fields import RecordReader

__all__ = ["CannotFuse", "Fused", "fuse"]

Slow = Callable[[Any, dict[str, Any], Any], Decision]


class Fused:
    """A ruleset's fused decide function and what rebuilds a decision's raw parts.

    A fused decision keeps one flat tuple: each input (a per-line table as one item per
    line), each derived value, each indicator's value, band, score and points, and each
    identity column. A decision kept by a caller is then two objects for the garbage collector to
    walk, not ten: it measurably slowed ``list(evaluate_many(...))``.
    """

    def __init__(self, decide: Callable[..., Decision], source: str,
                 inputs: Sequence[tuple[str, bool]], lines: tuple[str, ...],
                 derived: Sequence[str], indicator_ids: Sequence[str],
                 identity: Sequence[str]) -> None:
        self.decide = decide
        self.source = source  # the generated text, for reading and debugging
        self._inputs = tuple(inputs)
        self._lines = lines
        self._derived = tuple(derived)
        self._ids = tuple(indicator_ids)
        self._identity = tuple(identity)
        self._ind_at = sum(len(lines) if is_map else 1 for _n, is_map in inputs) + len(
            derived)

    def values(self, raw: tuple[Any, ...], ctx: Mapping[str, Any]) -> dict[str, Any]:
        """The env the reference path would have built: inputs in the reader's order (a
        table with every line, in line order), then the context, then derived values."""
        env: dict[str, Any] = {}
        at, width = 0, len(self._lines)
        for name, is_map in self._inputs:
            if is_map:
                env[name] = dict(zip(self._lines, raw[at:at + width], strict=True))
                at += width
            else:
                env[name] = raw[at]
                at += 1
        env.update(ctx)
        env.update(zip(self._derived, raw[at:self._ind_at], strict=True))
        return env

    def identity(self, raw: tuple[Any, ...]) -> dict[str, Any]:
        n = len(self._identity)
        return dict(zip(self._identity, raw[len(raw) - n:], strict=True)) if n else {}

    def indicators(self, raw: tuple[Any, ...]) -> tuple[Any, ...]:
        from bigclient.sections.scoring.model import IndicatorResult
        at = self._ind_at
        return tuple(IndicatorResult(iid, *raw[at + 4 * k:at + 4 * k + 4])
                     for k, iid in enumerate(self._ids))


def fuse(plan: Any, sections: Sequence[Any], concluders: Sequence[Any],
         inputs: RecordReader, context: RecordReader, names: Mapping[str, Ty],
         lines: tuple[str, ...], slow: Slow) -> Fused | None:
    """The fused function of a ruleset, or None when a section cannot be written (the
    ruleset then decides by the reference path alone). ``sections`` decide in stage order,
    ``concluders`` conclude after the tier is final; ``slow(record, context, row)`` is the
    reference path."""
    try:
        return _fuse(plan, sections, concluders, inputs, context, names, lines, slow)
    except CannotFuse:
        return None


def _fuse(plan: Any, sections: Sequence[Any], concluders: Sequence[Any],
          inputs: RecordReader, context: RecordReader, names: Mapping[str, Ty],
          lines: tuple[str, ...], slow: Slow) -> Fused:
    ctx_names = tuple(name for name, *_ in context.plan)
    if set(ctx_names) & {name for name, *_ in inputs.plan}:
        raise CannotFuse("a name is both an input and a context value")
    gen = Gen(names, lines)
    gen.ns.update(slow=slow, NEW=made_by_fused, PLAN=plan, KNOWN=inputs.known,
                  CTX=frozenset(ctx_names))
    gen.indent = 2
    layout = emit_inputs(gen, inputs)
    for name in ctx_names:
        gen.line(f"{gen.local(name)} = ctx[{name!r}]")
    for init in ("qualified = False", "criteria = ()", "score = None",
                 "computed = None", "flags = ()", "notes = ()", "routes = ()"):
        gen.line(init)
    for section in sections:
        section.emit(gen)
    gen.line("if not qualified: computed = None")
    gen.line("tier = computed")
    for section in concluders:
        section.emit_conclude(gen)
    identity = emit_identity(gen, inputs)
    parts = [*(src for _name, src in layout), *(gen.local(n) for n in gen.derived),
             *(values for _id, values in gen.indicators), *identity]
    gen.line(f"raw = ({', '.join(parts)},)")
    gen.line("return NEW(PLAN, raw, ctx, qualified, criteria, score, computed, tier, flags, "
             "routes, notes)")
    body = "\n".join(gen.code)
    source = ("def decide(rec, ctx, row=None):\n"
              "    if type(rec) is not dict or not KNOWN.issuperset(rec) or not "
              "CTX.issuperset(ctx):\n"
              "        return slow(rec, ctx, row)\n"
              "    try:\n"
              f"{body}\n"
              "    except Exception:\n"  # whatever it was, the reference path says it right
              "        pass\n"
              "    return slow(rec, ctx, row)\n")
    code = compile(source, f"<fused {getattr(plan, 'id', '?')}>", "exec")
    exec(code, gen.ns)
    return Fused(gen.ns["decide"], source,
                 [(name, spec.type == "money_map") for name, spec, *_ in inputs.plan], lines,
                 gen.derived, [iid for iid, _values in gen.indicators], inputs.identity)

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
    """A ruleset's fused decide function and what rebuilds a decision's raw parts."""

    def __init__(self, decide: Callable[..., Decision], source: str,
                 inputs: Sequence[tuple[str, bool]], lines: tuple[str, ...],
                 derived: Sequence[str], indicator_ids: tuple[str, ...]) -> None:
        self.decide = decide
        self.source = source  # the generated text, for reading and debugging
        self._inputs = tuple(inputs)
        self._lines = lines
        self._derived = tuple(derived)
        self._ids = indicator_ids

    def values(self, raw: tuple[Any, ...]) -> dict[str, Any]:
        """The env the reference path would have built: inputs in the reader's order (a
        table with every line, in line order), then the context, then derived values."""
        ins, ctx, der, _ind = raw
        env = {name: dict(zip(self._lines, value, strict=True)) if is_map else value
               for (name, is_map), value in zip(self._inputs, ins, strict=True)}
        env.update(ctx)
        env.update(zip(self._derived, der, strict=True))
        return env

    def indicators(self, raw: tuple[Any, ...]) -> tuple[Any, ...]:
        from bigclient.sections.scoring.model import IndicatorResult
        return tuple(IndicatorResult(iid, *r) for iid, r in zip(self._ids, raw[3], strict=True))


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
    for init in ("qualified = False", "criteria = ()", "score = None", "ind = ()",
                 "computed = None", "flags = ()", "notes = ()", "routes = ()"):
        gen.line(init)
    for section in sections:
        section.emit(gen)
    gen.line("if not qualified: computed = None")
    gen.line("tier = computed")
    for section in concluders:
        section.emit_conclude(gen)
    identity = emit_identity(gen, inputs)
    ins = ", ".join(src for _name, src in layout)
    der = "".join(gen.local(n) + ", " for n in gen.derived)
    gen.line(f"raw = (({ins},), ctx, ({der}), ind)")
    gen.line("return NEW(PLAN, raw, qualified, criteria, score, computed, tier, flags, "
             f"routes, notes, {identity})")
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
                 gen.derived, gen.indicator_ids)

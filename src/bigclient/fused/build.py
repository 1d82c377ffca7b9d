"""Assembling a ruleset's fused function from its sections' parts (see
:mod:`bigclient.fused`)."""


from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bigclient.decision import Decision, made_by_fused
from bigclient.fused.gen import CannotFuse, Gen
from bigclient.fused.reader import emit_identity, emit_inputs
from bigclient.fused.runtime import Fused
from bigclient.language.convert import RecordReader
from bigclient.language.expr import Ty

__all__ = ["CannotFuse", "Fused", "fuse"]

Reference = Callable[[Any, dict[str, Any], Any], Decision]


def fuse(plan: Any, sections: Sequence[Any], concluders: Sequence[Any],
         inputs: RecordReader, context: RecordReader, names: Mapping[str, Ty],
         lines: tuple[str, ...], slow: Reference) -> Fused | None:
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
          lines: tuple[str, ...], slow: Reference) -> Fused:
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

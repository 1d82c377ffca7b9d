"""Reading a client's inputs inside the fused function: each field into its local.

It takes exactly what :class:`~bigclient.language.fields.RecordReader` takes, by the same
converters and the same fast tests, but writes each value to a local instead of a dict and
a per-line table to one local per line. Anything the reader would refuse (an unknown key,
a missing required value, a value its converter rejects) raises, and the fused function
then hands the record to the reference path, whose error is the one the caller sees.
"""

from __future__ import annotations

from typing import Any

from bigclient.fused.gen import Gen
from bigclient.fused.runtime import Slow
from bigclient.language.convert import (
    MAX_TEXT,
    MISSING,
    Field,
    RecordReader,
    amount_test,
    collect_dotted,
    fast_test,
)


def emit_inputs(gen: Gen, reader: RecordReader) -> list[tuple[str, str]]:
    """Write the reading of every input; return (name, source of its env value) in the
    reader's order, for the decision's lazily built ``values``."""
    ns = gen.ns
    ns.update(MISSING=MISSING, collect=collect_dotted, Slow=Slow)
    gen.line("get = rec.get")
    out: list[tuple[str, str]] = []
    for i, (name, spec, conv, default, dotted) in enumerate(reader.plan):
        c = gen.const(conv)
        gen.line(f"raw = get({name!r}, MISSING)")
        if spec.type == "money_map":
            out.append((name, _emit_map(gen, reader.lines, i, name, spec, c, default, dotted)))
            continue
        local = gen.local(name)
        fast = fast_test(spec, i, ns)  # its constants are e<i>, lo<i>, hi<i>, Decimal…
        if fast:
            with gen.block(f"if {fast}:"):
                gen.line(f"{local} = raw")
        with gen.block(f'{"elif" if fast else "if"} raw is MISSING or raw is None or '
                       'raw == "":'):
            gen.line("raise Slow" if default is MISSING else f"{local} = {gen.const(default)}")
        with gen.block("else:"):
            gen.line(f"{local} = {c}(raw)")
        out.append((name, local))
    return out


def _emit_map(gen: Gen, lines: tuple[str, ...], i: int, name: str, spec: Field,
              conv: str, default: Any, dotted_columns: frozenset[str]) -> str:
    """A per-line table: a host's dict of exact Decimals line by line, else the converter."""
    locs = tuple(f"m{i}_{j}" for j in range(len(lines)))
    gen.maps[name] = locs
    pairs = gen.const(tuple((line, f"{name}.{line}") for line in lines))
    dotted = gen.const(dotted_columns)
    line_set = gen.const(frozenset(lines))
    with gen.block("if raw is MISSING:"):
        gen.line(f"raw = collect(rec, {pairs})")
    with gen.block(f"elif not {dotted}.isdisjoint(rec):"):
        gen.line("raise Slow")
    with gen.block('if raw is MISSING or raw is None or raw == "":'):
        d = gen.const(default)
        for j, line in enumerate(lines):
            gen.line(f"{locs[j]} = {d}[{line!r}]")
    with gen.block(f"elif type(raw) is dict and {line_set}.issuperset(raw):"):
        gen.line("g = raw.get")
        tests = []
        for j, line in enumerate(lines):
            gen.line(f"{locs[j]} = g({line!r}, Z)")
            tests.append(amount_test(locs[j], spec, i, gen.ns))  # as to_map takes them
        with gen.block("if not (" + " and ".join(f"({v} is Z or {t})" for v, t in
                                                   zip(locs, tests, strict=True)) + "):"):
            # a table read from Parquet or a data frame has None for a line without revenue
            # (to_map counts it as 0): still no need to convert the others
            with gen.block("if " + " and ".join(f"({v} is Z or {v} is None or {t})" for v, t
                                                in zip(locs, tests, strict=True)) + ":"):
                for v in locs:
                    gen.line(f"if {v} is None: {v} = Z")
            with gen.block("else:"):
                _converted(gen, conv, lines, locs)
    with gen.block("else:"):
        _converted(gen, conv, lines, locs)
    return ", ".join(locs)


def _converted(gen: Gen, conv: str, lines: tuple[str, ...], locs: tuple[str, ...]) -> None:
    gen.line(f"conv = {conv}(raw)")
    for j, line in enumerate(lines):
        gen.line(f"{locs[j]} = conv[{line!r}]")


def emit_identity(gen: Gen, reader: RecordReader) -> list[str]:
    """The declared identity columns, when they are text (or absent); otherwise the
    reference path decides (it takes whole numbers too, and refuses the rest)."""
    out = []
    for k, name in enumerate(reader.identity):
        gen.line(f"i{k} = get({name!r})")
        with gen.block(f"if i{k} is not None and (type(i{k}) is not str or len(i{k}) > "
                       f"{MAX_TEXT}):"):
            gen.line("raise Slow")
        out.append(f"i{k}")
    return out

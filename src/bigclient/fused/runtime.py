"""What a fused function needs when it runs — and nothing that writes one — so a ruleset
revived from the compile cache (:mod:`bigclient.fused.cache`) decides without importing the
compiler, pydantic or YAML."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bigclient.results import IndicatorResult

BUILTINS = {"type": type, "len": len, "str": str, "dict": dict, "tuple": tuple,
            "Exception": Exception}
"""All the generated code calls; ruleset expressions reach none (their names are locals)."""


class Slow(Exception):
    """Raised in a fused function to hand the record to the reference path."""


class Fused:
    """A ruleset's fused decide function and what rebuilds a decision's raw parts.

    A fused decision keeps one flat tuple: each input (a per-line table as one item per
    line), each derived value, each indicator's value, band, score and points, and each
    identity column. A decision kept by a caller is then two objects for the garbage collector to
    walk, not ten: it measurably slowed ``list(evaluate_many(...))``.
    """

    def __init__(self, decide: Callable[..., Any], source: str,
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

    def layout(self) -> tuple[Any, ...]:
        """What ``Fused(decide, source, *layout)`` needs besides the function."""
        return self._inputs, self._lines, self._derived, self._ids, self._identity

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
        at = self._ind_at
        return tuple(IndicatorResult(iid, *raw[at + 4 * k:at + 4 * k + 4])
                     for k, iid in enumerate(self._ids))

"""Per-row codes: small integers standing for a row's combination of masks, bands or routing
values, and their values spread back to every row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from bigclient.batch.numbers import Unsupported

DENSE = 4096
"""Codes below this are spread by indexing a table of that size directly (no hash look-up)."""


def full(value: Any, n: int, type_: Any = None) -> Any:
    """A per-row array of a value that may be a constant."""
    if isinstance(value, pa.Array | pa.ChunkedArray):
        return value
    return pa.repeat(pa.scalar(value, type_), n)


def int_type(bits: int) -> Any:
    """The narrowest signed integer type holding codes of ``bits`` bits."""
    return pa.int16() if bits <= 15 else pa.int32() if bits <= 31 else pa.int64()


def pack(masks: Sequence[Any], n: int) -> Any:
    """Σ mask_i · 2**i, one small integer per row: which of the masks hold."""
    if len(masks) > 62:
        raise Unsupported("more than 62 criteria or flags")
    t = int_type(len(masks))
    code: Any = 0
    for m in reversed(masks):  # Horner: the highest bit first
        if isinstance(code, int):
            if isinstance(m, bool):
                code = 2 * code + m
                continue
            bit = pc.cast(m, t)
            code = bit if code == 0 else pc.add(bit, pa.scalar(2 * code, t))
            continue
        code = pc.add(code, code)
        if isinstance(m, bool):
            if m:
                code = pc.add(code, pa.scalar(1, t))
        else:
            code = pc.add(code, pc.cast(m, t))
    return full(code, n, t) if isinstance(code, int) else code


def spread(code: Any, make: Callable[[int], Any], type_: Any,
           memo: dict[Any, Any] | None = None) -> Any:
    """For each distinct code, ``make(code)`` once (remembered in ``memo``); then every row
    gets its code's value."""
    uniq = pc.unique(code).to_pylist()
    memo = {} if memo is None else memo
    for c in uniq:
        if c not in memo:
            memo[c] = make(c)
    return by_code(code, uniq, memo.__getitem__, type_)


def positions(code: Any, uniq: list[int]) -> tuple[Any, list[int | None]]:
    """(index per row, the code at each index): the code itself when its values are small
    enough to index a table directly, else its position among the distinct codes."""
    if uniq and min(uniq) >= 0 and max(uniq) < DENSE:
        keys: list[int | None] = [None] * (max(uniq) + 1)
        for c in uniq:
            keys[c] = c
        return code, keys
    return pc.index_in(code, pa.array(uniq, code.type)), list(uniq)


def by_code(code: Any, uniq: list[int], value: Callable[[int], Any], type_: Any) -> Any:
    """Every row's ``value(code)``, for the distinct codes ``uniq`` of ``code``."""
    index, keys = positions(code, uniq)
    return pc.take(pa.array([None if c is None else value(c) for c in keys], type_), index)

"""Reading an Arrow table of clients into exact columns, as ``RecordReader`` reads one record.

Money is taken from decimal128/256, int64 or plain decimal text (``12345.67``) columns as
int64 numerators over a power of ten; a float64 money column is refused (its values are not
the amounts the feed meant). Yes/no, choice and text columns are converted value by distinct
value with the scalar path's own converters, so they mean exactly what they mean there.

A row the columnar reader does not vouch for (a value out of range, text such as ``1.2万``
or ``3‰``, a missing required value) is marked for the scalar path, which reads it — or
refuses it with the very error ``evaluate`` gives.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from bigclient.batch import numbers as nb
from bigclient.batch.numbers import Num, Unsupported
from bigclient.errors import InputError
from bigclient.i18n import _
from bigclient.language.fields import MAX_TEXT, FieldSpec, converter

_PLAIN = r"^-?[0-9]{1,18}(\.[0-9]{1,18})?$"
_MISSING = object()


class Read:
    """The converted columns (name → Num, bool/string array, or line → Num) and the rows
    the scalar path must decide."""

    __slots__ = ("env", "scalar")

    def __init__(self) -> None:
        self.env: dict[str, Any] = {}
        self.scalar: list[Any] = []  # boolean arrays to OR together


def prepare(table: pa.Table, maps: Mapping[str, tuple[str, ...]]) -> pa.Table:
    """One chunk per column; a struct column of a money_map becomes its dotted columns."""
    cols: dict[str, Any] = {}
    for name in table.column_names:
        if name in cols:
            raise Unsupported(f"the column '{name}' appears twice")
        col = _col(table, name)
        if pa.types.is_struct(col.type) and name in maps:
            for i in range(col.type.num_fields):
                child = col.type.field(i).name
                dotted = f"{name}.{child}"
                if dotted in table.column_names or child not in maps[name]:
                    raise Unsupported(f"the struct column '{name}' cannot be read by lines")
                cols[dotted] = pc.struct_field(col, [i])
            continue
        cols[name] = col
    return pa.table(cols) if cols else table


def read(table: pa.Table, fields: Mapping[str, FieldSpec], lines: tuple[str, ...],
         identity: tuple[str, ...], needed: frozenset[str] | None = None) -> Read:
    """Read every declared input; raise Unsupported or InputError (float money). A yes/no,
    choice or text input outside ``needed`` (None: all) is checked but not converted."""
    out = Read()
    n = table.num_rows
    names = set(table.column_names)
    known = set(identity)
    for name, spec in fields.items():
        known.add(name)
        if spec.type == "money_map":
            if name in names:
                raise Unsupported(f"the column '{name}' holds a whole per-line table")
            table_map: dict[str, Num] = {}
            for line in lines:
                col_name = f"{name}.{line}"
                known.add(col_name)
                if col_name not in names:
                    table_map[line] = nb.const(0)
                    continue
                # a missing line counts as zero: _number reads it as 0
                num, bad, _missing = _number(_col(table, col_name), col_name, spec, False)
                out.scalar.extend(x for x in (bad, _bounds(num, spec)) if x is not None)
                table_map[line] = num
            out.env[name] = table_map
            continue
        col = _col(table, name) if name in names else None
        if spec.type in ("money", "ratio", "integer"):
            out.env[name] = _numeric_field(col, name, spec, lines, n, out.scalar)
        elif spec.type in ("bool", "enum", "text"):
            out.env[name] = _by_value(col, spec, lines, n, out.scalar,
                                      needed is None or name in needed)
        else:
            raise Unsupported(f"inputs of type {spec.type}")
    unknown = sorted(names - known)
    if unknown:
        raise Unsupported(f"undeclared columns ({', '.join(unknown[:3])})")
    for name in identity:
        if name in names:
            bad = _identity_bad(_col(table, name))
            if bad is not None:
                out.scalar.append(bad)
    return out


def _numeric_field(col: Any, name: str, spec: FieldSpec, lines: tuple[str, ...], n: int,
                   scalar: list[Any]) -> Num:
    default = converter(spec, lines)(spec.default) if spec.default is not None else None
    if col is None:
        if default is None:
            scalar.append(pa.array([True] * n, pa.bool_()) if n else pa.array([], pa.bool_()))
            return nb.const(0)
        return nb.const(default)
    num, bad, missing = _number(col, name, spec, spec.type == "ratio")
    if missing is not None:  # missing rows hold 0 already
        if default is None:
            scalar.append(missing)
        elif default != 0:
            num = nb.choose(missing, nb.const(default), num)
    if bad is not None:
        scalar.append(bad)
    bounds = _bounds(num, spec)
    if bounds is not None:
        scalar.append(bounds)
    return num


def _bounds(num: Num, spec: FieldSpec) -> Any:
    """Rows outside the field's declared min/max (the scalar path words the refusal)."""
    out: Any = None
    for bound, op in ((spec.min, "lt"), (spec.max, "gt")):
        if bound is None:
            continue
        result, _amb = nb.compare(num, nb.const(bound), op)
        if isinstance(result, bool):
            result = pa.array([result] * _length(num), pa.bool_())
        out = result if out is None else pc.or_(out, result)
    return out


def _length(num: Num) -> int:
    return 1 if isinstance(num.n, int) else len(num.n)


def _number(col: Any, name: str, spec: FieldSpec, ratio: bool) -> tuple[Num, Any, Any]:
    """(number, bad rows or None, missing rows or None); bad and missing rows hold 0."""
    t = col.type
    if pa.types.is_dictionary(t):
        col = col.cast(t.value_type)
        t = col.type
    missing = col.is_null() if col.null_count else None
    if pa.types.is_floating(t):
        raise InputError(name, None, _(
            "the column is {type}: binary floating point cannot hold amounts exactly, so the "
            "batch path refuses it; give amounts as decimal128, int64 or text").format(type=t))
    if pa.types.is_null(t):
        return nb.const(0), None, pa.array([True] * len(col), pa.bool_())
    if pa.types.is_integer(t):
        try:
            ints = col.cast(pa.int64())
        except pa.ArrowInvalid:
            raise Unsupported(f"the column '{name}' does not fit in int64") from None
        if missing is not None:
            ints = pc.fill_null(ints, 0)
        return _num(ints, 1, missing), None, missing
    if pa.types.is_decimal(t):
        if t.scale < 0 or t.scale > 18:
            raise Unsupported(f"the decimal scale of '{name}'")
        if pa.types.is_decimal256(t):
            try:
                col = col.cast(pa.decimal128(38, t.scale))
            except pa.ArrowInvalid:
                raise Unsupported(f"the column '{name}' does not fit in decimal128") from None
        if spec.type == "integer" and t.scale:
            raise Unsupported("whole numbers given as decimals")
        ints = _decimal_ints(col, name)
        return _num(ints, 10**t.scale, missing), None, missing
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return _text_number(col, name, spec, missing)
    if pa.types.is_boolean(t):  # the scalar path refuses a yes/no amount: let it say so
        bad = pc.invert(missing) if missing is not None else pa.array(
            [True] * len(col), pa.bool_())
        return nb.const(0), bad, missing
    raise Unsupported(f"the column '{name}' is {t}")


def _decimal_ints(col: Any, name: str) -> Any:
    """The unscaled integers of a decimal column as int64, nulls as 0 (overflow-checked once
    per column by the cast kernel; the null slots cost no second pass when the cast zeroes
    them, see :func:`cast_zeroes_nulls`)."""
    t = col.type
    try:
        ints = col.view(pa.decimal128(t.precision, 0)).cast(pa.int64())
    except pa.ArrowInvalid:
        raise Unsupported(f"the column '{name}' does not fit in int64") from None
    if not ints.null_count:
        return ints
    if cast_zeroes_nulls():
        return pa.Array.from_buffers(pa.int64(), len(ints), [None, ints.buffers()[1]],
                                     offset=ints.offset)
    return pc.fill_null(ints, 0)


@functools.cache
def cast_zeroes_nulls() -> bool:
    """Does this pyarrow's checked decimal128 → int64 cast write 0 in every null slot, and
    ignore what the slot held? Asked once per process of the installed pyarrow, on nulls
    alone, nulls in runs longer than a bitmap word and nulls holding values that would not
    fit; when it does, dropping the validity bitmap is the null-filling."""
    n = 300
    valid = [i % 3 == 0 and not 100 <= i < 230 for i in range(n)]
    words: list[int] = []
    for i in range(n):  # a null slot holds garbage: low word i + 1, high word 7 (too large)
        words += [i + 1, 0] if valid[i] else [i + 1, 7]
    data = pa.py_buffer(b"".join(w.to_bytes(8, "little", signed=True) for w in words))
    mask = pa.array(valid, pa.bool_()).buffers()[1]
    col = pa.Array.from_buffers(pa.decimal128(38, 0), n, [mask, data])
    try:
        ints = col.cast(pa.int64())
    except pa.ArrowInvalid:
        return False
    raw = pa.Array.from_buffers(pa.int64(), n, [None, ints.buffers()[1]], offset=ints.offset)
    return bool(raw.to_pylist() == [i + 1 if v else 0 for i, v in enumerate(valid)])


def _num(ints: Any, k: int, missing: Any) -> Num:
    """A column of numerators (``missing`` rows must already hold 0)."""
    return Num(ints, k)


def _text_number(col: Any, name: str, spec: FieldSpec, missing: Any) -> tuple[Num, Any, Any]:
    empty = pc.equal(col, "")
    missing = pc.fill_null(pc.or_(missing, empty) if missing is not None else empty, True)
    if not pc.any(missing).as_py():
        missing = None
    plain = pc.fill_null(pc.match_substring_regex(col, _PLAIN), False)
    if missing is not None:
        plain = pc.or_(plain, missing)
    bad = pc.invert(plain) if not pc.all(plain).as_py() else None
    text = col if bad is None and missing is None else pc.if_else(plain, col, "0")
    text = pc.if_else(missing, "0", text) if missing is not None else text
    dot = pc.find_substring(text, ".")
    frac = pc.if_else(pc.less(dot, 0), 0, pc.subtract(pc.subtract(pc.utf8_length(text), dot), 1))
    scale = pc.max(frac).as_py() or 0 if len(text) else 0
    if spec.type == "integer" and scale:
        raise Unsupported("whole numbers given as decimal text")
    try:
        decimals = pc.cast(text, pa.decimal128(38, scale))
    except pa.ArrowInvalid:
        raise Unsupported(f"the text of '{name}' cannot be read as decimals") from None
    return _num(_decimal_ints(decimals, name), 10**scale, None), bad, missing


class Cat:
    """A yes/no, choice or text column as codes into its distinct values, each converted
    once: the per-row values are made only when an expression reads them, and routing
    takes its own codes from them without a second hash of the column."""

    __slots__ = ("_array", "bad", "codes", "type", "values")

    def __init__(self, codes: Any, values: list[Any], type_: Any, bad: list[bool]) -> None:
        self.codes = codes  # int32 array without nulls: each row's position in ``values``
        self.values = values
        self.type = type_
        self.bad = bad  # per value: the scalar reader refuses it (its rows go scalar)
        self._array: Any = None

    def array(self) -> Any:
        if self._array is None:
            self._array = self.map(self.values, self.type)
        return self._array

    def map(self, table: Sequence[Any], type_: Any) -> Any:
        """One value per row from one per distinct value."""
        return pc.take(pa.array(table, type_), self.codes)


class Unread:
    """A field no expression or routing column reads: checked, never converted."""


UNREAD = Unread()


def _by_value(col: Any, spec: FieldSpec, lines: tuple[str, ...], n: int,
              scalar: list[Any], needed: bool = True) -> Any:
    """Yes/no, choice and text: each distinct value converted once by the scalar converter;
    a value that does not convert, or a missing one without a default, sends its rows to
    the scalar path."""
    conv = converter(spec, lines)
    out_type = pa.bool_() if spec.type == "bool" else pa.string()
    default = conv(spec.default) if spec.default is not None else None
    if col is None:
        if default is None:
            scalar.append(pa.array([True] * n, pa.bool_()))
            return False if spec.type == "bool" else ""
        return default
    if pa.types.is_boolean(col.type) and spec.type == "bool":
        if col.null_count == 0:
            return col
        if default is None:
            scalar.append(col.is_null())
        return pc.fill_null(col, default if default is not None else False)
    if pa.types.is_floating(col.type):
        raise Unsupported("a yes/no or text field given as floating point")
    placeholder = False if spec.type == "bool" else ""
    if not needed and not pa.types.is_dictionary(col.type):
        distinct = pc.unique(col)
        wrong = [raw for raw in distinct.to_pylist() if raw is not None and _converts(
            conv, raw, default) is None]
        if wrong:
            scalar.append(pc.fill_null(pc.is_in(col, pa.array(wrong, distinct.type)), False))
        if col.null_count and default is None:
            scalar.append(col.is_null())
        return UNREAD
    encoded = col if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)
    values: list[Any] = []
    bad: list[bool] = []
    for raw in encoded.dictionary.to_pylist():
        got = _converts(conv, raw, default)
        values.append(placeholder if got is None else got[0])
        bad.append(got is None)
    codes = encoded.indices
    if codes.null_count:  # a null row: its own slot, the default or bad
        values.append(placeholder if default is None else default)
        bad.append(default is None)
        codes = pc.fill_null(codes, pa.scalar(len(values) - 1, codes.type))
    cat = Cat(codes, values, out_type, bad)
    if any(bad):
        bad_rows = cat.map(bad, pa.bool_())
        if pc.any(bad_rows).as_py():
            scalar.append(bad_rows)
    return cat


def _converts(conv: Any, raw: Any, default: Any) -> tuple[Any] | None:
    """(value,) as the scalar reader reads ``raw`` (empty: the default), or None if it
    refuses it."""
    if raw is None or raw == "":
        return None if default is None else (default,)
    try:
        return (conv(raw),)
    except ValueError:
        return None


def _identity_bad(col: Any) -> Any:
    t = col.type
    if pa.types.is_dictionary(t):
        col = col.cast(t.value_type)
        t = col.type
    if pa.types.is_null(t) or pa.types.is_integer(t):
        return None
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        if not len(col) or (pc.max(pc.binary_length(col)).as_py() or 0) <= MAX_TEXT:
            return None  # no value has more bytes, so none has more characters
        long = pc.fill_null(pc.greater(pc.utf8_length(col), MAX_TEXT), False)
        return long if pc.any(long).as_py() else None
    return pc.is_valid(col)  # any other value is refused by the scalar path


def constant_env(context: Mapping[str, Any]) -> dict[str, Any]:
    """Context values (read once by the ruleset) as constants of the columns."""
    out: dict[str, Any] = {}
    for k, v in context.items():
        if isinstance(v, Decimal):
            out[k] = nb.const(v)
        elif isinstance(v, dict):
            out[k] = {line: nb.const(x) for line, x in v.items()}
        elif isinstance(v, bool | str):
            out[k] = v
        else:
            raise Unsupported(f"a context value of type {type(v).__name__}")
    return out


def _col(table: pa.Table, name: str) -> Any:
    col = table.column(name)
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()

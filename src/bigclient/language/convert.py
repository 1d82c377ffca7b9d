"""Converting a client record's raw values into exact ones, and the reader that does it
for a ruleset's fields.

Kept apart from the fields' YAML model (:mod:`bigclient.language.fields`) and free of
pydantic, so a ruleset revived from the compile cache decides without importing it: a
converter needs only a field's type, bounds, values, pattern and default (:class:`Field`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from bigclient.errors import InputError
from bigclient.i18n import N_, _
from bigclient.language.amounts import FAST_STEP, FAST_TOP, parse_amount
from bigclient.language.expr import suggest
from bigclient.language.textpattern import MAX_TEXT as MAX_PATTERN_TEXT
from bigclient.language.textpattern import describe

_TRUE = {"true", "yes", "y", "1", "是", "t", "on"}
_FALSE = {"false", "no", "n", "0", "否", "f", "off"}


class Field(Protocol):
    """What converting a field reads of its declaration (FieldSpec has it)."""

    @property
    def type(self) -> str: ...

    @property
    def default(self) -> Any: ...

    @property
    def values(self) -> Any: ...  # enum: the allowed values (their keys)

    @property
    def pattern(self) -> str | None: ...

    @property
    def min(self) -> Decimal | None: ...

    @property
    def max(self) -> Decimal | None: ...


Converter = Callable[[Any], Any]
MISSING = _MISSING = object()  # a key the record does not have


MAX_TEXT = 1000
"""Longest text a field takes: a longer cell is a pasting accident, not a client's data."""


def _to_ratio(value: Any) -> Decimal:
    return parse_amount(value)  # AmountError is a ValueError: its message reaches InputError


def _to_decimal(value: Any) -> Decimal:
    """Money: a rate mark (12%, 3‰) here is a rate typed in the wrong field, refused."""
    return parse_amount(value, ratio=False)


def _bounded(spec: Field, conv: Converter) -> Converter:
    lo, hi = spec.min, spec.max
    if lo is None and hi is None:
        return conv

    def check(value: Any) -> Any:
        v = conv(value)
        if lo is not None and v < lo:
            raise ValueError(_("must be at least {lo}").format(lo=lo))
        if hi is not None and v > hi:
            raise ValueError(_("must be at most {hi}").format(hi=hi))
        return v

    return check


_BOOLS: dict[Any, bool] = {True: True, False: False, **dict.fromkeys(_TRUE, True),
                           **dict.fromkeys(_FALSE, False)}


def _to_bool(value: Any) -> bool:
    try:
        return _BOOLS[value]  # True/False/1/0 and the usual words, in one look-up
    except (KeyError, TypeError):
        pass
    if isinstance(value, str) and value.strip().lower() in _BOOLS:
        return _BOOLS[value.strip().lower()]
    raise ValueError(_("expected yes/no (true/false, 是/否, 1/0)"))


def _to_integer(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(_("expected a whole number, found yes/no"))
    if isinstance(value, int):
        return Decimal(value)
    v = _to_decimal(value)
    if v != v.to_integral_value():
        raise ValueError(_("expected a whole number"))
    return v


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(_("expected a date written YYYY-MM-DD"))


def converter(spec: Field, lines: tuple[str, ...]) -> Converter:
    """Build the function that checks and converts one field's raw value."""
    kind = spec.type
    if kind == "money":
        return _bounded(spec, _to_decimal)
    if kind == "ratio":
        return _bounded(spec, _to_ratio)
    if kind == "integer":
        return _bounded(spec, _to_integer)
    if kind == "bool":
        return _to_bool
    if kind == "date":
        return _to_date
    if kind == "enum":
        allowed = tuple(spec.values or {})

        def to_enum(value: Any) -> str:
            if isinstance(value, str) and value.strip() in allowed:
                return value.strip()
            raise ValueError(_("expected one of {values}").format(values=", ".join(allowed)))

        return to_enum
    if kind == "text":
        pattern = re.compile(spec.pattern) if spec.pattern else None

        def to_text(value: Any) -> str:
            if isinstance(value, int) and not isinstance(value, bool) and (
                    value.bit_length() < 3 * MAX_TEXT):
                value = str(value)
            if not isinstance(value, str):
                raise ValueError(_("expected text"))
            if len(value) > MAX_TEXT:
                raise ValueError(_("expected text of at most {n} characters, found {found} "
                                   "characters").format(n=MAX_TEXT, found=len(value)))
            text = value.strip()
            if pattern is not None and len(text) > MAX_PATTERN_TEXT:  # bounds the matching
                raise ValueError(_("expected {what}, found a text of {n} characters").format(
                    what=describe(pattern.pattern), n=len(text)))
            if pattern is not None and not pattern.fullmatch(text):
                raise ValueError(_("expected {what}").format(what=describe(pattern.pattern)))
            return text

        return to_text
    # money_map: a missing line counts as zero
    line_set = frozenset(lines)
    zero = Decimal(0)
    lo, hi = spec.min, spec.max
    top, step = FAST_TOP, FAST_STEP  # bound now: the fast path's test, fixed per ruleset

    def to_map(value: Any) -> dict[str, Decimal]:
        if type(value) is not dict and not isinstance(value, Mapping):
            raise ValueError(_("expected a table of amounts per line, e.g. {savings: 12000}"))
        out = dict.fromkeys(lines, zero)
        for key, amount in value.items():
            if type(amount) is Decimal and key in line_set and amount.is_finite() and (
                    amount.adjusted() < top and amount.quantize(step) == amount and (
                    lo is None or amount >= lo) and (hi is None or amount <= hi)):
                out[key] = amount  # a host service's exact Decimal: parse_amount's fast path
                continue
            if key not in line_set:
                hint = suggest(str(key), lines) or _("lines are: {lines}").format(
                    lines=", ".join(lines))
                raise ValueError(
                    _("'{key}' is not a product line; {hint}").format(key=key, hint=hint)
                )
            if amount is None or amount == "":
                continue
            try:
                v = parse_amount(amount, ratio=False)
            except ValueError as exc:
                raise ValueError(_("line '{key}': {exc}").format(key=key, exc=exc)) from None
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                raise ValueError(
                    _("line '{key}': must be between {lo} and {hi}").format(key=key, lo=lo, hi=hi)
                    if lo is not None and hi is not None
                    else _("line '{key}': must be at least {lo}").format(key=key, lo=lo)
                    if lo is not None
                    else _("line '{key}': must be at most {hi}").format(key=key, hi=hi))
            out[key] = v
        return out

    return to_map


class RecordReader:
    """Converts raw records for a set of fields; compiled once per ruleset.

    A key the ruleset does not declare is refused, never dropped: ``agreemnt_signed: true``
    left out would decide the client as if there were no agreement. Identity columns
    (``client_id``, ``name``) are accepted only when the ruleset declares them.
    """

    def __init__(self, fields: Mapping[str, Field], lines: tuple[str, ...],
                 prefix: str = "", identity: Iterable[str] = ()) -> None:
        self.prefix = prefix
        self.lines = lines
        self.identity = tuple(identity)
        self._plan: list[tuple[str, Converter, Any, bool]] = []
        self._specs = dict(fields)
        dotted: dict[str, frozenset[str]] = {}
        for name, spec in fields.items():
            conv = converter(spec, lines)
            default: Any = _MISSING
            if spec.default is not None:
                default = conv(spec.default)
            elif spec.type == "money_map":
                default = dict.fromkeys(lines, Decimal(0))
            self._plan.append((name, conv, default, spec.type == "money_map"))
            if spec.type == "money_map":
                dotted[name] = frozenset(f"{name}.{line}" for line in lines)
        self._dotted = dotted
        self.known: frozenset[Any] = frozenset(
            [*fields, *self.identity, *(k for keys in dotted.values() for k in keys)])
        self._names = tuple(fields)
        self.read: Callable[..., dict[str, Any]] = self._compile()

    @property
    def plan(self) -> tuple[tuple[str, Field, Converter, Any, frozenset[str]], ...]:
        """Each field as read: (name, spec, converter, default or MISSING, its dotted
        columns if a per-line table, else empty). The fused function reads by it."""
        return tuple((name, self._specs[name], conv, default, self._dotted.get(name, frozenset()))
                     for name, conv, default, _is_map in self._plan)

    def unknown(self, record: Mapping[Any, Any], row: int | None) -> list[InputError]:
        """One error per undeclared key, with the declared name it most likely meant."""
        errors = []
        for key in record:
            if key in self.known:
                continue
            text = key if isinstance(key, str) else repr(key)
            base, dot, line = text.partition(".")
            if dot and base in self._dotted:
                hint = suggest(line, self.lines) or _("lines are: {lines}").format(
                    lines=", ".join(self.lines))
                message = _("'{line}' is not a product line of '{table}'; {hint}").format(
                    line=line, table=base, hint=hint)
            else:
                hint = suggest(text, [*self._names, *self.identity]) or _(
                    "declared names are: {names}").format(names=", ".join(self._names) or "-")
                what = (_("is not a context value of this ruleset") if self.prefix else
                        _("is not an input of this ruleset"))
                message = f"{what}; {hint}" + ("" if hint.endswith("?") else ".")
                if not self.prefix and not hint.endswith("?"):
                    message += " " + _("A column that only identifies the row (such as "
                                       "client_id or name) must be declared under 'identity:' "
                                       "in the ruleset.")
            errors.append(InputError(self.prefix + text[:80], None, message, row))
        return errors

    def both_forms(self, record: Mapping[Any, Any], name: str, row: int | None) -> InputError:
        return InputError(self.prefix + name, None, _(
            "is given twice: as '{name}' and as columns '{name}.<line>'; give one of the two"
        ).format(name=name), row)

    def identity_of(self, record: Mapping[Any, Any], row: int | None) -> dict[str, Any]:
        """The declared identity values of a record, passed through (text or whole numbers)."""
        out: dict[str, Any] = {}
        for name in self.identity:
            value = record.get(name)
            if value is None or (isinstance(value, str) and len(value) <= MAX_TEXT) or (
                    isinstance(value, int) and not isinstance(value, bool)
                    and value.bit_length() < 200):
                out[name] = value
            else:
                raise InputError(name, value, _(
                    "expected text of at most {n} characters identifying the row").format(
                        n=MAX_TEXT), row)
        return out

    def _fast(self, name: str, i: int, ns: dict[str, Any]) -> str:
        spec = self._specs[name]
        return "" if spec.type == "money_map" else fast_test(spec, i, ns)

    def _compile(self) -> Callable[..., dict[str, Any]]:
        """Unroll the field loop into one generated function.

        Reading inputs is most of the work of a decision; an unrolled reader with no loop,
        no tuple unpacking and no per-field branching on the field kind is about a third
        faster (benchmarks/bench_evaluate.py). Field names are validated identifiers and are
        embedded with repr(), so the generated text holds no user-controlled code.
        """
        ns: dict[str, Any] = {"MISSING": _MISSING, "InputError": InputError, "_": _,
                              "REQUIRED": N_("is required but missing"),
                              "collect": collect_dotted, "known": self.known,
                              "unknown": self.unknown, "both": self.both_forms}
        code = ["def read(record, row=None):", "    out = {}",
                "    errors = [] if known.issuperset(record) else unknown(record, row)",
                "    get = record.get"]
        for i, (name, conv, default, is_map) in enumerate(self._plan):
            ns[f"c{i}"], ns[f"d{i}"] = conv, default
            key, label = repr(name), repr(self.prefix + name)
            code.append(f"    raw = get({key}, MISSING)")
            if is_map:
                ns[f"k{i}"] = self._dotted[name]
                ns[f"p{i}"] = tuple((line, f"{name}.{line}") for line in self.lines)
                code += [f"    if raw is MISSING: raw = collect(record, p{i})",
                         f"    elif not k{i}.isdisjoint(record): "
                         f"errors.append(both(record, {key}, row))"]
            fast = self._fast(name, i, ns)
            if fast:
                code += [f"    if {fast}:", f"        out[{key}] = raw"]
            code.append(f'    {"elif" if fast else "if"} raw is MISSING or raw is None or '
                        'raw == "":')
            if default is _MISSING:
                code.append(f"        errors.append(InputError({label}, None, "
                            "_(REQUIRED), row))")  # translated when the row is read
            else:  # a map default is copied: decisions never share a mutable value
                code.append(f"        out[{key}] = " + (f"dict(d{i})" if is_map else f"d{i}"))
            code += ["    else:", "        try:", f"            out[{key}] = c{i}(raw)",
                     "        except ValueError as exc:",
                     f"            errors.append(InputError({label}, raw, str(exc), row))"]
        code += ["    if errors:", "        first = errors[0]",
                 "        raise InputError(first.field, first.value, first.message, row, "
                 "tuple(errors[1:]))", "    return out"]
        exec("\n".join(code), ns)
        reader: Callable[..., dict[str, Any]] = ns["read"]
        return reader


def fast_test(spec: Field, i: int, ns: dict[str, Any]) -> str:
    """A condition under which a raw value is already the converted value (a host
    service's bool, exact Decimal or exact enum value), so the converter can be skipped;
    '' when there is none. Anything else takes the converter and its messages."""
    if spec.type == "bool":
        return "raw is True or raw is False"
    if spec.type == "enum":
        ns[f"e{i}"] = frozenset(spec.values or {})
        return f"type(raw) is str and raw in e{i}"
    if spec.type not in ("money", "ratio"):
        return ""
    return amount_test("raw", spec, i, ns)


def amount_test(value: str, spec: Field, i: int, ns: dict[str, Any]) -> str:
    """The condition under which the Decimal named ``value`` is taken as it is (what
    ``parse_amount``'s fast path and ``to_map`` take): finite, under 10**19, nothing below
    1e-8, within the field's bounds (``lo<i>``, ``hi<i>`` in ``ns``)."""
    ns.update(Decimal=Decimal, FAST_TOP=FAST_TOP, FAST_STEP=FAST_STEP)
    test = (f"type({value}) is Decimal and {value}.is_finite() and {value}.adjusted() < "
            f"FAST_TOP and {value}.quantize(FAST_STEP) == {value}")
    if spec.min is not None:
        ns[f"lo{i}"] = spec.min
        test += f" and {value} >= lo{i}"
    if spec.max is not None:
        ns[f"hi{i}"] = spec.max
        test += f" and {value} <= hi{i}"
    return test


def collect_dotted(record: Mapping[str, Any], pairs: tuple[tuple[str, str], ...]) -> Any:
    """CSV columns ``revenue_month.savings`` make the table ``revenue_month``.

    Only declared lines are looked up (``pairs``: line, column): any other dotted column
    has already been refused as unknown, and a look-up per line is cheaper than a scan of
    every column per table.
    """
    found = {line: record[col] for line, col in pairs if col in record}
    return found if found else _MISSING

"""Columns and cells of a routing table: compiled once, matched per decision, and cut into
the finite pieces (atoms) the static analysis enumerates.

Every column's values fall into a finite set of atoms such that each cell either contains
an atom whole or misses it whole: a tier, an enum value, yes/no, the amounts between two
bounds some cell names, a subset of the flags or lines the cells mention. Enumerating the
atoms of every column together is then an exact search for gaps, shadowed rows and
overlaps: no client exists that the enumeration misses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from bigclient.i18n import _
from bigclient.language.amounts import AmountError, describe_amount, parse_amount
from bigclient.language.common import Label
from bigclient.language.expr import Ty, suggest
from bigclient.sections.routing.model import ANY_CELL, DECISION_COLUMNS

ColumnKind = Literal["enum", "open", "bool", "number", "set"]
OTHER = "\x00other"  # the atom of every value no cell names (open text, unmentioned ids)
NONE = "none"  # in a set column: no flag raised / no line met


class CellError(ValueError):
    """A cell does not fit its column; the message says what would."""


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    domain: tuple[str, ...] = ()  # enum values, tier ids, flag or line ids
    label: Label | None = None
    value_labels: Mapping[str, Label] | None = None

    def read(self, env: Mapping[str, Any], tier: str | None, flags: Sequence[str],
             lines: frozenset[str]) -> Any:
        if self.name == "tier":
            return tier
        if self.name == "flags":
            return frozenset(flags)
        if self.name == "lines":
            return lines
        return env.get(self.name)

    def show(self, value: Any, lang: str) -> str:
        """A value as staff name it (a tier's label, an enum value's label, an amount)."""
        if isinstance(value, frozenset):
            return "、".join(self.show(v, lang) for v in sorted(value)) if value else (
                "无" if lang == "zh" else "none")
        if isinstance(value, bool):
            return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        if isinstance(value, Decimal):
            return describe_amount(value)
        if value is None:
            return "无" if lang == "zh" else "none"
        labels = self.value_labels or {}
        return labels[value](lang) if value in labels else str(value)

    def title(self, lang: str) -> str:
        return self.label(lang) if self.label is not None else self.name


@dataclass(frozen=True)
class Cell:
    """One condition: ``values`` (None = anything), or amount ``ranges`` for numbers."""

    column: Column
    values: frozenset[Any] | None = None
    ranges: tuple[tuple[Decimal | None, Decimal | None, bool], ...] = ()  # (lo, hi, point)
    negate: bool = False

    @property
    def is_any(self) -> bool:
        return self.values is None and not self.ranges and not self.negate

    def _hit(self, value: Any) -> bool:
        if self.column.kind == "number":
            if value is None:
                return False
            return any(_in_range(value, r) for r in self.ranges)
        assert self.values is not None
        if self.column.kind == "set":
            return (not value) if NONE in self.values else bool(value & self.values)
        return value in self.values

    def match(self, value: Any) -> bool:
        if self.is_any:
            return True
        return self._hit(value) != self.negate

    def match_atom(self, atom: Any) -> bool:
        """Does the cell hold every value of ``atom`` (see :func:`atoms`)?"""
        if self.is_any:
            return True
        if self.column.kind == "number":
            hit = any(_holds(r, atom) for r in self.ranges)
        elif self.column.kind == "set":
            assert self.values is not None
            hit = (not atom) if NONE in self.values else bool(atom & self.values)
        else:
            assert self.values is not None
            hit = atom in self.values
        return hit != self.negate


def _in_range(v: Decimal, r: tuple[Decimal | None, Decimal | None, bool]) -> bool:
    lo, hi, point = r
    if point:
        return v == lo
    return (lo is None or v >= lo) and (hi is None or v < hi)


def _holds(r: tuple[Decimal | None, Decimal | None, bool], atom: tuple[Any, ...]) -> bool:
    lo, hi, point = r
    if atom[0] == "pt":
        return _in_range(atom[1], r)
    if point:
        return False
    a, b = atom[1], atom[2]  # the open interval (a, b); None is -inf / +inf
    return (lo is None or (a is not None and a >= lo)) and (
        hi is None or (b is not None and b <= hi))


def column_for(name: str, names: Mapping[str, Ty], tiers: Sequence[str],
               flags: Sequence[str], lines: Sequence[str],
               labels: Mapping[str, Label], tier_labels: Mapping[str, Label],
               value_labels: Mapping[str, Mapping[str, Label]]) -> Column:
    """The column named ``name``; raises CellError when nothing by that name can be read."""
    if name == "tier":
        return Column(name, "enum", tuple(tiers), Label(zh="级别", en="tier"), tier_labels)
    if name == "flags":
        return Column(name, "set", tuple(flags), Label(zh="提示", en="flags"))
    if name == "lines":
        return Column(name, "set", tuple(lines), Label(zh="达标业务", en="lines met"))
    ty = names.get(name)
    if ty is None:
        hint = suggest(name, [*DECISION_COLUMNS, *names])
        raise CellError(_("'{name}' is not a column this table can read: use tier, flags, "
                          "lines, or an input, context or derived name").format(name=name)
                        + (f" ({hint})" if hint else ""))
    label = labels.get(name)
    if ty.kind == "bool":
        return Column(name, "bool", (), label)
    if ty.kind == "number":
        return Column(name, "number", (), label)
    if ty.kind == "text":
        return Column(name, "enum" if ty.keys else "open", ty.keys, label,
                      value_labels.get(name))
    raise CellError(_("'{name}' is {type}; a routing column must be yes/no, a number, text "
                      "or a choice from a list").format(name=name, type=ty))


def compile_cell(column: Column, raw: Any) -> Cell:
    """A cell as written (value, list, range, {not: …}, '-') → Cell; CellError if it
    names something the column cannot hold."""
    if raw is None or (isinstance(raw, str) and raw.strip() in ANY_CELL):
        return Cell(column)
    if isinstance(raw, dict):
        if set(raw) == {"not"}:
            inner = compile_cell(column, raw["not"])
            if inner.is_any:
                raise CellError(_("'not: -' matches nothing; remove the row or the 'not'"))
            return Cell(column, inner.values, inner.ranges, True)
        if column.kind == "number" and raw and set(raw) <= {"from", "to"}:
            lo = _amount(raw.get("from"), column)
            hi = _amount(raw.get("to"), column)
            if lo is not None and hi is not None and lo >= hi:
                raise CellError(_("the range starts at {lo} and ends at {hi}: 'from' must be "
                                  "below 'to'").format(lo=describe_amount(lo),
                                                       hi=describe_amount(hi)))
            return Cell(column, ranges=((lo, hi, False),))
        raise CellError(_("a condition is a value, a list of values, {from: …, to: …} (for "
                          "numbers), {not: …} or '-'; found {found}").format(found=raw))
    items = list(raw) if isinstance(raw, list) else [raw]
    if not items:
        raise CellError(_("an empty list matches nothing; write '-' to match anything"))
    if column.kind == "number":
        points = tuple((v, v, True) for v in (_amount(i, column) for i in items)
                       if v is not None)
        return Cell(column, ranges=points)
    return Cell(column, frozenset(_value(i, column) for i in items))


def _amount(raw: Any, column: Column) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise CellError(_("column '{name}' holds numbers; found {found}").format(
            name=column.name, found=raw))
    try:
        return parse_amount(raw)
    except AmountError as exc:
        raise CellError(str(exc)) from None


def _value(raw: Any, column: Column) -> Any:
    if column.kind == "bool":
        if not isinstance(raw, bool):
            raise CellError(_("column '{name}' is yes/no: write true or false; found "
                              "{found}").format(name=column.name, found=raw))
        return raw
    if not isinstance(raw, str) or isinstance(raw, bool):
        raise CellError(_("column '{name}' holds text values; found {found}").format(
            name=column.name, found=raw))
    if column.kind == "set" and raw == NONE:
        return raw
    if column.kind in ("enum", "set") and raw not in column.domain:
        hint = suggest(raw, list(column.domain))
        raise CellError(_("'{value}' is not one of the values of '{name}': {values}").format(
            value=raw, name=column.name, values=", ".join(column.domain) or "—")
            + (f" ({hint})" if hint else ""))
    return raw


def atoms(column: Column, cells: Sequence[Cell]) -> list[Any]:
    """The pieces of the column's values that no cell splits (see the module docstring)."""
    if column.kind == "enum":
        return list(column.domain)
    if column.kind == "bool":
        return [True, False]
    named: set[Any] = set()
    for c in cells:
        named |= set(c.values or ())
    if column.kind == "open":
        return [*sorted(named), OTHER]
    if column.kind == "set":
        ids = sorted(named - {NONE})
        extra = [OTHER] if set(column.domain) - set(ids) else []
        base = [*ids, *extra]
        return [frozenset(x for i, x in enumerate(base) if mask >> i & 1)
                for mask in range(1 << len(base))]
    bounds = sorted({b for c in cells for r in c.ranges for b in r[:2] if b is not None})
    out: list[Any] = []
    prev: Decimal | None = None
    for b in bounds:
        out.append(("iv", prev, b))
        out.append(("pt", b))
        prev = b
    out.append(("iv", prev, None))
    return out


def describe_atom(column: Column, atom: Any, lang: str) -> str:
    """An atom in words, for a gap report: 'tier Gold', 'region other', 'amount 10万–50万'."""
    zh = lang == "zh"
    if atom == OTHER:
        shown = "其他值" if zh else "any other value"
    elif isinstance(atom, tuple):
        if atom[0] == "pt":
            shown = describe_amount(atom[1])
        else:
            lo = describe_amount(atom[1]) if atom[1] is not None else "−∞"
            hi = describe_amount(atom[2]) if atom[2] is not None else "+∞"
            shown = f"{lo}–{hi}"
    elif isinstance(atom, frozenset):
        shown = "、".join(("其他" if zh else "other") if a == OTHER else column.show(a, lang)
                         for a in sorted(atom)) if atom else ("无" if zh else "none")
    else:
        shown = column.show(atom, lang)
    return f"{column.title(lang)}{'：' if zh else ' '}{shown}"


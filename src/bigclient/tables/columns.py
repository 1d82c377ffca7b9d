"""Which column (or JSON key) feeds which input, decided once from the header.

A column is accepted when its name is, after trimming spaces:

* an input's name (``region``) or its Chinese label (``所属地区``);
* for a per-line table (``type: money_map``), the input and the line joined by a dot, each
  by name or by Chinese label: ``revenue_month.savings``, ``当月各业务收入.储汇``,
  ``revenue_month.储汇``;
* a declared identity column (``client_id``, ``name``): the ruleset's identity list or
  ``--keep COLUMN``; these are copied to the output, never read as inputs.

Anything else refuses the whole file before a row is decided, with the closest known name.
A label shared by two inputs is accepted for neither (the message names both).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bigclient.i18n import _
from bigclient.tables.errors import TableError

"""Identity columns assumed while the ruleset has no ``identity`` key (before issue 7 lands)."""


def declared_identity(ruleset: Any) -> tuple[str, ...]:
    """The identity columns the ruleset declares (``identity:``)."""
    return tuple(ruleset.spec.identity or ())


@dataclass
class Columns:
    """Accepted column names and the record key each one stands for."""

    inputs: dict[str, str] = field(default_factory=dict)
    """header text -> input key (``region`` or ``revenue_month.savings``)"""
    tables: dict[str, str] = field(default_factory=dict)
    """header text -> money_map input (a whole table: right in JSON, wrong as one column)"""
    lines: dict[str, dict[str, str]] = field(default_factory=dict)
    """money_map input -> {line name or label -> line name}"""
    kept: tuple[str, ...] = ()
    kinds: dict[str, str] = field(default_factory=dict)
    """input key -> declared type (a money_map line, ``revenue_month.savings``, is money)"""
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def known(self) -> list[str]:
        return [*self.inputs, *self.tables, *self.kept]

    def problem(self, name: str, flat: bool) -> str:
        """Why ``name`` is not accepted, with the closest known name."""
        if name in self.ambiguous:
            return _("'{name}' is the label of several inputs ({inputs}); use the input's "
                     "name instead").format(name=name, inputs=", ".join(self.ambiguous[name]))
        if name in self.tables and flat:
            table = self.tables[name]
            first = next(iter(self.lines[table].values()), "line")
            return _("'{name}' holds one amount per product line: write one column per line, "
                     "e.g. '{table}.{line}'").format(name=name, table=table, line=first)
        head, dot, tail = name.partition(".")
        if dot and head.strip() in self.tables:
            table = self.tables[head.strip()]
            lines = sorted(set(self.lines[table].values()))
            close = difflib.get_close_matches(tail.strip(), list(self.lines[table]), n=1)
            hint = _("did you mean '{name}'?").format(name=f"{head}.{close[0]}") if close else ""
            return _("'{line}' is not a product line of {table} (lines: {lines}). {hint}").format(
                line=tail, table=table, lines=", ".join(lines), hint=hint).strip()
        close = difflib.get_close_matches(name, self.known(), n=1, cutoff=0.6)
        hint = (_("did you mean '{name}'?").format(name=close[0]) if close else
                _("the ruleset's inputs are: {names}").format(names=", ".join(
                    sorted({k.split(".")[0] for k in self.inputs.values()}))))
        return _("'{name}' is not an input of the ruleset; {hint} A column that only "
                 "identifies the client must be declared: --keep {name}").format(
                     name=name, hint=hint)


def known_columns(ruleset: Any, keep: Iterable[str] = ()) -> Columns:
    """The names a client file may use for ``ruleset``'s inputs, plus the kept columns."""
    cols = Columns(kept=tuple(dict.fromkeys(keep)))
    owners: dict[str, set[str]] = {}

    def add(text: str, key: str, into: dict[str, str]) -> None:
        owners.setdefault(text, set()).add(key)
        into[text] = key

    line_names = {line: line for line in ruleset.spec.lines}
    line_names.update({label.zh: line for line, label in ruleset.spec.lines.items()})
    for name, spec in ruleset.spec.inputs.items():
        spellings = (name, spec.label.zh)
        cols.kinds.update({f"{name}.{line}": "money" for line in ruleset.spec.lines}
                          if spec.type == "money_map" else {name: spec.type})
        if spec.type == "money_map":
            cols.lines[name] = line_names
            for head in spellings:
                add(head, name, cols.tables)
                for tail, line in line_names.items():
                    add(f"{head}.{tail}", f"{name}.{line}", cols.inputs)
        else:
            for head in spellings:
                add(head, name, cols.inputs)
    for text, keys in owners.items():
        if len(keys) > 1:
            cols.ambiguous[text] = tuple(sorted(keys))
            cols.inputs.pop(text, None)
            cols.tables.pop(text, None)
    return cols


def column_letter(index: int) -> str:
    """Excel's name for the 0-based column ``index`` (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def where(index: int) -> str:
    return _("column {n} ({letter})").format(n=index + 1, letter=column_letter(index))


@dataclass(frozen=True)
class Plan:
    """For each position of the header: the input key it feeds, and the kept columns."""

    header: tuple[str, ...]
    input_at: tuple[tuple[int, str], ...]
    kept_at: tuple[tuple[int, str], ...]


def plan_header(header: Sequence[str], cols: Columns, file: str) -> Plan:
    """Map a header to inputs, or refuse the file naming every bad column."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    fed: dict[str, int] = {}
    input_at: list[tuple[int, str]] = []
    kept_at: list[tuple[int, str]] = []
    names = [str(h).strip() for h in header]
    for i, name in enumerate(names):
        if not name:
            problems.append(_("{where} has no name in the header row; give it a name or "
                              "delete the column").format(where=where(i)))
            continue
        if name in seen:
            problems.append(_("'{name}' heads both {first} and {second}; a column name may "
                              "appear once. Rename or delete one of them").format(
                name=name, first=where(seen[name]), second=where(i)))
            continue
        seen[name] = i
        known = False
        if name in cols.kept:
            kept_at.append((i, name))
            known = True
        key = cols.inputs.get(name)
        if key is not None:
            known = True
            if key in fed:
                problems.append(_("'{name}' ({second}) and '{other}' ({first}) are both the "
                                  "input {key}; keep one of them").format(
                    name=name, second=where(i), other=names[fed[key]], first=where(fed[key]),
                    key=key))
                continue
            fed[key] = i
            input_at.append((i, key))
        if not known:
            problems.append(f"{where(i)}: {cols.problem(name, flat=True)}")
    if problems:
        raise TableError(_("{file}: the header cannot be used, no row was decided:").format(
            file=file) + "".join(f"\n  {p}" for p in problems))
    return Plan(tuple(names), tuple(input_at), tuple(kept_at))


def map_keys(record: dict[str, Any], cols: Columns) -> tuple[dict[str, Any], dict[str, Any],
                                                             str]:
    """Split one JSON object into (inputs, kept values, problem) by the same rules."""
    inputs: dict[str, Any] = {}
    kept: dict[str, Any] = {}
    problems: list[str] = []
    for raw, value in record.items():
        name = raw.strip()
        known = False
        if name in cols.kept:
            kept[name] = value
            known = True
        key = cols.inputs.get(name) or cols.tables.get(name)
        if key in cols.lines and isinstance(value, dict):  # lines by name or Chinese label
            value = {cols.lines[key].get(str(k).strip(), k): v for k, v in value.items()}
        if key is not None:
            if key in inputs:
                problems.append(_("'{name}' and another key are both the input {key}").format(
                    name=raw, key=key))
            inputs[key] = value
            known = True
        if not known:
            problems.append(cols.problem(name, flat=False))
    for table in cols.lines:
        if table in inputs and any(k.startswith(table + ".") for k in inputs):
            problems.append(_("{table} is given both as a table and as '{table}.<line>' "
                              "keys; use one form").format(table=table))
    return inputs, kept, "; ".join(problems)

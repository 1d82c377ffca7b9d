"""Client and contact records read strictly for ``due_contacts``: every bad value is a
problem naming its table, row and field, and all of them are reported together.

A wrong date or a misspelt client key would otherwise make a client look contacted (or
not) without anyone noticing, so nothing is guessed: a value is read or refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bigclient.errors import BigClientError, shown
from bigclient.i18n import _, ngettext
from bigclient.language.expr import suggest

CLIENT_FIELDS = ("client_key", "cadence", "since", "birthday", "maturities", "name")
CONTACT_FIELDS = ("client_key", "by", "on", "kind", "note")
MAX_SHOWN = 50
"""Problems listed in full in an error's message (all are in ``.problems``)."""

_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_SPLIT = re.compile(r"[;,，；、\s]+")


@dataclass(frozen=True)
class RowProblem:
    """One bad value: the table (a file name for the CLI), row, field, and what is wrong."""

    table: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        if not self.field:  # a row the file reader refused; its message names the row
            return f"{self.table}: {self.message}"
        return _("{table} row {row}, {field}: {message}").format(
            table=self.table, row=self.row, field=self.field, message=self.message)


class ContactDataError(BigClientError, ValueError):
    """Client or contact records that cannot be used; ``problems`` lists every one."""

    def __init__(self, problems: Iterable[RowProblem]) -> None:
        self.problems = tuple(problems)
        n = len(self.problems)
        lines = [str(p) for p in self.problems[:MAX_SHOWN]]
        if n > MAX_SHOWN:
            lines.append(_("… and {n} more").format(n=n - MAX_SHOWN))
        head = ngettext("{n} problem in the client and contact records",
                        "{n} problems in the client and contact records", n).format(n=n)
        super().__init__(head + ":\n" + "\n".join("  " + line for line in lines))


@dataclass(frozen=True)
class Client:
    key: str
    cadence: str
    row: int
    since: dt.date | None = None
    birthday: dt.date | None = None
    maturities: tuple[dt.date, ...] = ()
    name: str | None = None


@dataclass(frozen=True)
class Contact:
    client_key: str
    by: str
    on: dt.date
    row: int
    kind: str | None = None


class _Row:
    """One record being read; problems go to the shared list."""

    def __init__(self, table: str, n: int, record: Mapping[str, Any],
                 problems: list[RowProblem]) -> None:
        self.table, self.n, self.record, self.problems = table, n, record, problems
        self.bad = False

    def problem(self, field: str, message: str) -> None:
        self.bad = True
        self.problems.append(RowProblem(self.table, self.n, field, message))

    def blank(self, field: str) -> bool:
        value = self.record.get(field)
        return value is None or (isinstance(value, str) and not value.strip())

    def text(self, field: str, required: bool = True) -> str | None:
        value = self.record.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if self.blank(field):
            if required:
                self.problem(field, _("missing; every row needs a {field}").format(field=field))
            return None
        if not isinstance(value, str):
            self.problem(field, _("expected text, found {value}").format(value=shown(value)))
            return None
        return value.strip()

    def date(self, field: str, value: Any = None, *, required: bool = False) -> dt.date | None:
        value = self.record.get(field) if value is None else value
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(field, _("missing; write the date as YYYY-MM-DD"))
            return None
        if isinstance(value, dt.datetime):
            self.problem(field, _("a date and time ({value}); give the date the contact "
                                  "counts for, e.g. {day}").format(
                value=value.isoformat(), day=value.date().isoformat()))
            return None
        if isinstance(value, dt.date):
            return value
        text = value.strip() if isinstance(value, str) else ""
        m = _DAY.fullmatch(text)
        if m is None:
            if field == "birthday" and _MONTH.fullmatch(text):
                self.problem(field, _("'{text}' gives only the year and month (出生年月); a "
                                      "greeting on the day needs the day too. Leave it empty "
                                      "if the day is not known").format(text=text))
            else:
                self.problem(field, _("'{value}' is not a date; write it as YYYY-MM-DD, e.g. "
                                      "2024-05-01").format(value=text or shown(value)))
            return None
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            self.problem(field, _("'{text}' is not a day of the calendar").format(text=text))
            return None

    def dates(self, field: str) -> tuple[dt.date, ...]:
        value = self.record.get(field)
        if value is None:
            return ()
        items: Iterable[Any]
        if isinstance(value, str):
            items = [p for p in _SPLIT.split(value) if p]
        elif isinstance(value, list | tuple):
            items = value
        else:
            items = [value]
        out = [self.date(field, v) for v in items]
        return tuple(sorted({d for d in out if d is not None}))

    def unknown_keys(self, allowed: tuple[str, ...], reported: set[str]) -> None:
        for key in self.record:
            if key in allowed or key in reported:
                continue
            reported.add(key)
            hint = suggest(str(key), list(allowed)) or _("the columns read are: {cols}").format(
                cols=", ".join(allowed))
            self.problem(str(key), _("unknown column; {hint}").format(hint=hint))


def _records(rows: Iterable[tuple[int, Mapping[str, Any]]], table: str,
             problems: list[RowProblem]) -> Iterator[tuple[int, _Row]]:
    """Each row that is a record of named values; any other is a problem, and skipped."""
    for n, record in rows:
        r = _Row(table, n, record, problems)
        if not isinstance(record, Mapping):
            r.problem("", _("row {n}: expected a record of named values, found {value}").format(
                n=n, value=shown(record)))
            continue
        yield n, r


def read_clients(rows: Iterable[tuple[int, Mapping[str, Any]]], cadences: Collection[str],
                 today: dt.date, problems: list[RowProblem], *,
                 table: str = "clients") -> dict[str, Client]:
    """The clients by key; each bad one is a problem (and left out)."""
    clients: dict[str, Client] = {}
    reported: set[str] = set()
    for n, r in _records(rows, table, problems):
        r.unknown_keys(CLIENT_FIELDS, reported)
        key = r.text("client_key")
        cadence = r.text("cadence")
        if cadence is not None and cadence not in cadences:
            hint = suggest(cadence, sorted(cadences))
            r.problem("cadence", _("'{cadence}' is not a cadence of this ruleset (cadences: "
                                   "{known}){hint}").format(
                cadence=cadence, known=", ".join(sorted(cadences)),
                hint="; " + hint if hint else ""))
        birthday = r.date("birthday")
        if birthday is not None and birthday > today:
            r.problem("birthday", _("{day} is after today ({today})").format(
                day=birthday, today=today))
        client = Client(key or "", cadence or "", n, r.date("since"), birthday,
                        r.dates("maturities"), r.text("name", required=False))
        if key is not None and key in clients:
            r.problem("client_key", _("'{key}' is already on row {row}; each client once").format(
                key=key, row=clients[key].row))
        elif not r.bad:
            clients[client.key] = client
        elif key is not None:
            clients.setdefault(key, client)  # its contacts are still checked, not unknown
    return clients


def read_contacts(rows: Iterable[tuple[int, Mapping[str, Any]]], clients: Collection[str],
                  roles: Collection[str], kinds: Collection[str] | None, today: dt.date,
                  problems: list[RowProblem], *, table: str = "contacts") -> list[Contact]:
    """The contacts made so far; each bad one is a problem (and left out)."""
    out: list[Contact] = []
    reported: set[str] = set()
    for n, r in _records(rows, table, problems):
        r.unknown_keys(CONTACT_FIELDS, reported)
        key = r.text("client_key")
        if key is not None and key not in clients:
            r.problem("client_key", _("'{key}' is not a client in the client list").format(
                key=key))
        by = r.text("by")
        if by is not None and by not in roles:
            hint = suggest(by, sorted(roles))
            r.problem("by", _("'{by}' is not a contact role of this ruleset (roles: {known})"
                              "{hint}").format(by=by, known=", ".join(sorted(roles)),
                                               hint="; " + hint if hint else ""))
        kind = r.text("kind", required=False)
        if kind is not None and kinds is not None and kind not in kinds:
            known = ", ".join(sorted(kinds)) or _("none declared")
            r.problem("kind", _("'{kind}' is not a kind of contact of this ruleset (kinds: "
                                "{known})").format(kind=kind, known=known))
        on = r.date("on", required=True)
        if on is not None and on > today:
            r.problem("on", _("{day} is after today ({today}): a contact not yet made").format(
                day=on, today=today))
        if not r.bad and key is not None and by is not None and on is not None:
            out.append(Contact(key, by, on, n, kind))
    return out

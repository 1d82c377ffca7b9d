"""Which big clients must be contacted, as of one day (D-20): overdue, never contacted,
falling due soon, and the occasions a client system plans by itself (seed 003).

Pure: the day is an argument, never the clock; nothing is read or written. The same
records in any order give the same report.

How a due date is found, for each contact rule of the client's cadence: the anchor is the
later of the client's last contact by that role (of that kind, if the rule names one) and
the client's ``since`` (the obligation starts when the client is assigned); the due date is
the anchor plus the rule's period. Overdue: the due date is before today. Due soon: today up
to today plus the due-soon window. A rule with neither a contact nor ``since`` has no anchor:
the client is listed as never contacted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bigclient.i18n import _
from bigclient.language.common import Label
from bigclient.sections.contacts.cadence import (
    Cadence,
    Every,
    Occasion,
    Occasions,
    add_period,
    anniversary,
)
from bigclient.sections.contacts.rows import (
    Client,
    Contact,
    ContactDataError,
    RowProblem,
    read_clients,
    read_contacts,
)

NO_OCCASIONS = Occasions()

__all__ = ["DueItem", "DueReport", "NeverContacted", "OccasionToday", "due_contacts",
           "due_report"]


@dataclass(frozen=True)
class DueItem:
    """A required contact that is overdue (``days`` past due) or due soon (``days`` left)."""

    client_key: str
    cadence: str
    role: str
    every: Every
    due: dt.date
    last_contact: dt.date | None
    days: int
    kind: str | None = None
    rule: str | None = None
    name: str | None = None

    def to_dict(self, days_key: str) -> dict[str, Any]:
        return {"client_key": self.client_key, "name": self.name, "cadence": self.cadence,
                "role": self.role, "kind": self.kind, "every": str(self.every),
                "due": self.due.isoformat(),
                "last_contact": self.last_contact.isoformat() if self.last_contact else None,
                days_key: self.days, "rule": self.rule}


@dataclass(frozen=True)
class NeverContacted:
    """A required contact with nothing to count from: no contact by the role, no ``since``."""

    client_key: str
    cadence: str
    role: str
    every: Every
    kind: str | None = None
    rule: str | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"client_key": self.client_key, "name": self.name, "cadence": self.cadence,
                "role": self.role, "kind": self.kind, "every": str(self.every),
                "rule": self.rule}


@dataclass(frozen=True)
class OccasionToday:
    """An automatic contact to make today: a birthday greeting, or a visit plan made
    ``days_before`` a business matures."""

    occasion: str  # birthday | maturity
    client_key: str
    date: dt.date  # the birthday this year, or the maturity date
    by: str | None = None
    label: Label | None = None
    rule: str | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"occasion": self.occasion, "client_key": self.client_key, "name": self.name,
                "date": self.date.isoformat(), "by": self.by, "rule": self.rule,
                "label": {"zh": self.label.zh, "en": self.label.en} if self.label else None}


@dataclass(frozen=True)
class DueReport:
    """What to do on ``today``; every list in a fixed order (most overdue first, then the
    earliest due, then by client key and the cadence's order of roles)."""

    today: dt.date
    overdue: tuple[DueItem, ...] = ()
    never_contacted: tuple[NeverContacted, ...] = ()
    due_soon: tuple[DueItem, ...] = ()
    occasions: tuple[OccasionToday, ...] = ()
    due_soon_window: Every | None = None
    roles: Mapping[str, Label] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as YYYY-MM-DD, periods as '1 month'."""
        return {"today": self.today.isoformat(),
                "due_soon_window": str(self.due_soon_window) if self.due_soon_window else None,
                "overdue": [i.to_dict("days_overdue") for i in self.overdue],
                "never_contacted": [i.to_dict() for i in self.never_contacted],
                "due_soon": [i.to_dict("days_left") for i in self.due_soon],
                "occasions": [o.to_dict() for o in self.occasions]}

    def role(self, role: str | None, lang: str) -> str:
        label = self.roles.get(role or "")
        return label(lang) if label is not None else (role or "")


def due_report(clients: Iterable[Client], contacts: Iterable[Contact], today: dt.date, *,
               cadences: Mapping[str, Cadence], occasions: Occasions = NO_OCCASIONS,
               due_soon: Every | None = None,
               roles: Mapping[str, Label] | None = None) -> DueReport:
    """The report for records already read (see :func:`due_contacts`)."""
    last_any: dict[tuple[str, str], dt.date] = {}
    last_kind: dict[tuple[str, str, str | None], dt.date] = {}
    for c in contacts:
        pair, triple = (c.client_key, c.by), (c.client_key, c.by, c.kind)
        if pair not in last_any or c.on > last_any[pair]:
            last_any[pair] = c.on
        if triple not in last_kind or c.on > last_kind[triple]:
            last_kind[triple] = c.on
    window_end = today if due_soon is None else (add_period(today, due_soon) or dt.date.max)
    overdue: list[tuple[Any, ...]] = []
    soon: list[tuple[Any, ...]] = []
    never: list[tuple[Any, ...]] = []
    planned: list[OccasionToday] = []
    for client in clients:
        for i, rule in enumerate(cadences[client.cadence].contacts):
            last = (last_any.get((client.key, rule.by)) if rule.kind is None
                    else last_kind.get((client.key, rule.by, rule.kind)))
            anchors = [d for d in (last, client.since) if d is not None]
            if not anchors:
                never.append(((client.key, i), NeverContacted(
                    client.key, client.cadence, rule.by, rule.every, rule.kind, rule.rule,
                    client.name)))
                continue
            due = add_period(max(anchors), rule.every)
            if due is None or due > window_end:
                continue  # not due within the window (or within the calendar)
            late = (today - due).days
            item = DueItem(client.key, client.cadence, rule.by, rule.every, due, last,
                           late if late > 0 else -late, rule.kind, rule.rule, client.name)
            if late > 0:
                overdue.append(((-late, client.key, i), item))
            else:
                soon.append(((due, client.key, i), item))
        planned.extend(_occasions(client, today, occasions))
    planned.sort(key=lambda o: (o.occasion, o.client_key, o.date))
    return DueReport(today, tuple(i for _, i in sorted(overdue, key=lambda p: p[0])),
                     tuple(i for _, i in sorted(never, key=lambda p: p[0])),
                     tuple(i for _, i in sorted(soon, key=lambda p: p[0])),
                     tuple(planned), due_soon, dict(roles or {}))


def _occasions(client: Client, today: dt.date, occasions: Occasions) -> list[OccasionToday]:
    out: list[OccasionToday] = []

    def target(occ: Occasion) -> dt.date | None:
        return add_period(today, Every(occ.days_before, "day")) if occ.days_before else today

    birthday = occasions.birthday
    if birthday is not None and client.birthday is not None:
        day = target(birthday)
        if day is not None and anniversary(client.birthday, day.year) == day:
            out.append(OccasionToday("birthday", client.key, day, birthday.by, birthday.label,
                                     birthday.rule, client.name))
    maturity = occasions.maturity
    if maturity is not None and client.maturities:
        day = target(maturity)
        if day is not None and day in client.maturities:
            out.append(OccasionToday("maturity", client.key, day, maturity.by, maturity.label,
                                     maturity.rule, client.name))
    return out


def due_contacts(clients: Iterable[Mapping[str, Any]], contacts: Iterable[Mapping[str, Any]],
                 today: dt.date, *, cadences: Mapping[str, Cadence],
                 occasions: Occasions = NO_OCCASIONS, due_soon: Every | None = None,
                 roles: Mapping[str, Label] | Collection[str] | None = None,
                 kinds: Collection[str] | None = None,
                 tables: tuple[str, str] = ("clients", "contacts")) -> DueReport:
    """Contacts due on ``today`` (D-20). Pure: no clock, no I/O.

    ``clients``: mappings with ``client_key``, ``cadence`` (an id of ``cadences``) and
    optionally ``since``, ``birthday``, ``maturities`` (dates or YYYY-MM-DD text; several
    maturities as a list or separated by ';') and ``name``. ``contacts``: mappings with
    ``client_key``, ``by`` (a role), ``on`` (a date, not after today) and optionally
    ``kind`` and ``note``. Rows may also be given as ``(row number, mapping)`` pairs, so that
    errors name a file's own row numbers. ``roles``: the roles a contact may name (default:
    those the cadences and occasions use); ``kinds``: the kinds a contact may name (default:
    any). Every bad record is reported at once in one :class:`ContactDataError`.
    """
    if not isinstance(today, dt.date) or isinstance(today, dt.datetime):
        raise TypeError(_("today must be a date (datetime.date), found {value!r}").format(
            value=today))
    role_ids = set(roles) if roles is not None else (
        {r.by for c in cadences.values() for r in c.contacts}
        | {o.by for o in (occasions.birthday, occasions.maturity) if o is not None and o.by})
    problems: list[RowProblem] = []
    read = read_clients(_numbered(clients), cadences, today, problems, table=tables[0])
    made = read_contacts(_numbered(contacts), read, role_ids, kinds, today, problems,
                         table=tables[1])
    if problems:
        raise ContactDataError(problems)
    labels = dict(roles) if isinstance(roles, Mapping) else {}
    return due_report(read.values(), made, today, cadences=cadences, occasions=occasions,
                      due_soon=due_soon, roles=labels)


def _numbered(rows: Iterable[Any]) -> Iterable[tuple[int, Any]]:
    for i, row in enumerate(rows, start=1):
        if isinstance(row, tuple) and len(row) == 2 and isinstance(row[0], int):
            yield row[0], row[1]
        else:
            yield i, row

"""A cadence: who must contact a client and how often (D-20). Plain data, built by the
contacts section from the ruleset's ``contacts.cadences`` and read by ``due_contacts``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bigclient.language.common import Label

Period = Literal["day", "week", "month"]


@dataclass(frozen=True)
class Every:
    """A period such as "1 month" or "6 months": calendar months, not 30 days."""

    count: int
    unit: Period

    def __str__(self) -> str:
        return f"{self.count} {self.unit}{'s' if self.count != 1 else ''}"


@dataclass(frozen=True)
class ContactRule:
    """One required contact: ``by`` (a role, e.g. client_manager) at least ``every``."""

    by: str
    every: Every
    kind: str = "visit"  # visit, call, event … (an event is held for the client, D-20)
    label: Label | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Cadence:
    """A named set of contact rules a route assigns to a client."""

    id: str
    label: Label
    contacts: tuple[ContactRule, ...]

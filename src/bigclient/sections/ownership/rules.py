"""Ownership rules as plain data (D-16, D-17, D-19): what the ownership section compiles to
and what :class:`bigclient.ledger.register.ClaimRegister` applies before a claim store is
called. No YAML here, no store: a host may also build rules by hand."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bigclient.language.common import Label

Per = Literal["line", "client"]
PeriodUnit = Literal["day", "week", "month"]

_PERIOD = re.compile(
    r"^\s*(\d{1,4})\s*(days?|weeks?|months?|天|日|周|个月|月)\s*$", re.IGNORECASE)
_UNITS: dict[str, PeriodUnit] = {"day": "day", "days": "day", "天": "day", "日": "day",
                                 "week": "week", "weeks": "week", "周": "week",
                                 "month": "month", "months": "month", "个月": "month",
                                 "月": "month"}
NO_PERIOD = ("none", "never", "无", "不限")


@dataclass(frozen=True)
class Period:
    """A protection period such as "90 days" or "3 months" (calendar months, not 30 days)."""

    count: int
    unit: PeriodUnit

    @classmethod
    def parse(cls, text: str) -> Period | None:
        """"90 days", "3 months", "2 weeks", "90天", "3个月"; "none" → None (no end).
        Raises ValueError with the accepted forms for anything else."""
        if text.strip().lower() in NO_PERIOD:
            return None
        m = _PERIOD.match(text)
        if m is None or int(m.group(1)) == 0:
            raise ValueError(
                f"expected a period such as '90 days', '3 months', '2 weeks' (or 90天, "
                f"3个月), or 'none' for protection without end; found {text!r}")
        return cls(int(m.group(1)), _UNITS[m.group(2).lower()])

    def after(self, at: dt.datetime) -> dt.datetime:
        """The moment the period ends when it starts ``at`` (month ends clamp: Jan 31 + 1
        month = Feb 28/29)."""
        if self.unit == "day":
            return at + dt.timedelta(days=self.count)
        if self.unit == "week":
            return at + dt.timedelta(weeks=self.count)
        months = at.month - 1 + self.count
        year, month = at.year + months // 12, months % 12 + 1
        day = min(at.day, calendar.monthrange(year, month)[1])
        return at.replace(year=year, month=month, day=day)

    def __str__(self) -> str:
        return f"{self.count} {self.unit}{'s' if self.count != 1 else ''}"


@dataclass(frozen=True)
class OwnershipRules:
    """How a ruleset registers clients (报备) and settles who owns them.

    ``per``: "line" (a claim per business line, seed 002: 今后在该专业形成的所有收入) or
    "client" (one claim for the whole client, line "*"). ``protection``: how long an
    unsigned claim's marketing rights are protected (None: without end). ``lapse``: True
    only when the ruleset declares ``lapse: unsigned`` — then an unsigned claim stops
    protecting its owner when protection ends, and the next claim takes over (a reading of
    D-16, in no seed). ``escalation``: unit → the next-higher centre that rules a dispute
    (D-17). ``levels``: permission levels, lowest first (D-19).
    """

    per: Per = "line"
    protection: Period | None = None
    lapse: bool = False
    escalation: Mapping[str, str] = field(default_factory=dict)
    levels: tuple[str, ...] = ()
    level_labels: Mapping[str, Label] = field(default_factory=dict)
    lines: tuple[str, ...] = ()  # the ruleset's line ids (claims name one of them)
    units: frozenset[str] | None = None  # the units routing declares; None: not checked

    def rank(self, level: str) -> int:
        """0 for the lowest level; ValueError for a level the ruleset does not declare."""
        try:
            return self.levels.index(level)
        except ValueError:
            raise ValueError(level) from None

    def protected_until(self, at: dt.datetime) -> dt.datetime | None:
        """When protection of a claim filed ``at`` ends (None: never)."""
        return None if self.protection is None else self.protection.after(at)

    def lapses_at(self, at: dt.datetime, signed: bool) -> dt.datetime | None:
        """When an unsigned claim filed ``at`` lapses: only under ``lapse: unsigned``."""
        if signed or not self.lapse:
            return None
        return self.protected_until(at)

    def escalate_to(self, unit: str) -> str | None:
        """The next-higher centre of ``unit`` (None at the top)."""
        return self.escalation.get(unit)

"""Pay periods as payroll staff write them: ``2024-03`` (a month), ``2024-Q1`` (a quarter),
``2024-H1`` (a half year), ``2024`` (a year)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from bigclient.errors import InputError
from bigclient.i18n import _

_FORMS = (
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
    (re.compile(r"^(\d{4})-[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-[Hh]([12])$"), "half_year"),
    (re.compile(r"^(\d{4})$"), "year"),
)
KIND_WORDS = {"month": ("month", "月度"), "quarter": ("quarter", "季度"),
              "half_year": ("half year", "半年"), "year": ("year", "年度")}


@dataclass(frozen=True, order=True)
class Period:
    """One pay period: its year, kind and number within the year (1 for a year)."""

    year: int
    kind: str
    number: int

    def __str__(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        if self.kind == "half_year":
            return f"{self.year}-H{self.number}"
        return str(self.year)

    @property
    def months(self) -> tuple[int, int]:
        """First and last month of the period."""
        size = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}[self.kind]
        first = (self.number - 1) * size + 1
        return first, first + size - 1

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.months[0], 1)

    @property
    def last_day(self) -> dt.date:
        last = self.months[1]
        return dt.date(self.year, last, calendar.monthrange(self.year, last)[1])

    def earlier_in_year(self) -> list[Period]:
        """The periods of the same kind before this one in its year (oldest first)."""
        return [Period(self.year, self.kind, n) for n in range(1, self.number)]


def parse_period(text: object) -> Period:
    """Read a period, or say plainly what a period looks like."""
    value = str(text).strip() if isinstance(text, (str, int)) else ""
    for pattern, kind in _FORMS:
        m = pattern.match(value)
        if m:
            number = int(m.group(2)) if kind != "year" else 1
            return Period(int(m.group(1)), kind, number)
    raise InputError("period", text, _(
        "expected a pay period such as 2024-03 (a month), 2024-Q1 (a quarter), 2024-H1 "
        "(a half year) or 2024 (a year)"))

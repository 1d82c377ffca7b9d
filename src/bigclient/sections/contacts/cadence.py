"""A cadence: who must contact a client and how often (D-20). Plain data, built by the
contacts section from the ruleset's ``contacts.cadences`` and read by ``due_contacts``.

Periods are calendar periods: "1 month" after 31 January is 28 (or 29) February, because
policy says 每月 (each month), not "every 30 days". Adding a period never raises: a date
past the calendar's end (year 9999) is ``None``, "not due within the calendar".
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from bigclient.i18n import _
from bigclient.language.common import Label

Period = Literal["day", "week", "month"]

MAX_COUNT = 9999
"""Largest count a period may have (9999 days is 27 years: anything longer is a typo)."""

_EN = re.compile(r"(\d{1,4})\s*(days?|weeks?|months?|years?)", re.IGNORECASE)
_ZH_EVERY = {"每天": (1, "day"), "每日": (1, "day"), "每周": (1, "week"), "每星期": (1, "week"),
             "每月": (1, "month"), "每个月": (1, "month"), "每季": (3, "month"),
             "每季度": (3, "month"), "每半年": (6, "month"), "每年": (12, "month"),
             "半年": (6, "month")}
_ZH = re.compile(r"每?(\d{1,4})\s*(天|日|周|个星期|个月|月|个季度|季度|年)")
_ZH_UNITS: dict[str, tuple[int, Period]] = {
    "天": (1, "day"), "日": (1, "day"), "周": (1, "week"), "个星期": (1, "week"),
    "个月": (1, "month"), "月": (1, "month"), "个季度": (3, "month"), "季度": (3, "month"),
    "年": (12, "month")}
PERIOD_PATTERN = (r"^\s*([0-9]{1,4}\s*(days?|weeks?|months?|years?|天|日|周|个星期|个月|月|个季度|"
                  r"季度|年)|每(天|日|周|星期|月|个月|季|季度|半年|年)|半年|每[0-9]{1,4}\s*(天|日|周|"
                  r"个星期|个月|月|个季度|季度|年))\s*$")
"""The JSON Schema pattern of a period (what ``parse_every`` accepts)."""


class PeriodError(ValueError):
    """A period the ruleset (or a caller) wrote that is not one bigclient reads."""


@dataclass(frozen=True)
class Every:
    """A period such as "1 month" or "6 months": calendar months, not 30 days."""

    count: int
    unit: Period

    def __str__(self) -> str:
        return f"{self.count} {self.unit}{'s' if self.count != 1 else ''}"

    def zh(self) -> str:
        """The period as Chinese policy writes it: 每月, 每季度, 每半年, 每2周, 每10天."""
        if self.unit == "month":
            named = {1: "每月", 3: "每季度", 6: "每半年", 12: "每年"}
            return named.get(self.count, f"每{self.count}个月")
        if self.unit == "week":
            return "每周" if self.count == 1 else f"每{self.count}周"
        return "每天" if self.count == 1 else f"每{self.count}天"

    def span(self, lang: str) -> str:
        """A length of time, not a frequency: '7 days', '7天', '1个月'."""
        if lang != "zh":
            return str(self)
        return f"{self.count}" + {"day": "天", "week": "周", "month": "个月"}[self.unit]

    def say(self, lang: str) -> str:
        return self.zh() if lang == "zh" else f"every {self}"


def parse_every(text: str, *, zero: bool = False) -> Every:
    """"1 month", "3 months", "2 weeks", "10 days", "1 year" (12 months), or Chinese 每月,
    每季度, 每半年, 每年, 3个月, 2周, 10天. ``zero`` allows "0 days" (a due-soon window)."""
    t = text.strip() if isinstance(text, str) else ""
    count: int
    unit: Period
    if t in _ZH_EVERY:
        count, unit = _ZH_EVERY[t]  # type: ignore[assignment]
    elif (m := _EN.fullmatch(t)) is not None:
        count, word = int(m.group(1)), m.group(2).lower().rstrip("s")
        unit = "month" if word == "year" else word  # type: ignore[assignment]
        count *= 12 if word == "year" else 1
    elif (m := _ZH.fullmatch(t)) is not None:
        factor, unit = _ZH_UNITS[m.group(2)]
        count = int(m.group(1)) * factor
    else:
        raise PeriodError(_("'{text}' is not a period: write a number and days, weeks, months "
                            "or years, e.g. '1 month', '3 months', '2 weeks', '10 days' (or "
                            "每月, 每季度, 每半年)").format(text=text))
    if count == 0 and not zero:
        raise PeriodError(_("a period of 0 {unit}s would make every client due every "
                            "day; write at least 1").format(unit=unit))
    if count > MAX_COUNT * (12 if unit == "month" else 1):
        raise PeriodError(_("'{text}' is too long a period; write at most {n} days, weeks "
                            "or months").format(text=text, n=MAX_COUNT))
    return Every(count, unit)


def add_period(day: dt.date, every: Every) -> dt.date | None:
    """``day`` plus ``every`` in calendar terms (the end of a shorter month for a day the
    month lacks), or None when that is past 31 December 9999."""
    if every.unit == "month":
        months = day.year * 12 + day.month - 1 + every.count
        year, month0 = divmod(months, 12)
        if year > dt.MAXYEAR:
            return None
        last = calendar.monthrange(year, month0 + 1)[1]
        return dt.date(year, month0 + 1, min(day.day, last))
    days = every.count * (7 if every.unit == "week" else 1)
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None


def anniversary(birthday: dt.date, year: int) -> dt.date:
    """The birthday in ``year``; 29 February is kept on 28 February in other years (the
    last day of the birth month, as month arithmetic does)."""
    if birthday.month == 2 and birthday.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return birthday.replace(year=year)


@dataclass(frozen=True)
class ContactRule:
    """One required contact: ``by`` (a role, e.g. client_manager) at least ``every``.

    ``kind`` None: any contact by the role counts; otherwise only contacts of that kind
    (e.g. ``event`` for the big-client centre's half-yearly gathering, D-20)."""

    by: str
    every: Every
    kind: str | None = None
    label: Label | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Cadence:
    """A named set of contact rules a route assigns to a client."""

    id: str
    label: Label
    contacts: tuple[ContactRule, ...]


@dataclass(frozen=True)
class Occasion:
    """An automatic contact: ``days_before`` the date (0: on the day), for ``by`` (a role;
    None when the system acts itself, e.g. a greeting SMS)."""

    days_before: int = 0
    by: str | None = None
    label: Label | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Occasions:
    """The occasions a ruleset plans: birthday greetings and visits before a maturity."""

    birthday: Occasion | None = None
    maturity: Occasion | None = None

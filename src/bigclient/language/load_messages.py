"""Plain words for what the ruleset model refuses, where pydantic's own words mislead.

``_friendly_text`` in ruleset.py turns each pydantic error into a message; the cases here
are the ones whose generic wording sent editors looking in the wrong place: an empty value
(pydantic says "found NoneType"), an impossible date ("February has no 30th"), a file that
is empty or not a block of keys, a key typed with a full-width colon.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bigclient.i18n import N_, _

_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
           N_("July"), N_("August"), N_("September"), N_("October"), N_("November"),
           N_("December"))


def _ordinal(n: int) -> str:
    """'30th' (in Chinese '30'): the day of the month as the reader says it."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    words = {"st": N_("{n}st"), "nd": N_("{n}nd"), "rd": N_("{n}rd"), "th": N_("{n}th")}
    return _(words[suffix]).format(n=n)


def impossible_date(value: Any) -> str | None:
    """Why a YYYY-MM-DD text is no date ('February 2010 has no 30th'), or None."""
    m = _DATE.match(str(value).strip()) if isinstance(value, str) else None
    if m is None:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12:
        return _("{date} is not a date: there is no month {month} (months run from 1 to "
                 "12)").format(date=value, month=month)
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return _("{date} is not a date: {month} {year} has no {day} (it has {last} "
                 "days)").format(date=value, month=_(_MONTHS[month - 1]), year=year,
                                 day=_ordinal(day), last=last)
    return None


def empty_value(key: Any, err: Mapping[str, Any]) -> tuple[str, str]:
    """An entry written with nothing after its colon (``weight:``)."""
    expected = {"string_type": _("text"), "bool_type": _("true or false"),
                "date_type": _("a date written YYYY-MM-DD"),
                "list_type": _("a list of '- ' entries"),
                "model_type": _("a block of 'key: value' entries"),
                "dict_type": _("a block of 'key: value' entries")}.get(
                    str(err.get("type")), "")
    message = _("'{key}' has no value: nothing is written after its ':'").format(key=key)
    if expected:
        message += _("; expected {expected}").format(expected=expected)
    return message, _("write the value after '{key}:', or delete the line").format(key=key)


def full_width_hint(text: Any) -> str:
    """A hint when a key or value holds a full-width colon that was meant as ':'."""
    if isinstance(text, str) and "：" in text:
        return _("'{text}' contains a full-width colon '：'; if it was meant to separate a "
                 "key from its value, type the ASCII ':' followed by a space").format(
                     text=text if len(text) <= 40 else text[:40] + "…")
    return ""


def document_shape(data: Any) -> str:
    """What a ruleset file is, when it is not a block of keys."""
    if data is None:
        return _("the file is empty; a ruleset starts with 'ruleset:', 'version:', "
                 "'effective:' and the other sections")
    if isinstance(data, list):
        return _("the file is a list ('- ' entries), but a ruleset must be a block of "
                 "'key: value' entries (ruleset, version, effective, ...)")
    return _("the file holds a single value ({value}), but a ruleset must be a block of "
             "'key: value' entries (ruleset, version, effective, ...)").format(
                 value=repr(data) if len(repr(data)) <= 40 else repr(data)[:40] + "…")


def rename_hint(path: Path, version: str) -> str:
    """BC101's fix: never advise renaming onto a file that already exists."""
    target = path.with_name(f"{version}.yaml")
    if target.exists():
        return _("write 'version: {stem}' in this file ({name} already exists, so the file "
                 "cannot take that name)").format(stem=path.stem, name=target.name)
    return _("rename the file to {name}, or write 'version: {stem}' in it").format(
        name=target.name, stem=path.stem)

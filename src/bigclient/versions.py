"""Which version of a ruleset folder is in force on a day.

A folder holds every version of one ruleset, including drafts that start in the future.
Loading the folder must give the rules that apply *on a day* (today by default), never the
newest file: a draft 1.2.0 from next January must not decide this month's clients.

The day is a parameter everywhere below; only the API and CLI entry points
(:func:`bigclient.load`, ``Registry.get``, the ``--on`` option) read the clock, so evaluation
stays pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import ValidationError

from bigclient.errors import BigClientError, Problem, RulesetError
from bigclient.i18n import _
from bigclient.language.load_messages import rename_hint
from bigclient.language.source import Located, read_file
from bigclient.language.validation import validate_spec
from bigclient.spec import SEMVER, Effective, RulesetSpec, version_key


class RegistryError(BigClientError, LookupError):
    """No such ruleset, no such version, or no version in force on the day asked."""


class Dated(Protocol):
    """Anything with a version and effective dates (a loaded Ruleset or a file header)."""

    @property
    def version(self) -> str: ...
    @property
    def effective_from(self) -> dt.date: ...
    @property
    def effective_to(self) -> dt.date | None: ...


D = TypeVar("D", bound=Dated)


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def in_force(versions: Sequence[D], on: dt.date) -> D | None:
    """The version in force on ``on``: from ≤ on ≤ to; of several, the latest ``from``, then
    the highest version (a later-starting version supersedes an open-ended older one)."""
    live = [v for v in versions
            if v.effective_from <= on and (v.effective_to is None or on <= v.effective_to)]
    if not live:
        return None
    return max(live, key=lambda v: (v.effective_from, _key(v.version)))


def span(v: Dated) -> str:
    """'1.0.0 (2008-01-01 – 2008-12-31)': how a version's dates read in a message."""
    to = v.effective_to.isoformat() if v.effective_to else _("open-ended")
    return f"{v.version} ({v.effective_from.isoformat()} – {to})"


@dataclass(frozen=True)
class Header:
    """The version and dates of one version file, read without compiling its rules."""

    path: Path
    version: str
    effective_from: dt.date
    effective_to: dt.date | None


def read_header(path: Path) -> Header:
    """Version and effective dates of a file; a file that does not even have a readable
    header raises the same located RulesetError a full load would."""
    src = read_file(path)  # raises a located RulesetError on bad YAML
    data = src.data
    try:
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            raise ValueError
        eff = Effective.model_validate(data.get("effective"))
    except (ValueError, ValidationError):
        validate_spec(RulesetSpec, src)  # reports the header's problem, located, in plain words
        raise  # pragma: no cover - a file whose header fails always fails validation
    if data["version"] != path.stem:  # 2.0.0.yaml declaring 1.0.0: BC101, located
        raise RulesetError([misnamed(src, path, data["version"])])
    return Header(path, data["version"], eff.from_, eff.to)


def pick(folder: Path, on: dt.date) -> Path:
    """The version file of ``folder`` in force on ``on``; a plain error listing every version
    and its dates when none is (before the first, in a gap, or only future drafts)."""
    headers = [read_header(p) for p in version_files(folder)]
    found = in_force(headers, on)
    if found is not None:
        return found.path
    listing = ", ".join(span(h) for h in headers) or _("none")
    later = [h for h in headers if h.effective_from > on]
    hint = ""
    if later:
        first = min(later, key=lambda h: h.effective_from)
        hint = " " + _("Version {version} starts on {day}; to use it before then, name its "
                       "file or choose the day with --on {day} (on= in Python).").format(
                           version=first.version, day=first.effective_from.isoformat())
    raise RegistryError(_("no version in {folder} is in force on {day}; versions: "
                          "{listing}.").format(folder=folder, day=on.isoformat(),
                                               listing=listing) + hint)


def today() -> dt.date:
    """The one place the library reads the clock: the default day for loading a folder."""
    return dt.date.today()


def check_in_force(rs: Dated, on: dt.date) -> None:
    """A file named explicitly with a day: refuse it if it is not in force that day, rather
    than decide with rules that did not apply."""
    if in_force([rs], on) is None:
        raise RegistryError(_("{file} is version {span}, not in force on {day}; name the "
                              "ruleset folder to get the version in force that day, or "
                              "leave out the day.").format(
                                  file=getattr(rs, "file", "?"), span=span(rs),
                                  day=on.isoformat()))




def version_files(folder: Path) -> list[Path]:
    """The version files of a ruleset folder (``1.0.0.yaml`` …), oldest first."""
    files = [p for p in folder.glob("*.yaml") if SEMVER.match(p.stem)]
    return sorted(files, key=lambda p: version_key(p.stem))


def misnamed(src: Located, path: Path, version: str) -> Problem:
    """BC101: the file name and the version it declares disagree."""
    return src.problem(
        ("version",),
        _("the file is named {name} but declares version {version}").format(
            name=path.name, version=version
        ),
        code="BC101",
        hint=rename_hint(path, version),
    )

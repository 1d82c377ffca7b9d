"""Making versions: ``new-version`` (the next version of a ruleset) and ``init`` (a new one).

``new-version`` copies the version in force the day before the new start date, as text (so
the comments the policy staff wrote travel with it), and changes only the header: the
version number, ``effective.from``, no ``effective.to``, and a stub asking for the note.

It never edits the previous version: that file is released (and locked), and changing it
would change what was decided with it. The previous version needs no end date: on any day
the version that started last is in force, so the new start date ends the old version by
itself. Only if the previous version declares an end date that runs past the new start is
the new version refused (the two would overlap, BC601).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from bigclient.errors import BigClientError
from bigclient.i18n import _
from bigclient.loading import load
from bigclient.spec import version_key
from bigclient.versions import in_force, read_header, span, version_files

BUMPS = ("major", "minor", "patch")


class VersionCommandError(BigClientError):
    """new-version or init cannot do what was asked (the message says why and what to do)."""


def bump(version: str, part: str) -> str:
    """1.2.3 → 2.0.0 / 1.3.0 / 1.2.4."""
    major, minor, patch = version_key(version)
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    if part == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ValueError(f"bump must be one of {', '.join(BUMPS)}, found {part!r}")


def first_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _rewrite_header(text: str, old: str, new: str, start: dt.date) -> str:
    """The copied text with a new version and start date, no end date, and a note stub."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    seen_version = seen_effective = False
    has_note = any(re.match(r"^note\s*:", ln) for ln in lines)
    while i < len(lines):
        ln = lines[i]
        if re.match(r"^version\s*:", ln):
            seen_version = True
            out.append(f"version: {new}\n")
            out.append(f"# Made from {old} by `bigclient new-version`. Before review: write in "
                       "the note what changed and why\n# (rule, old value → new value).\n")
            if not has_note:
                out.append(f"note: Made from {old}; say what changed and why.\n")
            i += 1
            continue
        m = re.match(r"^effective\s*:(.*)$", ln.rstrip("\n"))
        if m:
            seen_effective = True
            out.append(f"effective:\n  from: {start.isoformat()}\n")
            i += 1
            if not m.group(1).split("#")[0].strip():  # a block: drop its lines (dates, comments)
                while i < len(lines) and (lines[i].startswith((" ", "\t"))
                                          or not lines[i].strip()):
                    if not lines[i].strip():
                        break
                    i += 1
            continue
        out.append(ln)
        i += 1
    if not (seen_version and seen_effective):
        raise VersionCommandError(_("cannot find the top-level 'version:' and 'effective:' "
                                    "lines to change; copy the file by hand"))
    return "".join(out)


def new_version(folder: Path, *, start: dt.date | None, part: str, today: dt.date) -> str:
    """Write the next version file of ``folder``; returns what was done, in words."""
    files = version_files(folder)
    if not files:
        raise VersionCommandError(_("no version files (like 1.0.0.yaml) in {folder}").format(
            folder=folder))
    headers = [read_header(p) for p in files]
    highest = max(headers, key=lambda h: version_key(h.version))
    if start is None:
        start = max(first_of_next_month(today), first_of_next_month(highest.effective_from))
    if start <= highest.effective_from:
        raise VersionCommandError(_(
            "version {version} already starts on {day}; the next version must start later "
            "(higher versions start later): give --from after {day}").format(
                version=highest.version, day=highest.effective_from.isoformat()))
    base = in_force(headers, start - dt.timedelta(days=1))
    if base is None:
        raise VersionCommandError(_(
            "no version is in force on {day} to copy; versions: {listing}. Choose --from the "
            "day after one of them ends").format(
                day=(start - dt.timedelta(days=1)).isoformat(),
                listing=", ".join(span(h) for h in headers)))
    if base.effective_to is not None and base.effective_to >= start:
        raise VersionCommandError(_(
            "{version} is declared in force until {to} and is released, so it cannot be "
            "changed; start the new version on {next} (--from {next})").format(
                version=base.version, to=base.effective_to.isoformat(),
                next=(base.effective_to + dt.timedelta(days=1)).isoformat()))
    version = bump(highest.version, part)
    target = folder / f"{version}.yaml"
    text = _rewrite_header(base.path.read_text(encoding="utf-8-sig"), base.version, version,
                           start)
    try:
        with target.open("x", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except FileExistsError:
        raise VersionCommandError(_("{file} already exists").format(file=target)) from None
    try:
        load(target)
    except BigClientError:
        target.unlink()
        raise
    return _("wrote {file}: a copy of {old} in force from {day}. {old} is not edited: from "
             "{day} on, the version that started last is in force. Next: change the rules "
             "and the note, then bigclient validate, test and diff.").format(
                 file=target, old=base.version, day=start.isoformat())


# -- init -------------------------------------------------------------------------------

RULESET_TEMPLATE = """\
# yaml-language-server: $schema=https://example.invalid/bigclient/ruleset.schema.json
# {id}: a new ruleset made by `bigclient init`. Replace the example rule with the
# bureau's policy; cite each rule (rule: D-…) and keep cases/ in step.
ruleset: {id}
version: 1.0.0
effective:
  from: {day}
title:
  zh: {id} 大客户认定
  en: {id} key-account qualification
source: name the policy document here (title, number, date)
note: Made by bigclient init; replace the example rule with the bureau's policy.

inputs:
  revenue_prev_year:
    type: money
    label: {{zh: 上年业务收入, en: Revenue last year}}

qualification:
  combine: any
  criteria:
    - id: revenue
      label: {{zh: 上年业务收入达10万元, en: "Revenue last year of at least 100,000"}}
      when: revenue_prev_year >= 10万
"""

CASES_TEMPLATE = """\
# Example cases: each gives an input and the expected decision (bigclient test runs them).
ruleset: {id}
cases:
  - name: 10万 last year is a big client (the threshold is included)
    input: {{revenue_prev_year: 10万}}
    expect: {{qualified: true, criteria: [revenue]}}
  - name: one fen under 10万 is not
    input: {{revenue_prev_year: 99999.99}}
    expect: {{qualified: false}}
"""


def init_ruleset(folder: Path, ruleset_id: str, start: dt.date) -> str:
    """A minimal valid ruleset folder whose cases pass; refuses a folder that has files."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", ruleset_id):
        raise VersionCommandError(_("'{id}' is not a ruleset id: use lower-case letters, "
                                    "digits and '-', like shantou-postal").format(id=ruleset_id))
    if folder.exists() and any(folder.iterdir()):
        raise VersionCommandError(_("{folder} is not empty; choose a new folder").format(
            folder=folder))
    (folder / "cases").mkdir(parents=True, exist_ok=True)
    (folder / "1.0.0.yaml").write_text(
        RULESET_TEMPLATE.format(id=ruleset_id, day=start.isoformat()), encoding="utf-8")
    (folder / "cases" / "basic.yaml").write_text(CASES_TEMPLATE.format(id=ruleset_id),
                                                  encoding="utf-8")
    load(folder / "1.0.0.yaml")
    return _("wrote {folder}/1.0.0.yaml (in force from {day}) and {folder}/cases/basic.yaml; "
             "check them with: bigclient validate {folder} && bigclient test {folder}").format(
                 folder=folder, day=start.isoformat())

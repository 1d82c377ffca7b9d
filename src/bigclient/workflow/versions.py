"""Across the versions of one ruleset: dates must follow the version numbers without
overlapping (BC601 … BC604)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from bigclient.errors import Problem
from bigclient.language.source import YamlPath
from bigclient.ruleset import Ruleset, version_key


def check_versions(rulesets: Sequence[Ruleset]) -> list[Problem]:
    """Versions of one ruleset must follow each other in time without overlapping."""
    out: list[Problem] = []
    by_id: dict[str, list[Ruleset]] = {}
    for rs in rulesets:
        by_id.setdefault(rs.id, []).append(rs)
    for versions in by_id.values():
        unique: dict[str, Ruleset] = {}
        for rs in versions:
            first = unique.get(rs.version)
            if first is not None:
                out.append(rs.source.problem(
                    ("version",), f"version {rs.version} of '{rs.id}' is also declared by "
                    f"{first.file}; two files cannot be the same version", code="BC603",
                    hint="give the revision a higher version, or delete the copy"))
                continue
            unique[rs.version] = rs
        ordered = sorted(unique.values(), key=lambda r: version_key(r.version))
        for old, new in itertools.pairwise(ordered):
            out += _version_pair(old, new)
    return out


def _span(rs: Ruleset) -> str:
    to = rs.effective_to.isoformat() if rs.effective_to else "open-ended"
    return f"{rs.version} ({rs.effective_from.isoformat()} – {to})"


def _version_pair(old: Ruleset, new: Ruleset) -> list[Problem]:
    """Check two consecutive versions (by number): dates must follow the numbers."""
    where: YamlPath = ("effective", "from")
    if new.effective_from < old.effective_from:
        return [new.source.problem(
            where, f"version {new.version} takes effect on {new.effective_from}, before the "
            f"lower version {_span(old)} in {old.file}; a higher version must start later",
            code="BC602", hint="swap the version numbers, or correct the effective dates")]
    if new.effective_from == old.effective_from:
        return [new.source.problem(
            where, f"versions {old.version} and {new.version} both take effect on "
            f"{new.effective_from}, so {old.version} ({old.file}) is never in force",
            code="BC601", hint=f"start {new.version} later, or delete {old.version}")]
    old_to = old.effective_to
    if old_to is not None and old_to >= new.effective_from:
        return [new.source.problem(
            where, f"version {new.version} takes effect on {new.effective_from}, but "
            f"{_span(old)} in {old.file} is declared in force until {old_to}: both "
            "versions claim the days in between",
            code="BC601", hint=f"end {old.version} on "
            f"{(new.effective_from - dt.timedelta(days=1)).isoformat()}, or start "
            f"{new.version} on {(old_to + dt.timedelta(days=1)).isoformat()}")]
    if old_to is not None and old_to + dt.timedelta(days=1) < new.effective_from:
        return [new.source.problem(
            where, f"no version of '{new.id}' is in force from "
            f"{(old_to + dt.timedelta(days=1)).isoformat()} to "
            f"{(new.effective_from - dt.timedelta(days=1)).isoformat()}: {old.version} ends "
            f"on {old_to} and {new.version} starts on {new.effective_from}",
            code="BC604", severity="info",
            hint=f"start {new.version} on {(old_to + dt.timedelta(days=1)).isoformat()}, "
            "unless the gap is intended")]
    return []


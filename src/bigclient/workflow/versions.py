"""Across the versions of one ruleset: dates must follow the version numbers without
overlapping (BC601 … BC604)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from bigclient.errors import Problem
from bigclient.i18n import _
from bigclient.language.source import YamlPath
from bigclient.ruleset import Ruleset
from bigclient.spec import version_key


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
                out.append(
                    rs.source.problem(
                        ("version",),
                        _(
                            "version {version} of '{id}' is also declared by {file}; two "
                            "files cannot be the same version"
                        ).format(version=rs.version, id=rs.id, file=first.file),
                        code="BC603",
                        hint=_("give the revision a higher version, or delete the copy"),
                    )
                )
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
        return [
            new.source.problem(
                where,
                _(
                    "version {version} takes effect on {effective_from}, before the lower "
                    "version {span} in {file}; a higher version must start later"
                ).format(
                    version=new.version,
                    effective_from=new.effective_from,
                    span=_span(old),
                    file=old.file,
                ),
                code="BC602",
                hint=_("swap the version numbers, or correct the effective dates"),
            )
        ]
    if new.effective_from == old.effective_from:
        return [
            new.source.problem(
                where,
                _(
                    "versions {version} and {version2} both take effect on {effective_from}, so "
                    "{version} ({file}) is never in force"
                ).format(
                    version=old.version,
                    version2=new.version,
                    effective_from=new.effective_from,
                    file=old.file,
                ),
                code="BC601",
                hint=_("start {version} later, or delete {version2}").format(
                    version=new.version, version2=old.version
                ),
            )
        ]
    old_to = old.effective_to
    if old_to is not None and old_to >= new.effective_from:
        return [
            new.source.problem(
                where,
                _(
                    "version {version} takes effect on {effective_from}, but {span} in {file} "
                    "is declared in force until {old_to}: both versions claim the days in "
                    "between"
                ).format(
                    version=new.version,
                    effective_from=new.effective_from,
                    span=_span(old),
                    file=old.file,
                    old_to=old_to,
                ),
                code="BC601",
                hint=_("end {version} on {isoformat}, or start {version2} on {isoformat2}").format(
                    version=old.version,
                    isoformat=(new.effective_from - dt.timedelta(days=1)).isoformat(),
                    version2=new.version,
                    isoformat2=(old_to + dt.timedelta(days=1)).isoformat(),
                ),
            )
        ]
    if old_to is not None and old_to + dt.timedelta(days=1) < new.effective_from:
        return [
            new.source.problem(
                where,
                _(
                    "no version of '{id}' is in force from {isoformat} to {isoformat2}: "
                    "{version} ends on {old_to} and {version2} starts on {effective_from}"
                ).format(
                    id=new.id,
                    isoformat=(old_to + dt.timedelta(days=1)).isoformat(),
                    isoformat2=(new.effective_from - dt.timedelta(days=1)).isoformat(),
                    version=old.version,
                    old_to=old_to,
                    version2=new.version,
                    effective_from=new.effective_from,
                ),
                code="BC604",
                severity="info",
                hint=_("start {version} on {isoformat}, unless the gap is intended").format(
                    version=new.version, isoformat=(old_to + dt.timedelta(days=1)).isoformat()
                ),
            )
        ]
    return []


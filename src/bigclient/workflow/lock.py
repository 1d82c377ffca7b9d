"""Released versions are frozen: ``versions.lock`` records a hash of each released version.

A version that has decided clients must never change in place: a re-run of last year's
grading (D-10) would silently give other answers. ``bigclient lock`` writes, beside the
version files, one line per released version::

    1.0.0 sha256:3f5c…

and ``bigclient validate`` reports a version whose content no longer matches (BC605), a
version in force (or past) that is not locked yet (BC606), and a lock that is damaged or
names a version whose file is gone (BC607).

What is hashed is the *parsed* YAML (keys sorted, scalars as the loader reads them), not the
bytes: correcting a comment, re-indenting or reflowing a flow list does not change what was
decided, so it must not look like a policy change; any change to a key or value does,
including ``1.2万`` rewritten as ``12000`` (the same amount, but a reviewer should see it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bigclient.errors import BigClientError, Problem, RulesetError
from bigclient.i18n import _
from bigclient.language.source import read_file
from bigclient.spec import SEMVER, version_key
from bigclient.versions import version_files

LOCK_NAME = "versions.lock"
_LINE = re.compile(r"^(\S+)\s+sha256:([0-9a-f]{64})$")
_HEADER = """\
# bigclient versions.lock: released versions of this ruleset are frozen.
# One line per released version: its number and the sha256 of its rules (the parsed YAML,
# so comments and layout do not count). Written by `bigclient lock`, checked by
# `bigclient validate`. To change a released version, make a new version instead
# (`bigclient new-version`); never edit this file by hand.
"""


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, (dt.date, dt.datetime)):
        return {"date": value.isoformat()}
    raise TypeError(type(value).__name__)  # pragma: no cover - the loader makes no others


def content_hash(data: Any) -> str:
    """sha256 of parsed YAML data in a canonical JSON form (sorted keys, typed scalars)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_plain)
    # surrogatepass: a YAML escape such as "\\ud800" yields a lone surrogate; hash it, never crash
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def file_hash(path: Path) -> str:
    return content_hash(read_file(path).data)


@dataclass
class Lock:
    """The parsed ``versions.lock`` of one folder, with its problems (bad lines)."""

    path: Path
    hashes: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def read_lock(folder: Path) -> Lock | None:
    """The folder's lock, or None when it has none."""
    path = folder / LOCK_NAME
    if not path.is_file():
        return None
    lock = Lock(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        lock.problems.append(Problem(
            _("cannot read the lock file: {reason}").format(reason=exc), file=str(path),
            line=0, column=0, code="BC607",
            hint=_("restore it from version control")))
        return lock
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m or not SEMVER.match(m.group(1)) or m.group(1) in lock.hashes:
            lock.problems.append(Problem(
                _("line {n} of the lock file is not 'VERSION sha256:HASH' (64 hex digits), "
                  "or repeats a version: found '{text}'").format(n=n, text=line[:80]),
                file=str(path), line=n, column=1, code="BC607",
                hint=_("restore the file from version control; bigclient lock writes it")))
            continue
        lock.hashes[m.group(1)] = m.group(2)
        lock.lines[m.group(1)] = n
    return lock


def check_locks(files: Iterable[Path], today: dt.date) -> list[Problem]:
    """Compare each version file with its folder's lock. ``today`` decides which unlocked
    versions are already released (in force now or in the past): those are warned about;
    a future draft may still change."""
    from bigclient.versions import read_header

    problems: list[Problem] = []
    by_folder: dict[Path, list[Path]] = {}
    for f in files:
        if SEMVER.match(Path(f).stem):
            by_folder.setdefault(Path(f).parent, []).append(Path(f))
    for folder, paths in by_folder.items():
        lock = read_lock(folder)
        if lock is not None:
            problems += lock.problems
            present = {p.stem for p in version_files(folder)}
            for version in sorted(set(lock.hashes) - present, key=version_key):
                problems.append(Problem(
                    _("version {version} is released (in {lock}) but its file {file} is "
                      "missing: the decisions made with it can no longer be explained or "
                      "re-run").format(version=version, lock=lock.path,
                                       file=folder / f"{version}.yaml"),
                    file=str(lock.path), line=lock.lines[version], column=1, code="BC607",
                    hint=_("restore {file} from version control").format(
                        file=folder / f"{version}.yaml")))
        for path in sorted(set(paths), key=lambda p: version_key(p.stem)):
            try:
                src = read_file(path)
                header = read_header(path)
            except RulesetError:
                continue  # reported by the load itself
            version = path.stem
            if lock is not None and version in lock.hashes:
                if content_hash(src.data) != lock.hashes[version]:
                    problems.append(src.problem(
                        ("version",), _("version {version} was released and is locked in "
                                        "{lock}, but its rules have changed since").format(
                                            version=version, lock=lock.path),
                        code="BC605",
                        hint=_("undo the edit (git checkout {file}) and make the change in a "
                               "new version: bigclient new-version {folder}").format(
                                   file=path, folder=folder)))
            elif header.effective_from <= today:
                problems.append(src.problem(
                    ("version",), _("version {version} has been in force since {day} but is "
                                    "not recorded in {lock}, so an edit to it would go "
                                    "unnoticed").format(
                                        version=version, day=header.effective_from.isoformat(),
                                        lock=folder / LOCK_NAME),
                    code="BC606", severity="warning",
                    hint=_("run: bigclient lock {file}").format(file=path)))
    return problems


class LockRefused(BigClientError):
    """``bigclient lock`` would overwrite the hash of a released version that changed."""


def write_lock(folder: Path, paths: Iterable[Path], *, force: bool = False) -> list[str]:
    """Record the hashes of ``paths`` (version files of ``folder``); returns what was done.
    A version already locked with another hash is refused unless ``force``."""
    lock = read_lock(folder) or Lock(folder / LOCK_NAME)
    if lock.problems:
        raise RulesetError(lock.problems)
    hashes = dict(lock.hashes)
    done: list[str] = []
    for path in paths:
        new = file_hash(path)
        old = hashes.get(path.stem)
        if old == new:
            done.append(_("{version} unchanged").format(version=path.stem))
            continue
        if old is not None and not force:
            raise LockRefused(_(
                "{file}: version {version} is already locked with other rules; a released "
                "version must not change. Undo the edit and make a new version (bigclient "
                "new-version {folder}); only to record a reviewed correction, run bigclient "
                "lock --force").format(file=path, version=path.stem, folder=folder))
        hashes[path.stem] = new
        done.append(_("{version} locked").format(version=path.stem) if old is None else
                    _("{version} re-locked (--force)").format(version=path.stem))
    body = _HEADER + "".join(f"{v} sha256:{h}\n" for v, h in
                             sorted(hashes.items(), key=lambda kv: version_key(kv[0])))
    fd, tmp = tempfile.mkstemp(prefix=".versions.lock.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(body)
        os.replace(tmp, folder / LOCK_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return done

"""Many rulesets, many versions: which version is in force on a given day (D-10 re-grading
runs, host services deciding a past month's clients with the rules of that month).

A registry folder holds one subfolder per ruleset (``rulesets/shantou-postal/``), each
version a file named by its version (``1.0.0.yaml``). Nothing is read until asked: the
folder listing is taken when a ruleset is first named, each version file is loaded once
and kept, so a long-running service pays for parsing and compiling once.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from pydantic import ValidationError

from bigclient.errors import BigClientError, RulesetError
from bigclient.language.expr import suggest
from bigclient.language.source import read_file
from bigclient.loading import load
from bigclient.ruleset import Ruleset
from bigclient.spec import SEMVER, Effective, version_key
from bigclient.versions import RegistryError, in_force, today, version_files
from bigclient.versions import span as _span

__all__ = ["Registry", "RegistryError", "in_force"]


def _may_serve(path: Path, version: str, on: dt.date, found: Ruleset | None) -> bool:
    """Could the broken version file ``path`` be the one in force ``on``? Its own dates
    decide when they can be read; else version order does (a higher version never starts
    earlier, BC602): a loaded higher version in force that day supersedes it."""
    dates = _declared_effective(path)
    if dates is None:
        return found is None or version_key(found.version) <= version_key(version)
    start, end = dates
    if not (start <= on and (end is None or on <= end)):
        return False
    return found is None or (start, version_key(version)) > (
        found.effective_from, version_key(found.version))


def _declared_effective(path: Path) -> tuple[dt.date, dt.date | None] | None:
    """The 'effective' dates of a file that does not load, if they can be read at all."""
    try:
        data = read_file(path).data
        eff = Effective.model_validate(data["effective"])
    except (BigClientError, ValidationError, TypeError, KeyError):
        return None
    return eff.from_, eff.to


class Registry:
    """Every ruleset and version under one folder, loaded lazily and cached (thread-safe)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise RegistryError(f"no rulesets folder at {self.root}")
        self._files: dict[str, dict[str, Path]] | None = None
        self._loaded: dict[tuple[str, str], Ruleset] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"<Registry {self.root}>"

    # -- listing ------------------------------------------------------------------
    def _index(self) -> dict[str, dict[str, Path]]:
        with self._lock:
            if self._files is None:
                index: dict[str, dict[str, Path]] = {}
                for sub in sorted(p for p in self.root.iterdir() if p.is_dir()):
                    files = version_files(sub)
                    if files:
                        index[sub.name] = {f.stem: f for f in files}
                self._files = index
            return self._files

    def refresh(self) -> None:
        """Forget the folder listing and every loaded version (after files changed on disk)."""
        with self._lock:
            self._files = None
            self._loaded.clear()

    def ids(self) -> list[str]:
        """Ruleset ids (folder names), sorted."""
        return sorted(self._index())

    def __contains__(self, ruleset_id: object) -> bool:
        return isinstance(ruleset_id, str) and ruleset_id in self._index()

    def versions(self, ruleset_id: str) -> list[str]:
        """Versions of one ruleset, oldest first (by version number, not text: 1.10 > 1.9)."""
        return list(self._versions(ruleset_id))

    def _versions(self, ruleset_id: str) -> dict[str, Path]:
        index = self._index()
        if ruleset_id not in index:
            known = list(index)
            hint = suggest(ruleset_id, known)
            raise RegistryError(f"no ruleset '{ruleset_id}' in {self.root}"
                                + (f"; {hint}" if hint else "")
                                + (f" (known: {', '.join(known)})" if known else
                                   " (the folder holds no ruleset subfolders)"))
        return index[ruleset_id]

    # -- look-up ------------------------------------------------------------------
    def _load(self, ruleset_id: str, version: str) -> Ruleset:
        key = (ruleset_id, version)
        with self._lock:
            cached = self._loaded.get(key)
            if cached is not None:
                return cached
            rs = load(self._versions(ruleset_id)[version])
            if rs.id != ruleset_id:
                raise RulesetError([rs.source.problem(
                    ("ruleset",), f"the file is in folder '{ruleset_id}' but declares ruleset "
                    f"'{rs.id}'", code="BC101",
                    hint=f"write 'ruleset: {ruleset_id}' or move the file")])
            self._loaded[key] = rs
            return rs

    def all(self, ruleset_id: str) -> list[Ruleset]:
        """Every version of one ruleset, loaded, oldest first."""
        return [self._load(ruleset_id, v) for v in self._versions(ruleset_id)]

    def get(self, ruleset_id: str, *, on: dt.date | None = None,
            version: str | None = None) -> Ruleset:
        """One version: the one in force ``on`` a day (default today: never a version that
        starts later), or a named ``version``."""
        if on is not None and version is not None:
            raise ValueError("give either on= (a date) or version=, not both")
        versions = self._versions(ruleset_id)
        if version is not None:
            if version not in versions:
                hint = "" if SEMVER.match(version) else " (a version is written like 1.0.0)"
                raise RegistryError(f"ruleset '{ruleset_id}' has no version {version}{hint}; "
                                    f"versions: {', '.join(versions)}")
            return self._load(ruleset_id, version)
        if on is None:
            on = today()
        if isinstance(on, dt.datetime):
            on = on.date()
        loaded: list[Ruleset] = []
        broken: list[tuple[str, RulesetError]] = []
        for v in versions:  # one broken version must not stop the days it does not serve
            try:
                loaded.append(self._load(ruleset_id, v))
            except RulesetError as exc:
                broken.append((v, exc))
        found = in_force(loaded, on)
        # A broken file whose own dates cover the day is named first; one with unreadable dates
        # (it may or may not serve the day) after it.
        for v, err in sorted(broken, key=lambda b: _declared_effective(versions[b[0]]) is None):
            if _may_serve(versions[v], v, on, found):
                raise err
        if found is None:
            raise RegistryError(f"no version of '{ruleset_id}' is in force on {on.isoformat()}; "
                                "versions: " + ", ".join(_span(rs) for rs in loaded))
        return found


"""Loading a ruleset: read, validate and compile it — or revive it from the compile cache.

A file loaded before, unchanged, under the same bigclient and Python, is revived from its
snapshot (:mod:`bigclient.fused.cache`): no YAML parsing, no pydantic, no compiling, so
``import bigclient`` and ``load`` take milliseconds. The revived ruleset decides with the
very function the full compile wrote; the first call that needs more (an explanation, a
bad record's located error, pay, diff) compiles it in full, once (``Ruleset.__getattr__``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from bigclient.fused import cache
from bigclient.ruleset import Ruleset, from_located

_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")  # spec.SEMVER
_MAX_BYTES = 2_000_000  # language.source.MAX_BYTES: a bigger file takes the full path


def load_text(text: str, file: str = "<string>") -> Ruleset:
    rs = _revived(text, file)
    if rs is None:
        from bigclient.language.source import parse_text
        rs = from_located(parse_text(text, file))
        cache.save(rs, text, file)
    return rs


def load(path: str | Path, *, on: dt.date | None = None) -> Ruleset:
    """Load a ruleset file, or the version of a ruleset folder in force ``on`` (default:
    today; never a version that starts later). With a file, ``on`` checks it is in force.
    A file loaded before is revived from the compile cache."""
    p = Path(path)
    if p.is_dir():
        p = _pick(p, on)
    if on is None:
        text = _text(p)
        rs = _revived(text, str(p)) if text is not None else None
        if rs is not None and not (_SEMVER.match(p.stem) and p.stem != rs.version):
            return rs
    from bigclient.errors import RulesetError
    from bigclient.language.source import read_file
    from bigclient.spec import SEMVER
    from bigclient.versions import check_in_force, misnamed
    src = read_file(p)
    rs = from_located(src)
    if on is not None:
        check_in_force(rs, on)
    if SEMVER.match(p.stem) and p.stem != rs.version:
        raise RulesetError([misnamed(rs.source, p, rs.version)])
    if src.text:
        cache.save(rs, src.text, src.file)
    return rs


def _revived(text: str, file: str) -> Ruleset | None:
    rs: Ruleset = Ruleset.__new__(Ruleset)
    if not cache.revive(rs, text, file):
        return None
    rs.__dict__["_revived"] = (text, file)
    return rs


def _text(p: Path) -> str | None:
    """The file's text as ``read_file`` decodes it, or None for the full path to report."""
    try:
        with p.open("rb") as fh:
            raw = fh.read(_MAX_BYTES + 1)
        return raw.decode("utf-8-sig") if len(raw) <= _MAX_BYTES else None
    except (OSError, UnicodeDecodeError):
        return None


def _pick(folder: Path, on: dt.date | None) -> Path:
    from bigclient.errors import Problem, RulesetError
    from bigclient.i18n import _
    from bigclient.versions import pick, today, version_files
    if not version_files(folder):
        raise RulesetError([Problem(
            _("no version files (like 1.0.0.yaml) in folder {p}").format(p=folder),
            file=str(folder), code="BC001")])
    return pick(folder, on or today())

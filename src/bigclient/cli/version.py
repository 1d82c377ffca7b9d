"""``bigclient lock``, ``new-version``, ``init`` and ``--version``: the life of a version.

Plugged into ``bigclient`` by cli.py. Today's date is read here (the CLI boundary) and
passed down; nothing below reads the clock.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from pathlib import Path
from typing import Any

from bigclient.cli.common import parse_day
from bigclient.errors import RulesetError, UsageError
from bigclient.i18n import _
from bigclient.loading import load
from bigclient.spec import SEMVER
from bigclient.versions import today, version_files
from bigclient.workflow.lock import check_locks, write_lock
from bigclient.workflow.newversion import BUMPS, init_ruleset, new_version


def package_version() -> str:
    try:
        return _dist_version("bigclient")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown (not installed)"


def add_version_option(parser: argparse.ArgumentParser) -> None:
    """``bigclient --version``."""
    parser.add_argument("--version", action="version",
                        version=f"bigclient {package_version()} (Python {sys.version.split()[0]})")


def lock_problems(files: list[Path]) -> list[Any]:
    """What ``validate`` adds: released versions changed in place, or not locked yet."""
    return check_locks(files, today())


def _lock_targets(raw: str) -> tuple[Path, list[Path]]:

    p = Path(raw)
    if p.is_file() and SEMVER.match(p.stem):
        return p.parent, [p]
    if p.is_dir() and version_files(p):
        return p, version_files(p)
    raise UsageError(_("{path} is not a version file (like 1.0.0.yaml) or a folder of "
                       "them").format(path=p))


def cmd_lock(args: argparse.Namespace) -> int:
    """Record the hashes of released versions; every file must load first."""
    targets = [_lock_targets(raw) for raw in args.paths]
    problems: list[Any] = []
    for _folder, files in targets:
        for f in files:
            try:
                load(f)
            except RulesetError as exc:
                problems.extend(exc.problems)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(_("nothing locked: fix the errors above first"), file=sys.stderr)
        return 1
    for folder, files in targets:
        done = write_lock(folder, files, force=args.force)
        print(_("{lock}: {done}").format(lock=folder / "versions.lock", done=", ".join(done)))
    return 0


def cmd_new_version(args: argparse.Namespace) -> int:

    folder = Path(args.ruleset)
    if not folder.is_dir():
        raise UsageError(_("{path} is not a ruleset folder").format(path=folder))
    print(new_version(folder, start=args.start, part=args.bump, today=today()))
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    print(init_ruleset(Path(args.folder), args.id, args.start or today()))
    return 0


def add_commands(sub: Any) -> None:
    """Add ``lock``, ``new-version`` and ``init``."""
    p = sub.add_parser("lock", help=_("record released versions so validate flags later edits"),
                       description=_("Write versions.lock beside the version files: one hash "
                                     "per released version. bigclient validate reports a "
                                     "locked version whose rules changed (BC605)."))
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help=_("a version file, or a ruleset folder (every version in it)"))
    p.add_argument("--force", action="store_true",
                   help=_("re-lock a changed version (only for a reviewed correction)"))
    p.set_defaults(func=cmd_lock)

    p = sub.add_parser("new-version", help=_("copy the version in force into the next version"),
                       description=_("Copy the version in force the day before --from into "
                                     "a new version file, with the next version number and "
                                     "the new start date. The previous version is not edited."))
    p.add_argument("ruleset", metavar="RULESET", help=_("ruleset folder"))
    p.add_argument("--from", dest="start", type=parse_day, metavar="DATE",
                   help=_("first day of the new version (default: the first of next month)"))
    p.add_argument("--bump", choices=BUMPS, default="minor",
                   help=_("which part of the version number grows (default minor)"))
    p.set_defaults(func=cmd_new_version)

    p = sub.add_parser("init", help=_("start a new ruleset folder"),
                       description=_("Write a minimal valid ruleset (1.0.0.yaml) and a cases "
                                     "file that passes bigclient test."))
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument("--id", required=True, help=_("the ruleset id, e.g. shantou-postal"))
    p.add_argument("--from", dest="start", type=parse_day, metavar="DATE",
                   help=_("first day in force (default today)"))
    p.set_defaults(func=cmd_init)

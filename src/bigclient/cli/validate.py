"""``bigclient validate``: load and analyse ruleset files; exit 0 clean, 1 problems.

Notes (``info``) are facts about a ruleset that need no action, so the text and GitHub
formats show warnings and errors only unless ``-v`` or ``--min-severity info`` asks for
them; the summary line still counts every note. JSON shows everything by default: a
program reading it filters on ``severity`` itself. The exit code never depends on what is
shown: errors (and with ``--strict`` warnings) fail even when hidden.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bigclient.cli.common import SEVERITIES, print_problems, ruleset_files, use_colour
from bigclient.cli.version import lock_problems
from bigclient.i18n import _
from bigclient.workflow.analysis import check_files

DEFAULT_MIN_SEVERITY = {"text": "warning", "github": "warning", "json": "info"}
"""What each format shows without ``-v`` or ``--min-severity``."""


def min_severity(args: argparse.Namespace) -> str:
    if args.verbose:
        return "info"
    return str(args.min_severity or DEFAULT_MIN_SEVERITY[args.format])


def summary(files: int, problems: list[Any], shown: list[Any]) -> str:
    """``2 file(s) checked: 0 error(s), 1 warning(s), 6 note(s) (shown with -v)``: every
    problem counted, and how to see the ones left out."""
    count = {s: sum(1 for p in problems if p.severity == s) for s in SEVERITIES}
    count["error"] = len(problems) - count["info"] - count["warning"]
    hidden = {s: count[s] - sum(1 for p in shown if p.severity == s) for s in SEVERITIES}
    warnings = _("{n} warning(s)").format(n=count["warning"])
    if hidden["warning"]:
        warnings += " " + _("(shown with --min-severity warning)")
    notes = _("{n} note(s)").format(n=count["info"])
    if hidden["info"]:
        notes += " " + _("(shown with -v)")
    return _("{files} file(s) checked: {errors} error(s), {warnings}, {notes}").format(
        files=files, errors=count["error"], warnings=warnings, notes=notes)


def cmd_validate(args: argparse.Namespace) -> int:
    files = ruleset_files(args.paths)
    problems = check_files(files)
    problems += lock_problems(files)  # released versions edited in place (versions.lock)
    shown = print_problems(problems, args.format, min_severity=min_severity(args),
                           colour=args.format == "text" and use_colour(args.color, sys.stdout))
    if args.format == "text":
        print(summary(len(files), problems, shown), file=sys.stderr)
    errors = [p for p in problems if p.severity not in ("warning", "info")]
    warnings = [p for p in problems if p.severity == "warning"]
    if errors or (args.strict and warnings):
        return 1
    return 0


def add_command(sub: Any) -> None:
    p = sub.add_parser("validate", help="check ruleset files; exit 0 clean, 1 problems")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=("text", "json", "github"), default="text",
                   help="text (default), json (every finding, notes too) or github "
                   "(workflow annotations)")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument("-v", "--verbose", action="store_true",
                       help="show notes (info) too; same as --min-severity info")
    shown.add_argument("--min-severity", choices=SEVERITIES, default=None,
                       help="show findings of this severity and above (default: warning "
                       "for text and github, info for json); the summary counts all")
    p.add_argument("--color", "--colour", dest="color", choices=("auto", "always", "never"),
                   default="auto", help="colour the severities (default auto: on a "
                   "terminal, unless NO_COLOR is set)")
    p.set_defaults(func=cmd_validate)

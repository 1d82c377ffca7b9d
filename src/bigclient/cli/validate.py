"""``bigclient validate``: load and analyse ruleset files; exit 0 clean, 1 problems."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bigclient.cli.common import print_problems, ruleset_files
from bigclient.cli.version import lock_problems
from bigclient.workflow.analysis import check_files


def cmd_validate(args: argparse.Namespace) -> int:
    files = ruleset_files(args.paths)
    problems = check_files(files)
    problems += lock_problems(files)  # released versions edited in place (versions.lock)
    print_problems(problems, args.format)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if args.format == "text":
        print(f"{len(files)} file(s) checked: {len(errors)} error(s), {len(warnings)} "
              f"warning(s), {len(problems) - len(errors) - len(warnings)} note(s)",
              file=sys.stderr)
    if errors or (args.strict and warnings):
        return 1
    return 0


def add_command(sub: Any) -> None:
    p = sub.add_parser("validate", help="check ruleset files; exit 0 clean, 1 problems")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=("text", "json", "github"), default="text")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.set_defaults(func=cmd_validate)

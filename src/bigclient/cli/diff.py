"""``bigclient diff``: what changed between two versions in policy words, and with
--input whom it moves (text, JSON, and a self-contained HTML report)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

from bigclient.cli.common import load_context, load_for_cli
from bigclient.errors import UsageError
from bigclient.loading import load
from bigclient.ruleset import Ruleset
from bigclient.spec import SEMVER
from bigclient.tables import read_records
from bigclient.tables.display import Progress
from bigclient.versions import version_files
from bigclient.workflow.diff import diff_rulesets
from bigclient.workflow.impact import dates, impact, render_text, report_dict
from bigclient.workflow.registry import in_force
from bigclient.workflow.report import render_html

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def resolve(ref: str) -> Ruleset:
    """A ruleset file, a folder (in force today), ``folder@1.1.0`` or ``folder@2009-06-30``."""
    path = Path(ref)
    if path.is_file():
        return load(path)
    folder_text, sep, which = ref.rpartition("@")
    if not sep:
        if path.is_dir():
            return load_for_cli(path)  # the version in force today, announced on stderr
        raise UsageError(f"no such ruleset file or folder: {ref}")
    folder = Path(folder_text)
    if not folder.is_dir():
        raise UsageError(f"no such ruleset folder: {folder_text} (in {ref})")
    files = {p.stem: p for p in version_files(folder)}
    if SEMVER.match(which):
        if which not in files:
            raise UsageError(f"{folder} has no version {which}; versions: "
                             + (", ".join(files) or "none"))
        return load(files[which])
    if _DATE.match(which):
        try:
            day = dt.date.fromisoformat(which)
        except ValueError:
            raise UsageError(f"'{which}' is not a date (in {ref})") from None
        versions = [load(p) for p in files.values()]
        found = in_force(versions, day)
        if found is None:
            raise UsageError(f"no version in {folder} is in force on {which}; versions: "
                             + ", ".join(f"{rs.version} ({dates(rs)})" for rs in versions))
        return found
    raise UsageError(f"after '@' write a version like 1.1.0 or a date like 2009-06-30, "
                     f"found '{which}'")


def cmd_diff(args: argparse.Namespace) -> int:
    """``bigclient diff``: the changes, and with --input the impact; exit 0."""
    old, new = resolve(args.old), resolve(args.new)
    changes = diff_rulesets(old, new)
    imp = None
    in_path = Path(args.input) if args.input else None
    if in_path is not None:
        if not in_path.is_file():
            raise UsageError(f"input file not found: {in_path}")
        context = load_context(args, in_path)
        progress = Progress(sys.stderr)  # a bar with total and time left on a terminal only
        try:
            imp = impact(old, new, read_records(in_path, args.encoding, progress=progress),
                         context)
        except BaseException:
            progress.clear()  # the error goes on a clean line
            raise
        progress.done()
    if args.format == "json":
        print(json.dumps(report_dict(old, new, changes, imp), ensure_ascii=False, indent=2))
    else:
        print(render_text(old, new, changes, imp, args.lang, args.movers,
                          str(in_path) if in_path else ""))
    if args.html:
        out = Path(args.html)
        stamp = f"{old.file} → {new.file}" + (f" · {in_path}" if in_path else "")
        out.write_text(render_html(old, new, changes, imp, str(in_path or ""), stamp),
                       encoding="utf-8")
        print(f"HTML report written to {out}", file=sys.stderr)
    return 0


def add_command(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "diff", help="what changed between two ruleset versions, and who changes tier",
        description="Compare two ruleset versions in policy words; with --input, decide "
        "every client with both and report the tier migration.")
    for name, when in (("old", "the version in force before"), ("new", "the revision")):
        p.add_argument(name, metavar=name.upper(),
                       help=f"{when}: a version file, a ruleset folder (in force today), "
                       "FOLDER@1.1.0 or FOLDER@2009-06-30 (the version in force that day)")
    p.add_argument("--input", metavar="FILE", help="clients (.csv or .jsonl) to measure the "
                   "impact on")
    p.add_argument("--encoding", default="utf-8",
                   help="text encoding of a CSV --input (default UTF-8, with or without "
                   "BOM; e.g. gbk for Excel's plain CSV)")
    p.add_argument("--context", metavar="FILE",
                   help="context values (YAML); default: context.yaml beside --input")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="one context value, e.g. --set bureau_revenue=2亿")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--movers", type=int, default=20, metavar="N",
                   help="list at most N movers in the text report (default 20)")
    p.set_defaults(func=cmd_diff)

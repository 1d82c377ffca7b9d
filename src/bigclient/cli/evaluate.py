"""``bigclient evaluate``: decide every client of a file; bad rows named, the run goes on
(the reading, checking and writing of the files lives in :mod:`bigclient.tables`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bigclient.cli.common import add_context_options, add_on_option, load_context, load_for_cli
from bigclient.errors import UsageError
from bigclient.tables import evaluate_file


def cmd_evaluate(args: argparse.Namespace) -> int:
    in_path = Path(args.input)
    if not in_path.is_file():
        raise UsageError(f"input file not found: {in_path}")
    rs = load_for_cli(args.ruleset, args.on)
    ctx = rs.read_context(load_context(args, in_path))
    return evaluate_file(rs, in_path, Path(args.output) if args.output else None, ctx,
                         keep=args.keep or (), encoding=args.encoding, sheet=args.sheet)


def add_command(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="decide every client of a CSV, JSON Lines, .xlsx "
                       "or Parquet file")
    p.add_argument("ruleset", metavar="RULESET", help="ruleset folder or version file")
    p.add_argument("input", metavar="INPUT", help="clients, .csv, .jsonl, .xlsx or .parquet")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="write here (.csv, .jsonl, .xlsx or .parquet); default: CSV to the "
                   "screen")
    p.add_argument("--encoding", default="utf-8",
                   help="text encoding of a CSV INPUT (default UTF-8, with or without "
                   "BOM; e.g. gbk for Excel's plain CSV)")
    p.add_argument("--keep", action="append", metavar="COLUMN",
                   help="a column that identifies the client (not an input): copied to "
                   "the output; repeat for several")
    p.add_argument("--sheet", metavar="NAME", help="the sheet of an .xlsx INPUT "
                   "(default: the first)")
    p.set_defaults(func=cmd_evaluate)
    add_context_options(p)
    add_on_option(p)

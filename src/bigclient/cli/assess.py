"""``bigclient assess``: score every subject of a facts file on a scorecard (D-26, D-27).

Every bad row is reported with its row number and nothing is written: a scorecard file
with a row left out would rank the remaining outlets as if it were complete."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bigclient.cli.common import add_on_option, load_for_cli
from bigclient.errors import EvaluationError, InputError, UsageError
from bigclient.i18n import _
from bigclient.language.amounts import format_amount
from bigclient.tables import read_records
from bigclient.tables.read import JSONL_SUFFIXES
from bigclient.tables.write import Output


def cmd_assess(args: argparse.Namespace) -> int:
    in_path = Path(args.facts)
    if not in_path.is_file():
        raise UsageError(_("input file not found: {file}").format(file=in_path))
    out_path = Path(args.output) if args.output else None
    if args.json and out_path is not None and out_path.suffix.lower() not in JSONL_SUFFIXES:
        raise UsageError(_("--json writes JSON Lines: name the output .jsonl, not {file}")
                         .format(file=out_path))
    rs = load_for_cli(args.ruleset, args.on)
    section = rs.section("scorecards")
    if section is None:
        raise UsageError(_("{id} {version} ({file}) has no 'scorecards:' section").format(
            id=rs.id, version=rs.version, file=rs.file))
    card = section.card(args.scorecard)
    results: list[Any] = []
    bad: list[str] = []
    rows = 0
    for n, record, error in read_records(in_path, args.encoding, args.sheet):
        rows += 1
        if record is None or error:
            bad.append(error)
            continue
        try:
            results.append(rs.assess(card.id, record, args.period, row=n))
        except (InputError, EvaluationError) as exc:
            bad.append(str(exc))
    if bad:
        for line in bad:
            print(line, file=sys.stderr)
        print(_("{bad} of {rows} rows could not be assessed; nothing was written").format(
            bad=len(bad), rows=rows), file=sys.stderr)
        return 1
    identity = list(card.spec.identity)
    parts = [p.id for p in card.spec.parts]
    columns = [*identity, *(["period"] if args.period else []), "total", *parts, "grade"]
    out = Output(out_path, columns, in_path)
    if args.json:
        out.kind = "jsonl"
    with out:
        for r in results:
            row = {**{k: r.identity.get(k) for k in identity}, "period": r.period,
                   "total": format_amount(r.total), "grade": r.grade,
                   **{p.id: format_amount(p.points) for p in r.parts}}
            out.write(row, r.to_dict())
    if out_path is not None:
        print(_("{n} assessed on {card}, written to {file}").format(
            n=len(results), card=card.id, file=out_path), file=sys.stderr)
    return 0


def add_command(sub: Any) -> None:
    p = sub.add_parser("assess", help=_("score every subject of a file on a scorecard "
                                        "(D-26, D-27)"),
                       description=_("Score each row of a facts file (an outlet, a city "
                                     "bureau) on one of the ruleset's scorecards: one row "
                                     "out per subject with the total, each part and the "
                                     "grade. A bad row stops the run: every bad row is "
                                     "listed and nothing is written."))
    p.add_argument("ruleset", metavar="RULESET", help=_("ruleset folder or version file"))
    p.add_argument("facts", metavar="FACTS",
                   help=_("facts, one subject per row (.csv, .jsonl or .xlsx); identity "
                          "columns the scorecard declares (e.g. outlet) are copied"))
    p.add_argument("--scorecard", metavar="ID",
                   help=_("the scorecard to use; needed when the ruleset has several"))
    p.add_argument("--period", metavar="P", help=_("the period assessed, e.g. 2014-03; "
                                                   "copied to the output"))
    p.add_argument("-o", "--output", metavar="OUT",
                   help=_("write here (.csv, .jsonl or .xlsx); default: CSV to the screen"))
    p.add_argument("--json", action="store_true",
                   help=_("write every scorecard in full as JSON Lines, items included"))
    p.add_argument("--encoding", default="utf-8",
                   help=_("text encoding of CSV files (default UTF-8; e.g. gbk)"))
    p.add_argument("--sheet", metavar="NAME",
                   help=_("the sheet of an .xlsx FACTS file (default: the first)"))
    p.set_defaults(func=cmd_assess)
    add_on_option(p)

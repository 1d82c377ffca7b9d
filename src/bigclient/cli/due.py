"""``bigclient due``: which big clients must be contacted on a day (D-20), from a client
file and a contact log. Every bad row of either file is reported, with its row number,
before anything is listed: a half-read contact log would make clients look overdue."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bigclient.cli.common import load_for_cli, parse_day
from bigclient.errors import UsageError
from bigclient.i18n import _
from bigclient.sections.contacts.report import render_text
from bigclient.sections.contacts.rows import ContactDataError, RowProblem
from bigclient.tables import read_records
from bigclient.versions import today as clock_today


def _rows(path: Path, encoding: str, problems: list[RowProblem]) -> list[tuple[int, Any]]:
    """The file's good rows, numbered as the file numbers them; bad ones become problems."""
    if not path.is_file():
        raise UsageError(_("input file not found: {file}").format(file=path))
    rows: list[tuple[int, Any]] = []
    for n, record, error in read_records(path, encoding):
        if record is None or error:
            problems.append(RowProblem(path.name, n, "", error))
        else:
            rows.append((n, {k: v for k, v in record.items()}))
    return rows


def cmd_due(args: argparse.Namespace) -> int:
    day = args.today or clock_today()  # the one place this verb reads the clock
    rs = load_for_cli(args.ruleset, day)
    section = rs.section("contacts")
    if section is None:
        raise UsageError(_("{id} {version} ({file}) has no 'contacts:' section, so no contact "
                           "is ever due").format(id=rs.id, version=rs.version, file=rs.file))
    clients_path, contacts_path = Path(args.clients), Path(args.contacts)
    problems: list[RowProblem] = []
    clients = _rows(clients_path, args.encoding, problems)
    contacts = _rows(contacts_path, args.encoding, problems)
    tables = (clients_path.name, contacts_path.name)
    try:
        report = section.due(clients, contacts, day, tables=tables)
    except ContactDataError as exc:
        problems.extend(exc.problems)
    if problems:
        order = {name: i for i, name in enumerate(tables)}
        problems.sort(key=lambda p: (order.get(p.table, 0), p.row))
        raise ContactDataError(problems)
    text = (json.dumps({"ruleset": rs.id, "version": rs.version, **report.to_dict()},
                       ensure_ascii=False, indent=2) + "\n"
            if args.json else render_text(report, args.lang))
    if args.output:
        _write(Path(args.output), text)
        print(_("written to {file}").format(file=args.output), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a temporary file beside ``path``, renamed into place."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(_("cannot write {file}: the folder {folder} does not exist").format(
            file=path, folder=folder))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_command(sub: Any) -> None:
    p = sub.add_parser("due", help=_("list the big clients due for a contact (D-20)"),
                       description=_("List overdue and soon-due contacts and today's "
                                     "occasions (birthdays, maturities) from a client file "
                                     "and a contact log."))
    p.add_argument("ruleset", metavar="RULESET", help=_("ruleset folder or version file"))
    p.add_argument("clients", metavar="CLIENTS",
                   help=_("clients: client_key, cadence, and optionally since, birthday, "
                          "maturities, name (.csv, .jsonl or .xlsx)"))
    p.add_argument("contacts", metavar="CONTACTS",
                   help=_("contacts made: client_key, by, on, and optionally kind, note"))
    p.add_argument("--today", type=parse_day, metavar="DATE",
                   help=_("the day to report on (YYYY-MM-DD); default: today's date"))
    p.add_argument("--json", action="store_true", help=_("write JSON instead of text"))
    p.add_argument("-o", "--output", metavar="FILE", help=_("write to FILE, not the screen"))
    p.add_argument("--encoding", default="utf-8",
                   help=_("text encoding of CSV files (default UTF-8; e.g. gbk)"))
    p.set_defaults(func=cmd_due)

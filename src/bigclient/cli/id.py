"""``bigclient id ...``: read, allocate, import and look after big-client IDs from a shell.

Allocation prints the compact ID alone on stdout (so scripts can capture it) and says in
words on stderr what happened; an idempotency key that was used before prints the same ID.
A ledger is made only by ``bigclient id init`` (D-12: a lost file never starts afresh); for
a ruleset without an ``ids:`` section it makes a records ledger (claims and concessions),
which every ID verb here refuses in the same words.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bigclient.cli.common import plain_errors, who
from bigclient.errors import BigClientError
from bigclient.i18n import _
from bigclient.sections.ids.scheme import DEFAULT_SCHEME, ClientId, IdScheme

DEFAULT_LEDGER = "./bigclient.db"


def _ruleset_of(path: str) -> tuple[str, IdScheme | None]:
    """The ruleset id and its ID scheme (None when it has no ``ids:`` section)."""
    from bigclient.loading import load

    rs = load(path)
    scheme = rs.ids
    if scheme is not None and not isinstance(scheme, IdScheme):  # pragma: no cover
        raise BigClientError(f"the ruleset {path} gave an ID scheme bigclient cannot use")
    return rs.id, scheme


def _ruleset(path: str) -> tuple[str, IdScheme]:
    """The ruleset id and its ID scheme; an error when it has no ``ids:`` section."""
    rs_id, scheme = _ruleset_of(path)
    if scheme is None:
        raise BigClientError(_("the ruleset {ruleset} ({id}) has no 'ids:' section, so it has "
                               "no ID scheme: its ledger records claims and concessions, not "
                               "IDs. To make IDs, add an ids: section (docs/ids.md)").format(
            ruleset=path, id=rs_id))
    return rs_id, scheme



def _open(args: argparse.Namespace, *, stale_ok: bool = False) -> tuple[Any, IdScheme]:
    """The ledger of ``--ledger`` (a file, or a ``postgresql://`` URL) and the scheme to use:
    ``--ruleset``'s (checked against the ledger) or, without one, the scheme the ledger was
    created with."""
    from bigclient.ledger import SqliteLedger, open_ledger
    from bigclient.ledger.locate import is_postgres

    if args.ruleset:
        rs_id, scheme = _ruleset(args.ruleset)
        if is_postgres(args.ledger):
            return open_ledger(args.ledger, ruleset=rs_id, scheme=scheme), scheme
        return SqliteLedger(args.ledger, ruleset=rs_id, scheme=scheme, stale_ok=stale_ok), scheme
    ledger = (open_ledger(args.ledger) if is_postgres(args.ledger)
              else SqliteLedger(args.ledger, stale_ok=stale_ok))
    return ledger, ledger.scheme()


def _sqlite_only(target: str, verb: str, instead: str) -> None:
    """Refuse a PostgreSQL URL for a verb that works on SQLite files only, saying why."""
    from bigclient.ledger.locate import is_postgres

    if is_postgres(target):
        raise BigClientError(_("`bigclient id {verb}` works on SQLite ledger files only; for "
                               "a PostgreSQL ledger {instead}").format(verb=verb,
                                                                     instead=instead))



def _describe(cid: ClientId) -> dict[str, Any]:
    return {"id": cid.compact, "display": cid.format(), "region": cid.region,
            "sequence": cid.sequence, "branch": cid.branch,
            "is_headquarters": cid.is_headquarters, "headquarters": cid.headquarters.compact}


@plain_errors
def cmd_parse(args: argparse.Namespace) -> int:
    """Print each ID's layers; exit 1 if any is invalid (all are still reported)."""
    scheme = _ruleset(args.ruleset)[1] if args.ruleset else DEFAULT_SCHEME
    ledger = None
    if args.ledger:
        from bigclient.ledger import open_ledger
        from bigclient.ledger.base import no_id_scheme
        ledger = open_ledger(args.ledger)
        serves = ledger.info()
        if serves.scheme is None:
            ledger.close()
            raise no_id_scheme(args.ledger, serves.ruleset)
    bad = 0
    for text in args.ids:
        try:
            cid = ClientId.parse(text, scheme)
        except BigClientError as exc:
            bad += 1
            print(f"bigclient: {text!r} is not a valid ID ({type(exc).__name__}): {exc}",
                  file=sys.stderr)
            continue
        info = _describe(cid)
        if ledger is not None:
            rec = ledger.get(cid.compact)
            info["allocated"] = None if rec is None else {"by": rec.by, "at": rec.at,
                                                          "key": rec.key}
        if args.json:
            print(json.dumps(info, ensure_ascii=False))
            continue
        role = "headquarters" if cid.is_headquarters else "branch"
        line = (f"{cid.compact}  {cid.format()}  region {cid.region}  sequence {cid.sequence}  "
                f"branch {cid.branch} ({role})  headquarters {cid.headquarters.compact}")
        if ledger is not None:
            rec_info = info["allocated"]
            line += ("  not in ledger" if rec_info is None else
                     f"  allocated by {rec_info['by']} at {rec_info['at']}")
        print(line)
    if ledger is not None:
        ledger.close()
    return 1 if bad else 0


def _allocate(args: argparse.Namespace, branch: bool) -> int:
    from bigclient.ledger import IdAllocator

    ledger, scheme = _open(args)
    with ledger:
        alloc = IdAllocator(scheme, ledger)
        by = who(args.by)
        before = ledger.get_by_key(args.key)
        if branch:
            cid = alloc.new_branch(args.headquarters, key=args.key, by=by)
        else:
            cid = alloc.new_client(args.region, key=args.key, by=by)
    print(cid.compact)
    if before is not None:
        note = (f"already allocated for key {args.key!r} by {before.by} at {before.at}; "
                "same ID returned")
    else:
        note = f"allocated for key {args.key!r}"
    print(f"{cid.format()}  {note}", file=sys.stderr)
    return 0


@plain_errors
def cmd_new(args: argparse.Namespace) -> int:
    """Allocate a new client (headquarters) ID in a division."""
    return _allocate(args, branch=False)


@plain_errors
def cmd_branch(args: argparse.Namespace) -> int:
    """Allocate the next branch ID under a headquarters ID."""
    return _allocate(args, branch=True)


@plain_errors
def cmd_init(args: argparse.Namespace) -> int:
    """Create a new, empty ledger for a ruleset (never over an existing file); a ruleset
    without ``ids:`` gets a records ledger, for its claims and concessions."""
    from bigclient.ledger import PostgresLedger, create_ledger

    rs_id, scheme = _ruleset_of(args.ruleset)
    with create_ledger(args.ledger, ruleset=rs_id, scheme=scheme) as ledger:
        info = ledger.info()
        if scheme is None:
            how = (f"pg_dump -n {ledger.schema}"
                   if isinstance(ledger, PostgresLedger) else "`bigclient id backup`")
            print(_("created the records ledger {path} for ruleset {ruleset}, which has no ID "
                    "scheme: it records claims and concessions, not IDs; back it up with "
                    "{how}").format(path=ledger if isinstance(ledger, PostgresLedger)
                                    else args.ledger, ruleset=info.ruleset, how=how),
                  file=sys.stderr)
            return 0
        if isinstance(ledger, PostgresLedger):
            print(_("created the ledger {path} for ruleset {ruleset} (IDs of {scheme}) in "
                    "schema {schema}; back it up with pg_dump -n {schema}").format(
                path=ledger, ruleset=info.ruleset, scheme=info.scheme, schema=ledger.schema),
                file=sys.stderr)
            return 0
    print(_("created the ledger {path} for ruleset {ruleset} (IDs of {scheme}); back it up "
            "with `bigclient id backup`").format(path=args.ledger, ruleset=info.ruleset,
                                                 scheme=info.scheme), file=sys.stderr)
    return 0


@plain_errors
def cmd_import(args: argparse.Namespace) -> int:
    """Record IDs issued before bigclient; all rows or none."""
    from bigclient.ledger import import_csv

    _sqlite_only(args.ledger, "import", _(
        "import into a SQLite ledger and move the rows with your database tools, or allocate "
        "through the API"))
    ledger, scheme = _open(args, stale_ok=True)
    with ledger:
        result = import_csv(ledger, args.file, by=who(args.by), scheme=scheme,
                            encoding=args.encoding)
        problems = ledger.check_integrity()
    nxt = ", ".join(f"{region} {n:0{scheme.sequence.width}d}"
                    for region, n in result.next_sequence.items()) or "-"
    print(_("imported {added} ID(s) from {file}; {already} were already in the ledger. Next "
            "sequence per division: {next}").format(added=result.added, file=args.file,
                                                   already=result.already, next=nxt),
          file=sys.stderr)
    for problem in problems:  # e.g. still behind its high-water mark: say so, exit 1
        print(f"bigclient: {problem}", file=sys.stderr)
    return 1 if problems else 0


@plain_errors
def cmd_backup(args: argparse.Namespace) -> int:
    """Copy a ledger safely (SQLite backup API, the -wal included)."""
    from bigclient.ledger import SqliteLedger

    _sqlite_only(args.ledger, "backup", _(
        "use the server's backups: pg_dump -n SCHEMA, or continuous archiving"))
    with SqliteLedger(args.ledger, stale_ok=True) as ledger:
        result = ledger.backup(args.dest)
    print(_("backed up ledger {path} (ruleset {ruleset}, allocations: {count}) to {dest}").format(
        path=args.ledger, ruleset=result.ruleset, count=result.generation, dest=result.path),
        file=sys.stderr)
    return 0


@plain_errors
def cmd_restore(args: argparse.Namespace) -> int:
    """Put a backup back in place; refused if the ledger is still there."""
    from pathlib import Path

    from bigclient.ledger.restore import restore

    _sqlite_only(args.ledger, "restore", _("use pg_restore into an empty schema"))
    with restore(Path(args.backup), Path(args.ledger)) as ledger:
        info = ledger.info()
    print(_("restored {path} from {backup}: ruleset {ruleset}, {count} allocations, up to date "
            "with its high-water mark").format(path=args.ledger, backup=args.backup,
                                               ruleset=info.ruleset, count=info.generation),
          file=sys.stderr)
    return 0


@plain_errors
def cmd_check(args: argparse.Namespace) -> int:
    """Report every problem of a ledger file; exit 1 if there is any."""
    from bigclient.ledger import PostgresLedger
    from bigclient.ledger.locate import is_postgres
    from bigclient.ledger.restore import check_file

    if is_postgres(args.ledger):
        try:
            with PostgresLedger(args.ledger) as ledger:
                problems = ledger.check_integrity()
        except BigClientError as exc:
            problems = [str(exc)]
    else:
        problems = check_file(args.ledger)
    for problem in problems:
        print(f"bigclient: {problem}", file=sys.stderr)
    if not problems:
        print(_("{path}: no problems found").format(path=args.ledger), file=sys.stderr)
    return 1 if problems else 0


def add_command(subparsers: Any) -> None:
    """Add ``id init|new|branch|parse|import|backup|restore|check`` to the ``bigclient`` command."""
    p = subparsers.add_parser("id", help=_("allocate, import, check and back up big-client IDs"),
                              usage="bigclient id COMMAND [ARGS]",
                              description=_("Big-client IDs (D-11) and the ledger that hands "
                                            "each out once (D-12). Start with `bigclient id "
                                            "init LEDGER --ruleset RULESET`; `bigclient id "
                                            "COMMAND --help` explains each command."))
    sub = p.add_subparsers(dest="id_command", required=True, title="commands",
                           metavar="COMMAND")
    ledger_help = _("the ledger file, or a postgresql://user@host/db URL (default "
                    "{path})").format(path=DEFAULT_LEDGER)

    pi = sub.add_parser("init", help=_("create a new ledger for a ruleset"),
                        usage="bigclient id init LEDGER --ruleset RULESET",
                        description=_("Create a new, empty ledger for a ruleset's ID scheme; "
                                      "for a ruleset without an ids: section, a records "
                                      "ledger that keeps its claims and concessions and makes "
                                      "no IDs. Refused when LEDGER exists, or when a ledger lived "
                                      "there before (its .hwm file remains). LEDGER may be a "
                                      "postgresql://user@host/db URL: the ledger is then a "
                                      "schema in that database (docs/howto/postgres.md)."))
    pi.add_argument("ledger", metavar="LEDGER", help=_("path of the new ledger file, or a "
                                                       "postgresql://user@host/db URL"))
    pi.add_argument("--ruleset", required=True, help=_("ruleset file or folder (without an "
                                                       "ids: section: a records ledger)"))
    pi.set_defaults(func=cmd_init)

    pn = sub.add_parser("new", help=_("allocate a new client ID in a division"),
                        usage="bigclient id new --ruleset RULESET --region CODE --key KEY "
                              "[--by NAME] [--ledger LEDGER]",
                        description=_("Allocate a new client (headquarters) ID; the same "
                                      "--key always gives the same ID."))
    pn.add_argument("--ruleset", required=True, help=_("ruleset file or folder with an ids: "
                                                       "section"))
    pn.add_argument("--region", required=True, metavar="CODE",
                    help=_("division code, e.g. 440507"))
    pn.add_argument("--key", required=True, help=_("idempotency key, e.g. your request id"))
    pn.add_argument("--by", metavar="NAME", help=_("who allocates (default: your user name)"))
    pn.add_argument("--ledger", metavar="LEDGER", default=DEFAULT_LEDGER, help=ledger_help)
    pn.set_defaults(func=cmd_new)

    pb = sub.add_parser("branch", help=_("allocate the next branch ID of a client"),
                        usage="bigclient id branch HQ_ID --key KEY [--by NAME] "
                              "[--ruleset RULESET] [--ledger LEDGER]",
                        description=_("Allocate the next branch ID under a headquarters ID; "
                                      "the same --key always gives the same ID."))
    pb.add_argument("headquarters", metavar="HQ_ID", help=_("the headquarters ID (ends in 000)"))
    pb.add_argument("--key", required=True, help=_("idempotency key, e.g. your request id"))
    pb.add_argument("--by", metavar="NAME", help=_("who allocates (default: your user name)"))
    pb.add_argument("--ruleset", help=_("check against this ruleset (default: the ID scheme "
                                        "the ledger was created with)"))
    pb.add_argument("--ledger", metavar="LEDGER", default=DEFAULT_LEDGER, help=ledger_help)
    pb.set_defaults(func=cmd_branch)

    ps = sub.add_parser("parse", help=_("check IDs and show their layers"),
                        usage="bigclient id parse ID... [--ruleset RULESET] [--ledger LEDGER] "
                              "[--json]",
                        description=_("Check IDs and show their layers; exit 1 if any is "
                                      "invalid. Quote an ID typed with spaces."))
    ps.add_argument("ids", nargs="+", metavar="ID")
    ps.add_argument("--ruleset", help=_("check against this ruleset's ID scheme (allowed "
                                        "divisions, check character)"))
    ps.add_argument("--ledger", metavar="LEDGER", help=_("also say who allocated each ID (a "
                                                         "file or a postgresql:// URL)"))
    ps.add_argument("--json", action="store_true", help=_("one JSON object per ID"))
    ps.set_defaults(func=cmd_parse)

    pm = sub.add_parser("import", help=_("record IDs issued before bigclient (CSV)"),
                        usage="bigclient id import FILE [--ledger LEDGER] [--ruleset RULESET] "
                              "[--by NAME] [--encoding ENC]",
                        description=_("Record IDs a bureau issued before bigclient, so new "
                                      "sequences continue above them. FILE is CSV with the "
                                      "columns id (required), key, by, at (docs/ids.md). "
                                      "Every problem is reported with its row and nothing is "
                                      "imported until there are none; importing the same "
                                      "file again changes nothing."))
    pm.add_argument("file", metavar="FILE", help=_("the CSV file of IDs"))
    pm.add_argument("--ledger", metavar="LEDGER", default=DEFAULT_LEDGER, help=ledger_help)
    pm.add_argument("--ruleset", help=_("check IDs against this ruleset (default: the ID "
                                        "scheme the ledger was created with)"))
    pm.add_argument("--by", metavar="NAME", help=_("recorded for rows without a 'by' "
                                                   "(default: your user name)"))
    pm.add_argument("--encoding", metavar="ENC", default="utf-8-sig",
                    help=_("text encoding of FILE (default UTF-8; e.g. gbk for Excel)"))
    pm.set_defaults(func=cmd_import)

    pk = sub.add_parser("backup", help=_("copy a ledger safely, -wal file included"),
                        usage="bigclient id backup LEDGER DEST",
                        description=_("Copy a ledger with SQLite's backup API while services "
                                      "keep allocating. A plain file copy can miss the newest "
                                      "IDs, which live in the -wal file. DEST must not exist."))
    pk.add_argument("ledger", metavar="LEDGER", help=_("the ledger file"))
    pk.add_argument("dest", metavar="DEST", help=_("the backup file to write"))
    pk.set_defaults(func=cmd_backup)

    pr = sub.add_parser("restore", help=_("put a backup back as the ledger"),
                        usage="bigclient id restore BACKUP LEDGER",
                        description=_("Put a backup made by `id backup` back as LEDGER. "
                                      "Stop the services and move LEDGER and its -wal and "
                                      "-shm files aside first. Refused (and left for `id "
                                      "import` to complete) when the ledger had handed out "
                                      "IDs after the backup was taken."))
    pr.add_argument("backup", metavar="BACKUP", help=_("the backup file"))
    pr.add_argument("ledger", metavar="LEDGER", help=_("where the ledger lives"))
    pr.set_defaults(func=cmd_restore)

    pc = sub.add_parser("check", help=_("check a ledger file for damage"),
                        usage="bigclient id check LEDGER",
                        description=_("Check a ledger: SQLite's integrity check, counters, "
                                      "and its high-water mark (an old backup or a copy "
                                      "without its -wal file). Exit 1 if anything is wrong."))
    pc.add_argument("ledger", metavar="LEDGER", help=_("the ledger file or postgresql:// URL"))
    pc.set_defaults(func=cmd_check)

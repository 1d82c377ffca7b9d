"""``bigclient id parse|new|branch``: read and allocate big-client IDs from a shell.

Allocation prints the compact ID alone on stdout (so scripts can capture it) and says in
words on stderr what happened; an idempotency key that was used before prints the same ID.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from bigclient.errors import BigClientError
from bigclient.sections.ids.scheme import DEFAULT_SCHEME, ClientId, IdScheme

DEFAULT_LEDGER = "./bigclient.db"


def _scheme(ruleset: str | None) -> IdScheme:
    if ruleset is None:
        return DEFAULT_SCHEME
    from bigclient.ruleset import load

    scheme = load(ruleset).ids
    if scheme is None:
        raise BigClientError(f"the ruleset {ruleset} has no 'ids:' section, so it does not say "
                             "how IDs are made; add one (see docs/ids.md)")
    if not isinstance(scheme, IdScheme):  # pragma: no cover - loader contract
        raise BigClientError(f"the ruleset {ruleset} gave an ID scheme bigclient cannot use")
    return scheme


def _who(name: str | None) -> str:
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "bigclient-cli"


def _describe(cid: ClientId) -> dict[str, Any]:
    return {"id": cid.compact, "display": cid.format(), "region": cid.region,
            "sequence": cid.sequence, "branch": cid.branch,
            "is_headquarters": cid.is_headquarters, "headquarters": cid.headquarters.compact}


def cmd_parse(args: argparse.Namespace) -> int:
    """Print each ID's layers; exit 1 if any is invalid (all are still reported)."""
    try:
        scheme = _scheme(args.ruleset)
        ledger = None
        if args.ledger:
            from bigclient.ledger import SqliteLedger
            ledger = SqliteLedger(args.ledger, create=False)
    except BigClientError as exc:
        print(f"bigclient: {exc}", file=sys.stderr)
        return 1
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
    from bigclient.ledger import IdAllocator, SqliteLedger

    try:
        scheme = _scheme(args.ruleset)
        with SqliteLedger(args.ledger) as ledger:
            alloc = IdAllocator(scheme, ledger)
            by = _who(args.by)
            before = ledger.get_by_key(args.key)
            if branch:
                cid = alloc.new_branch(args.headquarters, key=args.key, by=by)
            else:
                cid = alloc.new_client(args.region, key=args.key, by=by)
    except BigClientError as exc:
        print(f"bigclient: {exc}", file=sys.stderr)
        return 1
    print(cid.compact)
    if before is not None:
        note = (f"already allocated for key {args.key!r} by {before.by} at {before.at}; "
                "same ID returned")
    else:
        note = f"allocated for key {args.key!r}"
    print(f"{cid.format()}  {note}", file=sys.stderr)
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    """Allocate a new client (headquarters) ID in a division."""
    return _allocate(args, branch=False)


def cmd_branch(args: argparse.Namespace) -> int:
    """Allocate the next branch ID under a headquarters ID."""
    return _allocate(args, branch=True)


def add_command(subparsers: Any) -> None:
    """Add ``id parse|new|branch`` to the ``bigclient`` command."""
    p = subparsers.add_parser("id", help="parse and allocate big-client IDs (D-11)",
                              description="Parse and allocate big-client IDs (D-11, D-12).")
    sub = p.add_subparsers(dest="id_command", metavar="parse|new|branch", required=True)

    ps = sub.add_parser("parse", help="check IDs and show their layers",
                        description="Check IDs and show their layers; exit 1 if any is "
                                    "invalid. Quote an ID typed with spaces.")
    ps.add_argument("ids", nargs="+", metavar="ID")
    ps.add_argument("--ruleset", help="check against this ruleset's ID scheme "
                                      "(allowed divisions, check character)")
    ps.add_argument("--ledger", metavar="PATH", help="also say who allocated each ID")
    ps.add_argument("--json", action="store_true", help="one JSON object per ID")
    ps.set_defaults(func=cmd_parse)

    pn = sub.add_parser("new", help="allocate a new client ID in a division",
                        description="Allocate a new client (headquarters) ID; the same --key "
                                    "always gives the same ID.")
    pn.add_argument("--ruleset", required=True, help="ruleset file or folder with an ids: section")
    pn.add_argument("--region", required=True, help="division code, e.g. 440507")
    pn.add_argument("--key", required=True, help="idempotency key, e.g. your request id")
    pn.add_argument("--by", help="who allocates (default: your user name)")
    pn.add_argument("--ledger", metavar="PATH", default=DEFAULT_LEDGER,
                    help=f"SQLite ledger file (default {DEFAULT_LEDGER})")
    pn.set_defaults(func=cmd_new)

    pb = sub.add_parser("branch", help="allocate the next branch ID of a client",
                        description="Allocate the next branch ID under a headquarters ID; the "
                                    "same --key always gives the same ID.")
    pb.add_argument("headquarters", metavar="HQ_ID", help="the headquarters ID (ends in 000)")
    pb.add_argument("--key", required=True, help="idempotency key, e.g. your request id")
    pb.add_argument("--by", help="who allocates (default: your user name)")
    pb.add_argument("--ruleset", help="ruleset whose ID scheme to use (default: D-11 as written)")
    pb.add_argument("--ledger", metavar="PATH", default=DEFAULT_LEDGER,
                    help=f"SQLite ledger file (default {DEFAULT_LEDGER})")
    pb.set_defaults(func=cmd_branch)

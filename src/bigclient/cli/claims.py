"""``bigclient claims ...``: register clients to units (报备, D-16), sign, file marketing
applications (营销申报), list escalated disputes (上报裁决, D-17), hand a manager's clients
on (转接责任, D-19) and find clients nobody looks after (孤儿客户).

Text for people by default, ``--json`` (one object per line) for machines. Exit status: 0
done (a claim won), 1 a claim lost or anything refused, 2 a usage error. The library reads
no clock; this command does: ``--at`` defaults to now.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from bigclient.cli.common import aware_time, plain_errors, who
from bigclient.errors import BigClientError, UsageError
from bigclient.i18n import _

WHOLE = "*"
KEY_COLUMNS = ("client_key", "client_id", "key", "id")





def _ledger(target: str, ruleset: str | None = None) -> Any:
    """A ledger file, or a ``postgresql://`` URL of the shared store."""
    from bigclient.ledger import open_ledger

    return open_ledger(target, ruleset=ruleset)


def _register(args: argparse.Namespace) -> tuple[Any, Any]:
    """The ruleset's claim register over ``--ledger`` (which must serve that ruleset)."""
    from bigclient.loading import load

    rs = load(args.ruleset)
    ledger = _ledger(args.ledger, rs.id)
    return rs.claims(ledger), ledger


def _plain_register(args: argparse.Namespace) -> tuple[Any, Any]:
    """A register without a ruleset, for reading and for orphans (no rules needed)."""
    from bigclient.ledger.register import ClaimRegister
    from bigclient.sections.ownership.rules import OwnershipRules

    ledger = _ledger(args.ledger)
    return ClaimRegister(OwnershipRules(), ledger), ledger


def _json(record: Any) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return value
    return json.dumps(plain(record), ensure_ascii=False)


def _when(value: dt.datetime | None) -> str:
    return "-" if value is None else value.isoformat(timespec="seconds")


def _claim_line(c: Any) -> str:
    extra = []
    if c.manager:
        extra.append(_("manager {m}").format(m=c.manager))
    if c.signed:
        extra.append(_("signed"))
    elif c.lapses_at is not None:
        extra.append(_("lapses {at}").format(at=_when(c.lapses_at)))
    return (f"#{c.claim_id}  {c.client_key}  {c.line}  {c.unit}  {c.status}  {_when(c.at)}  "
            + "  ".join(extra)).rstrip()


def _line_arg(args: argparse.Namespace) -> str:
    return str(args.line) if args.line else WHOLE


@plain_errors
def cmd_claim(args: argparse.Namespace) -> int:
    """Register a client (line) to a unit; the first registration owns it."""
    if (args.territory is None) != (args.business_place is None):
        raise UsageError(_("give --territory and --business-place together (where the "
                           "agreement is signed, where the business happens)"))
    reg, ledger = _register(args)
    line = _line_arg(args)
    key = args.key or f"claim:{args.client}/{line}/{args.unit}"
    with ledger:
        out = reg.claim(args.client, line, args.unit, aware_time(args.at), key=key, by=who(args.by),
                        manager=args.manager, signed=args.signed, territory=args.territory,
                        business_place=args.business_place)
    if args.json:
        print(_json(out))
        return 0 if out.won else 1
    again = "" if out.new else _(" (already filed with key {key}; the first outcome)").format(
        key=key)
    if out.won:
        print(_("won: client {client} (line {line}) belongs to {unit}, claim #{id}{again}").format(
            client=out.claim.client_key, line=out.claim.line, unit=out.claim.unit,
            id=out.claim.claim_id, again=again))
        until = reg.protected_until(out.claim)
        if until is not None:
            print(_("  protected until {at}").format(at=_when(until)))
        return 0
    print(_("lost: client {client} (line {line}) belongs to {owner} (claim #{owner_id}, "
            "filed {at}); this claim is #{id}{again}").format(
        client=out.claim.client_key, line=out.claim.line, owner=out.owner.unit,
        owner_id=out.owner.claim_id, at=_when(out.owner.at), id=out.claim.claim_id,
        again=again))
    if out.escalation is not None:
        print(_("  escalated to {to} for a ruling (the business happens away from where the "
                "agreement is signed)").format(to=out.escalation.to))
    else:
        print(_("  to market to it, file a marketing application: bigclient claims apply"))
    return 1


@plain_errors
def cmd_sign(args: argparse.Namespace) -> int:
    """The owning unit signed the agreement: its claim no longer lapses."""
    reg, ledger = _register(args)
    with ledger:
        c = reg.sign(args.client, _line_arg(args), args.unit, aware_time(args.at))
    print(_json(c) if args.json else _("signed: {claim}").format(claim=_claim_line(c)))
    return 0


@plain_errors
def cmd_list(args: argparse.Namespace) -> int:
    """Claims, oldest first."""
    reg, ledger = _plain_register(args)
    with ledger:
        found = reg.claims(client_key=args.client, unit=args.unit, status=args.status,
                           manager=args.manager)
    for c in found:
        print(_json(c) if args.json else _claim_line(c))
    if not args.json and not found:
        print(_("no claims found"), file=sys.stderr)
    return 0


@plain_errors
def cmd_escalations(args: argparse.Namespace) -> int:
    """Disputes sent up for a ruling, oldest first."""
    reg, ledger = _plain_register(args)
    with ledger:
        found = reg.escalations(to=args.to)
    for e in found:
        print(_json(e) if args.json else _(
            "#{id}  to {to}: client {client} (line {line}) claimed by {claimant} (claim #{claim}), "
            "owned by {owner}, {at}").format(id=e.escalation_id, to=e.to, client=e.client_key,
                                             line=e.line, claimant=e.claimant, claim=e.claim_id,
                                             owner=e.owner, at=_when(e.at)))
    if not args.json and not found:
        print(_("no escalations found"), file=sys.stderr)
    return 0


@plain_errors
def cmd_apply(args: argparse.Namespace) -> int:
    """File a marketing application for a client another unit owns."""
    reg, ledger = _register(args)
    line = _line_arg(args)
    key = args.key or f"apply:{args.client}/{line}/{args.unit}"
    with ledger:
        app = reg.apply(args.client, line, args.unit, aware_time(args.at), key=key, by=who(args.by),
                        note=args.note or "")
    print(_json(app) if args.json else _(
        "application #{id}: {unit} applies to market to client {client} (line {line}); owner "
        "when filed: {owner}").format(id=app.application_id, unit=app.unit,
                                      client=app.client_key, line=app.line,
                                      owner=app.owner or _("nobody")))
    return 0


@plain_errors
def cmd_reassign(args: argparse.Namespace) -> int:
    """Hand every client a manager owns to another, approved by a higher level."""
    reg, ledger = _register(args)
    with ledger:
        done = reg.reassign(args.from_manager, args.to_manager, by=args.by,
                            by_level=args.level, from_level=args.from_level,
                            to_level=args.to_level, at=aware_time(args.at))
    print(_json(done) if args.json else _(
        "moved {n} client line(s) from {src} to {dst}, approved by {by} ({level})").format(
        n=done.claims, src=done.from_manager, dst=done.to_manager, by=done.by, level=done.level))
    return 0


def _client_keys(path: str, column: str | None) -> list[str]:
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            names = reader.fieldnames or []
            use = column or next((c for c in KEY_COLUMNS if c in names), None)
            if use is None or use not in names:
                raise BigClientError(_(
                    "{path}: no column {column} (the columns are: {names}); name the column of "
                    "client keys with --column").format(
                    path=path, column=use or " / ".join(KEY_COLUMNS),
                    names=", ".join(names) or "-"))
            keys = []
            for row_no, row in enumerate(reader, start=2):
                value = (row.get(use) or "").strip()
                if not value:
                    raise BigClientError(_("{path}, row {row}: the {column} column is "
                                           "empty").format(path=path, row=row_no, column=use))
                keys.append(value)
            return keys
    except OSError as exc:
        raise BigClientError(_("cannot read {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None


@plain_errors
def cmd_orphans(args: argparse.Namespace) -> int:
    """Clients of a CSV nobody owns, or whose manager is missing or has left; exit 1 if any."""
    keys = _client_keys(args.clients, args.column)
    reg, ledger = _plain_register(args)
    with ledger:
        found = reg.orphans(keys, departed=args.departed or (),
                            at=None if args.at is None else aware_time(args.at))
    reasons = {"no_owner": _("no unit owns it"), "no_manager": _("its owner names no manager"),
               "departed": _("its manager has left")}
    for o in found:
        print(_json(o) if args.json else f"{o.client_key}  {o.line}  {reasons[o.reason]}"
              + (f"  (#{o.claim.claim_id} {o.claim.unit})" if o.claim else ""))
    print(_("{n} of {total} client(s) checked need an owner or a manager").format(
        n=len({o.client_key for o in found}), total=len(set(keys))), file=sys.stderr)
    return 1 if found else 0


def add_command(subparsers: Any) -> None:
    """Add ``claims claim|sign|list|escalations|apply|reassign|orphans``."""
    p = subparsers.add_parser(
        "claims", help=_("register clients to units, escalations, reassignment, orphans"),
        usage="bigclient claims COMMAND [ARGS]",
        description=_("Ownership of clients (D-16, D-17, D-19) in the ledger file made by "
                      "`bigclient id init`. `bigclient claims COMMAND --help` explains each."))
    sub = p.add_subparsers(dest="claims_command", required=True, title="commands",
                           metavar="COMMAND")

    def common(q: argparse.ArgumentParser, ruleset: bool = True) -> None:
        if ruleset:
            q.add_argument("ruleset", metavar="RULESET",
                           help=_("ruleset file or folder with an ownership: section"))
        q.add_argument("--ledger", required=True, metavar="LEDGER",
                       help=_("the ledger file, or a postgresql:// URL of the shared store"))
        q.add_argument("--json", action="store_true", help=_("one JSON object per line"))

    def client(q: argparse.ArgumentParser) -> None:
        q.add_argument("--client", required=True, metavar="K", help=_("the client's key"))
        q.add_argument("--line", metavar="L", help=_("business line (default '*': the whole "
                                                     "client)"))
        q.add_argument("--unit", required=True, metavar="U", help=_("the unit"))
        q.add_argument("--at", metavar="ISO", help=_("when, with a time zone (default: now)"))

    pc = sub.add_parser("claim", help=_("register a client to a unit (报备)"),
                        description=_("Register a client (or one line of it) to a unit; the "
                                      "first registration owns it. Exit 0 won, 1 lost."))
    common(pc)
    client(pc)
    pc.add_argument("--manager", metavar="M", help=_("the client manager made responsible"))
    pc.add_argument("--signed", action="store_true", help=_("the agreement is already signed"))
    pc.add_argument("--key", metavar="K", help=_("idempotency key (default: "
                                                 "claim:CLIENT/LINE/UNIT)"))
    pc.add_argument("--by", metavar="WHO", help=_("who files it (default: your user name)"))
    pc.add_argument("--territory", metavar="R", help=_("where the agreement is signed"))
    pc.add_argument("--business-place", metavar="R", help=_("where the business happens"))
    pc.set_defaults(func=cmd_claim)

    ps = sub.add_parser("sign", help=_("record that the owning unit signed the agreement"))
    common(ps)
    client(ps)
    ps.set_defaults(func=cmd_sign)

    pl = sub.add_parser("list", help=_("list claims"))
    common(pl, ruleset=False)
    pl.add_argument("--client", metavar="K")
    pl.add_argument("--unit", metavar="U")
    pl.add_argument("--manager", metavar="M")
    pl.add_argument("--status", choices=("owner", "lost", "lapsed", "moved"))
    pl.set_defaults(func=cmd_list)

    pe = sub.add_parser("escalations", help=_("list disputes sent up for a ruling"))
    common(pe, ruleset=False)
    pe.add_argument("--to", metavar="UNIT", help=_("only those sent to this centre"))
    pe.set_defaults(func=cmd_escalations)

    pa = sub.add_parser("apply", help=_("file a marketing application (营销申报)"))
    common(pa)
    client(pa)
    pa.add_argument("--note", help=_("what the unit means to offer"))
    pa.add_argument("--key", metavar="K", help=_("idempotency key (default: "
                                                 "apply:CLIENT/LINE/UNIT)"))
    pa.add_argument("--by", metavar="WHO", help=_("who files it (default: your user name)"))
    pa.set_defaults(func=cmd_apply)

    pr = sub.add_parser("reassign", help=_("hand a manager's clients to another (转接责任)"))
    common(pr)
    pr.add_argument("--from", dest="from_manager", required=True, metavar="M")
    pr.add_argument("--to", dest="to_manager", required=True, metavar="M")
    pr.add_argument("--by", required=True, metavar="WHO", help=_("the approver"))
    pr.add_argument("--level", required=True, metavar="L",
                    help=_("the approver's permission level"))
    pr.add_argument("--from-level", required=True, metavar="L")
    pr.add_argument("--to-level", required=True, metavar="L")
    pr.add_argument("--at", metavar="ISO", help=_("when, with a time zone (default: now)"))
    pr.set_defaults(func=cmd_reassign)

    po = sub.add_parser("orphans", help=_("clients nobody owns or looks after (孤儿客户)"))
    common(po, ruleset=False)
    po.add_argument("clients", metavar="CLIENTS.csv", help=_("a CSV with a column of client "
                                                            "keys"))
    po.add_argument("--column", help=_("the column of client keys (default: client_key or "
                                       "client_id)"))
    po.add_argument("--departed", nargs="*", metavar="M", help=_("managers who have left"))
    po.add_argument("--at", metavar="ISO", help=_("count claims lapsed by then as no owner"))
    po.set_defaults(func=cmd_orphans)

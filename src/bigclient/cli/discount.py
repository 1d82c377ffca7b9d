"""``bigclient discount approve|list``: check a concession (优惠) against the ruleset's
``discounts:`` section (D-28: valid only with the approval of the body it names, e.g. the
big-client tariff coordination group 资费协调领导小组) and record it in the ledger when
approved; list the history of a client's or contract's concessions.

Exit status: 0 approved (and recorded) or listed, 1 refused or any error, 2 a usage error.
The library reads no clock; this command does: ``--at`` (when it is recorded) defaults to now.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bigclient.cli.common import (
    add_on_option,
    aware_time,
    load_for_cli,
    parse_day,
    plain_errors,
    who,
)
from bigclient.errors import UsageError
from bigclient.i18n import _
from bigclient.language.amounts import format_amount


def _pairs(items: list[str] | None, option: str) -> dict[str, str] | None:
    if not items:
        return None
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(_("{option} expects name=value, found {item!r}").format(
                option=option, item=item))
        out[key.strip()] = value.strip()
    return out


def _shown(rec: Any) -> str:
    return f"{format_amount(rec.value * 100)}%" if rec.kind == "ratio" \
        else format_amount(rec.value)


def _line(rec: Any) -> str:
    replaced = _("  replaces #{id}").format(id=rec.replaces) if rec.replaces else ""
    return (f"#{rec.record_id}  {rec.client}  {rec.contract}  {rec.line}  {_shown(rec)}  "
            f"{rec.approver}  {rec.approved_on.isoformat()}  {rec.reference}{replaced}")


def _json(rec: Any) -> str:
    return json.dumps({
        "record_id": rec.record_id, "client": rec.client, "contract": rec.contract,
        "line": rec.line, "kind": rec.kind, "value": format_amount(rec.value),
        "approver": rec.approver, "approved_on": rec.approved_on.isoformat(),
        "reference": rec.reference, "ruleset": rec.ruleset, "version": rec.version,
        "by": rec.by, "at": rec.at.isoformat(), "replaces": rec.replaces, "new": rec.new},
        ensure_ascii=False)


@plain_errors
def cmd_approve(args: argparse.Namespace) -> int:
    """Check a concession; record it when approved (unless --check)."""
    from bigclient.ledger import open_ledger

    if (args.ratio is None) == (args.amount is None):
        raise UsageError(_("give the concession with --ratio (e.g. 10%) or --amount (e.g. "
                           "2万), exactly one of them"))
    rs = load_for_cli(args.ruleset, args.on)
    request: dict[str, Any] = {
        "client": args.client, "contract": args.contract, "line": args.line,
        "ratio": args.ratio, "amount": args.amount, "approver": args.approver,
        "approved_on": args.approved_on, "reference": args.reference,
        "filed": True if args.filed else None,
        "inputs": _pairs(args.input, "--input"), "context": _pairs(args.set, "--set")}
    decision = rs.approve_discount(request)
    if not decision.approved:
        if args.json:
            print(json.dumps(decision.to_dict(), ensure_ascii=False))
        else:
            print(decision.explain(args.lang))
        return 1
    if args.check:
        print(json.dumps(decision.to_dict(), ensure_ascii=False) if args.json
              else decision.explain(args.lang))
        return 0
    if args.ledger is None:
        raise UsageError(_("give --ledger to record the approved concession, or --check to "
                           "check it only"))
    with open_ledger(args.ledger, ruleset=rs.id) as ledger:
        rec = ledger.record_discount(decision, by=who(args.by), at=aware_time(args.at))
    if args.json:
        print(_json(rec))
        return 0
    print(_("approved and recorded: {record}").format(record=_line(rec)) if rec.new else
          _("already recorded (the same approval): {record}").format(record=_line(rec)))
    return 0


@plain_errors
def cmd_list(args: argparse.Namespace) -> int:
    """Recorded concessions, oldest first; a replaced one stays, the replacing names it."""
    from bigclient.ledger import open_ledger

    with open_ledger(args.ledger) as ledger:
        found = ledger.discount_history(client=args.client, contract=args.contract,
                                        line=args.line)
    replaced = {r.replaces for r in found if r.replaces is not None}
    for rec in found:
        if args.json:
            print(_json(rec))
        else:
            print(_line(rec) + ("" if rec.record_id not in replaced else _("  (replaced)")))
    if not args.json and not found:
        print(_("no concessions recorded"), file=sys.stderr)
    return 0


def add_command(subparsers: Any) -> None:
    """Add ``discount approve|list``."""
    p = subparsers.add_parser(
        "discount", help=_("check and record concessions to big clients (D-28)"),
        usage="bigclient discount COMMAND [ARGS]",
        description=_("Concessions (优惠) to big clients are valid only with the approval of "
                      "the body the ruleset's discounts: section names (D-28). `bigclient "
                      "discount COMMAND --help` explains each."))
    sub = p.add_subparsers(dest="discount_command", required=True, title="commands",
                           metavar="COMMAND")

    pa = sub.add_parser("approve", help=_("check a concession and record it when approved"),
                        description=_("Check a concession against the ruleset; record it in "
                                      "the ledger when approved. Exit 0 approved, 1 refused."))
    pa.add_argument("ruleset", metavar="RULESET",
                    help=_("ruleset file or folder with a discounts: section"))
    add_on_option(pa)
    pa.add_argument("--ledger", metavar="LEDGER",
                    help=_("the ledger file, or a postgresql:// URL of the shared store"))
    pa.add_argument("--check", action="store_true",
                    help=_("check only: record nothing"))
    pa.add_argument("--client", required=True, metavar="K", help=_("the client's key"))
    pa.add_argument("--contract", required=True, metavar="NO",
                    help=_("the marketing contract number"))
    pa.add_argument("--line", required=True, metavar="L",
                    help=_("the product line or service the concession covers"))
    pa.add_argument("--ratio", metavar="R", help=_("the concession as a ratio, e.g. 10%%"))
    pa.add_argument("--amount", metavar="A", help=_("the concession as money, e.g. 2万"))
    pa.add_argument("--approver", required=True, metavar="ID",
                    help=_("id of the body that approved it"))
    pa.add_argument("--approved-on", required=True, type=parse_day, metavar="DATE",
                    help=_("the day it was approved (YYYY-MM-DD)"))
    pa.add_argument("--reference", required=True, metavar="REF",
                    help=_("the minutes or document recording the approval"))
    pa.add_argument("--filed", action="store_true",
                    help=_("the client is a filed (建档) big client"))
    pa.add_argument("--input", action="append", metavar="NAME=VALUE",
                    help=_("one of the client's inputs, for the ruleset's eligible: rule"))
    pa.add_argument("--set", action="append", metavar="NAME=VALUE",
                    help=_("one context value, for the ruleset's eligible: rule"))
    pa.add_argument("--by", metavar="WHO", help=_("who records it (default: your user name)"))
    pa.add_argument("--at", metavar="ISO", help=_("when, with a time zone (default: now)"))
    pa.add_argument("--json", action="store_true", help=_("one JSON object"))
    pa.set_defaults(func=cmd_approve)

    pl = sub.add_parser("list", help=_("list recorded concessions, oldest first"))
    pl.add_argument("--ledger", required=True, metavar="LEDGER",
                    help=_("the ledger file, or a postgresql:// URL of the shared store"))
    pl.add_argument("--client", metavar="K")
    pl.add_argument("--contract", metavar="NO")
    pl.add_argument("--line", metavar="L")
    pl.add_argument("--json", action="store_true", help=_("one JSON object per line"))
    pl.set_defaults(func=cmd_list)

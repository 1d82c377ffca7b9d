"""``bigclient explain``: the whole reasoning for one client."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bigclient.cli.common import add_context_options, add_on_option, load_context, load_for_cli
from bigclient.decision import Decision
from bigclient.errors import UsageError
from bigclient.ruleset import Ruleset


def decide_one(args: argparse.Namespace) -> tuple[Ruleset, Decision]:
    """The decision for the one client of a JSON file (which may carry its own context
    and an override), as ``explain`` and ``route`` show it."""
    rs = load_for_cli(args.ruleset, args.on)
    path = Path(args.client)
    try:
        client = json.loads(path.read_text(encoding="utf-8"), parse_float=str)
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read client file {path}: {exc}") from None
    override = client.pop("override", None) if isinstance(client, dict) else None
    context = load_context(args, None)
    if isinstance(client, dict) and isinstance(client.get("context"), dict):
        context = {**client.pop("context"), **context}
    return rs, rs.evaluate(client, context=context, override=override)


def cmd_explain(args: argparse.Namespace) -> int:
    print(decide_one(args)[1].explain(args.lang))
    return 0


def add_command(sub: Any) -> None:
    p = sub.add_parser("explain", help="explain the decision for one client (JSON file)")
    p.add_argument("ruleset", metavar="RULESET", help="ruleset folder or version file")
    p.add_argument("client", metavar="CLIENT", help="one client as a JSON file")
    p.set_defaults(func=cmd_explain)
    add_context_options(p)
    add_on_option(p)

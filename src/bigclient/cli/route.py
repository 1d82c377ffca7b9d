"""``bigclient route``: who is responsible for one client (D-13, D-14, D-18), and why."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bigclient.cli.common import add_context_options, add_on_option
from bigclient.cli.explain import decide_one
from bigclient.errors import UsageError
from bigclient.i18n import _


def cmd_route(args: argparse.Namespace) -> int:
    rs, d = decide_one(args)
    routing = rs.section("routing")
    if routing is None:
        raise UsageError(_("{ruleset} has no routing section, so it names no responsible "
                           "unit").format(ruleset=d.ruleset))
    if args.json:
        print(json.dumps({"ruleset": d.ruleset, "identity": dict(d.identity),
                          "qualified": d.qualified, "tier": d.tier, "flags": list(d.flags),
                          "routes": [r.to_dict() for r in d.routes]},
                         ensure_ascii=False, indent=2))
    else:
        print("\n".join(routing.explain(d, "zh" if args.lang.startswith("zh") else "en")))
    return 0 if d.routes or not d.qualified else 1


def add_command(sub: Any) -> None:
    p = sub.add_parser("route", help=_("who is responsible for one client (JSON file), and "
                                       "why"))
    p.add_argument("ruleset", metavar="RULESET", help=_("ruleset folder or version file"))
    p.add_argument("client", metavar="CLIENT", help=_("one client as a JSON file"))
    p.add_argument("--json", action="store_true", help=_("print the route as JSON"))
    p.set_defaults(func=cmd_route)
    add_context_options(p)
    add_on_option(p)

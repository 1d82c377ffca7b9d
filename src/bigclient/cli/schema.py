"""``bigclient schema``: the JSON Schema of a ruleset file, for editors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bigclient.workflow.schema import schema_text


def cmd_schema(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"schema written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def add_command(subparsers: Any) -> None:
    p = subparsers.add_parser("schema", help="print the JSON Schema of a ruleset file",
                              description="The JSON Schema of a ruleset file, for editors. "
                              "Point a YAML editor at it with a first line such as "
                              "'# yaml-language-server: $schema=../../schema/ruleset.schema.json'.")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of the screen")
    p.set_defaults(func=cmd_schema)

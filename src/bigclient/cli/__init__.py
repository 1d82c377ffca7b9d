"""The ``bigclient`` command: one module per verb; this one only assembles them.

Exit codes: 0 clean, 1 problems found (or failing cases / bad rows), 2 usage errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bigclient.cli import diff, evaluate, explain, id, schema, test, validate, version
from bigclient.errors import BigClientError, InputError, RulesetError, UsageError
from bigclient.tables import TableError

__all__ = ["UsageError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bigclient",
        description="Key-account (大客户) policy rulesets: validate, test, evaluate, explain.")
    version.add_version_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for verb in (validate, test, evaluate, explain, id, diff, schema):
        verb.add_command(sub)
    version.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except UsageError as exc:
        print(f"bigclient: {exc}", file=sys.stderr)
        return 2
    except TableError as exc:
        print(f"bigclient: {exc}", file=sys.stderr)
        return exc.exit_code
    except RulesetError as exc:
        print(exc, file=sys.stderr)
        return 1
    except InputError as exc:
        print(f"bigclient: {exc}", file=sys.stderr)
        return 1
    except BigClientError as exc:
        print(f"bigclient: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

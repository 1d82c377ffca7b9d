"""The ``bigclient`` command: one module per verb; this one only assembles them.

Exit codes: 0 clean, 1 problems found (or failing cases / bad rows), 2 usage errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bigclient.cli import (
    argparse_words,
    assess,
    claims,
    diff,
    discount,
    due,
    evaluate,
    explain,
    id,
    pay,
    route,
    schema,
    test,
    validate,
    version,
)
from bigclient.cli.common import add_lang_option, lang_in_argv
from bigclient.errors import BigClientError, InputError, RulesetError, UsageError
from bigclient.i18n import _, language, use_language
from bigclient.tables import TableError

__all__ = ["UsageError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, with help in the language in force (set it before)."""
    argparse_words.install()
    parser = argparse.ArgumentParser(
        prog="bigclient",
        description=_("Key-account (大客户) policy rulesets: validate, test, evaluate, "
                      "explain."))
    version.add_version_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for verb in (validate, test, evaluate, explain, route, id, claims, discount, diff, schema,
                 due, assess, pay):
        verb.add_command(sub)
    version.add_commands(sub)
    add_lang_option(parser)  # on the main parser and on every subcommand
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command in the language of --lang (else the caller's or the locale's), which
    is in force while the parser is built (help, usage and argparse errors) and while the
    command runs; the caller's language is restored afterwards."""
    argv = list(sys.argv[1:] if argv is None else argv)
    with use_language(lang_in_argv(argv) or language()):
        parser = build_parser()
        args = parser.parse_args(argv)
        args.lang = getattr(args, "lang", None) or language()
        with use_language(args.lang):
            return _run(args)


def _run(args: argparse.Namespace) -> int:
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

"""What several verbs share: the context file and --set values, ruleset file lists, and
problems printed as text, JSON or GitHub annotations."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from bigclient.errors import BigClientError, Problem, UsageError
from bigclient.i18n import LANGUAGES, _
from bigclient.language.source import read_file
from bigclient.loading import load
from bigclient.ruleset import Ruleset
from bigclient.versions import today, version_files


def load_context(args: argparse.Namespace, input_path: Path | None) -> dict[str, Any]:
    context: dict[str, Any] = {}
    path: Path | None = Path(args.context) if args.context else None
    if path is None and input_path is not None:
        beside = input_path.parent / "context.yaml"
        if beside.exists():
            path = beside
            # English even under --lang zh: tests/golden/diff.zh.txt records this line as is
            print(_("using context from {file}").format(file=beside), file=sys.stderr)
    if path is not None:
        data = read_file(path).data
        if not isinstance(data, dict):
            raise UsageError(_("{path}: the context file must be 'name: value' lines").format(
                path=path))
        context.update(data)
    for item in args.set or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(_("--set expects name=value, found {item!r}").format(item=item))
        context[key.strip()] = value.strip()
    return context


def ruleset_files(paths: Sequence[str]) -> list[Path]:
    """Expand folders into their version files (recursively for a folder of rulesets)."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file():
            files.append(p)
        elif p.is_dir():
            own = version_files(p)
            if own:
                files.extend(own)
            else:
                for sub in sorted(q for q in p.iterdir() if q.is_dir()):
                    files.extend(version_files(sub))
        else:
            raise UsageError(_("no such file or folder: {path}").format(path=p))
    if not files:
        raise UsageError(_("no ruleset version files (like 1.0.0.yaml) found in {paths}").format(
            paths=", ".join(paths)))
    return files


SEVERITIES = ("info", "warning", "error")
"""Lowest first: ``--min-severity warning`` shows warnings and errors."""

_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[33m", "info": "\x1b[2m"}
_RESET = "\x1b[0m"


def rank(severity: str) -> int:
    """Where a severity stands; an unknown one ranks as an error so it is never hidden."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES) - 1


def use_colour(choice: str, stream: IO[str]) -> bool:
    """``--color``: ``always``/``never`` as asked; ``auto`` colours a terminal only, and not
    when ``NO_COLOR`` is set (https://no-color.org) or the terminal is ``dumb``."""
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty is not None and isatty())


def coloured(p: Problem) -> str:
    """A problem as text with its severity in colour: errors red, warnings yellow, and a
    note dim as a whole (it is the least urgent thing on the screen)."""
    text, colour = str(p), _COLOURS.get(p.severity, _COLOURS["error"])
    if p.severity == "info":
        return "\n".join(f"{colour}{line}{_RESET}" for line in text.split("\n"))
    token = f": {p.severity} {p.code} "
    return text.replace(token, f": {colour}{p.severity} {p.code}{_RESET} ", 1)


def print_problems(problems: Sequence[Problem], fmt: str, *, min_severity: str = "info",
                   colour: bool = False) -> list[Problem]:
    """Print the problems at or above ``min_severity`` as text, JSON or GitHub annotations
    (colour for text only); return those printed."""
    from bigclient.workflow.analysis import github_annotation

    shown = [p for p in problems if rank(p.severity) >= rank(min_severity)]
    if fmt == "json":
        print(json.dumps([p.to_dict() for p in shown], ensure_ascii=False, indent=2))
        return shown
    for p in shown:
        if fmt == "github":
            print(github_annotation(p))
        else:
            print(coloured(p) if colour else p)
    return shown


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    """``--lang zh|en`` on ``parser`` and every subcommand below it (the last one given wins).

    No default here (a subcommand's default would overwrite the global choice); main() fills
    in the locale's language when none was given.
    """
    parser.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS,
                        help=_("language of messages: zh (中文) or en; default from the locale "
                               "(BIGCLIENT_LANG, LANG)"))
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                add_lang_option(child)


def lang_in_argv(argv: Sequence[str]) -> str | None:
    """The last valid ``--lang X`` / ``--lang=X`` before ``--``, read before the parser is
    built so that its help and its errors are already in that language."""
    found: str | None = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        value = (arg.partition("=")[2] if arg.startswith("--lang=")
                 else argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None)
        if value in LANGUAGES:
            found = value
    return found


def add_context_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--context", metavar="FILE",
                   help="context values (YAML); default: context.yaml beside INPUT")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="one context value, e.g. --set bureau_revenue=5亿")


def parse_day(text: str) -> dt.date:
    """``--on 2009-06-30``; an impossible date is a plain usage error."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2009-06-30").format(
                text=text)) from None


def add_on_option(parser: argparse.ArgumentParser) -> None:
    """The ``--on DATE`` option of every verb that loads one version of a folder."""
    parser.add_argument("--on", type=parse_day, metavar="DATE",
                        help=_("with a ruleset folder: use the version in force on DATE "
                               "(YYYY-MM-DD); default today"))


def load_for_cli(ref: str | Path, on: dt.date | None = None) -> Ruleset:
    """Load a file, or the version of a folder in force ``on`` (today), and say on stderr
    which version was used: policy staff must never guess which rules decided."""
    path = Path(ref)
    if not path.is_dir():
        return load(path, on=on)
    day = on or today()
    rs = load(path, on=day)
    announce(rs.id, rs.version, day, rs.file)
    return rs


def announce(ruleset_id: str, version: str, day: dt.date, file: str) -> None:
    print(_("using {id} {version} (in force on {day}: {file})").format(
        id=ruleset_id, version=version, day=day.isoformat(), file=file), file=sys.stderr)


def plain_errors(command: Callable[[argparse.Namespace], int]
                 ) -> Callable[[argparse.Namespace], int]:
    """Every bigclient error as one line on stderr, never a traceback: exit status 2 for a
    usage error, 1 for anything else."""
    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except UsageError as exc:
            print(f"bigclient: {exc}", file=sys.stderr)
            return 2
        except BigClientError as exc:
            print(f"bigclient: {exc}", file=sys.stderr)
            return 1
    return run


def who(name: str | None) -> str:
    """Who a record is made by: ``--by``, else the logged-in user."""
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "bigclient-cli"


def aware_time(text: str | None) -> dt.datetime:
    """``--at``: a date and time with its time zone (now, if not given)."""
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(_("--at {text!r} is not a date and time; write it like "
                           "2026-03-01T09:00+08:00").format(text=text)) from None
    if when.utcoffset() is None:
        raise UsageError(_("--at {text!r} has no time zone; write it like "
                           "2026-03-01T09:00+08:00").format(text=text))
    return when

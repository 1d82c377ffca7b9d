"""The ``bigclient`` command: validate, test, evaluate, explain (and id, diff, schema).

Exit codes: 0 clean, 1 problems found (or failing cases / bad rows), 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import BigClientError, InputError, Problem, RulesetError
from .ruleset import load
from .source import read_file
from .tables import TableError, evaluate_file
from .tables import read_records as read_records  # bigclient diff reads its --input with it


class UsageError(Exception):
    """Bad command-line usage (exit 2)."""


# -- input and output ---------------------------------------------------------------


def _load_context(args: argparse.Namespace, input_path: Path | None) -> dict[str, Any]:
    context: dict[str, Any] = {}
    path: Path | None = Path(args.context) if args.context else None
    if path is None and input_path is not None:
        beside = input_path.parent / "context.yaml"
        if beside.exists():
            path = beside
            print(f"using context from {beside}", file=sys.stderr)
    if path is not None:
        data = read_file(path).data
        if not isinstance(data, dict):
            raise UsageError(f"{path}: the context file must be 'name: value' lines")
        context.update(data)
    for item in args.set or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--set expects name=value, found {item!r}")
        context[key.strip()] = value.strip()
    return context


def cmd_evaluate(args: argparse.Namespace) -> int:
    in_path = Path(args.input)
    if not in_path.is_file():
        raise UsageError(f"input file not found: {in_path}")
    rs = load(args.ruleset)
    ctx = rs.read_context(_load_context(args, in_path))
    return evaluate_file(rs, in_path, Path(args.output) if args.output else None, ctx,
                         keep=args.keep or (), encoding=args.encoding, sheet=args.sheet)


def cmd_explain(args: argparse.Namespace) -> int:
    rs = load(args.ruleset)
    path = Path(args.client)
    try:
        client = json.loads(path.read_text(encoding="utf-8"), parse_float=str)
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read client file {path}: {exc}") from None
    override = client.pop("override", None) if isinstance(client, dict) else None
    context = _load_context(args, None)
    if isinstance(client, dict) and isinstance(client.get("context"), dict):
        context = {**client.pop("context"), **context}
    d = rs.evaluate(client, context=context, override=override)
    print(d.explain(args.lang))
    return 0


# -- validate and test ------------------------------------------------------------


def _ruleset_files(paths: Sequence[str]) -> list[Path]:
    """Expand folders into their version files (recursively for a folder of rulesets)."""
    from .ruleset import version_files

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
            raise UsageError(f"no such file or folder: {p}")
    if not files:
        raise UsageError("no ruleset version files (like 1.0.0.yaml) found in "
                         + ", ".join(paths))
    return files


def _print_problems(problems: Sequence[Problem], fmt: str) -> None:
    from .analysis import github_annotation

    if fmt == "json":
        print(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2))
        return
    for p in problems:
        if fmt == "github":
            print(github_annotation(p))
        else:
            print(p)


def cmd_validate(args: argparse.Namespace) -> int:
    from .analysis import check_files

    files = _ruleset_files(args.paths)
    problems = check_files(files)
    _print_problems(problems, args.format)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    if args.format == "text":
        print(f"{len(files)} file(s) checked: {len(errors)} error(s), {len(warnings)} "
              f"warning(s), {len(problems) - len(errors) - len(warnings)} note(s)",
              file=sys.stderr)
    if errors or (args.strict and warnings):
        return 1
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from .casebook import run_folder

    folders: list[Path] = []
    for raw in args.paths:
        p = Path(raw)
        if not p.is_dir():
            raise UsageError(f"not a ruleset folder: {p}")
        if (p / "cases").is_dir():
            folders.append(p)
        else:
            folders.extend(sorted(q for q in p.iterdir() if (q / "cases").is_dir()))
    if not folders:
        raise UsageError("no ruleset folder with a cases/ folder found in " + ", ".join(args.paths))
    results = []
    for folder in folders:
        results.extend(run_folder(folder))
    failed = [r for r in results if not r.passed]
    for r in results:
        if not r.passed or args.verbose:
            print(r.report())
    if args.junit:
        _write_junit(Path(args.junit), results)
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed "
          f"({len(results)} cases in {len(folders)} ruleset(s))")
    return 1 if failed else 0


def _write_junit(path: Path, results: Sequence[Any]) -> None:
    from xml.etree import ElementTree as ET

    suite = ET.Element("testsuite", name="bigclient cases", tests=str(len(results)),
                       failures=str(sum(not r.passed for r in results)))
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=f"{r.file}", name=f"{r.name} "
                             f"(v{r.version})", file=r.file, line=str(r.line))
        if not r.passed:
            failure = ET.SubElement(case, "failure", message="; ".join(
                f"{k}: expected {w!r}, got {g!r}" for k, w, g in r.mismatches) or r.error)
            failure.text = r.report()
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


# -- entry point --------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bigclient",
        description="Key-account (大客户) policy rulesets: validate, test, evaluate, explain.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check ruleset files; exit 0 clean, 1 problems")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=("text", "json", "github"), default="text")
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("test", help="run the YAML cases beside each ruleset")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    p.add_argument("-v", "--verbose", action="store_true", help="list passing cases too")
    p.set_defaults(func=cmd_test)

    for name, help_text in (("evaluate", "decide every client of a CSV or JSON Lines file"),
                            ("explain", "explain the decision for one client (JSON file)")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("ruleset", metavar="RULESET", help="ruleset folder or version file")
        if name == "evaluate":
            p.add_argument("input", metavar="INPUT", help="clients, .csv, .jsonl or .xlsx")
            p.add_argument("-o", "--output", metavar="OUT",
                           help="write here (.csv, .jsonl or .xlsx); default: CSV to the screen")
            p.add_argument("--encoding", default="utf-8",
                           help="text encoding of a CSV INPUT (default UTF-8, with or without "
                           "BOM; e.g. gbk for Excel's plain CSV)")
            p.add_argument("--keep", action="append", metavar="COLUMN",
                           help="a column that identifies the client (not an input): copied to "
                           "the output; repeat for several")
            p.add_argument("--sheet", metavar="NAME", help="the sheet of an .xlsx INPUT "
                           "(default: the first)")
            p.set_defaults(func=cmd_evaluate)
        else:
            p.add_argument("client", metavar="CLIENT", help="one client as a JSON file")
            p.add_argument("--lang", choices=("en", "zh"), default="en")
            p.set_defaults(func=cmd_explain)
        p.add_argument("--context", metavar="FILE",
                       help="context values (YAML); default: context.yaml beside INPUT")
        p.add_argument("--set", action="append", metavar="NAME=VALUE",
                       help="one context value, e.g. --set bureau_revenue=5亿")
    _add_optional_commands(sub)
    return parser


def _add_optional_commands(sub: Any) -> None:
    """Commands that live beside their domain module (ids, diff, schema)."""
    from ._cli_id import add_id_commands
    from .diff import add_diff_command
    from .schema import add_schema_command

    add_id_commands(sub)
    add_diff_command(sub)
    add_schema_command(sub)


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

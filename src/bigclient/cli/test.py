"""``bigclient test``: run the YAML cases beside each ruleset (JUnit XML for CI)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bigclient.errors import UsageError
from bigclient.workflow.casebook import run_folder


def cmd_test(args: argparse.Namespace) -> int:
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


def add_command(sub: Any) -> None:
    p = sub.add_parser("test", help="run the YAML cases beside each ruleset")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report")
    p.add_argument("-v", "--verbose", action="store_true", help="list passing cases too")
    p.set_defaults(func=cmd_test)

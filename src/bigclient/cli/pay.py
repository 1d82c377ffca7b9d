"""``bigclient pay``: payslips for every employee of a file for one period (D-21…D-24).

Every bad row of every input file is reported (file and row, the header is row 1) before
anything is paid, and then nothing is written: a half-written payroll file pays some people
and not others. The output is written to a temporary file and renamed into place.
"""

from __future__ import annotations

import argparse
import codecs
import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bigclient.cli.common import add_on_option, load_for_cli
from bigclient.errors import EvaluationError, InputError, UsageError, shown
from bigclient.i18n import _
from bigclient.language.common import Label
from bigclient.language.expr import suggest
from bigclient.ruleset import Ruleset
from bigclient.sections.incentives import CompiledIncentives, Payslip
from bigclient.sections.incentives.period import KIND_WORDS, Period, parse_period
from bigclient.tables import open_rows
from bigclient.tables.columns import where
from bigclient.tables.payroll import (
    ENCODINGS,
    FORMATS,
    lines_table,
    payslip_table,
    write_payroll,
)
from bigclient.tables.write import output_kind, same_file

PERIOD = "period"
PERIOD_SPELLINGS = {"period": PERIOD, "期间": PERIOD}
PROJECT_KEYS = ("project", "type", "developed")


@dataclass
class Bad:
    """Every bad row of a run: printed together, by file and row, then exit 1."""

    found: list[tuple[Path, int, str]] = field(default_factory=list)

    def add(self, path: Path, n: int, message: str, *, numbered: bool = False) -> None:
        """``message`` about row ``n`` of ``path`` (``numbered``: it already says the row)."""
        text = message if numbered else _("row {n}: {message}").format(n=n, message=message)
        self.found.append((path, n, f"{path}: {text}"))

    def error(self, path: Path, n: int, exc: InputError) -> None:
        for e in (exc, *exc.others):
            value = ("" if e.value is None or shown(e.value) in e.message
                     else _(" (found {value})").format(value=shown(e.value)))
            self.add(path, n, _("'{field}': {message}").format(field=e.field,
                                                                message=e.message) + value)

    def lines(self, files: Sequence[Path]) -> list[str]:
        order = {p: i for i, p in enumerate(files)}
        return [text for _p, _n, text in sorted(self.found, key=lambda f: (
            order.get(f[0], len(order)), f[1]))]


@dataclass(frozen=True)
class Record:
    n: int
    key: str
    values: dict[str, Any]


# -- reading ------------------------------------------------------------------------------


def input_encoding(path: Path, choice: str) -> str:
    """``auto``: UTF-8 (with or without a byte-order mark) if the whole file is UTF-8,
    else GBK (what Excel in Chinese saves as plain CSV)."""
    if choice != "auto":
        return choice
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gbk"
    except OSError:
        return "utf-8"
    return "utf-8"


def spellings(fields: Mapping[str, Label | None]) -> dict[str, str]:
    """Header text -> field: each field by its name or its Chinese label (a label two fields
    share is accepted for neither)."""
    out: dict[str, str] = {}
    shared: set[str] = set()
    for name in fields:
        out[name] = name
    for name, label in fields.items():
        if label is not None and label.zh and label.zh not in fields:
            if label.zh in out and out[label.zh] != name:
                shared.add(label.zh)
            out[label.zh] = name
    for text in shared:
        del out[text]
    return out


def read_file(path: Path, encoding: str, known: Mapping[str, str], required: Sequence[str],
              key: str, bad: Bad) -> list[Record]:
    """The rows of ``path`` as records keyed by the columns' field names (empty cells left
    out: not given); unknown or missing columns and malformed rows are reported to ``bad``."""
    rows: list[Record] = []
    with open_rows(path, input_encoding(path, encoding)) as source:
        plan: list[tuple[int, str]] | None = []
        if source.header is not None:
            plan = _header(path, source.header, known, required, bad)
        if plan is None:
            return []
        for n, raw, error in source.rows():
            if raw is None or error:
                bad.add(path, n, error, numbered=True)
                continue
            if isinstance(raw, dict):
                values = _json_row(path, n, raw, known, bad)
                if values is None:
                    continue
            else:
                values = {name: raw[i] for i, name in plan}
            values = {k: v for k, v in values.items()
                      if not (v is None or (isinstance(v, str) and not v.strip()))}
            values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
            ident = values.get(key)
            if ident is None:
                bad.add(path, n, _("'{column}' is empty: every row must say whose it is")
                        .format(column=key))
                continue
            rows.append(Record(n, str(ident), values))
    return rows


def _header(path: Path, header: Sequence[Any], known: Mapping[str, str],
            required: Sequence[str], bad: Bad) -> list[tuple[int, str]] | None:
    plan: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    ok = True
    for i, cell in enumerate(header):
        text = str(cell or "").strip()
        name = known.get(text)
        if name is None:
            hint = suggest(text, sorted(known)) or _("the columns it may have are: "
                                                      "{names}").format(
                names=", ".join(dict.fromkeys(known.values())))
            bad.add(path, 1, _("{where} '{name}' is not a column of this file; {hint}").format(
                where=where(i), name=text, hint=hint))
            ok = False
        elif name in seen:
            bad.add(path, 1, _("{where} and {other} are both '{name}'; keep one of them")
                    .format(where=where(seen[name]), other=where(i), name=name))
            ok = False
        else:
            seen[name] = i
            plan.append((i, name))
    for name in required:
        if name not in seen:
            bad.add(path, 1, _("the column '{name}' is missing").format(name=name))
            ok = False
    return plan if ok else None


def _json_row(path: Path, n: int, raw: Mapping[str, Any], known: Mapping[str, str],
              bad: Bad) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for k, v in raw.items():
        name = known.get(str(k).strip())
        if name is None or name in out:
            bad.add(path, n, _("'{name}' is not a key of this file").format(name=k))
            return None
        out[name] = v
    return out


def row_period(value: Any) -> Period:
    """A period cell; a date Excel made of ``2024-03`` (the 1st of the month) is that month."""
    if isinstance(value, dt.datetime | dt.date) and value.day == 1:
        return Period(value.year, "month", value.month)
    return parse_period(value)


# -- the run --------------------------------------------------------------------------------


@dataclass
class Run:
    """One pay run: the ruleset, the period and what it reads."""

    rs: Ruleset
    inc: CompiledIncentives
    period: Period
    key: str  # the column naming an employee in every file
    bad: Bad = field(default_factory=Bad)
    known: set[str] = field(default_factory=set)
    """Every employee id the employees file names, good row or bad."""
    roster_read: bool = True
    """False when a row of the employees file could not be read at all: then a measures
    row of an employee not found may belong to it, and is not reported."""
    given: set[tuple[str, Period]] = field(default_factory=set)
    """(employee, period) of every measures row found, good or bad."""

    @property
    def history(self) -> list[Period]:
        """The quarters whose measures the period's pay depends on (besides its own)."""
        if self.inc.spec.points is None:
            return []
        p = self.period
        if p.kind == "quarter":
            return p.earlier_in_year()
        if p.kind == "year":
            return [Period(p.year, "quarter", q) for q in range(1, 5)]
        return []

    def own_row_needed(self) -> bool:
        """A year is paid from its quarters; its own row only when a yearly rule reads one."""
        if self.period.kind != "year":
            return True
        try:
            self.inc.measures(self.period, {})
        except InputError:
            return True
        return False

    def declared(self) -> list[tuple[str, Label]]:
        out = [(r.spec.id, r.spec.label) for r in self.inc.rules
               if r.spec.every == self.period.kind]
        points = self.inc.spec.points
        if points is not None and self.period.kind in ("quarter", "year"):
            out.append((points.id, points.label))
        return out


def _employees(run: Run, path: Path, encoding: str) -> list[Record]:
    spec = run.inc.spec
    fields: dict[str, Label | None] = {**spec.identity,
                                       **{n: f.label for n, f in spec.employee.items()}}
    required = [run.key, *(n for n, f in spec.employee.items() if f.default is None)]
    before = len(run.bad.found)
    rows = read_file(path, encoding, spellings(fields), required, run.key, run.bad)
    run.roster_read = len(run.bad.found) == before
    run.known = {r.key for r in rows}
    out: list[Record] = []
    first: dict[str, int] = {}
    for r in rows:
        if r.key in first:
            run.bad.add(path, r.n, _("employee {id} is listed twice (also row {m})").format(
                id=r.key, m=first[r.key]))
            continue
        first[r.key] = r.n
        try:
            run.inc.employee.read(r.values, r.n)
            run.inc.employee.identity_of(r.values, r.n)
        except InputError as exc:
            run.bad.error(path, r.n, exc)
            continue
        out.append(r)
    return out


def _measures(run: Run, path: Path, encoding: str) -> dict[tuple[str, Period], Record]:
    spec = run.inc.spec
    fields: dict[str, Label | None] = {**spec.identity,
                                       **{n: f.label for n, f in spec.measures.items()}}
    known = {**spellings(fields), **PERIOD_SPELLINGS}
    rows = read_file(path, encoding, known, [run.key, PERIOD], run.key, run.bad)
    wanted = {run.period, *run.history}
    out: dict[tuple[str, Period], Record] = {}
    first: dict[tuple[str, Period], int] = {}
    for r in rows:
        try:
            p = row_period(r.values.get(PERIOD, ""))
        except InputError as exc:
            run.bad.error(path, r.n, exc)
            continue
        if p not in wanted:
            continue  # a measures file may hold every period of the year
        if r.key not in run.known:
            if run.roster_read:
                run.bad.add(path, r.n, _("no employee {id} in the employees file").format(
                    id=r.key))
            continue
        run.given.add((r.key, p))
        if (r.key, p) in first:
            run.bad.add(path, r.n, _("a second row for employee {id} and {period} (the first "
                                     "is row {m})").format(id=r.key, period=p,
                                                           m=first[r.key, p]))
            continue
        first[r.key, p] = r.n
        values = {k: v for k, v in r.values.items() if k in spec.measures}
        try:
            run.inc.measures(p, values, r.n)
        except InputError as exc:
            run.bad.error(path, r.n, exc)
            continue
        out[r.key, p] = Record(r.n, r.key, values)
    return out


def _projects(run: Run, path: Path, encoding: str) -> dict[str, list[dict[str, Any]]]:
    projects = run.inc.projects
    if projects is None or run.period.kind != "year":
        raise UsageError(_("--projects applies to a year (--period 2024) of a ruleset with "
                           "'incentives.projects'"))
    fields: dict[str, Label | None] = {run.key: None, "project": None, "type": None,
                                       "developed": None,
                                       **{n: f.label for n, f in projects.spec.fields.items()}}
    rows = read_file(path, encoding, spellings(fields), [run.key, *PROJECT_KEYS], run.key,
                     run.bad)
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.key not in run.known:
            if run.roster_read:
                run.bad.add(path, r.n, _("no employee {id} in the employees file").format(
                    id=r.key))
            continue
        values = {k: v for k, v in r.values.items() if k != run.key}
        try:
            projects.reader.read(values, r.n)
        except InputError as exc:
            run.bad.error(path, r.n, exc)
            continue
        out.setdefault(r.key, []).append(values)
    return out


def pay_all(run: Run, employees_path: Path, measures_path: Path, encoding: str,
            projects_path: Path | None) -> list[Payslip]:
    """Read and check every file, then pay every employee (nothing when any row is bad)."""
    employees = _employees(run, employees_path, encoding)
    measures = _measures(run, measures_path, encoding)
    projects = (_projects(run, projects_path, encoding)
                if projects_path is not None else {})
    slips: list[Payslip] = []
    own = run.own_row_needed()
    for e in employees:
        main = measures.get((e.key, run.period))
        needed = ([run.period] if own else []) + run.history
        if any((e.key, p) not in measures for p in needed):
            missing = [p for p in needed if (e.key, p) not in run.given]
            if missing:  # else a row was there but bad, and is reported
                run.bad.add(employees_path, e.n, _(
                    "employee {id} has no measures row for {periods} in {file}").format(
                        id=e.key, periods=", ".join(map(str, missing)), file=measures_path)
                    + _why(run.period, missing))
            continue
        history = [measures[e.key, p].values for p in run.history]
        where_n = main.n if main is not None else e.n
        where_path = measures_path if main is not None else employees_path
        try:
            slips.append(run.rs.pay(e.values, str(run.period),
                                    main.values if main is not None else {},
                                    history=history, projects=projects.get(e.key, ())))
        except InputError as exc:
            run.bad.error(where_path, where_n, exc)
        except EvaluationError as exc:
            run.bad.add(where_path, where_n, str(exc))
    return slips


def _why(period: Period, missing: Sequence[Period]) -> str:
    if all(p == period for p in missing):
        return ""
    if period.kind == "year":
        return _(" (a year is paid from the measures of its four quarters: the star point "
                 "balance)")
    return _(" ({period} needs the earlier quarters of the year: the star point advance "
             "depends on the points earned so far)").format(period=period)


# -- the command ------------------------------------------------------------------------------


def cmd_pay(args: argparse.Namespace) -> int:
    paths = [Path(args.employees), Path(args.measures),
             *([Path(args.projects)] if args.projects else [])]
    for p in paths:
        if not p.is_file():
            raise UsageError(_("input file not found: {file}").format(file=p))
    out = None if args.output in (None, "-") else Path(args.output)
    if args.output is None and args.explain is None:
        raise UsageError(_("say where the payslips go: -o FILE (.csv, .xlsx or .jsonl; - for "
                           "the screen), or --explain EMPLOYEE_ID"))
    fmt = args.format or (output_kind(out) if out is not None else "csv")
    if out is not None and any(same_file(out, p) for p in paths):
        raise UsageError(_("-o {file} is one of the input files").format(file=out))
    try:
        period = parse_period(args.period)
    except InputError as exc:
        raise UsageError(_("--period {period}: {message}").format(
            period=args.period, message=exc.message)) from None
    # a folder: the version in force when the period began (a past period is paid with the
    # rules then in force), unless --on says otherwise
    rs = load_for_cli(args.ruleset, args.on or (
        period.first_day if Path(args.ruleset).is_dir() else None))
    end = rs.effective_to
    if period.first_day < rs.effective_from or (end is not None and period.last_day > end):
        raise UsageError(_("{id} {version} ({file}) is in force from {start}{until}, not for "
                           "all of {period}; pay it with the version in force then (a ruleset "
                           "folder and --on DATE)").format(
            id=rs.id, version=rs.version, file=rs.file, start=rs.effective_from,
            until=_(" until {end}").format(end=end) if end is not None else "",
            period=period))
    inc = rs.section("incentives")
    if inc is None:
        raise UsageError(_("{id} {version} has no 'incentives:' section: it pays no one")
                         .format(id=rs.id, version=rs.version))
    identity = dict(inc.spec.identity)
    if not identity:
        raise UsageError(_("{id} {version} declares no 'incentives.identity' column, so rows "
                           "cannot be matched to employees").format(id=rs.id,
                                                                    version=rs.version))
    key = "employee_id" if "employee_id" in identity else next(iter(identity))
    run = Run(rs, inc, period, key)
    if not run.declared() and not (period.kind == "year" and inc.projects is not None):
        raise UsageError(_("{id} {version} pays nothing per {kind}").format(
            id=rs.id, version=rs.version, kind=KIND_WORDS[period.kind][0]))
    slips = pay_all(run, paths[0], paths[1], args.input_encoding,
                    paths[2] if args.projects else None)
    if run.bad.found:
        for line in run.bad.lines(paths):
            print(line, file=sys.stderr)
        print(_("{n} bad rows; nothing was paid or written").format(n=len(run.bad.found)),
              file=sys.stderr)
        return 1
    if args.explain is not None:
        slip = next((s for s in slips if str(s.employee.get(key)) == args.explain), None)
        if slip is None:
            raise UsageError(_("no employee {id} in {file}").format(id=args.explain,
                                                                   file=paths[0]))
        print(slip.explain(args.lang))
    if args.output is not None:
        table = (lines_table(slips, identity, args.lang) if args.lines
                 else payslip_table(slips, identity, run.declared()))
        write_payroll(table, out, fmt, args.encoding)
        if out is not None:
            print(_("{n} payslips for {period} ({id} {version}) written to {file}").format(
                n=len(slips), period=period, id=rs.id, version=rs.version, file=out),
                file=sys.stderr)
    return 0


def add_command(sub: Any) -> None:
    p = sub.add_parser("pay", help=_("payslips for every employee of a file for one period "
                                     "(D-21…D-24)"),
                       description=_("Pay every employee of EMPLOYEES for one period from "
                                     "the measures in MEASURES. Every bad row is reported "
                                     "and then nothing is written (exit 1)."))
    p.add_argument("ruleset", metavar="RULESET", help=_("ruleset folder or version file"))
    p.add_argument("employees", metavar="EMPLOYEES",
                   help=_("one row per employee: the identity columns and employee fields "
                          "(.csv, .xlsx or .jsonl)"))
    p.add_argument("measures", metavar="MEASURES",
                   help=_("rows of employee id, period and measures; an empty cell is not "
                          "given"))
    p.add_argument("--period", required=True, metavar="PERIOD",
                   help=_("2024-03 (a month), 2024-Q1 (a quarter), 2024-H1 or 2024 (a year)"))
    p.add_argument("-o", "--output", metavar="FILE",
                   help=_("write the payslips here (.csv, .xlsx or .jsonl; - for the screen)"))
    p.add_argument("--format", choices=FORMATS,
                   help=_("csv, xlsx or jsonl; default from the name of -o"))
    p.add_argument("--lines", action="store_true",
                   help=_("one row per payslip line instead of one row per employee"))
    p.add_argument("--encoding", choices=ENCODINGS, default="utf-8-sig",
                   help=_("encoding of a CSV output: utf-8-sig (default, UTF-8 with a BOM, "
                          "which Excel opens with Chinese intact) or gbk"))
    p.add_argument("--input-encoding", choices=("auto", "utf-8", "gbk"), default="auto",
                   help=_("encoding of CSV inputs; auto (default) tries UTF-8, then GBK"))
    p.add_argument("--projects", metavar="PROJECTS",
                   help=_("key projects for a year's awards: employee id, project, type, "
                          "developed and the ruleset's project fields"))
    p.add_argument("--explain", metavar="EMPLOYEE_ID",
                   help=_("print this employee's payslip with the rule behind every line"))
    add_on_option(p)
    p.set_defaults(func=cmd_pay)

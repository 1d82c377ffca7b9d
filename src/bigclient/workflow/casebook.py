"""Example cases written in YAML beside a ruleset (``<ruleset>/cases/*.yaml``).

A case gives an input (and optionally context, override, date) and the expected fields
of the decision — any subset. Cases are the policy written as examples: every D-rule
a ruleset implements has cases at its boundaries.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bigclient.errors import BigClientError, Problem, RulesetError
from bigclient.i18n import _, language
from bigclient.language.amounts import AmountError, format_amount, parse_amount
from bigclient.language.source import Located, read_file
from bigclient.loading import load
from bigclient.ruleset import Ruleset
from bigclient.sections import SECTIONS
from bigclient.sections.base import Section
from bigclient.spec import version_key
from bigclient.versions import version_files

EXPECTABLE = ("qualified", "criteria", "score", "computed_tier", "tier", "flags", "route", "routes",
              "error")
_RANGE = re.compile(r"^\s*(>=|<=|==|>|<|=)?\s*(\d+\.\d+\.\d+)\s*$")


@dataclass
class CaseResult:
    """The outcome of one case."""

    file: str
    line: int
    name: str
    version: str
    passed: bool
    mismatches: list[tuple[str, Any, Any]] = field(default_factory=list)
    explanation: str = ""
    error: str = ""

    def report(self) -> str:
        head = _("{file}:{line}: {verdict} {name} (v{version})").format(
            file=self.file, line=self.line, verdict=_("PASS") if self.passed else _("FAIL"),
            name=self.name, version=self.version)
        if self.passed:
            return head
        lines = [head]
        if self.error:
            lines.append(_("    error: {error}").format(error=self.error))
        for key, want, got in self.mismatches:
            lines.append(_("    {key}: expected {want!r}, got {got!r}").format(
                key=key, want=want, got=got))
        if self.explanation:
            lines.append(_("    explanation:"))
            lines.extend("      " + ln for ln in self.explanation.splitlines())
        return "\n".join(lines)


def version_matches(spec: str | None, version: str) -> bool:
    """``">=1.0.0 <1.1.0"``: every clause must hold. None matches every version."""
    if not spec:
        return True
    v = version_key(version)
    for clause in spec.replace(",", " ").split():
        m = _RANGE.match(clause)
        if not m:
            raise ValueError(
                _("'{clause}' is not a version condition like >=1.0.0").format(clause=clause)
            )
        op, target = m.group(1) or "==", version_key(m.group(2))
        ok = {">=": v >= target, "<=": v <= target, ">": v > target, "<": v < target,
              "==": v == target, "=": v == target}[op]
        if not ok:
            return False
    return True


def _route(want: Any, route: Any) -> Any:
    """A route as a case sees it: just the unit (``route: city_center``) or the keys the
    case names (``route: {unit: …, support: …}``)."""
    if route is None or not hasattr(route, "to_dict"):
        return route
    full = route.to_dict()
    if isinstance(want, dict):
        return {k: full.get(k) for k in want}
    return full["unit"]


def _normal(key: str, value: Any) -> Any:
    if key in ("criteria", "flags"):
        return sorted(value or [])
    if key == "score" and value is not None:
        try:
            return parse_amount(value)
        except AmountError:
            return value
    return value


def _show(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_amount(value)
    return value


CASE_SECTIONS: dict[str, Section] = {s.case_key: s for s in SECTIONS if s.case_key}
"""Sections that run their own cases, by the case key that names them (``pay:``, …)."""


def _same(want: Any, got: Any) -> bool:
    """Equal as policy staff mean it: ``1.2万`` equals Decimal 12000; maps and lists compare
    item by item; a map expectation names only the keys it cares about."""
    if isinstance(got, Decimal) and not isinstance(want, bool):
        try:
            return parse_amount(want) == got
        except AmountError:
            return False
    if isinstance(got, dict) and isinstance(want, dict):
        return all(k in got and _same(v, got[k]) for k, v in want.items())
    if isinstance(got, (list, tuple)) and isinstance(want, list):
        return len(want) == len(got) and all(_same(w, g) for w, g in zip(want, got, strict=True))
    return bool(want == got)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_amount(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _failed(expect: Mapping[str, Any], exc: BigClientError, result: CaseResult) -> CaseResult:
    """A case whose run raised: it passes only if it expected an error with this text."""
    if not ("error" in expect and str(expect["error"]) in str(exc)):
        result.passed = False
        result.error = str(exc)
    return result


def _error_expected(expect: Mapping[str, Any], result: CaseResult) -> None:
    """A case that expected an error ran without one."""
    if "error" in expect:
        result.passed = False
        result.mismatches.append(("error", expect["error"], None))


def run_section_case(rs: Ruleset, key: str, case: Mapping[str, Any],
                     defaults: Mapping[str, Any], result: CaseResult) -> CaseResult:
    """A case a section runs (``pay:``, ``assess:``, …): compare ``expect`` field by field."""
    section = CASE_SECTIONS[key]
    expect = case.get("expect") or {}
    compiled = rs.section(section.key)
    if compiled is None:
        result.passed = False
        result.error = _("{id} {version} has no '{section}:' section to run a '{key}:' case "
                         "against").format(id=rs.id, version=rs.version, section=section.key,
                                           key=key)
        return result
    given = case[key]
    if isinstance(given, dict) and isinstance(defaults.get(key), dict):
        given = {**defaults[key], **given}
    try:
        outcome = section.case(compiled, given, case)
    except BigClientError as exc:
        return _failed(expect, exc, result)
    _error_expected(expect, result)
    for field_name, want in expect.items():
        if field_name == "error":
            continue
        if field_name not in outcome.actual:
            result.passed = False
            result.mismatches.append((field_name, want, _("(not a field; fields are: {fields})")
                                      .format(fields=", ".join(outcome.actual))))
        elif not _same(want, outcome.actual[field_name]):
            result.passed = False
            result.mismatches.append((field_name, want, _plain(outcome.actual[field_name])))
    if not result.passed:
        result.explanation = outcome.explanation
    return result


def run_case(rs: Ruleset, case: Mapping[str, Any], defaults: Mapping[str, Any], file: str,
             line: int) -> CaseResult:
    name = str(case.get("name", _("case at line {line}").format(line=line)))
    expect = case.get("expect") or {}
    result = CaseResult(file, line, name, rs.version, True)
    for key in CASE_SECTIONS:
        if key in case:
            return run_section_case(rs, key, case, defaults, result)
    client = {**defaults.get("input", {}), **(case.get("input") or {})}
    context = {**defaults.get("context", {}), **(case.get("context") or {})}
    on = case.get("on")
    if isinstance(on, str):
        on = dt.date.fromisoformat(on)
    try:
        decision = rs.evaluate(client, context=context, override=case.get("override"), on=on)
    except BigClientError as exc:
        return _failed(expect, exc, result)
    _error_expected(expect, result)
    actual = {"qualified": decision.qualified, "criteria": list(decision.criteria),
              "score": decision.score, "computed_tier": decision.computed_tier,
              "tier": decision.tier, "flags": list(decision.flags), "route": decision.route,
              "routes": list(decision.routes)}
    for key, want in expect.items():
        if key == "error":
            continue
        if key == "route":
            actual[key] = _route(want, actual[key])
        elif key == "routes" and isinstance(want, list):
            actual[key] = [_route(w, r) for w, r in zip(want, actual[key], strict=False)] + \
                [_route(None, r) for r in actual[key][len(want):]]
        if _normal(key, want) != _normal(key, actual[key]):
            result.passed = False
            result.mismatches.append((key, want, _show(actual[key])))
    if not result.passed:
        result.explanation = decision.explain(language())
    return result


def read_casefile(path: Path) -> tuple[Located, list[Problem]]:
    src = read_file(path)
    problems: list[Problem] = []
    data = src.data
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        problems.append(src.problem((), _("a case file needs a 'cases:' list"), code="BC401"))
        return src, problems
    for key in data:
        if key not in ("ruleset", "versions", "input", "context", "cases", "note",
                       *CASE_SECTIONS):
            problems.append(
                src.problem(
                    (key,),
                    _("unknown key '{key}' in a case file").format(key=key),
                    code="BC401",
                    hint=_("allowed: ruleset, versions, input, context, cases, note"),
                )
            )
    for i, case in enumerate(data["cases"]):
        if not isinstance(case, dict):
            problems.append(
                src.problem(
                    ("cases", i),
                    _("each case must be a block with name, input and expect"),
                    code="BC401",
                )
            )
            continue
        own = [k for k in case if k in CASE_SECTIONS]
        if len(own) > 1:
            problems.append(src.problem(("cases", i, own[1]), _(
                "a case runs one thing; '{a}' and '{b}' are both given").format(
                    a=own[0], b=own[1]), code="BC401"))
        for key in case:
            if key not in ("name", "rule", "input", "context", "override", "on", "expect",
                           "versions", "note", *CASE_SECTIONS):
                problems.append(
                    src.problem(
                        ("cases", i, key),
                        _("unknown key '{key}' in a case").format(key=key),
                        code="BC401",
                    )
                )
        for key in case.get("expect") or {}:
            if not own and key not in EXPECTABLE:
                problems.append(
                    src.problem(
                        ("cases", i, "expect", key),
                        _("'{key}' is not a decision field").format(key=key),
                        code="BC401",
                        hint=_("expect any of: {fields}").format(fields=", ".join(EXPECTABLE)),
                    )
                )
    return src, problems


def _not_run(exc: RulesetError, file: str, version: str) -> CaseResult:
    """A file that could not be read, reported as one failed result with its problems."""
    return CaseResult(file, exc.line, _("file could not be read"), version, False,
                      error=str(exc))


def run_folder(folder: Path, rulesets: Iterable[Ruleset] | None = None) -> list[CaseResult]:
    """Run every case file of a ruleset folder against every version it targets."""
    results: list[CaseResult] = []
    if rulesets is not None:
        versions = list(rulesets)
    else:  # a version that does not load is one failed result; the others still run
        versions = []
        for p in version_files(folder):
            try:
                versions.append(load(p))
            except RulesetError as exc:
                results.append(_not_run(exc, str(p), p.stem))
    for path in sorted((folder / "cases").glob("*.yaml")):
        try:
            src, problems = read_casefile(path)
        except RulesetError as exc:
            problems = list(exc.problems)
        if problems:
            results.append(_not_run(RulesetError(problems), str(path), "-"))
            continue
        data = src.data
        defaults = {"input": data.get("input") or {}, "context": data.get("context") or {},
                    **{k: data[k] for k in CASE_SECTIONS if k in data}}
        for rs in versions:
            if data.get("ruleset") not in (None, rs.id):
                continue
            if not version_matches(data.get("versions"), rs.version):
                continue
            for i, case in enumerate(data["cases"]):
                if not version_matches(case.get("versions"), rs.version):
                    continue
                line = src.at(("cases", i))[0]
                results.append(run_case(rs, case, defaults, str(path), line))
    return results

"""Static analysis of rulesets: what loading refuses, plus warnings and notes.

Loading (``ruleset.load``) already refuses what would make evaluation wrong or ambiguous
(overlapping bands, weights that do not add up, unknown names …). This module looks at a
ruleset that *did* load and reports what is probably a mistake (warnings) or worth
knowing (infos), each located at ``file:line:column`` with a stable code (``codes.py``):

- band tables: gaps, non-monotone scores, a bound out of scale (1.2 written for 1.2万);
- tiers: a tier no combination of band scores can reach, a cut-off no total equals;
- expressions: division by a value that can be zero with no guard;
- qualification: a criterion implied by another, threshold tables with a unit left out;
- labels: Chinese and English labels that are not translations of each other;
- across the versions of one ruleset: overlapping dates, versions out of order, the
  same version twice, days with no version in force.

Nothing here evaluates a client; everything is computed from the ruleset text.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bigclient.errors import Problem, RulesetError
from bigclient.i18n import _
from bigclient.language.amounts import format_amount
from bigclient.language.ranges import Parsed, Ranges, locate, parse, walk_guarded
from bigclient.language.source import YamlPath
from bigclient.loading import load
from bigclient.ruleset import Ruleset
from bigclient.workflow.versions import check_versions

__all__ = ["analyse", "check_files", "check_versions", "github_annotation"]


# -- public entry points -------------------------------------------------------------


def check_files(files: Iterable[Path]) -> list[Problem]:
    """Load every file, analyse what loaded, then compare the versions of each ruleset.

    Load errors come first for each file, then its warnings and notes (in file order);
    cross-version problems follow, located in the newer of the two files involved.
    """
    problems: list[Problem] = []
    loaded: list[Ruleset] = []
    seen: set[Path] = set()
    for f in files:
        key = Path(f).resolve()
        if key in seen:
            continue
        seen.add(key)
        try:
            rs = load(f)
        except RulesetError as exc:
            problems.extend(exc.problems)
            continue
        loaded.append(rs)
        problems.extend(analyse(rs))
    problems.extend(check_versions(loaded))
    return problems


def analyse(rs: Ruleset) -> list[Problem]:
    """Warnings and notes for a ruleset that loaded; sorted by position in the file."""
    out: list[Problem] = []
    ranges = Ranges(rs)
    out += _check_divisions(rs, ranges)
    for section in rs.sections:
        out += section.checks(rs.spec.part(section.key), rs.section(section.key), rs.source,
                              ranges)
    out += _check_labels(rs)
    return sorted(out, key=lambda p: (p.line, p.column, p.code))


def github_annotation(p: Problem) -> str:
    """One GitHub Actions workflow command for a problem, escaped as GitHub requires.

    GitHub decodes ``%25 %0D %0A`` in the message and also ``%3A %2C`` in property values;
    an unescaped ',' or ':' in a file name or title would end the property early.
    """
    level = {"error": "error", "warning": "warning"}.get(p.severity, "notice")
    message = f"{p.code} {p.message}" + (f" — fix: {p.hint}" if p.hint else "")
    props = [f"file={_gh_prop(p.file)}"]
    if p.line > 0:
        props.append(f"line={p.line}")
        if p.column > 0:
            props.append(f"col={p.column}")
    props.append(f"title={_gh_prop(p.code)}")
    return f"::{level} {','.join(props)}::{_gh_data(message)}"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")



def _expressions(rs: Ruleset) -> Iterator[Parsed]:
    """Every expression of the ruleset that was compiled at load, with its YAML path."""
    for section in rs.sections:
        for path, text in section.expressions(rs.spec.part(section.key)):
            e = parse(text, path)
            if e is not None:
                yield e


# -- division by zero ----------------------------------------------------------------


def _check_divisions(rs: Ruleset, ranges: Ranges) -> list[Problem]:
    """``a / b`` where b can be 0 and no guard (if/and/or) rules it out: a warning."""
    out: list[Problem] = []
    for e in _expressions(rs):
        for node, facts in walk_guarded(ranges, e, e.tree, {}):
            if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)):
                continue
            divisor = ranges.of(e, node.right, facts)
            if not divisor.can_be_zero:
                continue
            text = e.source(node.right)
            why = _zero_reason(ranges, e, node.right)
            line, col = locate(rs, e, node.right)
            line_at, col_at = rs.source.at(e.path)
            p = rs.source.problem(
                e.path,
                _(
                    "'{source}' divides by '{text}', which {why}; for such a client the "
                    "evaluation would stop with a division-by-zero error"
                ).format(source=e.source(node), text=text, why=why),
                code="BC306",
                severity="warning",
                hint=_("guard it: ({source}) if {text} > 0 else 0").format(
                    source=e.source(node), text=text)
                + (
                    _(", or give '{text}' a min above 0 (for example min: 1)").format(text=text)
                    if isinstance(node.right, ast.Name) and node.right.id in ranges.fields
                    else ""
                ),
            )
            if (line, col) != (line_at, col_at):
                p = Problem(p.message, p.file, line, col, p.path, p.code, p.severity, p.hint)
            out.append(p)
    return out


def _zero_reason(ranges: Ranges, e: Parsed, node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        if node.id in e.constants:
            return _("is 0")
        f = ranges.fields.get(node.id)
        if f is not None:
            if f.min is None:
                return _("can be 0 (it has no 'min')")
            return _("can be 0 (its 'min' is {min})").format(min=format_amount(f.min))
        if node.id in ranges.derived:
            return _("is a derived value that can be 0")
    return _("can be 0")



# -- labels ------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _check_labels(rs: Ruleset) -> list[Problem]:
    """A label whose zh and en are the same text, or whose zh has no Chinese at all."""
    out: list[Problem] = []

    def walk(data: Any, path: YamlPath) -> None:
        if isinstance(data, dict):
            zh, en = data.get("zh"), data.get("en")
            if isinstance(zh, str) and isinstance(en, str) and set(data) <= {"zh", "en"}:
                if zh.strip() == en.strip() or not _CJK.search(zh):
                    why = (_("the Chinese and English texts are the same") if zh.strip() ==
                           en.strip() else _("the Chinese text has no Chinese characters"))
                    out.append(
                        rs.source.problem(
                            (*path, "zh"),
                            _("this label is not translated: {why} ('{zh}')").format(
                                why=why, zh=zh
                            ),
                            code="BC701",
                            severity="info",
                            hint=_("write the label in Chinese under zh and in English under en"),
                        )
                    )
                return
            for k, v in data.items():
                walk(v, (*path, k))
        elif isinstance(data, list):
            for k, v in enumerate(data):
                walk(v, (*path, k))

    walk(rs.source.data, ())
    return out

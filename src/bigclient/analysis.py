"""Static analysis of rulesets: what loading refuses, plus warnings and notes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .errors import Problem, RulesetError
from .ruleset import load


def check_files(files: Iterable[Path]) -> list[Problem]:
    """Load every file and report every problem found, located."""
    problems: list[Problem] = []
    for f in files:
        try:
            load(f)
        except RulesetError as exc:
            problems.extend(exc.problems)
    return problems

"""Every file in tests/broken is one realistic mistake a policy editor makes.

Each declares in a comment what `bigclient validate` must report:
``# expect: BC201 warning line 64``. A top-level file is one case; a subfolder is one case
of several files checked together (versions side by side). The test checks the exact code,
severity, file and line, that a ruleset with an error never loads (so nothing is ever
evaluated from it), and the exit codes of `bigclient validate` with and without --strict.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bigclient.cli import main
from bigclient.codes import CODES
from bigclient.errors import RulesetError
from bigclient.loading import load
from bigclient.workflow.analysis import check_files

BROKEN = Path(__file__).resolve().parent / "broken"
ROOT = BROKEN.parent.parent
EXPECT = re.compile(r"^# expect: (BC\d{3}) (error|warning|info) line (\d+)$", re.MULTILINE)


@dataclass(frozen=True)
class Expected:
    file: Path
    code: str
    severity: str
    line: int


@dataclass(frozen=True)
class Case:
    name: str
    files: tuple[Path, ...]
    expected: tuple[Expected, ...]

    @property
    def severity(self) -> str:
        return self.expected[0].severity


def _cases() -> list[Case]:
    cases = []
    for entry in sorted(BROKEN.iterdir()):
        if entry.is_dir():
            files = tuple(sorted(entry.rglob("*.yaml")))
        elif entry.suffix == ".yaml":
            files = (entry,)
        else:
            continue
        expected = tuple(Expected(f, m[1], m[2], int(m[3])) for f in files
                         for m in EXPECT.finditer(f.read_bytes().decode("utf-8", "replace")))
        cases.append(Case(entry.name, files, expected))
    return cases


CASES = _cases()
IDS = [c.name for c in CASES]


def test_enough_cases_each_with_one_expectation() -> None:
    assert len(CASES) >= 25
    for case in CASES:
        assert len(case.expected) == 1, f"{case.name}: declare exactly one '# expect:' line"
        assert case.expected[0].code in CODES


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reports_the_expected_finding(case: Case) -> None:
    problems = check_files(case.files)
    exp = case.expected[0]
    hits = [p for p in problems if p.code == exp.code and p.line == exp.line
            and Path(p.file) == exp.file]
    assert hits, f"{case.name}: expected {exp.code} at line {exp.line}, got " + "; ".join(
        f"{p.code} {Path(p.file).name}:{p.line}" for p in problems)
    assert all(p.severity == exp.severity for p in hits)
    errors = {p.code for p in problems if p.severity == "error"}
    # The file is broken in the one declared way: no other error hides behind it.
    assert errors == ({exp.code} if exp.severity == "error" else set()), errors
    for p in problems:  # every finding is located, explained and registered
        assert p.line > 0 and p.column > 0 and p.message
        assert CODES[p.code].severity == p.severity, p


@pytest.mark.parametrize("case", [c for c in CASES if len(c.files) == 1], ids=lambda c: c.name)
def test_a_ruleset_with_an_error_never_loads(case: Case) -> None:
    exp = case.expected[0]
    if exp.severity == "error":
        with pytest.raises(RulesetError) as info:
            load(exp.file)
        assert exp.code in {p.code for p in info.value.problems}
    else:
        assert load(exp.file).id  # warnings and notes do not stop a ruleset loading


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_validate_exit_codes(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["validate", "-v", *map(str, case.files)]  # -v: info cases print their note
    normal, strict = main(args), main([*args, "--strict"])
    out = capsys.readouterr().out
    assert case.expected[0].code in out
    if case.severity == "error":
        assert (normal, strict) == (1, 1)
    elif case.severity == "warning":
        assert (normal, strict) == (0, 1)
    else:
        assert (normal, strict) == (0, 0)


def test_command_line_program(tmp_path: Path) -> None:
    """The installed `bigclient` program, end to end: shipped rulesets pass even with
    --strict (they have notes only); a broken one fails with a GitHub annotation."""
    exe = Path(sys.executable).with_name("bigclient")
    shipped = subprocess.run([str(exe), "validate", "--strict", str(ROOT / "rulesets")],
                             capture_output=True, text=True, cwd=ROOT, check=False)
    assert shipped.returncode == 0, shipped.stdout + shipped.stderr
    broken = subprocess.run([str(exe), "validate", "--format", "github",
                             str(BROKEN / "weights_60_30.yaml")],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert broken.returncode == 1
    assert re.search(r"^::error file=.*weights_60_30\.yaml,line=58,col=3,title=BC211::BC211 ",
                     broken.stdout, re.MULTILINE), broken.stdout

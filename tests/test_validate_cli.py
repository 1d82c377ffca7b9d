"""``bigclient validate``: notes quiet by default (``-v``/``--min-severity``), colour on a
terminal only (``--color``, ``NO_COLOR``)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bigclient
from bigclient.cli import main
from tests._terminal import on_a_terminal
from tests.conftest import ROOT, RULESETS

WARNING_FILE = ROOT / "tests" / "broken" / "band_left_out.yaml"  # one BC201 warning
CLI = [sys.executable, "-m", "bigclient.cli"]
RED, YELLOW, DIM = "\x1b[1;31m", "\x1b[33m", "\x1b[2m"


def _notes() -> int:
    """How many notes the shipped rulesets have (each new ruleset may add its own)."""
    from bigclient.workflow.analysis import analyse
    return sum(p.severity == "info" for f in sorted(RULESETS.glob("*/*.yaml"))
               for p in analyse(bigclient.load(f)))


NOTES = _notes()


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_notes_are_quiet_by_default_but_counted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, str(RULESETS))
    assert code == 0
    assert "info" not in out and "BC225" not in out
    assert re.search(r"\d+ file\(s\) checked: 0 error\(s\), 0 warning\(s\), \d+ note\(s\) "
                     r"\(shown with -v\)", err)


@pytest.mark.parametrize("flag", [["-v"], ["--verbose"], ["--min-severity", "info"]])
def test_verbose_or_min_severity_info_shows_notes(capsys: pytest.CaptureFixture[str],
                                                  flag: list[str]) -> None:
    code, out, err = _run(capsys, *flag, str(RULESETS))
    assert code == 0
    assert out.count(": info BC225 at scoring.tiers[") == 5 and "BC501" in out
    assert err.strip().endswith(f"{NOTES} note(s)")  # nothing left out, nothing to advise


def test_min_severity_error_hides_warnings_not_the_exit_code(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, str(WARNING_FILE))
    assert code == 0 and ": warning BC201 " in out  # warnings shown by default
    code, out, err = _run(capsys, "--min-severity", "error", "--strict", str(WARNING_FILE))
    assert code == 1  # --strict fails on the warning even though it is not shown
    assert out == ""
    assert "1 warning(s) (shown with --min-severity warning)" in err


def test_verbose_and_min_severity_together_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate", "-v", "--min-severity", "error", str(RULESETS)])
    assert info.value.code == 2


def test_json_shows_every_finding_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "--format", "json", str(RULESETS))
    assert {p["severity"] for p in json.loads(out)} == {"info"} and len(json.loads(out)) == NOTES
    _, out, _ = _run(capsys, "--format", "json", "--min-severity", "warning", str(RULESETS))
    assert json.loads(out) == []


def test_github_leaves_notes_out_unless_asked(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "--format", "github", str(RULESETS))
    assert out == ""
    _, out, _ = _run(capsys, "--format", "github", "-v", str(RULESETS))
    assert out.count("::notice file=") == NOTES
    _, out, _ = _run(capsys, "--format", "github", "--color", "always", str(WARNING_FILE))
    assert out.startswith("::warning file=") and "\x1b" not in out  # never coloured


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run ``bigclient validate`` with stdout and stderr on a real pseudo-terminal."""
    return on_a_terminal([*CLI, "validate", *args], ROOT, stdout_too=True, env=env)[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    return {**env, "TERM": "xterm", **extra}


def test_colour_on_a_terminal_only() -> None:
    text = _on_a_terminal(["-v", str(WARNING_FILE), str(RULESETS)], _env())
    assert f"{YELLOW}warning BC201\x1b[0m" in text
    assert f"{DIM}{RULESETS / 'shantou-postal' / '1.0.0.yaml'}:192:21: info BC225" in text
    piped = subprocess.run([*CLI, "validate", "-v", str(WARNING_FILE), str(RULESETS)],
                           cwd=ROOT, capture_output=True, text=True, env=_env())
    assert "BC201" in piped.stdout and "\x1b" not in piped.stdout + piped.stderr


def test_errors_are_red_on_a_terminal(tmp_path: Path) -> None:
    bad = tmp_path / "1.0.0.yaml"
    bad.write_text((RULESETS / "shantou-postal" / "1.0.0.yaml").read_text(encoding="utf-8")
                   .replace("weight: 40%", "weight: 30%"), encoding="utf-8")
    text = _on_a_terminal([str(bad)], _env())
    assert f"{RED}error BC211\x1b[0m" in text


@pytest.mark.parametrize(("args", "env", "coloured"), [
    ([], {"NO_COLOR": "1"}, False),
    (["--color", "never"], {}, False),
    (["--color", "always"], {"NO_COLOR": "1"}, True),  # an explicit flag wins over NO_COLOR
    ([], {"TERM": "dumb"}, False),
])
def test_colour_choices_on_a_terminal(args: list[str], env: dict[str, str],
                                      coloured: bool) -> None:
    text = _on_a_terminal([*args, str(WARNING_FILE)], _env(**env))
    assert "warning BC201" in text
    assert ("\x1b[" in text) is coloured


def test_colour_always_when_piped() -> None:
    piped = subprocess.run([*CLI, "validate", "--color", "always", str(WARNING_FILE)],
                           cwd=ROOT, capture_output=True, text=True, env=_env())
    assert f"{YELLOW}warning BC201\x1b[0m" in piped.stdout

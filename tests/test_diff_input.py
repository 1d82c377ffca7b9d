"""``bigclient diff --input``: the encoding of a CSV (``--encoding``, as on evaluate) and a
progress bar with total and time left on a terminal while the impact is measured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bigclient.cli import main
from tests._terminal import on_a_terminal
from tests.conftest import ROOT, RULESETS

OLD = str(RULESETS / "shantou-postal" / "1.0.0.yaml")
NEW = str(ROOT / "examples" / "revisions" / "shantou-postal" / "1.1.0.yaml")
CLIENTS = ROOT / "examples" / "clients.csv"
CTX = ["--set", "bureau_revenue=2亿"]
CLI = [sys.executable, "-m", "bigclient.cli"]


def _gbk_copy(tmp_path: Path) -> Path:
    """The example clients as Excel's plain CSV saves them on a Chinese Windows: GBK."""
    gbk = tmp_path / "clients.csv"
    gbk.write_bytes(CLIENTS.read_text(encoding="utf-8").encode("gbk"))
    return gbk


def _diff(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["diff", OLD, NEW, *CTX, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_encoding_reads_a_gbk_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gbk = _gbk_copy(tmp_path)
    code, expected, _ = _diff(capsys, "--input", str(CLIENTS), "--format", "json")
    assert code == 0
    code, out, err = _diff(capsys, "--input", str(gbk), "--encoding", "gbk", "--format", "json")
    assert (code, out) == (0, expected), err
    assert '"evaluated": 1000' in out


def test_a_gbk_csv_without_encoding_advises_the_flag_diff_has(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _diff(capsys, "--input", str(_gbk_copy(tmp_path)))
    assert code != 0 and out == "" and "Traceback" not in err
    assert "--encoding gbk" in err
    code, out, err = _diff(capsys, "--input", str(_gbk_copy(tmp_path)), "--encoding", "nope")
    assert code != 0 and "unknown encoding 'nope'" in err


def _stderr_on_a_terminal(cmd: list[str]) -> tuple[int, str]:
    return on_a_terminal(cmd, ROOT)


def test_progress_bar_while_measuring_the_impact_on_a_terminal_only() -> None:
    cmd = [*CLI, "diff", OLD, NEW, "--input", str(CLIENTS), *CTX]
    piped = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert piped.returncode == 0 and "\r" not in piped.stderr and "% |" not in piped.stderr
    code, text = _stderr_on_a_terminal(cmd)
    assert code == 0
    assert "100% |########################| 1,000 rows, " in text
    assert " of " in text and "left" in text


def test_progress_bar_gives_way_to_an_error(tmp_path: Path) -> None:
    """A file that stops being readable half-way (a GBK row after 1,000 UTF-8 ones): the bar
    has been drawn, and the error still starts on a clean line."""
    mixed = tmp_path / "mixed.csv"
    lines = CLIENTS.read_text(encoding="utf-8").splitlines(keepends=True)
    mixed.write_bytes("".join(lines).encode("utf-8") + lines[1].encode("gbk"))
    code, text = _stderr_on_a_terminal([*CLI, "diff", OLD, NEW, "--input", str(mixed), *CTX])
    assert code != 0 and "Traceback" not in text
    assert "% |" in text  # the bar was drawn ...
    assert "\r\x1b[Kbigclient: " in text  # ... and erased before the error
    assert "is not utf-8" in text and "--encoding gbk" in text

"""Shipped policy is real policy, and a folder means the version in force (issue 7)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bigclient
from bigclient import RegistryError
from bigclient.cli import main
from bigclient.workflow.casebook import run_folder
from tests.conftest import ROOT, RULESETS

SHANTOU = RULESETS / "shantou-postal"
REVISIONS = ROOT / "examples" / "revisions" / "shantou-postal"
SHANTOU_1_0 = (SHANTOU / "1.0.0.yaml").read_text(encoding="utf-8")


def _version(folder: Path, version: str, start: str, end: str | None = None) -> Path:
    """A copy of Shantou 1.0.0 as another version with other dates."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SHANTOU_1_0.replace("version: 1.0.0", f"version: {version}", 1)
    text = text.replace("  from: 2008-01-01\n",
                        f"  from: {start}\n" + (f"  to: {end}\n" if end else ""), 1)
    path = folder / f"{version}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# -- shipped policy is real policy ---------------------------------------------------------


def test_rulesets_hold_no_invented_revision() -> None:
    for path in RULESETS.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "NOT REAL POLICY" not in text and "Illustrative revision" not in text, path
    assert sorted(p.name for p in SHANTOU.glob("*.yaml")) == ["1.0.0.yaml"]


def test_readme_first_command_evaluates_with_the_real_1_0_0(tmp_path: Path) -> None:
    out = tmp_path / "decisions.csv"
    run = subprocess.run([sys.executable, "-m", "bigclient.cli", "evaluate",
                          "rulesets/shantou-postal", "examples/clients.csv", "-o", str(out)],
                         cwd=ROOT, capture_output=True, text=True, encoding="utf-8", check=False)
    assert run.returncode == 0, run.stderr
    assert "using shantou-postal 1.0.0 (in force on " in run.stderr
    assert "1,000 of 1,000 rows evaluated with shantou-postal 1.0.0" in run.stderr
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "bigclient evaluate rulesets/shantou-postal examples/clients.csv" in readme


def test_the_illustrative_revision_still_passes_every_case() -> None:
    """The shared cases (with their versions: limits) and the revision's own cases."""
    both = [bigclient.load(SHANTOU / "1.0.0.yaml"), bigclient.load(REVISIONS / "1.1.0.yaml")]
    results = run_folder(SHANTOU, both) + run_folder(REVISIONS)
    assert {r.version for r in results} == {"1.0.0", "1.1.0"}
    failed = [r.report() for r in results if not r.passed]
    assert not failed, "\n".join(failed)
    assert main(["test", str(REVISIONS)]) == 0


# -- a folder means the version in force -----------------------------------------------------


@pytest.fixture
def with_draft(tmp_path: Path) -> Path:
    """1.0.0 in force since 2008, a draft 2.0.0 that starts in ten years."""
    folder = tmp_path / "shantou-postal"
    _version(folder, "1.0.0", "2008-01-01")
    start = dt.date.today().replace(day=1) + dt.timedelta(days=3650)
    _version(folder, "2.0.0", start.isoformat())
    return folder


def test_load_folder_never_picks_a_future_draft(with_draft: Path) -> None:
    rs = bigclient.load(with_draft)
    assert rs.version == "1.0.0"
    assert Path(rs.file) == with_draft / "1.0.0.yaml"  # the ruleset knows its file
    assert bigclient.Registry(with_draft.parent).get("shantou-postal").version == "1.0.0"
    later = dt.date.today() + dt.timedelta(days=3700)
    assert bigclient.load(with_draft, on=later).version == "2.0.0"


def test_load_folder_on_a_day(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    _version(folder, "1.0.0", "2008-01-01", "2008-12-31")
    _version(folder, "1.1.0", "2009-01-01")
    assert bigclient.load(folder, on=dt.date(2008, 12, 31)).version == "1.0.0"
    assert bigclient.load(folder, on=dt.date(2009, 1, 1)).version == "1.1.0"


def test_no_version_in_force_is_a_plain_error_listing_the_dates(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    _version(folder, "1.0.0", "2008-01-01", "2008-12-31")
    _version(folder, "1.1.0", "2009-02-01")
    with pytest.raises(RegistryError) as info:
        bigclient.load(folder, on=dt.date(2009, 1, 15))
    text = str(info.value)
    assert "in force on 2009-01-15" in text
    assert "1.0.0 (2008-01-01 – 2008-12-31)" in text and "1.1.0 (2009-02-01 – open-ended)" in text
    assert "--on 2009-02-01" in text


def test_a_file_with_a_day_it_does_not_serve_is_refused(tmp_path: Path) -> None:
    path = _version(tmp_path / "p", "1.0.0", "2008-01-01", "2008-12-31")
    assert bigclient.load(path).version == "1.0.0"  # a named file needs no day
    with pytest.raises(RegistryError, match="not in force on 2009-01-01"):
        bigclient.load(path, on=dt.date(2009, 1, 1))


def test_a_broken_draft_is_reported_located(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    _version(folder, "1.0.0", "2008-01-01")
    (folder / "1.1.0.yaml").write_text("ruleset: p\nversion: 1.1.0\neffective: {from: soon}\n",
                                       encoding="utf-8")
    with pytest.raises(bigclient.RulesetError) as info:
        bigclient.load(folder)
    assert "1.1.0.yaml:3" in str(info.value)


def test_cli_says_which_version_and_takes_on(with_draft: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    client = tmp_path / "c.json"
    client.write_text('{"region": "440507", "revenue_prev_year": {"savings": "150万"},'
                      ' "context": {"bureau_revenue": "2亿"}}', encoding="utf-8")
    assert main(["explain", str(with_draft), str(client)]) == 0
    err = capsys.readouterr().err
    assert re.search(r"using shantou-postal 1\.0\.0 \(in force on \d{4}-\d\d-\d\d: "
                     r".*1\.0\.0\.yaml\)", err), err
    assert main(["explain", str(with_draft), str(client), "--on", "2007-01-01"]) == 1
    err = capsys.readouterr().err
    assert "no version in" in err and "2007-01-01" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as info:
        main(["explain", str(with_draft), str(client), "--on", "2009-02-30"])
    assert info.value.code == 2
    assert "is not a date" in capsys.readouterr().err


def test_diff_folder_alone_is_the_version_in_force(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(SHANTOU), str(REVISIONS / "1.1.0.yaml")]) == 0
    assert "using shantou-postal 1.0.0" in capsys.readouterr().err


def test_a_future_draft_with_broken_rules_does_not_stop_today(tmp_path: Path) -> None:
    """Only the header of each version is read to choose; only the chosen one is compiled."""
    folder = tmp_path / "p"
    _version(folder, "1.0.0", "2008-01-01")
    draft = _version(folder, "1.1.0", "2999-01-01")
    draft.write_text(draft.read_text(encoding="utf-8").replace("min: 75", "min: seventy-five"),
                     encoding="utf-8")
    assert bigclient.load(folder).version == "1.0.0"
    with pytest.raises(bigclient.RulesetError):
        bigclient.load(folder, on=dt.date(2999, 1, 1))

"""Released versions are frozen (versions.lock), and the commands that make versions."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bigclient
from bigclient.cli import main
from bigclient.language.source import parse_text
from bigclient.workflow.lock import check_locks, content_hash, read_lock
from bigclient.workflow.newversion import bump
from tests.conftest import ROOT, RULESETS

SHANTOU = RULESETS / "shantou-postal"
DAY = dt.date(2026, 11, 29)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the shipped Shantou folder (1.0.0, its cases and its lock)."""
    dest = tmp_path / "rulesets" / "shantou-postal"
    shutil.copytree(SHANTOU, dest)
    return dest


def _codes(folder: Path, day: dt.date = DAY) -> list[str]:
    return [p.code for p in check_locks(sorted(folder.glob("*.yaml")), day)]


# -- the lock ---------------------------------------------------------------------------------


def test_every_shipped_ruleset_is_locked_and_matches(capsys: pytest.CaptureFixture[str]) -> None:
    for sub in (*sorted(p for p in RULESETS.iterdir() if p.is_dir()),
                ROOT / "examples" / "revisions" / "shantou-postal"):
        lock = read_lock(sub)
        assert lock is not None and not lock.problems, sub
        assert set(lock.hashes) == {p.stem for p in sub.glob("*.yaml")}
        assert _codes(sub, dt.date.today()) == []
    assert main(["validate", str(RULESETS), "--strict"]) == 0
    capsys.readouterr()


def test_an_edited_released_version_is_an_error(folder: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = folder / "1.0.0.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "{id: gold,    min: 75", "{id: gold,    min: 72"), encoding="utf-8")
    assert _codes(folder) == ["BC605"]
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "error BC605" in out and "1.0.0.yaml:6:" in out and "bigclient new-version" in out


def test_comments_and_layout_are_not_a_change(folder: Path) -> None:
    path = folder / "1.0.0.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("# Bands include", "# 分档含下限。Bands include")
    text = text.replace("  savings:    {zh: 储汇, en: Savings & remittance}",
                        "  savings:\n    zh: 储汇\n    en: Savings & remittance")
    path.write_text(text, encoding="utf-8")
    assert _codes(folder) == []


def test_an_unlocked_released_version_is_a_warning_a_future_draft_is_not(folder: Path) -> None:
    (folder / "versions.lock").unlink()
    assert _codes(folder) == ["BC606"]
    assert _codes(folder, dt.date(2007, 12, 31)) == []  # not yet in force: a draft


def test_a_deleted_released_version_and_a_damaged_lock_are_errors(folder: Path) -> None:
    lock = folder / "versions.lock"
    lock.write_text(lock.read_text(encoding="utf-8") + f"1.1.0 sha256:{'0' * 64}\nrubbish\n",
                    encoding="utf-8")
    problems = check_locks([folder / "1.0.0.yaml"], DAY)
    assert sorted(p.code for p in problems) == ["BC607", "BC607"]
    assert {p.line for p in problems} == {7, 8}


def test_lock_command_adds_refuses_a_change_and_forces(folder: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "versions.lock").unlink()
    assert main(["lock", str(folder)]) == 0
    assert "1.0.0 locked" in capsys.readouterr().out
    assert main(["lock", str(folder / "1.0.0.yaml")]) == 0
    assert "1.0.0 unchanged" in capsys.readouterr().out
    path = folder / "1.0.0.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("min: 75", "min: 72"),
                    encoding="utf-8")
    assert main(["lock", str(folder)]) == 1
    assert "already locked with other rules" in capsys.readouterr().err
    assert main(["lock", str(folder), "--force"]) == 0
    assert _codes(folder) == []


def test_lock_refuses_a_file_that_does_not_load(folder: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "1.1.0.yaml").write_text("ruleset: shantou-postal\nversion: 1.1.0\n",
                                       encoding="utf-8")
    assert main(["lock", str(folder)]) == 1
    assert "nothing locked" in capsys.readouterr().err


_LETTERS = st.characters(categories=("L", "N"))  # control characters: another bullet's parser


@settings(max_examples=50, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers(-10**27, 10**27)  # YAML: 28 digits
                    | st.text(_LETTERS, max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(_LETTERS, min_size=1, max_size=4), inner,
                                      max_size=3),
                    max_leaves=10))
def test_hash_is_a_function_of_the_data_only(data: object) -> None:
    """Key order and formatting never change the hash; any value change does."""
    import json

    flow = parse_text(json.dumps({"v": data}, ensure_ascii=False)).data
    block = parse_text(json.dumps({"v": data}, indent=3, sort_keys=True,
                                  ensure_ascii=False)).data
    assert content_hash(flow) == content_hash(block)
    assert content_hash(flow) != content_hash({"v": [data]})


# -- new-version, init, --version ---------------------------------------------------------------


@pytest.mark.parametrize(("part", "new"), [("major", "2.0.0"), ("minor", "1.10.0"),
                                           ("patch", "1.9.4")])
def test_bump(part: str, new: str) -> None:
    assert bump("1.9.3", part) == new


def test_new_version_copies_the_version_in_force_and_leaves_it_alone(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (folder / "1.0.0.yaml").read_bytes()
    assert main(["new-version", str(folder), "--from", "2030-01-01"]) == 0
    assert "1.1.0.yaml" in capsys.readouterr().out
    assert (folder / "1.0.0.yaml").read_bytes() == before  # released: never edited
    new = bigclient.load(folder / "1.1.0.yaml")
    assert (new.version, new.effective_from, new.effective_to) == ("1.1.0",
                                                                   dt.date(2030, 1, 1), None)
    text = (folder / "1.1.0.yaml").read_text(encoding="utf-8")
    assert "汕头邮政" in text and "# Bands include their lower bound" in text  # comments kept
    assert "note: Made from 1.0.0" in text
    assert bigclient.load(folder, on=dt.date(2029, 12, 31)).version == "1.0.0"
    assert bigclient.load(folder, on=dt.date(2030, 1, 1)).version == "1.1.0"
    assert main(["validate", str(folder), "--strict"]) == 0  # a future draft: no lock needed
    assert main(["test", str(folder)]) == 0
    assert main(["new-version", str(folder), "--from", "2029-06-01", "--bump", "major"]) == 1
    assert "must start later" in capsys.readouterr().err
    assert main(["new-version", str(folder), "--from", "2031-01-01", "--bump", "major"]) == 0
    assert bigclient.load(folder / "2.0.0.yaml").effective_from == dt.date(2031, 1, 1)


def test_new_version_refuses_to_overlap_a_declared_end(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "p"
    dest.mkdir()
    text = (SHANTOU / "1.0.0.yaml").read_text(encoding="utf-8").replace(
        "  from: 2008-01-01\n", "  from: 2008-01-01\n  to: 2030-12-31\n")
    (dest / "1.0.0.yaml").write_text(text.replace("ruleset: shantou-postal", "ruleset: p"),
                                     encoding="utf-8")
    assert main(["new-version", str(dest), "--from", "2030-06-01"]) == 1
    assert "--from 2031-01-01" in capsys.readouterr().err
    assert not (dest / "1.1.0.yaml").exists()


def test_init_writes_a_ruleset_whose_cases_pass(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "chaozhou-postal"
    assert main(["init", str(target), "--id", "chaozhou-postal", "--from", "2026-01-01"]) == 0
    assert main(["validate", str(target)]) == 0
    assert main(["test", str(target)]) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out
    assert main(["init", str(target), "--id", "chaozhou-postal"]) == 1  # not empty
    assert main(["init", str(tmp_path / "x"), "--id", "Bad Id"]) == 1
    assert "not a ruleset id" in capsys.readouterr().err


def test_version_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("bigclient 0.")

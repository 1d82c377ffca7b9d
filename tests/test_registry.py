"""Registry: every ruleset and version in a folder; the version in force on a day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import bigclient
from bigclient import BigClientError, Registry, RegistryError, RulesetError
from tests.conftest import ROOT, RULESETS

SHANTOU_1_0 = (RULESETS / "shantou-postal" / "1.0.0.yaml").read_text(encoding="utf-8")
REVISION = ROOT / "examples" / "revisions" / "shantou-postal" / "1.1.0.yaml"


@pytest.fixture(scope="module")
def reg(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """A history: the real 1.0.0 ended the day before the illustrative revision 1.1.0."""
    root = tmp_path_factory.mktemp("history")
    folder = root / "shantou-postal"
    folder.mkdir()
    (folder / "1.0.0.yaml").write_text(SHANTOU_1_0.replace(
        "  from: 2008-01-01\n", "  from: 2008-01-01\n  to: 2008-12-31\n", 1), encoding="utf-8")
    (folder / "1.1.0.yaml").write_text(REVISION.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "yueyang-postal").mkdir()
    for f in (RULESETS / "yueyang-postal").glob("*.yaml"):
        (root / "yueyang-postal" / f.name).write_text(f.read_text(encoding="utf-8"),
                                                      encoding="utf-8")
    return Registry(root)


def test_shipped_rulesets_hold_only_real_policy() -> None:
    shipped = Registry(RULESETS)
    assert shipped.ids() == ["jiangxi-postal", "shantou-postal", "wanzhou-outlets",
                             "yueyang-incentives", "yueyang-postal"]
    assert shipped.versions("shantou-postal") == ["1.0.0"]  # 1.1.0 is in examples/revisions
    assert shipped.get("shantou-postal").version == "1.0.0"
    assert bigclient.load(RULESETS / "shantou-postal").version == "1.0.0"


def test_ids_and_versions(reg: Registry) -> None:
    assert reg.ids() == ["shantou-postal", "yueyang-postal"]
    assert reg.versions("shantou-postal") == ["1.0.0", "1.1.0"]
    assert "shantou-postal" in reg and "nowhere" not in reg


def test_exported_from_the_package() -> None:
    assert bigclient.Registry is Registry
    assert issubclass(RegistryError, LookupError) and issubclass(RegistryError, BigClientError)


@pytest.mark.parametrize(("day", "version"), [
    (dt.date(2008, 1, 1), "1.0.0"),     # first day of 1.0.0
    (dt.date(2008, 7, 1), "1.0.0"),
    (dt.date(2008, 12, 31), "1.0.0"),   # last day of 1.0.0 (effective.to is included)
    (dt.date(2009, 1, 1), "1.1.0"),     # first day of 1.1.0
    (dt.date(2030, 6, 30), "1.1.0"),    # open-ended
])
def test_version_in_force_on_a_day(reg: Registry, day: dt.date, version: str) -> None:
    rs = reg.get("shantou-postal", on=day)
    assert rs.version == version
    assert rs.effective_from <= day and (rs.effective_to is None or day <= rs.effective_to)


def test_a_datetime_counts_as_its_day(reg: Registry) -> None:
    assert reg.get("shantou-postal", on=dt.datetime(2008, 12, 31, 23, 59)).version == "1.0.0"


def test_before_any_version_is_an_error_naming_the_dates(reg: Registry) -> None:
    with pytest.raises(LookupError) as info:
        reg.get("shantou-postal", on=dt.date(2007, 12, 31))
    text = str(info.value)
    assert isinstance(info.value, BigClientError)
    assert "2007-12-31" in text
    assert "1.0.0 (2008-01-01 – 2008-12-31)" in text and "1.1.0 (2009-01-01 – open-ended)" in text


def test_by_version_and_in_force_today(reg: Registry) -> None:
    assert reg.get("shantou-postal", version="1.0.0").version == "1.0.0"
    assert reg.get("shantou-postal", version="1.1.0").version == "1.1.0"
    assert reg.get("shantou-postal").version == "1.1.0"  # open-ended since 2009
    assert reg.get("yueyang-postal").version == "1.0.0"


def test_unknown_version(reg: Registry) -> None:
    with pytest.raises(RegistryError, match=r"no version 9\.9\.9; versions: 1\.0\.0, 1\.1\.0"):
        reg.get("shantou-postal", version="9.9.9")
    with pytest.raises(RegistryError, match=r"written like 1\.0\.0"):
        reg.get("shantou-postal", version="v1")


def test_unknown_idsuggests_the_nearest(reg: Registry) -> None:
    with pytest.raises(LookupError) as info:
        reg.get("shantou-post")
    assert "did you mean 'shantou-postal'?" in str(info.value)
    assert "known: shantou-postal, yueyang-postal" in str(info.value)
    with pytest.raises(RegistryError):
        reg.versions("beijing-postal")


def test_on_and_version_together_is_a_usage_error(reg: Registry) -> None:
    with pytest.raises(ValueError, match="either"):
        reg.get("shantou-postal", on=dt.date(2009, 1, 1), version="1.0.0")


def test_loaded_once_and_cached(reg: Registry) -> None:
    a = reg.get("shantou-postal", version="1.1.0")
    assert reg.get("shantou-postal", on=dt.date(2010, 1, 1)) is a
    assert reg.get("shantou-postal") is a


def _write(folder: Path, version: str, start: str, end: str | None = None,
           ruleset: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = SHANTOU_1_0.replace("version: 1.0.0", f"version: {version}", 1)
    text = text.replace("  from: 2008-01-01\n",
                        f"  from: {start}\n" + (f"  to: {end}\n" if end else ""), 1)
    text = text.replace("ruleset: shantou-postal", f"ruleset: {ruleset or folder.name}", 1)
    (folder / f"{version}.yaml").write_text(text, encoding="utf-8")


def test_lazy_a_broken_version_only_fails_when_asked(tmp_path: Path) -> None:
    _write(tmp_path / "p", "1.0.0", "2008-01-01")
    (tmp_path / "p" / "2.0.0.yaml").write_text("ruleset: [", encoding="utf-8")
    (tmp_path / "not-a-ruleset").mkdir()  # no version files: not listed
    reg = Registry(tmp_path)
    assert reg.ids() == ["p"]
    assert reg.versions("p") == ["1.0.0", "2.0.0"]
    assert reg.get("p", version="1.0.0").version == "1.0.0"
    with pytest.raises(RulesetError):
        reg.get("p", version="2.0.0")  # broken


def test_several_in_force_the_latest_start_wins(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    _write(folder, "1.0.0", "2008-01-01")                # open-ended
    _write(folder, "1.1.0", "2009-01-01")                # supersedes it
    _write(folder, "1.10.0", "2010-01-01", "2010-06-30")
    _write(folder, "1.9.0", "2010-01-01", "2010-12-31")  # same start: the higher version wins
    reg = Registry(tmp_path)
    assert reg.versions("p") == ["1.0.0", "1.1.0", "1.9.0", "1.10.0"]
    assert reg.get("p", on=dt.date(2008, 6, 1)).version == "1.0.0"
    assert reg.get("p", on=dt.date(2009, 6, 1)).version == "1.1.0"
    assert reg.get("p", on=dt.date(2010, 3, 1)).version == "1.10.0"
    assert reg.get("p", on=dt.date(2010, 9, 1)).version == "1.9.0"
    assert reg.get("p", on=dt.date(2011, 1, 1)).version == "1.1.0"
    assert reg.get("p").version == "1.1.0"  # today: the newest number ended in 2010


def test_a_gap_between_versions(tmp_path: Path) -> None:
    _write(tmp_path / "p", "1.0.0", "2008-01-01", "2008-12-31")
    _write(tmp_path / "p", "1.1.0", "2009-02-01")
    reg = Registry(tmp_path)
    with pytest.raises(RegistryError, match="in force on 2009-01-15"):
        reg.get("p", on=dt.date(2009, 1, 15))


def test_folder_and_declared_id_must_agree(tmp_path: Path) -> None:
    _write(tmp_path / "other-name", "1.0.0", "2008-01-01", ruleset="shantou-postal")
    with pytest.raises(RulesetError, match="declares ruleset 'shantou-postal'"):
        Registry(tmp_path).get("other-name")


def test_refresh_sees_new_files(tmp_path: Path) -> None:
    _write(tmp_path / "p", "1.0.0", "2008-01-01")
    reg = Registry(tmp_path)
    assert reg.versions("p") == ["1.0.0"]
    _write(tmp_path / "p", "1.1.0", "2009-01-01")
    assert reg.versions("p") == ["1.0.0"]  # the listing is cached
    reg.refresh()
    assert reg.get("p", on=dt.date(2009, 1, 1)).version == "1.1.0"


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="no rulesets folder"):
        Registry(tmp_path / "nope")

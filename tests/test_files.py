"""Files and runs that must never crash (issue 7): every malformed ruleset is a located
RulesetError, one bad file stops nothing else, and checking a file is bounded work."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bigclient import InputError, Registry, RulesetError
from bigclient.cli import main
from bigclient.language.fields import FieldSpec
from bigclient.language.source import MAX_BYTES, read_file
from bigclient.language.textpattern import MAX_TEXT, describe, refusal
from bigclient.loading import load, load_text
from bigclient.workflow.analysis import analyse, check_files
from bigclient.workflow.casebook import run_folder

ROOT = Path(__file__).resolve().parent.parent
SHANTOU = ROOT / "rulesets" / "shantou-postal" / "1.0.0.yaml"
BASE = SHANTOU.read_text(encoding="utf-8")
BROKEN = sorted((ROOT / "tests" / "broken").rglob("*.yaml"))


def _validate(*paths: Path | str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", *map(str, paths)])
    return code, out.getvalue() + err.getvalue()


def _error(text: str) -> RulesetError:
    with pytest.raises(RulesetError) as info:
        load_text(text, "x.yaml")
    return info.value


# -- every malformed file is a located error, never a traceback -----------------------------


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.name)
def test_validate_never_prints_a_traceback_on_broken_files(path: Path) -> None:
    code, out = _validate(path)
    assert code in (0, 1) and "Traceback" not in out


_SEEDS = [BASE, (ROOT / "rulesets" / "yueyang-postal" / "1.0.0.yaml").read_text("utf-8")]


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    raw = draw(st.sampled_from(_SEEDS)).encode("utf-8")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw)))
        cut = draw(st.integers(0, 40))
        junk = draw(st.one_of(
            st.binary(max_size=12),
            st.sampled_from([b"\x00", b"\x07", b"._", b"1e999999", b"9" * 5000, "：".encode(),
                             "亿".encode() * 50, b"\t", b": ", b"- ", b"\n   ", b"{", b"]",
                             b"&a", b"*a", b"!!python/object ", b"2010-02-30", b"\xff"])))
        raw = raw[:at] + junk + raw[at + cut:]
    return raw


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), _mutated()))
def test_fuzz_validate_never_crashes(tmp_path_factory: pytest.TempPathFactory,
                                     data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "1.0.0.yaml"
    path.write_bytes(data)
    code, out = _validate(path)
    assert code in (0, 1, 2), out
    assert "Traceback" not in out


@pytest.mark.parametrize(("text", "words"), [
    ("", "the file is empty"),
    ("- a\n- b\n", "is a list"),
    ("hello\n", "single value ('hello')"),
])
def test_a_file_that_is_not_a_block_of_keys(text: str, words: str) -> None:
    problem = _error(text).problems[0]
    assert words in problem.message and problem.code == "BC100"


@pytest.mark.parametrize("number", ["1e9999999999999999999", "1e999999", "9" * 5000,
                                    "0." + "1" * 40, "-" + "9" * 31])
def test_numbers_too_large_for_a_ruleset(number: str) -> None:
    err = _error(BASE.replace("weight: 60%", f"weight: {number}", 1))
    (problem,) = err.problems
    assert problem.code == "BC006" and problem.path == ("scoring", "indicators", 0, "weight")
    assert len(problem.message) < 300  # the number itself is shortened


def test_amount_that_overflows_is_located() -> None:
    err = _error(BASE.replace("{from: 150万, score: 100}",
                              "{from: 1" + "亿" * 100000 + ", score: 100}", 1))
    (problem,) = err.problems
    assert problem.path == ("scoring", "indicators", 0, "bands", 0, "from")
    assert "too large" in problem.message


def test_size_cap_holds_before_the_file_is_read(tmp_path: Path) -> None:
    """A sparse 20 GB file: reading it whole would exhaust memory; the cap refuses it."""
    path = tmp_path / "1.0.0.yaml"
    with path.open("wb") as fh:
        fh.truncate(20 * 10**9)
    with pytest.raises(RulesetError) as info:
        read_file(path)
    assert info.value.problems[0].code == "BC001"
    assert f"{MAX_BYTES:,}" in info.value.problems[0].message


# -- misleading messages ----------------------------------------------------------------------


def test_full_width_colon_is_named_on_its_own_line() -> None:
    text = BASE.replace("title:", "title：", 1)
    own_line = text[: text.index("title：")].count("\n") + 1
    (problem,) = _error(text).problems
    assert problem.line == own_line and "full-width colon '：'" in problem.message


def test_full_width_colon_inside_a_flow_key_gets_a_hint() -> None:
    err = _error(BASE.replace("label: {zh: 上年各业务收入,", "label: {zh：上年各业务收入,", 1))
    assert any("full-width colon" in p.hint for p in err.problems)


def test_indentation_in_plain_words_at_the_culprit_line() -> None:
    text = BASE.replace("\n  en: Shantou Postal", "\n   en: Shantou Postal", 1)
    culprit = text[: text.index("   en: Shantou")].count("\n") + 1
    (problem,) = _error(text).problems
    assert problem.line == culprit
    assert "indented by 3 spaces" in problem.message and "<block" not in problem.message


@pytest.mark.parametrize(("date", "words"), [
    ("2010-02-30", "February 2010 has no 30th"),
    ("2008-02-30", "February 2008 has no 30th (it has 29 days)"),
    ("2010-13-01", "there is no month 13"),
    ("2010-04-31", "April 2010 has no 31st"),
])
def test_impossible_dates_say_why(date: str, words: str) -> None:
    (problem,) = _error(BASE.replace("from: 2008-01-01", f"from: {date}", 1)).problems
    assert words in problem.message and "YYYY" not in problem.message


def test_an_empty_value_never_says_nonetype() -> None:
    for key, old in (("weight", "weight: 60%"), ("source", "source: "),
                     ("version", "version: ")):
        text = BASE.replace(old, f"{key}:\n#", 1)
        messages = " ".join(p.message for p in _error(text).problems)
        assert "NoneType" not in messages and f"'{key}' has no value" in messages


def test_bc101_hint_never_names_a_file_that_exists(tmp_path: Path) -> None:
    (tmp_path / "1.0.0.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "1.1.0.yaml").write_text(BASE, encoding="utf-8")  # declares 1.0.0 too
    with pytest.raises(RulesetError) as info:
        load(tmp_path / "1.1.0.yaml")
    hint = info.value.problems[0].hint
    assert "rename" not in hint and "version: 1.1.0" in hint
    (tmp_path / "1.0.0.yaml").unlink()
    with pytest.raises(RulesetError) as info:
        load(tmp_path / "1.1.0.yaml")
    assert "rename the file to 1.0.0.yaml" in info.value.problems[0].hint


def test_band_numbers_agree_with_the_yaml_path() -> None:
    text = BASE.replace("{from: 100万, to: 150万, score: 90}",
                        "{from: 100万, to: 160万, score: 90}", 1)
    (problem,) = _error(text).problems
    assert problem.code == "BC202" and problem.path[-1] == 0
    assert "bands[1]" in problem.message  # the band it overlaps, numbered like the path
    rs = load_text(BASE.replace("{from: 50万, to: 100万, score: 80}",
                                "{from: 50万, to: 100万, score: 95}", 1))
    (mono,) = [p for p in analyse(rs) if p.code == "BC204"]
    assert mono.path[-2] == 1 and "bands[2]" in mono.message


def test_region_pattern_in_words() -> None:
    rs = load(SHANTOU)
    with pytest.raises(InputError) as info:
        rs.evaluate({"region": "44050"}, context={"bureau_revenue": "5亿"})
    assert "expected 6 digits" in str(info.value) and "[0-9]" not in str(info.value)
    assert describe("4306[0-9]{2}") == "'4306' followed by 2 digits"


# -- text patterns cannot hang ----------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|aa)*", r"(\d+)*x", r"(a)\1", "(?=a)a",
                                     "a*a*a*a*b"])
def test_backtracking_patterns_are_refused_at_load(pattern: str) -> None:
    assert refusal(pattern) is not None
    with pytest.raises(ValueError, match="pattern"):
        FieldSpec.model_validate({"type": "text", "label": {"zh": "区", "en": "r"},
                                  "pattern": pattern})


def test_a_long_value_is_refused_before_matching() -> None:
    rs = load(SHANTOU)
    with pytest.raises(InputError) as info:
        rs.evaluate({"region": "4" * (MAX_TEXT + 1)}, context={"bureau_revenue": "5亿"})
    assert f"{MAX_TEXT + 1} characters" in str(info.value)


def test_shipped_patterns_are_allowed() -> None:
    for pattern in ("[0-9]{6}", "4306[0-9]{2}", "[A-Z]+-[0-9]+", "[)]+x"):
        assert refusal(pattern) is None


# -- one bad file stops nothing else ------------------------------------------------------------


def test_validate_goes_on_after_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "1.0.0.yaml"
    bad.write_bytes(b"ruleset: \x00\n")
    code, out = _validate("-v", bad, SHANTOU)  # -v: the good file's notes are shown
    assert code == 1 and "NUL byte" in out
    assert "BC501" in out  # the good file was still analysed


def _ruleset_folder(root: Path, name: str) -> Path:
    folder = root / name
    shutil.copytree(SHANTOU.parent, folder, ignore=shutil.ignore_patterns("1.1.0.yaml"))
    return folder


def test_bigclient_test_runs_the_rulesets_that_load(tmp_path: Path) -> None:
    good = _ruleset_folder(tmp_path, "shantou-postal")
    bad = _ruleset_folder(tmp_path, "broken")
    (bad / "1.0.0.yaml").write_text("ruleset: [", encoding="utf-8")
    results = run_folder(good) + run_folder(bad)
    assert all(r.passed for r in results if r.file.startswith(str(good)))
    (failed,) = [r for r in results if not r.passed]
    assert failed.file == str(bad / "1.0.0.yaml") and "BC002" in failed.error
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["test", str(tmp_path)]) == 1
    assert "1 failed" in out.getvalue() and "Traceback" not in out.getvalue()


def _dated(folder: Path, version: str, start: str, end: str | None) -> None:
    text = BASE.replace("version: 1.0.0", f"version: {version}", 1).replace(
        "  from: 2008-01-01\n",
        f"  from: {start}\n" + (f"  to: {end}\n" if end else ""), 1)
    (folder / f"{version}.yaml").write_text(text, encoding="utf-8")


def test_registry_serves_the_days_a_broken_version_does_not(tmp_path: Path) -> None:
    folder = tmp_path / "shantou-postal"
    folder.mkdir()
    _dated(folder, "1.0.0", "2008-01-01", "2008-12-31")
    _dated(folder, "1.1.0", "2009-01-01", None)
    broken = (folder / "1.1.0.yaml").read_text("utf-8").replace("weight: 60%", "weight: ._")
    (folder / "1.1.0.yaml").write_text(broken, encoding="utf-8")
    (folder / "0.9.0.yaml").write_text("ruleset: [", encoding="utf-8")  # dates unreadable
    reg = Registry(tmp_path)
    assert reg.get("shantou-postal", on=dt.date(2008, 6, 1)).version == "1.0.0"
    with pytest.raises(RulesetError, match="weight"):
        reg.get("shantou-postal", on=dt.date(2009, 6, 1))  # the broken one's own days
    with pytest.raises(RulesetError):
        reg.get("shantou-postal")  # asked for the newest, which is broken
    code, out = _validate(folder)
    assert code == 1 and "0.9.0.yaml" in out and "1.1.0.yaml" in out


def test_registry_refuses_when_an_unreadable_version_may_be_in_force(tmp_path: Path) -> None:
    folder = tmp_path / "shantou-postal"
    folder.mkdir()
    _dated(folder, "1.0.0", "2008-01-01", None)
    (folder / "1.1.0.yaml").write_text("ruleset: [", encoding="utf-8")  # a later version
    with pytest.raises(RulesetError):
        Registry(tmp_path).get("shantou-postal", on=dt.date(2009, 6, 1))


# -- bounded work -------------------------------------------------------------------------------


def _many_bands(indicators: int = 3, bands: int = 300) -> str:
    start, end = BASE.index("  indicators:\n"), BASE.index("  tiers:\n")
    out = ["  indicators:\n"]
    for i in range(indicators):
        weight = 100 // indicators + (100 % indicators if i == 0 else 0)
        out.append(f"    - id: i{i}\n      label: {{zh: 指标{i}, en: Indicator {i}}}\n"
                   f"      value: revenue_prev_year_total\n      weight: {weight}%\n"
                   "      bands:\n")
        for j in range(bands):
            to = f",to: {j + 1}00" if j < bands - 1 else ""
            out.append(f"      - {{from: {j}00{to},score: {j / 3 + i / 1000:.3f}}}\n")
    tail = BASE[end:]  # without contacts and routing: the point is a small file of bands
    tail = tail[:tail.index("\ncontacts:")] + tail[tail.index("\nids:"):]
    return BASE[:start] + "".join(out) + tail


def test_tier_enumeration_stops_before_allocating() -> None:
    """27 million combinations (a 48 KB file): said in a note, not listed one by one
    (before the fix this took seconds and gigabytes)."""
    text = _many_bands()
    assert len(text.encode()) < 50_000
    problems = analyse(load_text(text))
    (note,) = [p for p in problems if p.code == "BC226"]
    assert note.severity == "info" and "27,000,000" in note.message


def test_small_rulesets_are_still_enumerated() -> None:
    assert not [p for p in check_files([SHANTOU]) if p.code == "BC226"]

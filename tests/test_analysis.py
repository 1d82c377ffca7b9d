"""The static analyser: the code table, findings on the shipped rulesets, division guards,
implied criteria, tier reachability, and band-table properties (hypothesis)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bigclient.codes import CODES
from bigclient.errors import Problem, RulesetError
from bigclient.loading import load_text
from bigclient.ruleset import Ruleset
from bigclient.sections.scoring import checks as scoring_checks
from bigclient.workflow.analysis import analyse, check_files, github_annotation

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "bigclient"
RULESETS = ROOT / "rulesets"
SHANTOU_TEXT = (RULESETS / "shantou-postal" / "1.0.0.yaml").read_text(encoding="utf-8")


def _shantou_text(*replacements: tuple[str, str]) -> str:
    text = SHANTOU_TEXT
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def _shantou(*replacements: tuple[str, str]) -> Ruleset:
    return load_text(_shantou_text(*replacements), "shantou.yaml")


def _codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


# -- the code table ----------------------------------------------------------------------


def test_every_code_in_the_source_is_registered_and_every_registered_code_is_used() -> None:
    used: set[str] = set()
    for path in SRC.rglob("*.py"):
        if path.name != "codes.py":
            used |= set(re.findall(r"[\"'](BC\d{3})[\"']", path.read_text(encoding="utf-8")))
    assert used - set(CODES) == set(), "add these to codes.py"
    assert set(CODES) - used == set(), "registered but never reported"


def test_code_entries_are_complete() -> None:
    for key, c in CODES.items():
        assert key == c.code and re.fullmatch(r"BC\d{3}", key)
        assert c.severity in ("error", "warning", "info")
        assert c.title and c.explanation and c.fix and c.title_zh


# -- shipped rulesets ------------------------------------------------------------------------


def test_shipped_rulesets_have_notes_only() -> None:
    files = sorted(RULESETS.glob("*/*.yaml"))
    problems = check_files(files)
    assert {p.severity for p in problems} <= {"info"}, [str(p) for p in problems]


def test_shantou_cutoffs_no_client_can_score_exactly() -> None:
    found = {p.message.split("exactly ")[1].split(":")[0]: p
             for p in analyse(_shantou()) if p.code == "BC225"}
    assert sorted(found) == ["65", "75", "90"]
    assert "lowest total that reaches 'diamond' is 92" in found["90"].message
    assert "'gold' is 76" in found["75"].message and "'silver' is 66" in found["65"].message
    assert found["90"].path == ("scoring", "tiers", 0, "min")


def test_shantou_specialty_lines_imply_comprehensive_but_newspapers_does_not() -> None:
    [p] = [p for p in analyse(_shantou()) if p.code == "BC501"]
    assert p.severity == "info" and p.path == ("qualification", "criteria", 2, "per_line")
    lines = p.message.split(" for ")[1].split(" also meets")[0]
    assert lines == "savings, billing, letters, philately, express, logistics and parcels"
    assert "newspapers (measured on another value) does not imply it" in p.message


def test_implied_criterion_follows_the_thresholds() -> None:
    # newspapers measured on revenue like the others (no compare_line): it implies too
    rs = _shantou(("          newspapers: {prev_year: newspapers_turnover_prev_year, "
                   "month: newspapers_turnover_month}\n", "          {}\n"))
    [p] = [p for p in analyse(rs) if p.code == "BC501"]
    assert "logistics, parcels and newspapers also meets" in p.message
    # a higher comprehensive bar: only the lines at 3万 or more imply it
    rs = _shantou(("revenue_prev_year_total >= 1万 and", "revenue_prev_year_total >= 3万 and"))
    [p] = [p for p in analyse(rs) if p.code == "BC501"]
    assert " for billing, philately and logistics also meets" in p.message


@pytest.mark.parametrize("change", [
    # a part we cannot compare with the table: say nothing
    ("revenue_month_total >= 1000\n", "revenue_month_total >= 1000 and agreement_signed\n"),
    # other lines may be negative: total(revenue) >= revenue[line] no longer holds
    ("    type: money_map\n    unit: 元\n    min: 0\n    label: {zh: 上年各业务收入",
     "    type: money_map\n    unit: 元\n    label: {zh: 上年各业务收入"),
    # the criterion is an 'or': a line meeting one half proves nothing
    ("revenue_prev_year_total >= 1万 and revenue_month_total",
     "revenue_prev_year_total >= 1万 or revenue_month_total"),
])
def test_no_implication_claimed_when_undecidable(change: tuple[str, str]) -> None:
    assert "BC501" not in _codes(analyse(_shantou(change)))


# -- division by zero --------------------------------------------------------------------------


def test_shantou_share_divides_safely_but_not_without_min() -> None:
    assert "BC306" not in _codes(analyse(_shantou()))
    label = "    label: {zh: 全局年业务收入"
    text = _shantou_text((f"    type: money\n    unit: 元\n    min: 1\n{label}",
                          f"    type: money\n    unit: 元\n{label}"))
    [p] = [p for p in analyse(load_text(text)) if p.code == "BC306"]
    line_no, line = next((n, t) for n, t in enumerate(text.split("\n"), start=1)
                         if "value: revenue_prev_year_total / bureau_revenue" in t)
    assert (p.line, p.column) == (line_no, line.index("bureau_revenue") + 1)
    assert p.severity == "warning" and "bureau_revenue" in p.message and "min" in p.hint


MINI = """
ruleset: mini
version: 1.0.0
effective: {{from: 2009-01-01}}
title: {{zh: 测试, en: Test}}
source: test
lines: {{letters: {{zh: 函件, en: Letters}}}}
inputs:
  x: {{type: money, label: {{zh: 甲, en: X}}}}
  y: {{type: money, label: {{zh: 乙, en: Y}}}}
  n: {{type: integer, min: 1, label: {{zh: 丙, en: N}}}}
  m: {{type: money_map, min: 1, label: {{zh: 丁, en: M}}}}
derived:
  d: {{expr: "{expr}", label: {{zh: 派生, en: Derived}}}}
  m_total: {{expr: total(m), label: {{zh: 合计, en: Total}}}}
qualification:
  criteria:
    - {{id: any, label: {{zh: 任意, en: Any}}, when: x > 0}}
"""


@pytest.mark.parametrize(("expr", "warned"), [
    ("x / y", True),
    ("x / y if y > 0 else 0", False),
    ("0 if y == 0 else x / y", False),
    ("x / y if y != 0 else 0", False),
    ("x / y if not (y <= 0) else 0", False),
    ("x / y if y > 0 and x > 0 else 0", False),
    ("x / y if y > 0 or x > 0 else 0", True),
    ("x / y if y >= 0 else 0", True),
    ("x / max(y, 1)", False),
    ("x / n", False),
    ("x / (n - 1)", True),
    ("x / (n + 1)", False),
    ("x / (n * n)", False),
    ("x / 12", False),
    ("x / 0", True),
    ("x / m_total", True),
    ("x / m['letters']", True),
    ("x / abs(y)", True),
    ("x / (abs(y) + 1)", False),
])
def test_division_guards(expr: str, warned: bool) -> None:
    rs = load_text(MINI.format(expr=expr), "mini.yaml")
    found = [p for p in analyse(rs) if p.code == "BC306"]
    assert bool(found) == warned, [str(p) for p in found]
    if warned:
        assert found[0].line == MINI.split("\n").index("  d: {{expr: \"{expr}\", label: "
                                                     "{{zh: 派生, en: Derived}}}}") + 1
        assert found[0].path == ("derived", "d", "expr")


def test_division_guard_with_and_short_circuit() -> None:
    text = MINI.format(expr="x").replace("when: x > 0", "when: y > 0 and x / y > 2")
    assert "BC306" not in _codes(analyse(load_text(text)))
    text = MINI.format(expr="x").replace("when: x > 0", "when: y == 0 or x / y > 2")
    assert "BC306" not in _codes(analyse(load_text(text)))
    text = MINI.format(expr="x").replace("when: x > 0", "when: x > 0 and x / y > 2")
    [p] = [p for p in analyse(load_text(text)) if p.code == "BC306"]
    assert p.column == len("    - {id: any, label: {zh: 任意, en: Any}, when: x > 0 and x / ") + 1


# -- tiers -----------------------------------------------------------------------------------


def test_tier_check_falls_back_to_intervals_when_totals_are_many(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scoring_checks, "ENUMERATION_LIMIT", 3)
    problems = analyse(_shantou())  # exact values unknown: no note on exact cut-offs
    assert "BC225" not in _codes(problems) and "BC224" not in _codes(problems)
    # with intervals only (0 to 100), a tier squeezed between 89 and 90 cannot be seen
    rs = _shantou(("{id: gold,    min: 75,", "{id: gold,    min: 89,"))
    assert "BC224" not in _codes(analyse(rs))


def test_unreachable_tier_in_shantou() -> None:
    rs = _shantou(("{id: gold,    min: 75,", "{id: gold,    min: 89,"))
    [p] = [p for p in analyse(rs) if p.code == "BC224"]
    assert p.path == ("scoring", "tiers", 1) and "'gold' (scores 89 to under 90)" in p.message
    assert "nearest below: 88" in p.message and "nearest above: 92" in p.message


# -- GitHub annotations -------------------------------------------------------------------------


def test_github_annotation_is_escaped() -> None:
    p = Problem("weights add up to 90%, not 100%\nsecond line", file="a,b:c.yaml", line=3,
                column=5, code="BC211", hint="fix: it")
    text = github_annotation(p)
    assert text.startswith("::error file=a%2Cb%3Ac.yaml,line=3,col=5,title=BC211::BC211 ")
    assert "90%25, not 100%25%0Asecond line" in text and "\n" not in text
    info = Problem("note", file="x.yaml", line=0, column=0, severity="info", code="BC225")
    assert github_annotation(info) == "::notice file=x.yaml,title=BC225::BC225 note"


# -- band tables: properties ---------------------------------------------------------------------

BANDS = """
ruleset: bands
version: 1.0.0
effective: {{from: 2009-01-01}}
title: {{zh: 分档, en: Bands}}
source: generated
inputs:
  x: {{type: money, label: {{zh: 收入, en: Revenue}}}}
qualification:
  criteria:
    - {{id: any, label: {{zh: 任意, en: Any}}, when: x > 0}}
scoring:
  indicators:
    - id: revenue
      label: {{zh: 收入, en: Revenue}}
      value: x
      weight: 100%
      bands:
{bands}
  tiers:
    - {{id: general, min: 0, label: {{zh: 一般, en: General}}}}
"""
BAND_CODES = {"BC201", "BC202", "BC203", "BC204"}

Table = list[tuple[int, int | None, int]]


@st.composite
def band_tables(draw: st.DrawFn) -> Table:
    """Contiguous, ordered bands with non-decreasing scores; the top one open."""
    n = draw(st.integers(2, 6))
    bounds = [draw(st.integers(1, 50)) * 1000]
    for width in draw(st.lists(st.integers(2, 100), min_size=n - 1, max_size=n - 1)):
        bounds.append(bounds[-1] + width * 1000)
    scores = sorted(draw(st.lists(st.integers(0, 100), min_size=n, max_size=n)))
    return [(bounds[i], bounds[i + 1] if i + 1 < n else None, scores[i]) for i in range(n)]


def _text(table: Table, shuffle: int = 0) -> str:
    rows = [f"        - {{from: {lo}, " + (f"to: {hi}, " if hi is not None else "")
            + f"score: {score}}}" for lo, hi, score in table]
    rows = rows[shuffle:] + rows[:shuffle]  # the order of the rows must not matter
    return BANDS.format(bands="\n".join(rows))


def _band_findings(table: Table, shuffle: int = 0) -> list[str]:
    try:
        rs = load_text(_text(table, shuffle))
    except RulesetError as exc:
        return [p.code for p in exc.problems if p.code in BAND_CODES]
    return [p.code for p in analyse(rs) if p.code in BAND_CODES]


FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(band_tables(), st.integers(0, 5))
def test_valid_tables_have_no_band_finding(table: Table, shuffle: int) -> None:
    assert _band_findings(table, shuffle % len(table)) == []


@FAST
@given(band_tables(), st.data())
def test_removing_a_middle_band_is_one_gap(table: Table, data: st.DataObject) -> None:
    if len(table) < 3:
        table = [(table[0][0] - 1000, table[0][0], 0), *table]
    k = data.draw(st.integers(1, len(table) - 2))
    assert _band_findings(table[:k] + table[k + 1:]) == ["BC201"]


@FAST
@given(band_tables(), st.data())
def test_shifting_a_bound_down_is_one_overlap(table: Table, data: st.DataObject) -> None:
    k = data.draw(st.integers(1, len(table) - 1))
    lo, hi, score = table[k]
    shift = data.draw(st.integers(1, (lo - table[k - 1][0]) // 1000 - 1))
    mutated = [*table[:k], (lo - shift * 1000, hi, score), *table[k + 1:]]
    assert _band_findings(mutated) == ["BC202"]


@FAST
@given(band_tables(), st.data())
def test_shifting_a_bound_up_is_one_gap(table: Table, data: st.DataObject) -> None:
    k = data.draw(st.integers(1, len(table) - 1))
    lo, hi, score = table[k]
    room = (hi - lo) // 1000 - 1 if hi is not None else 100
    shift = data.draw(st.integers(1, room))
    mutated = [*table[:k], (lo + shift * 1000, hi, score), *table[k + 1:]]
    assert _band_findings(mutated) == ["BC201"]


@FAST
@given(band_tables(), st.data())
def test_a_lower_score_above_a_higher_one_is_one_monotonicity_finding(
        table: Table, data: st.DataObject) -> None:
    k = data.draw(st.integers(1, len(table) - 1))
    if table[k - 1][2] == 0:
        return  # nothing can score below 0
    lo, hi, _ = table[k]
    drop = data.draw(st.integers(0, table[k - 1][2] - 1))
    mutated = [*table[:k], (lo, hi, drop), *table[k + 1:]]
    assert _band_findings(mutated) == ["BC204"]


def test_otherwise_above_the_lowest_band_is_not_monotone() -> None:
    table: Table = [(1000, 2000, 50), (2000, None, 80)]
    text = _text(table).replace("      bands:", "      otherwise: 60\n      bands:")
    [p] = [p for p in analyse(load_text(text)) if p.code == "BC204"]
    assert "values below 1000 score 'otherwise' (60)" in p.message
    text = _text(table).replace("      bands:", "      monotone: none\n      otherwise: 60\n"
                                "      bands:")
    assert "BC204" not in _codes(analyse(load_text(text)))


def test_decreasing_indicator() -> None:
    table: Table = [(1000, 2000, 80), (2000, None, 50)]
    text = _text(table).replace("      bands:", "      monotone: decreasing\n      otherwise: 100\n"
                                "      bands:")
    assert "BC204" not in _codes(analyse(load_text(text)))
    text = text.replace("score: 50", "score: 90")
    [p] = [p for p in analyse(load_text(text)) if p.code == "BC204"]
    assert "declared monotone decreasing" in p.message and p.path[-1] == "score"

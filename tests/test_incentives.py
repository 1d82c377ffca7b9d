"""Incentives (D-21…D-25): pay components, hold-backs, star points, grades, project awards,
competitions. The Yueyang cases (rulesets/yueyang-incentives/cases) cover the policy at its
boundaries; these tests cover the engine: exactness, properties and located errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bigclient
from bigclient.errors import InputError, RulesetError
from bigclient.sections.incentives.period import parse_period

ROOT = Path(__file__).resolve().parent.parent
YUEYANG = ROOT / "rulesets" / "yueyang-incentives" / "1.0.0.yaml"
EMPLOYEE = {"employee_id": "E1", "name": "李明", "employment": "regular", "grade": "manager",
            "base_salary": "3000"}

HEADER = """\
ruleset: pay-test
version: 1.0.0
effective: {from: 2024-01-01}
title: {zh: 测试, en: Test}
source: test
rounding: {money: 0.01, mode: half_up}
"""


@pytest.fixture(scope="module")
def yueyang() -> bigclient.Ruleset:
    return bigclient.load(YUEYANG)


def _load(body: str) -> bigclient.Ruleset:
    """A test ruleset; every field written ``{type: …}`` gets a label (required)."""
    body = body.replace("{type: ", "{label: {zh: 字段, en: Field}, type: ")
    return bigclient.load_text(HEADER + body, "pay.yaml")


def _problems(body: str) -> list[tuple[str | None, int | None, str]]:
    with pytest.raises(RulesetError) as info:
        _load(body)
    return [(p.code, p.line, p.message) for p in info.value.problems]


money = st.decimals(min_value=0, max_value=Decimal("5000000"), places=2, allow_nan=False,
                    allow_infinity=False)
score = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


# -- exactness ----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(revenue=money, assessment=score, salary=money,
       employment=st.sampled_from(["regular", "agency"]),
       grade=st.sampled_from(["manager", "principal", "senior", "chief"]))
def test_payslip_total_is_exactly_the_sum_of_its_lines(
        yueyang: bigclient.Ruleset, revenue: Decimal, assessment: Decimal, salary: Decimal,
        employment: str, grade: str) -> None:
    employee = {**EMPLOYEE, "employment": employment, "grade": grade, "base_salary": salary}
    slip = yueyang.pay(employee, "2024-03", {"assessment_score": assessment,
                                             "business_revenue": revenue})
    assert slip.total == sum((ln.amount for ln in slip.lines), Decimal(0))
    assert all(isinstance(ln.amount, Decimal) for ln in slip.lines)
    assert all(ln.amount == ln.amount.quantize(Decimal("0.01")) for ln in slip.lines)
    assert Decimal(slip.to_dict()["total"]) == slip.total
    withheld = Decimal(200 if employment == "regular" else 100)
    assert slip.amounts()["holdback"] == -withheld + (withheld * assessment / 100).quantize(
        Decimal("0.01"), rounding="ROUND_HALF_UP")


@settings(max_examples=100, deadline=None)
@given(revenue=money, more=money, low=score, high=score)
def test_more_revenue_or_a_better_score_never_lowers_pay(
        yueyang: bigclient.Ruleset, revenue: Decimal, more: Decimal, low: Decimal,
        high: Decimal) -> None:
    low, high = min(low, high), max(low, high)
    a = yueyang.pay(EMPLOYEE, "2024-03", {"assessment_score": low, "business_revenue": revenue})
    b = yueyang.pay(EMPLOYEE, "2024-03", {"assessment_score": high,
                                          "business_revenue": revenue + more})
    assert b.total >= a.total


def test_each_line_is_rounded_once_half_up() -> None:
    rs = _load("""
incentives:
  measures: {sales: {type: money}}
  components:
    - {id: a, label: {zh: 甲, en: A}, base: sales, rate: 0.5%}
    - {id: b, label: {zh: 乙, en: B}, base: sales, rate: 0.5%}
""")
    slip = rs.pay({}, "2024-01", {"sales": "1.01"})  # 0.00505 each: 0.01 per line half-up
    assert [ln.amount for ln in slip.lines] == [Decimal("0.01"), Decimal("0.01")]
    assert slip.total == Decimal("0.02")  # the sum of rounded lines, not round(0.0101)
    assert "sum of the rounded lines" in slip.explain("en")
    assert "各行舍入后金额之和" in slip.explain("zh")


def test_whole_brackets_pay_the_whole_base_at_the_rate_reached() -> None:
    rs = _load("""
incentives:
  measures: {sales: {type: money}}
  components:
    - id: c
      label: {zh: 提成, en: Commission}
      base: sales
      method: whole
      brackets: [{from: 0, rate: 1%}, {from: 1万, rate: 2%}]
      floor: 50
""")
    assert rs.pay({}, "2024-01", {"sales": 20000}).total == Decimal("400.00")
    assert rs.pay({}, "2024-01", {"sales": 9999}).total == Decimal("99.99")
    slip = rs.pay({}, "2024-01", {"sales": 100})
    assert slip.total == Decimal("50.00") and "floor" in slip.explain("en")


def test_steps_pay_out_by_the_first_step_reached() -> None:
    rs = _load("""
incentives:
  employee: {kind: {type: enum, values: {a: {zh: 甲, en: A}, b: {zh: 乙, en: B}}}}
  measures: {score: {type: ratio, min: 0, max: 100}}
  components:
    - id: h
      label: {zh: 切块, en: Hold-back}
      holdback:
        withhold: {by: kind, values: {a: 200, b: 100}}
        score: score
        steps: [{from: 90, share: 100%}, {from: 60, share: 50%}]
""")
    paid = {s: rs.pay({"kind": "a"}, "2024-01", {"score": s}).lines[1].amount
            for s in (95, 90, "89.99", 60, 59)}
    assert paid == {95: Decimal(200), 90: Decimal(200), "89.99": Decimal(100),
                    60: Decimal(100), 59: Decimal(0)}


def test_a_component_paid_only_when_its_condition_holds() -> None:
    rs = _load("""
incentives:
  measures: {clients: {type: integer}}
  components:
    - {id: bonus, label: {zh: 奖, en: Bonus}, amount: 500, when: clients >= 3, every: quarter}
""")
    assert rs.pay({}, "2024-Q1", {"clients": 3}).total == Decimal(500)
    slip = rs.pay({}, "2024-Q1", {"clients": 2})
    assert slip.total == 0 and "clients >= 3" in slip.explain("en")
    with pytest.raises(InputError, match="pays nothing per month"):
        rs.pay({}, "2024-01", {"clients": 2})


# -- points: quarterly advances and the year-end balance (D-23) ---------------------------

quarter_points = st.lists(st.decimals(min_value=0, max_value=Decimal("12000"), places=2,
                                      allow_nan=False, allow_infinity=False),
                          min_size=4, max_size=4)


@settings(max_examples=200, deadline=None)
@given(points=quarter_points)
def test_advances_and_the_year_end_balance_add_up_to_the_award(
        yueyang: bigclient.Ruleset, points: list[Decimal]) -> None:
    quarters = [{"philately": p * 100} for p in points]
    s = yueyang.settle_year(EMPLOYEE, quarters, year=2024)
    assert s.advances + s.settlement == s.award
    assert s.settlement >= 0 and s.not_recovered == 0
    assert s.advances == sum((q.advance for q in s.quarters), Decimal(0))
    # each quarter's payslip pays that quarter's advance, computed from the history alone
    for n in range(1, 5):
        slip = yueyang.pay(EMPLOYEE, f"2024-Q{n}", quarters[n - 1], history=quarters[:n - 1])
        assert slip.total == s.quarters[n - 1].advance
    year = yueyang.pay(EMPLOYEE, "2024", {}, history=quarters)
    assert year.amounts()["star_marketing"] == s.settlement


CLAWBACK = """
incentives:
  measures: {points: {type: integer}}
  points:
    id: star
    label: {zh: 星级, en: Star}
    earn: [{measure: points, points: 1}]
    levels:
      - {id: one, label: {zh: 一, en: One}, from: 10, award: 100}
      - {id: two, label: {zh: 二, en: Two}, from: 20, award: 300}
    advance: 100%
    clawback: CLAWBACK
"""


@settings(max_examples=200, deadline=None)
@given(points=st.lists(st.integers(-30, 30), min_size=4, max_size=4),
       clawback=st.booleans())
def test_points_taken_back_are_recovered_only_when_the_ruleset_claws_back(
        points: list[int], clawback: bool) -> None:
    rs = _load(CLAWBACK.replace("CLAWBACK", str(clawback).lower()))
    s = rs.settle_year({}, [{"points": p} for p in points])
    if clawback:
        assert s.advances + s.settlement == s.award and s.not_recovered == 0
    else:
        assert s.settlement >= 0
        assert s.advances + s.settlement - s.not_recovered == s.award
        assert (s.not_recovered > 0) == (s.advances > s.award)


def test_a_quarter_without_its_history_is_refused(yueyang: bigclient.Ruleset) -> None:
    with pytest.raises(InputError, match="every earlier quarter"):
        yueyang.pay(EMPLOYEE, "2024-Q3", {}, history=[{}])
    with pytest.raises(InputError, match="all four quarters"):
        yueyang.settle_year(EMPLOYEE, [{}, {}])
    with pytest.raises(InputError, match="earlier periods"):
        yueyang.pay(EMPLOYEE, "2024-03", {"assessment_score": 1, "business_revenue": 0},
                    history=[{}])


# -- grades, projects, competitions ---------------------------------------------------------


def test_grade_review_is_a_proposal(yueyang: bigclient.Ruleset) -> None:
    r = yueyang.review_grade(EMPLOYEE, "2024-H2", {"half_year_score": 95})
    assert (r.current, r.proposed, r.movement) == ("manager", "principal", "promote")
    assert "office meeting" in r.explain("en") and "局办公会" in r.explain("zh")
    assert r.to_dict()["rule"] == "D-22"


def test_overlapping_grade_rules_are_an_error_not_a_guess() -> None:
    rs = _load("""
incentives:
  employee: {grade: {type: enum, values: {a: {zh: 甲, en: A}, b: {zh: 乙, en: B}}}}
  measures: {s: {type: integer}}
  grades:
    field: grade
    order: [a, b]
    promote: {when: s >= 50}
    demote: {when: s < 60}
""")
    with pytest.raises(bigclient.EvaluationError, match="exclusive"):
        rs.review_grade({"grade": "a"}, "2024-H1", {"s": 55})


def test_competition_refuses_duplicate_teams_and_wrong_periods(
        yueyang: bigclient.Ruleset) -> None:
    team = {"team": "A", "target": 1, "achieved": 1, "project_score": 1}
    with pytest.raises(InputError, match="twice"):
        yueyang.compete("project_contest", [team, team], "2024-Q1")
    with pytest.raises(InputError, match="per quarter"):
        yueyang.compete("project_contest", [team], "2024-03")
    with pytest.raises(InputError, match="not a competition"):
        yueyang.compete("contest", [team], "2024-Q1")
    result = yueyang.compete("project_contest", [team], "2024-Q1")
    assert result.to_dict()["teams"][0]["total"] == "4000.00"  # first prize + organisation


# -- reading -------------------------------------------------------------------------------


def test_periods() -> None:
    assert [str(parse_period(t)) for t in ("2024-03", "2024-q1", "2024-H2", "2024", 2024)] == [
        "2024-03", "2024-Q1", "2024-H2", "2024", "2024"]
    for bad in ("2024-13", "2024-Q5", "24-03", "2024/03", None):
        with pytest.raises(InputError, match="expected a pay period"):
            parse_period(bad)


def test_unknown_employee_field_and_missing_measure_are_refused(
        yueyang: bigclient.Ruleset) -> None:
    with pytest.raises(InputError, match="employment"):
        yueyang.pay({**EMPLOYEE, "employmnet": "regular"}, "2024-03",
                    {"assessment_score": 1, "business_revenue": 0})
    with pytest.raises(InputError, match="business_revenue"):
        yueyang.pay(EMPLOYEE, "2024-03", {"assessment_score": 1})
    with pytest.raises(InputError, match="agency"):
        yueyang.pay({**EMPLOYEE, "employment": "contract"}, "2024-03",
                    {"assessment_score": 1, "business_revenue": 0})


def test_a_pay_ruleset_decides_no_client(yueyang: bigclient.Ruleset) -> None:
    with pytest.raises(InputError, match="no client rules"):
        yueyang.evaluate({})
    problems = _problems("inputs: {x: {type: bool}}\n")
    assert problems[0][0] == "BC103" and "qualification" in problems[0][2]


@pytest.mark.parametrize(("body", "code", "words"), [
    ("""
incentives:
  employee: {level: {type: integer}}
  components:
    - {id: a, label: {zh: 甲, en: A}, amount: {by: level, values: {x: 1}}}
""", "BC901", "not an enum field"),
    ("""
incentives:
  employee: {kind: {type: enum, values: {a: {zh: 甲, en: A}, b: {zh: 乙, en: B}}}}
  components:
    - {id: a, label: {zh: 甲, en: A}, amount: {by: kind, values: {a: 1}}}
""", "BC902", "no amount for b"),
    ("""
incentives:
  components:
    - {id: a, label: {zh: 甲, en: A}, amount: 10, cap: 5, floor: 6}
""", "BC903", "floor"),
    ("""
incentives:
  measures: {s: {type: money}}
  components:
    - {id: a, label: {zh: 甲, en: A}, base: s,
       brackets: [{from: 10, rate: 1%}, {from: 5, rate: 2%}]}
""", "BC904", "lowest first"),
    ("""
incentives:
  measures: {s: {type: money}}
  components:
    - id: a
      label: {zh: 甲, en: A}
      holdback: {withhold: 200, score: s, steps: [{from: 60, share: 50%}, {from: 90, share: 100%}]}
""", "BC905", "highest score first"),
    ("""
incentives:
  employee: {s: {type: money}}
  measures: {s: {type: money}}
""", "BC906", "both"),
    ("""
incentives:
  employee: {g: {type: enum, values: {a: {zh: 甲, en: A}, b: {zh: 乙, en: B}}}}
  measures: {s: {type: money}}
  grades: {field: g, order: [a], promote: {when: s > 1}, demote: {when: s < 0}}
""", "BC907", "every value"),
    ("""
incentives:
  measures: {s: {type: money}}
  points:
    id: p
    label: {zh: 甲, en: A}
    earn: [{measure: sales, points: 1}]
    levels: [{id: one, label: {zh: 一, en: One}, from: 1, award: 1}]
""", "BC908", "not a declared measure"),
    ("""
incentives:
  measures: {s: {type: money}}
  points:
    id: p
    label: {zh: 甲, en: A}
    earn: [{measure: s, points: 1}]
    levels:
      - {id: one, label: {zh: 一, en: One}, from: 10, award: 100}
      - {id: two, label: {zh: 二, en: Two}, from: 5, award: 200}
""", "BC909", "lowest first"),
    ("""
incentives:
  components:
    - {id: a, label: {zh: 甲, en: A}, amount: 1}
    - {id: a, label: {zh: 乙, en: B}, amount: 2}
""", "BC910", "used twice"),
    ("""
incentives:
  components:
    - {id: a, label: {zh: 甲, en: A}, amount: sales * 2}
""", "BC301", "sales"),
])
def test_load_errors_are_located(body: str, code: str, words: str) -> None:
    problems = _problems(body)
    assert any(c == code and words in m and line is not None and line > 6
               for c, line, m in problems), problems


def test_a_component_gives_one_kind_of_amount() -> None:
    problems = _problems("""
incentives:
  measures: {s: {type: money}}
  components:
    - {id: a, label: {zh: 甲, en: A}, amount: 1, base: s, rate: 1%}
""")
    assert any("exactly one of" in m for _c, _l, m in problems)


def test_an_unused_measure_is_noted(yueyang: bigclient.Ruleset) -> None:
    from bigclient.workflow.analysis import analyse
    rs = _load("""
incentives:
  measures: {s: {type: money}, unused: {type: money}}
  components:
    - {id: a, label: {zh: 甲, en: A}, base: s, rate: 1%}
""")
    codes = [p.code for p in analyse(rs)]
    assert "BC912" in codes
    assert "BC912" not in [p.code for p in analyse(yueyang)]


def test_the_award_level_howto_does_what_it_says() -> None:
    """docs/howto/award-levels.md: the revision, its diff, its cases and its pay effect."""
    import re as _re

    from bigclient.workflow.diff import diff_rulesets

    page = (ROOT / "docs" / "howto" / "award-levels.md").read_text(encoding="utf-8")
    code = _re.search(r"```python\n(.*?)```", page, _re.S)
    assert code is not None
    printed: list[str] = []
    namespace = {"print": lambda *a: printed.append(" ".join(str(x) for x in a))}
    exec(compile(code.group(1), "award-levels.md", "exec"), namespace)
    assert printed[0] == "300.00 → 500.00"
    old = bigclient.load(YUEYANG)
    new = bigclient.load(ROOT / "examples" / "revisions" / "yueyang-incentives" / "1.1.0.yaml")
    words = [c.en for c in diff_rulesets(old, new)]
    assert any("star1" in w and "300 → 500" in w for w in words), words
    assert len(words) == 3
    s = new.settle_year(EMPLOYEE, [{"philately": 10000}, {}, {}, {}])
    assert ([q.advance for q in s.quarters], s.award, s.settlement) == (
        [Decimal(400), 0, 0, 0], Decimal(500), Decimal(100))
    text = YUEYANG.read_text(encoding="utf-8").replace(
        "from: 100, award: 300", "from: 100, award: 700")
    with pytest.raises(RulesetError) as info:
        bigclient.load_text(text, "1.1.0.yaml")
    assert [p.code for p in info.value.problems] == ["BC909"]
    assert "lowest first" in str(info.value)


def test_a_period_is_paid_only_by_a_version_in_force_for_all_of_it(
        yueyang: bigclient.Ruleset) -> None:
    new = bigclient.load(ROOT / "examples" / "revisions" / "yueyang-incentives" / "1.1.0.yaml")
    quarters = [{"philately": 10000}, {}, {}, {}]
    with pytest.raises(InputError, match="in force from 2008-01-01"):
        new.pay(EMPLOYEE, "2007", {}, history=quarters)
    with pytest.raises(InputError, match="in force from 2008-01-01"):
        new.settle_year(EMPLOYEE, quarters, year=2007)
    with pytest.raises(InputError, match="in force from 2007-01-01"):
        yueyang.review_grade(EMPLOYEE, "2006-H2", {"half_year_score": 50})
    # the version in force then pays the past period, as it did at the time
    reg = bigclient.Registry(ROOT / "rulesets")
    then = reg.get("yueyang-incentives", on=parse_period("2007").first_day)
    assert then.version == "1.0.0"
    assert then.pay(EMPLOYEE, "2007", {}, history=quarters).total == Decimal(60)  # 300 - 240
    assert parse_period("2024-Q1").last_day.isoformat() == "2024-03-31"
    assert parse_period("2024-02").last_day.isoformat() == "2024-02-29"
    assert parse_period("2024-H2").first_day.isoformat() == "2024-07-01"


def test_a_division_by_zero_in_pay_is_a_plain_error_and_validate_warned() -> None:
    """BC306 warns at validate; at pay time the failure is a bigclient error, never a
    decimal exception for the host to catch."""
    from bigclient.workflow.analysis import analyse
    rs = _load("""
incentives:
  measures: {revenue: {type: money}, clients: {type: integer}}
  components:
    - {id: a, label: {zh: 甲, en: A}, amount: revenue / clients}
""")
    assert "BC306" in [p.code for p in analyse(rs)]
    with pytest.raises(bigclient.EvaluationError, match="pay could not be computed"):
        rs.pay({}, "2024-01", {"revenue": 100, "clients": 0})
    assert rs.pay({}, "2024-01", {"revenue": 100, "clients": 3}).total == Decimal("33.33")

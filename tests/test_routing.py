"""Routing tables (D-13, D-14, D-18): hit policies, the route a decision carries, the
static analysis (gaps, shadowed rows, overlaps) and its exactness."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bigclient.errors import EvaluationError, RulesetError
from bigclient.loading import load_text
from bigclient.ruleset import Ruleset
from bigclient.sections.routing import Route, coverage
from bigclient.workflow.analysis import analyse
from bigclient.workflow.diff import diff_rulesets
from tests.conftest import RULESETS

SHANTOU = (RULESETS / "shantou-postal" / "1.0.0.yaml").read_text(encoding="utf-8")

BASE = """
ruleset: mini
version: 1.0.0
effective: {from: 2009-01-01}
title: {zh: 测试, en: Test}
source: test
lines:
  letters: {zh: 函件, en: Letters}
  parcels: {zh: 包件, en: Parcels}
inputs:
  score_in: {type: integer, label: {zh: 分, en: Score}}
  amount: {type: money, default: 0, label: {zh: 金额, en: Amount}}
  warn: {type: bool, default: false, label: {zh: 预警, en: Warning}}
  scope:
    type: enum
    default: a
    label: {zh: 类型, en: Scope}
    values: {a: {zh: 甲, en: A}, b: {zh: 乙, en: B}, c: {zh: 丙, en: C}}
  rev: {type: money_map, label: {zh: 收入, en: Revenue}}
qualification:
  criteria:
    - {id: yes, label: {zh: 是, en: Yes}, when: score_in >= 0}
    - id: line
      label: {zh: 业务, en: Line}
      per_line:
        compare: {y: rev}
        columns: {y: {zh: 年, en: year}}
        thresholds: {letters: {y: 100}, parcels: {y: 100}}
scoring:
  indicators:
    - {id: s, label: {zh: 分, en: S}, value: score_in, weight: 100%,
       bands: [{from: 90, score: 100}, {from: 50, to: 90, score: 60}, {to: 50, score: 0}]}
  tiers:
    - {id: top, min: 90, label: {zh: 顶, en: Top}}
    - {id: mid, min: 60, label: {zh: 中, en: Mid}}
    - {id: low, min: 0, label: {zh: 低, en: Low}}
flags:
  - {id: warned, when: warn, label: {zh: 预警, en: Warned}}
"""

UNITS = """
  units:
    hq: {zh: 总部, en: HQ}
    city: {zh: 市, en: City}
    county: {zh: 县, en: County}
    line_office: {zh: 专业局, en: Line office}
"""


def _rs(table: str) -> Ruleset:
    return load_text(BASE + "routing:\n" + UNITS + table, "mini.yaml")


def _client(score: int, **more: Any) -> dict[str, Any]:
    return {"score_in": score, **more}


TOP, MID, LOW = 95, 70, 10  # scores giving each tier


# -- hit policies ---------------------------------------------------------------------

def test_first_takes_the_first_matching_row() -> None:
    rs = _rs("""
  hit: first
  columns: [tier, scope]
  rows:
    - {when: {tier: top, scope: b}, unit: city}
    - {when: {tier: top}, unit: hq, managers: ab, rule: D-13}
    - {when: {tier: '-'}, unit: county}
""")
    d = rs.evaluate(_client(TOP, scope="b"))
    assert d.route == Route(unit="city", row=1)
    d = rs.evaluate(_client(TOP, scope="a"))
    assert d.route == Route(unit="hq", managers="ab", row=2, rule="D-13")
    assert rs.evaluate(_client(LOW)).route == Route(unit="county", row=3)


def test_unique_refuses_a_client_two_rows_match() -> None:
    rs = _rs("""
  hit: unique
  columns: [tier, scope]
  rows:
    - {when: {tier: top}, unit: hq}
    - {when: {scope: b}, unit: city}
    - {when: {tier: [mid, low]}, unit: county}
""")
    assert rs.evaluate(_client(TOP, scope="a")).route.unit == "hq"  # type: ignore[union-attr]
    with pytest.raises(EvaluationError, match="rows 1, 2 all match"):
        rs.evaluate(_client(TOP, scope="b"))
    first, second = [p for p in analyse(rs) if p.code == "BC804"]
    assert "rows 1, 2 all match" in first.message and "tier Top, Scope B" in first.message
    assert "rows 2, 3 all match" in second.message


def test_priority_takes_the_unit_listed_first() -> None:
    rs = _rs("""
  hit: priority
  columns: [tier, warn]
  rows:
    - {when: {tier: '-'}, unit: county}
    - {when: {warn: true}, unit: city}
    - {when: {tier: top}, unit: hq}
""")
    assert rs.evaluate(_client(TOP, warn=True)).route.unit == "hq"  # type: ignore[union-attr]
    assert rs.evaluate(_client(LOW, warn=True)).route.unit == "city"  # type: ignore[union-attr]
    assert rs.evaluate(_client(LOW)).route.unit == "county"  # type: ignore[union-attr]


def test_collect_gives_every_matching_row() -> None:
    rs = _rs("""
  hit: collect
  columns: [tier, flags]
  rows:
    - {when: {tier: '-'}, unit: county}
    - {when: {flags: warned}, unit: city, support: hq}
""")
    d = rs.evaluate(_client(MID, warn=True))
    assert [r.unit for r in d.routes] == ["county", "city"] and d.route == d.routes[0]
    assert d.routes[1].support == "hq"
    assert [r.unit for r in rs.evaluate(_client(MID)).routes] == ["county"]


def test_per_line_rows_give_one_route_per_line_met() -> None:
    rs = _rs("""
  hit: first
  columns: [lines]
  rows:
    - {when: {lines: none}, unit: county}
    - {when: {lines: '-'}, unit: line_office, per_line: true}
""")
    d = rs.evaluate(_client(MID, rev={"letters": 100, "parcels": 500}))
    assert [(r.unit, r.line) for r in d.routes] == [("line_office", "letters"),
                                                    ("line_office", "parcels")]
    assert rs.evaluate(_client(MID, rev={"letters": 99})).route.unit == "county"  # type: ignore[union-attr]


def test_number_and_negated_cells() -> None:
    rs = _rs("""
  hit: unique
  columns: [amount, scope]
  rows:
    - {when: {amount: {from: 1万, to: 10万}, scope: {not: c}}, unit: city}
    - {when: {amount: {from: 10万}}, unit: hq}
    - {when: {amount: {to: 1万}}, unit: county}
    - {when: {amount: {from: 1万, to: 10万}, scope: c}, unit: line_office}
""")
    assert rs.evaluate(_client(LOW, amount="1万")).route.unit == "city"  # type: ignore[union-attr]
    assert rs.evaluate(_client(LOW, amount="9999.99")).route.unit == "county"  # type: ignore[union-attr]
    assert rs.evaluate(_client(LOW, amount="10万")).route.unit == "hq"  # type: ignore[union-attr]
    assert rs.evaluate(_client(LOW, amount="2万", scope="c")).route.unit == "line_office"  # type: ignore[union-attr]
    assert not [p for p in analyse(rs) if p.code.startswith("BC80")]


def test_a_client_that_is_not_big_is_not_routed() -> None:
    rs = _rs("""
  hit: first
  columns: [tier]
  rows:
    - {when: {tier: '-'}, unit: county}
""")
    d = rs.evaluate(_client(-1))
    assert not d.qualified and d.route is None and d.routes == ()
    assert "unrouted" not in d.flags


def test_a_gap_is_flagged_never_guessed() -> None:
    rs = _rs("""
  hit: first
  columns: [tier]
  rows:
    - {when: {tier: top}, unit: hq}
""")
    d = rs.evaluate(_client(LOW))
    assert d.route is None and d.flags == ("unrouted",)
    assert "no row of the routing table matches (tier Low)" in d.explain("en")
    assert "路由表没有一行适用于（级别：低）" in d.explain("zh")
    assert json.loads(json.dumps(d.to_dict()))["route"] is None


# -- the analysis -----------------------------------------------------------------------

def test_shantou_table_is_complete_and_shows_the_gap_when_a_row_goes() -> None:
    """D-13: the shipped table covers every tier × scope; without the regional-Silver
    reading the analyser names exactly that gap."""
    assert not [p for p in analyse(load_text(SHANTOU)) if p.code.startswith("BC80")]
    row = next(line for line in SHANTOU.splitlines() if "tier: silver, scope: regional" in line)
    start = SHANTOU.index(row)
    end = SHANTOU.index("\n    #", start)  # the note line that follows belongs to the row
    (gap,) = [p for p in analyse(load_text(SHANTOU[:start] + SHANTOU[end + 1:]))
              if p.code == "BC801"]
    assert gap.severity == "warning"
    assert gap.message.endswith("tier Silver, Client scope Regional")


def test_shadowed_and_impossible_rows_are_named() -> None:
    rs = _rs("""
  hit: first
  columns: [tier, scope]
  rows:
    - {when: {tier: '-'}, unit: county}
    - {when: {tier: top, scope: a}, unit: hq}
""")
    (shadow,) = [p for p in analyse(rs) if p.code == "BC803"]
    assert "row 2 never decides" in shadow.message and shadow.path == ("routing", "rows", 1)
    rs = _rs("""
  hit: first
  columns: [amount]
  rows:
    - {when: {amount: '-'}, unit: county}
    - {when: {amount: [1, 2]}, unit: hq}
""")
    assert [p.code for p in analyse(rs) if p.code.startswith("BC80")] == ["BC803"]


@pytest.mark.parametrize(("cell", "found"), [
    ("{tier: gold}", "'gold' is not one of the values of 'tier': top, mid, low"),
    ("{scope: d}", "'d' is not one of the values of 'scope'"),
    ("{amount: abc}", "abc"),
    ("{warn: maybe}", "column 'warn' is yes/no"),
    ("{tire: top}", "did you mean 'tier'?"),
    ("{tier: []}", "an empty list matches nothing"),
    ("{amount: {from: 5, to: 1}}", "'from' must be below 'to'"),
])
def test_bad_cells_are_located(cell: str, found: str) -> None:
    with pytest.raises(RulesetError) as info:
        _rs(f"""
  hit: first
  columns: [tier, scope, amount, warn]
  rows:
    - {{when: {cell}, unit: county}}
""")
    (problem,) = info.value.problems
    assert found in problem.message and problem.line > 0
    assert problem.path[:3] == ("routing", "rows", 0)


def test_unknown_units_columns_and_cadences() -> None:
    with pytest.raises(RulesetError) as info:
        _rs("""
  hit: first
  columns: [tier, rev, colour]
  rows:
    - {when: {tier: top}, unit: cty, support: hq, cadence: monthly}
    - {when: {tier: '-'}, unit: hq, support: hq}
""")
    messages = [p.message for p in info.value.problems]
    assert any("'rev' is a per-line amount table" in m for m in messages)
    assert any("'colour' is not a column" in m for m in messages)
    assert any("'cty' is not a unit" in m and "did you mean 'city'?" in m for m in messages)
    assert any("declares no cadences" in m for m in messages)
    assert any("supporting unit is the responsible unit itself" in m for m in messages)


# -- exactness: what the analyser calls clean really is ----------------------------------

TIERS = ("top", "mid", "low")
SCOPES = ("a", "b", "c")
BOUNDS = ("0", "100", "1万")

tier_cell = st.one_of(st.just("'-'"), st.lists(st.sampled_from(TIERS), min_size=1,
                                               max_size=2, unique=True).map(
                                                   lambda v: "[" + ", ".join(v) + "]"))
scope_cell = st.one_of(st.just("'-'"), st.sampled_from(SCOPES),
                       st.sampled_from(SCOPES).map(lambda v: "{not: " + v + "}"))
amount_cell = st.one_of(
    st.just("'-'"), st.sampled_from(BOUNDS),
    st.tuples(st.sampled_from(BOUNDS), st.sampled_from(BOUNDS)).filter(
        lambda t: Decimal(t[0].replace("1万", "10000")) < Decimal(t[1].replace("1万", "10000")))
    .map(lambda t: "{from: " + t[0] + ", to: " + t[1] + "}"),
    st.sampled_from(BOUNDS).map(lambda b: "{from: " + b + "}"))
flags_cell = st.sampled_from(["'-'", "warned", "none"])
row = st.tuples(tier_cell, scope_cell, amount_cell, flags_cell)
clients = st.tuples(st.sampled_from([TOP, MID, LOW]), st.sampled_from(SCOPES),
                    st.sampled_from(["-5", "0", "50", "100", "5000", "1万", "2万"]),
                    st.booleans())


def _table(hit: str, rows: list[tuple[str, str, str, str]]) -> str:
    lines = [f"  hit: {hit}", "  columns: [tier, scope, amount, flags]", "  rows:"]
    for t, s, a, f in rows:
        lines.append(f"    - {{when: {{tier: {t}, scope: {s}, amount: {a}, flags: {f}}}, "
                     "unit: county}")
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(st.lists(row, min_size=1, max_size=5), st.lists(clients, min_size=1, max_size=8))
def test_a_table_called_clean_routes_every_client_exactly_once(
        rows: list[tuple[str, str, str, str]],
        sample: list[tuple[int, str, str, bool]]) -> None:
    """Property: under 'unique', if the analyser reports no overlap no client matches two
    rows, and if it reports no gap every big client matches one."""
    rs = _rs(_table("unique", rows))
    table = rs.section("routing")
    cov = coverage(table)
    assert cov is not None
    codes = {p.code for p in analyse(rs)}
    for score, scope, amount, warn in sample:
        env = rs.read_client(_client(score, scope=scope, amount=amount, warn=warn))
        tier = {TOP: "top", MID: "mid", LOW: "low"}[score]
        matched = table.matching(table.values(env, tier, ["warned"] if warn else [], ()))
        if "BC804" not in codes:
            assert len(matched) <= 1
        if "BC801" not in codes:
            assert matched
    assert ("BC801" in codes) == bool(cov.gaps)


# -- explain and diff ------------------------------------------------------------------

def test_explain_names_the_row_the_support_and_the_roles(yueyang: Ruleset) -> None:
    d = yueyang.evaluate({"region": "430602", "revenue_half_year": {"logistics": "10万"},
                          "growth": "0.2"})
    en, zh = d.explain("en"), d.explain("zh")
    assert "Responsible unit: City customer-service department (row 2, D-14)" in en
    assert "supported by: Specialty sub-bureau" in en
    assert "责任单位：市局大客户服务管理部（第 2 行，D-14）" in zh and "协助单位：专业分局" in zh


def test_diff_words_a_changed_row() -> None:
    old = load_text(SHANTOU, "old.yaml")
    new_text = SHANTOU.replace(
        "- {when: {tier: silver, scope: regional}, cadence: standard, unit: county_center",
        "- {when: {tier: silver, scope: regional}, cadence: standard, unit: branch_office")
    changes = diff_rulesets(old, load_text(new_text.replace("version: 1.0.0", "version: 1.0.1"),
                                           "new.yaml"))
    words = [c.en for c in changes]
    assert "Routing row 7, responsible unit: county_center → branch_office" in words

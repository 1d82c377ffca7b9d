"""Assessment scorecards (D-26 Wanzhou KPI + GS, D-27 Jiangxi 100 points): the
``scorecards:`` section, ``Ruleset.assess``, ``Scorecard`` and ``bigclient assess``."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bigclient
from bigclient.cli import main
from bigclient.errors import InputError, RulesetError
from bigclient.workflow.analysis import analyse

ROOT = Path(__file__).resolve().parent.parent
WANZHOU = bigclient.load(ROOT / "rulesets" / "wanzhou-outlets" / "1.0.0.yaml")
JIANGXI = bigclient.load(ROOT / "rulesets" / "jiangxi-postal" / "1.0.0.yaml")

KPI_FACTS = ("savings_growth", "insurance_sales", "wealth_sales", "new_value_clients")
GS_FACTS = ("noncompliant_meetings", "head_maintenance_shortfalls",
            "manager_maintenance_shortfalls")

money = st.decimals(min_value=0, max_value=Decimal("1e9"), places=2, allow_nan=False,
                    allow_infinity=False)
growth = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2,
                     allow_nan=False, allow_infinity=False)
count = st.integers(min_value=0, max_value=200)
ratio = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False,
                    allow_infinity=False)

wanzhou_facts = st.fixed_dictionaries({
    "savings_growth": growth, "insurance_sales": money, "wealth_sales": money,
    "new_value_clients": count, "noncompliant_meetings": count,
    "head_maintenance_shortfalls": count, "manager_maintenance_shortfalls": count})
jiangxi_facts = st.fixed_dictionaries({
    "big_clients": count, "big_clients_target": st.integers(min_value=1, max_value=500),
    "revenue": money, "revenue_target": st.decimals(min_value=1, max_value=Decimal("1e9"),
                                                    places=2, allow_nan=False,
                                                    allow_infinity=False),
    "satisfaction": ratio, "information_rating": ratio, "records_rating": ratio,
    "research_rating": ratio})


def clean(**over: object) -> dict[str, object]:
    facts: dict[str, object] = dict.fromkeys((*KPI_FACTS, *GS_FACTS), 0)
    facts.update(over)
    return facts


# -- properties ------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(facts=st.one_of(wanzhou_facts.map(lambda f: (WANZHOU, f)),
                       jiangxi_facts.map(lambda f: (JIANGXI, f))))
def test_parts_stay_in_range_and_add_up_to_the_total(facts: tuple[bigclient.Ruleset,
                                                                  dict[str, object]]) -> None:
    rs, values = facts
    card = rs.assess(None, values)
    for part in card.parts:
        lo, hi = part.range
        assert lo <= part.points <= hi
        assert part.clamped == (part.points != part.raw)
        assert part.raw == part.start + sum((i.points for i in part.items), Decimal(0))
    assert card.total == sum((p.points for p in card.parts), Decimal(0))
    assert Decimal(0) <= card.total <= Decimal(100)
    assert card.grade is not None  # the lowest grade starts at 0


@settings(max_examples=200, deadline=None)
@given(facts=wanzhou_facts, which=st.sampled_from(KPI_FACTS),
       more=st.decimals(min_value=0, max_value=Decimal("1e8"), places=2, allow_nan=False,
                        allow_infinity=False))
def test_more_kpi_never_lowers_the_score(facts: dict[str, object], which: str,
                                         more: Decimal) -> None:
    before = WANZHOU.assess("outlet", facts)
    bigger = dict(facts)
    step = more.to_integral_value() if which == "new_value_clients" else more
    bigger[which] = Decimal(str(facts[which])) + step
    after = WANZHOU.assess("outlet", bigger)
    assert after.total >= before.total
    assert after.part("kpi").points >= before.part("kpi").points
    assert after.part("gs").points == before.part("gs").points


@settings(max_examples=100, deadline=None)
@given(facts=wanzhou_facts, which=st.sampled_from(GS_FACTS), more=count)
def test_each_occurrence_deducts_two_until_the_floor(facts: dict[str, object], which: str,
                                                     more: int) -> None:
    before = WANZHOU.assess("outlet", facts)
    worse = {**facts, which: int(str(facts[which])) + more}
    after = WANZHOU.assess("outlet", worse)
    gs = after.part("gs")
    assert gs.raw == before.part("gs").raw - 2 * more
    assert gs.points == max(Decimal(0), gs.raw)


def test_gs_floor_and_kpi_cap() -> None:
    floor = WANZHOU.assess(None, clean(noncompliant_meetings=21))
    assert floor.part("gs").points == 0 and floor.part("gs").raw == -2
    assert floor.clamped == ("gs",)
    cap = WANZHOU.assess(None, clean(savings_growth="1500万", insurance_sales="400万",
                                     wealth_sales="500万", new_value_clients=20))
    assert cap.part("kpi").raw == 70 and cap.part("kpi").points == 60
    assert cap.total == 100 and cap.grade == "excellent"


def test_to_dict_and_explain() -> None:
    card = WANZHOU.assess(None, {**clean(noncompliant_meetings=22), "outlet": "白岩"},
                          period="2014-03")
    data = json.loads(json.dumps(card.to_dict()))
    assert data["total"] == "0.00" and data["identity"] == {"outlet": "白岩"}
    assert data["parts"][1]["clamped"] is True
    assert data["parts"][1]["items"][0]["points"] == "-44.00"
    en, zh = card.explain("en"), card.explain("zh")
    assert "22 × -2 (once per noncompliant_meetings)" in en
    assert "clamped to 0 (range 0..40)" in en and "total: 0 + 0 = 0" in en
    assert "按区间 0..40 计为 0" in zh and "总分" in zh and "不合格" in zh
    assert card.items["meetings"].how == "(noncompliant_meetings) × -2"


def test_weighted_attainment_is_held_to_0_1() -> None:
    card = JIANGXI.assess("city_bureau", {
        "big_clients": 300, "big_clients_target": 100, "revenue": 0, "revenue_target": 1,
        "satisfaction": "90%", "information_rating": 1, "records_rating": 1,
        "research_rating": 1})
    assert card.items["clients"].points == 20 and card.items["clients"].value == 3
    assert card.items["revenue"].points == 0
    assert "held to 1" in card.explain()


# -- refusals --------------------------------------------------------------------------


def test_unknown_fact_refused_with_did_you_mean() -> None:
    with pytest.raises(InputError) as exc:
        WANZHOU.assess(None, {**clean(), "savngs_growth": 1})
    assert "did you mean 'savings_growth'?" in str(exc.value)
    with pytest.raises(InputError, match="is required but missing"):
        WANZHOU.assess(None, {k: v for k, v in clean().items() if k != "wealth_sales"})
    with pytest.raises(InputError, match="did you mean 'outlet'"):
        WANZHOU.assess("outlets", clean())
    with pytest.raises(InputError, match="no 'scorecards:' section"):
        bigclient.load(ROOT / "rulesets" / "yueyang-postal" / "1.0.0.yaml").assess(None, {})


HEAD = """\
ruleset: t
version: 1.0.0
effective: {from: 2013-01-01}
title: {zh: 测试, en: Test}
source: test
"""


def _card(parts: str, extra: str = "") -> str:
    return HEAD + f"""\
scorecards:
  - id: c
    label: {{zh: 考核, en: Card}}
    subject: {{zh: 网点, en: outlet}}
    max: 100
    facts:
      a: {{type: integer, min: 0, max: 10, label: {{zh: 甲, en: A}}}}
      b: {{type: money, min: 0, label: {{zh: 乙, en: B}}}}
    parts:
{parts}{extra}"""


GOOD = """\
      - id: p
        label: {zh: 甲, en: P}
        range: [0, 60]
        items:
          - {id: x, label: {zh: 甲, en: X}, points: a * 2}
      - id: q
        label: {zh: 乙, en: Q}
        range: [0, 40]
        start: 40
        items:
          - {id: y, label: {zh: 乙, en: Y}, per: a, points: -2}
"""


def _problems(text: str) -> list[tuple[str, int, str]]:
    with pytest.raises(RulesetError) as exc:
        bigclient.load_text(text, "t.yaml")
    return [(p.code, p.line, p.message) for p in exc.value.problems]


@pytest.mark.parametrize(("bad", "good", "code"), [
    ("points: a * 2}", "points: a * 22 +}", "BC301"),
    ("points: a * 2}", "points: aa * 2}", "BC301"),
    ("per: a, points: -2}", "per: a, points: a}", "BC921"),
    ("per: a, points: -2}", "per: a}", "BC920"),
    ("points: a * 2}", "points: a * 2, weight: 3}", "BC920"),
    ("range: [0, 40]", "range: [40, 0]", "BC922"),
    ("points: a * 2}", "points: a * 2, min: 5, max: 1}", "BC924"),
    ("id: y,", "id: x,", "BC926"),
    ("points: a * 2}", "points: a > 2}", "BC303"),
])
def test_load_errors_are_located(bad: str, good: str, code: str) -> None:
    text = _card(GOOD.replace(bad, good, 1))
    found = _problems(text)
    assert code in [c for c, _line, _m in found], found
    line = next(n for c, n, _m in found if c == code)
    assert line > 5  # inside the scorecard, not at the top of the file


def test_unknown_name_hint_lists_the_facts() -> None:
    with pytest.raises(RulesetError) as exc:
        bigclient.load_text(_card(GOOD.replace("points: a * 2}", "points: zz}")), "t.yaml")
    assert "facts are: a, b" in str(exc.value)
    assert "t.yaml:" in str(exc.value)


def _codes(text: str) -> list[str]:
    return [p.code for p in analyse(bigclient.load_text(text, "t.yaml"))]


def test_static_checks() -> None:
    assert not [c for c in _codes(_card(GOOD)) if c.startswith("BC9")]
    assert "BC930" in _codes(_card(GOOD.replace("range: [0, 60]", "range: [0, 50]")))
    assert "BC931" in _codes(_card(GOOD.replace("points: a * 2}", "points: a * 2, max: 30}")))
    assert "BC932" in _codes(_card(GOOD.replace("points: a * 2}", "points: a * 7}")))
    weighted = GOOD.replace("points: a * 2}", "weight: 50, attainment: b / 100}")
    codes = _codes(_card(weighted))
    assert "BC933" in codes and "BC306" not in codes
    assert "BC306" in _codes(_card(GOOD.replace("points: a * 2}", "points: 5 / b}")))
    assert "BC935" in _codes(_card(GOOD.replace("start: 40", "start: 45")))
    grades = """\
    grades:
      - {id: top, label: {zh: 优, en: Top}, from: 120}
      - {id: ok, label: {zh: 可, en: OK}, from: 10}
"""
    assert _codes(_card(GOOD, grades)).count("BC934") == 2


def test_a_ruleset_of_scorecards_needs_no_inputs_and_refuses_evaluate() -> None:
    rs = bigclient.load_text(_card(GOOD), "t.yaml")
    with pytest.raises(InputError, match="no client rules"):
        rs.evaluate({})
    card = rs.assess(None, {"a": 3, "b": 0})
    assert (card.part("p").points, card.part("q").points, card.total) == (6, 34, 40)


# -- CLI -------------------------------------------------------------------------------


def test_cli_assess(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = "outlet," + ",".join((*KPI_FACTS, *GS_FACTS))
    good = tmp_path / "facts.csv"
    good.write_text(f"{header}\n白岩,500万,100万,50万,10,1,0,0\n龙宝,1500万,400万,500万,20,0,0,0\n"
                    "分水,0,0,0,0,10,6,5\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    ruleset = str(ROOT / "rulesets" / "wanzhou-outlets" / "1.0.0.yaml")
    assert main(["assess", ruleset, str(good), "--period", "2014-03", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").splitlines() == [
        "outlet,period,total,kpi,gs,grade", "白岩,2014-03,59,21,38,fail",
        "龙宝,2014-03,100,60,40,excellent", "分水,2014-03,0,0,0,fail"]
    jsonl = tmp_path / "out.jsonl"
    assert main(["assess", ruleset, str(good), "--json", "-o", str(jsonl)]) == 0
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert [r["clamped"] for r in rows] == [[], ["kpi"], ["gs"]]
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{header}\n白岩,500万,100万,50万,10,1,0,0\n城区,abc,0,0,0,0,0,0\n"
                   "长滩,0,0,0,0,0,0\n龙宝,0,0,0,0,-1,0,0\n", encoding="utf-8")
    out2 = tmp_path / "out2.csv"
    assert main(["assess", ruleset, str(bad), "-o", str(out2)]) == 1
    err = capsys.readouterr().err
    assert "row 3: input 'savings_growth'" in err
    assert "row 4:" in err and "row 5: input 'noncompliant_meetings'" in err
    assert "3 of 4 rows could not be assessed; nothing was written" in err
    assert not out2.exists()
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("branch,savings_growth\nA,1\n", encoding="utf-8")
    assert main(["assess", ruleset, str(unknown)]) == 1
    assert "input 'branch': is not a fact of scorecard 'outlet'" in capsys.readouterr().err
    assert main(["assess", ruleset, str(good), "--scorecard", "nope"]) == 1
    assert main(["assess", ruleset, str(good), "--json", "-o", str(tmp_path / "x.csv")]) == 2

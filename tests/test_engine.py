"""The evaluation engine on the shipped rulesets: properties of D-1…D-8 and the contract."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import bigclient
from bigclient import InputError, Ruleset, RulesetError

LINES = ("savings", "billing", "letters", "philately", "express", "logistics", "parcels",
         "newspapers")
CTX = {"bureau_revenue": "2亿"}
cents = st.integers(0, 300_000_000).map(lambda c: Decimal(c) / 100)
revenue_maps = st.dictionaries(st.sampled_from(LINES), cents, max_size=8)

clients = st.fixed_dictionaries(
    {
        "region": st.sampled_from(["440507", "440511", "440523"]),
        "revenue_prev_year": revenue_maps,
        "revenue_month": revenue_maps,
    },
    optional={
        "agreement_signed": st.booleans(),
        "credit_warning": st.booleans(),
        "scope": st.sampled_from(["comprehensive", "regional", "specialty"]),
        "newspapers_turnover_prev_year": cents,
        "newspapers_turnover_month": cents,
        "newspapers_commission_rate": st.integers(0, 20).map(lambda p: Decimal(p) / 100),
    },
)
FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def rank(rs: Ruleset, tier: str | None) -> int:
    """Higher is better; not a big client is lowest."""
    assert rs.section("scoring") is not None
    return len(rs.section("scoring").tiers) - rs.section("scoring").rank(tier)


# -- properties ---------------------------------------------------------------------

@FAST
@given(client=clients, line=st.sampled_from(LINES), extra=cents,
       which=st.sampled_from(["revenue_prev_year", "revenue_month"]))
def test_more_revenue_never_lowers_tier_or_status(shantou: Ruleset, client: dict[str, Any],
                                                  line: str, extra: Decimal, which: str) -> None:
    """D-1, D-6, D-7: revenue is only ever rewarded."""
    before = shantou.evaluate(client, context=CTX)
    richer = {**client, which: {**client[which], line: client[which].get(line, 0) + extra}}
    after = shantou.evaluate(richer, context=CTX)
    assert after.score is not None and before.score is not None
    assert after.score >= before.score
    assert after.qualified or not before.qualified
    assert rank(shantou, after.tier) >= rank(shantou, before.tier)


@FAST
@given(client=clients, bureau=st.integers(1, 10**10))
def test_score_is_between_0_and_100(shantou: Ruleset, client: dict[str, Any],
                                    bureau: int) -> None:
    """D-6: total = Σ weight × score, range 0–100."""
    d = shantou.evaluate(client, context={"bureau_revenue": bureau})
    assert d.score is not None and Decimal(0) <= d.score <= Decimal(100)
    assert (d.tier is None) == (not d.qualified)


@FAST
@given(st.lists(clients, min_size=1, max_size=20))
def test_evaluate_and_evaluate_many_agree(shantou: Ruleset,
                                          batch: list[dict[str, Any]]) -> None:
    many = list(shantou.evaluate_many(batch, context=CTX))
    assert many == [shantou.evaluate(c, context=CTX) for c in batch]


@FAST
@given(st.lists(st.integers(0, 10_000_000), min_size=3, max_size=3))
def test_four_lines_summing_to_100000_score_the_100000_band(shantou: Ruleset,
                                                            cuts: list[int]) -> None:
    """D-6 money is exact: four float amounts summing to 100,000.00 reach the 10万 band."""
    a, b, c = sorted(cuts)
    parts = [a, b - a, c - b, 10_000_000 - c]  # in fen, summing to exactly 100,000.00 yuan
    amounts = [p / 100 for p in parts]  # floats, as a JSON feed would give them
    client = {"region": "440507", "agreement_signed": True,
              "revenue_prev_year": dict(zip(LINES, amounts, strict=False))}
    d = shantou.evaluate(client, context={"bureau_revenue": "1000亿"})
    assert d.indicators[0].value == Decimal("100000.00")
    assert d.indicators[0].score == 60


def _bands(rs: Ruleset, indicator: str) -> list[Any]:
    assert rs.section("scoring") is not None
    ind = next(i for i in rs.section("scoring").indicators if i.spec.id == indicator)
    return list(ind.bands)


def test_every_revenue_band_includes_its_lower_bound(shantou: Ruleset) -> None:
    """D-6 reading: 以上 includes the bound, a band is from ≤ x < to (read from the ruleset)."""
    bands = _bands(shantou, "revenue")
    for k, band in enumerate(bands):
        at = shantou.evaluate({"region": "440507", "revenue_prev_year": {"savings": band.from_}},
                              context={"bureau_revenue": "1000亿"})
        assert at.indicators[0].score == band.score
        under = shantou.evaluate(
            {"region": "440507", "revenue_prev_year": {"savings": band.from_ - Decimal("0.01")}},
            context={"bureau_revenue": "1000亿"})
        expected_under = bands[k - 1].score if k > 0 else Decimal(0)
        assert under.indicators[0].score == expected_under


def test_every_share_band_includes_its_lower_bound(shantou: Ruleset) -> None:
    bands = _bands(shantou, "share")
    revenue = Decimal(30000)  # below every revenue band
    for k, band in enumerate(bands):
        bureau = revenue / band.from_
        at = shantou.evaluate({"region": "440507", "revenue_prev_year": {"savings": revenue}},
                              context={"bureau_revenue": bureau})
        assert at.indicators[1].value == band.from_
        assert at.indicators[1].score == band.score
        under = shantou.evaluate({"region": "440507", "revenue_prev_year": {"savings": revenue}},
                                 context={"bureau_revenue": bureau + 1})
        assert under.indicators[1].score == (bands[k - 1].score if k > 0 else 0)


def test_tier_cut_offs_include_their_bound(shantou: Ruleset) -> None:
    """D-7: each lower bound included. Exact cut-offs are unreachable through Shantou's bands,
    so the tier function is checked directly at and just under every cut-off."""
    scoring = shantou.section("scoring")
    assert scoring is not None
    tiers = [(t.min, t.id) for t in scoring.spec.tiers]
    assert [t for _, t in tiers] == ["diamond", "gold", "silver", "general"]
    for k, (cut, tid) in enumerate(tiers):
        assert scoring.tier_of(cut) == tid
        if cut > 0:
            assert scoring.tier_of(cut - Decimal("0.01")) == tiers[k + 1][1]
    assert scoring.tier_of(Decimal(100)) == "diamond"


def test_yaml_round_trip_keeps_meaning(shantou: Ruleset) -> None:
    """Dumping the validated model and loading it again decides every sample alike."""
    data = shantou.spec.model_dump(by_alias=True, mode="json", exclude_none=True)
    again = bigclient.load_text(yaml.safe_dump(data, allow_unicode=True), "roundtrip.yaml")
    assert again.spec == shantou.spec
    samples = [{"region": "440507", "revenue_prev_year": {"savings": x * 7919},
                "revenue_month": {"letters": x * 13}, "agreement_signed": x % 5 == 0}
               for x in range(0, 400, 7)]
    assert list(again.evaluate_many(samples, context=CTX)) == list(
        shantou.evaluate_many(samples, context=CTX))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(clients, min_size=1, max_size=5))
def test_round_trip_property(shantou: Ruleset, batch: list[dict[str, Any]]) -> None:
    data = shantou.spec.model_dump(by_alias=True, mode="json", exclude_none=True)
    again = bigclient.load_text(yaml.safe_dump(data, allow_unicode=True))
    assert [again.evaluate(c, context=CTX).to_dict()["tier"] for c in batch] == [
        shantou.evaluate(c, context=CTX).to_dict()["tier"] for c in batch]


def test_threads_share_a_ruleset_safely(shantou: Ruleset) -> None:
    """PITFALLS: a shared simpleeval instance gave wrong results across threads; ours holds
    no mutable state."""
    batch = [{"region": "440507", "revenue_prev_year": {"express": i * 1000},
              "revenue_month": {"express": i * 100}} for i in range(400)]
    expected = [shantou.evaluate(c, context=CTX).to_dict() for c in batch]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda c: shantou.evaluate(c, context=CTX).to_dict(), batch))
    assert got == expected


# -- the contract ---------------------------------------------------------------------

def test_decision_fields_and_dict(shantou: Ruleset) -> None:
    d = shantou.evaluate({"region": "440507", "revenue_prev_year": {"logistics": "150万"},
                          "revenue_month": {"logistics": 6000}, "credit_warning": True},
                         context={"bureau_revenue": "10亿"})
    assert d.qualified is True
    assert d.criteria == ("comprehensive", "specialty:logistics")
    assert d.score == Decimal("92")
    assert (d.computed_tier, d.tier) == ("diamond", "diamond")
    assert d.flags == ("credit_warning",)
    assert d.route is not None and d.route.unit == "province_center"  # D-13
    assert d.routes == (d.route,)
    as_json = json.loads(json.dumps(d.to_dict()))
    assert as_json["route"]["unit"] == "province_center" and as_json["route"]["row"] == 1
    assert as_json["score"] == "92.00" and as_json["tier"] == "diamond"
    assert as_json["indicators"]["share"]["value"] == "0.0015"


def test_explain_in_both_languages(shantou: Ruleset) -> None:
    d = shantou.evaluate({"region": "440507", "revenue_prev_year": {"logistics": "150万"},
                          "agreement_signed": True}, context={"bureau_revenue": "10亿"})
    zh, en = d.explain("zh"), d.explain("en")
    for text in ("钻石", "业务收入", "收入比重", "信用度", "暂不计分", "物流"):
        assert text in zh
    for text in ("Diamond", "1,500,000 (150万) ≤ x", "weight 60%", "D-6", "not scored"):
        assert text in en


def test_header_properties(shantou: Ruleset) -> None:
    assert shantou.id == "shantou-postal"
    assert shantou.version == "1.0.0"
    assert str(shantou.effective_from) == "2008-01-01"


def test_load_folder_gives_newest_version(tmp_path: Any) -> None:
    from tests.conftest import RULESETS

    folder = tmp_path / "demo"
    folder.mkdir()
    text = (RULESETS / "shantou-postal" / "1.0.0.yaml").read_text(encoding="utf-8")
    (folder / "1.0.0.yaml").write_text(text, encoding="utf-8")
    (folder / "1.10.0.yaml").write_text(text.replace("version: 1.0.0", "version: 1.10.0"),
                                        encoding="utf-8")
    (folder / "1.9.0.yaml").write_text(text.replace("version: 1.0.0", "version: 1.9.0"),
                                       encoding="utf-8")
    assert bigclient.load(folder).version == "1.10.0"  # semantic, not text, order
    (folder / "2.0.0.yaml").write_text(text, encoding="utf-8")  # declares 1.0.0
    with pytest.raises(RulesetError) as info:
        bigclient.load(folder)
    assert "named 2.0.0.yaml but declares version 1.0.0" in str(info.value)


# -- inputs ---------------------------------------------------------------------------

def test_input_error_names_every_bad_field(shantou: Ruleset) -> None:
    with pytest.raises(InputError) as info:
        shantou.evaluate({"region": "44050", "revenue_prev_year": {"savngs": 1},
                          "scope": "global"}, context=CTX)
    text = str(info.value)
    assert "input 'region': expected 6 digits" in text and "[0-9]" not in text
    assert "did you mean 'savings'" in text
    assert "input 'scope'" in text and "comprehensive" in text


def test_missing_required_input_and_context(shantou: Ruleset) -> None:
    with pytest.raises(InputError) as info:
        shantou.evaluate({}, context=CTX)
    assert info.value.field == "region"
    with pytest.raises(InputError) as info:
        shantou.evaluate({"region": "440507"})
    assert info.value.field == "context.bureau_revenue"


def test_zero_bureau_revenue_is_refused_as_input(shantou: Ruleset) -> None:
    with pytest.raises(InputError) as info:
        shantou.evaluate({"region": "440507"}, context={"bureau_revenue": 0})
    assert "at least 1" in str(info.value)


def test_csv_style_records_are_read(shantou: Ruleset) -> None:
    """Flattened columns, text booleans and empty cells, as in examples/clients.csv."""
    row = {"region": "440507", "agreement_signed": "false", "credit_warning": "",
           "revenue_prev_year.savings": "20000", "revenue_prev_year.letters": "",
           "revenue_month.savings": "2000.00", "scope": ""}
    d = shantou.evaluate(row, context=CTX)
    assert d.criteria == ("comprehensive", "specialty:savings")


def test_input_model_is_generated(shantou: Ruleset) -> None:
    model = shantou.input_model
    ok = model.model_validate({"region": "440507", "revenue_prev_year": {"savings": "1.2万"}})
    assert ok.revenue_prev_year["savings"] == Decimal(12000)  # type: ignore[attr-defined]
    d = shantou.evaluate(ok, context=CTX)
    assert d.score is not None
    with pytest.raises(ValidationError):
        model.model_validate({"region": "x"})
    schema = model.model_json_schema()
    assert "region" in schema["required"]


def test_integers_from_json_are_decimal_not_float(shantou: Ruleset) -> None:
    d = shantou.evaluate({"region": 440507, "revenue_prev_year": {"savings": 32912.99}},
                         context={"bureau_revenue": 100000000})
    assert d.values["revenue_prev_year"]["savings"] == Decimal("32912.99")
    assert d.values["region"] == "440507"


# -- malformed rulesets fail at load, located ----------------------------------------

BASE = (Path := __import__("pathlib").Path)(__file__).resolve().parent.parent / "rulesets"


def shantou_text() -> str:
    return (BASE / "shantou-postal" / "1.0.0.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "code", "fragment"),
    [
        ("value: revenue_prev_year_total\n", "value: revenue_prev_yaer_total\n", "BC301",
         "did you mean 'revenue_prev_year_total'"),
        ("weight: 40%", "weight: 30%", "BC211", "90%, not 100%"),
        ("{id: diamond, min: 90", "{id: diamond, min: 190", "BC221", "0-100"),
        ("      weight: 60%\n", "      weigth: 60%\n", "BC102", "did you mean 'weight'"),
        ("      label: {zh: 业务收入", "      labels: {zh: 业务收入", "BC102",
         "did you mean 'label'"),
        ("effective:\n", "effectiv:\n", "BC102", "did you mean 'effective'"),
        ("  bureau_revenue:\n    type: money\n", "  bureau_revenue:\n", "BC103", "'type'"),
        ("{from: 100万, to: 150万, score: 90}", "{from: 100万, to: 160万, score: 90}", "BC202",
         "overlaps"),
        ("    - {id: gold,    min: 75", "    - {id: gold,    min: 95", "BC222", "highest"),
        ("version: 1.0.0", "version: 1.0", "BC100", "three numbers"),
        ("      weight: 0\n", "      weight: 5%\n", "BC212", "disabled"),
        ("scope:\n    type: enum", "scope:\n    type: enum_", "BC100", "expected"),
    ],
)
def test_malformed_ruleset_fails_at_load_located(old: str, new: str, code: str,
                                                 fragment: str) -> None:
    text = shantou_text()
    assert old in text, old
    broken = text.replace(old, new, 1)
    line = text[: text.index(old)].count("\n") + 1
    with pytest.raises(RulesetError) as info:
        bigclient.load_text(broken, "broken.yaml")
    problems = info.value.problems
    assert any(p.code == code for p in problems), [str(p) for p in problems]
    hit = next(p for p in problems if p.code == code)
    assert fragment in str(hit)
    assert hit.file == "broken.yaml" and hit.line > 0
    if code not in ("BC211",):
        assert abs(hit.line - line) <= 1, (hit.line, line)


# -- PITFALLS: no float ever meets a Decimal; the caller's data is never changed -------------

@FAST
@given(client=clients, as_float=st.booleans())
def test_no_float_decimal_mixing(shantou: Ruleset, client: dict[str, Any],
                                 as_float: bool) -> None:
    """With FloatOperation trapped, any float reaching Decimal arithmetic would raise."""
    import copy
    import decimal

    if as_float:  # a JSON feed delivers floats
        client = {**client, "revenue_prev_year": {k: float(v) for k, v in
                                                  client["revenue_prev_year"].items()}}
    before = copy.deepcopy(client)
    with decimal.localcontext() as ctx:
        ctx.traps[decimal.FloatOperation] = True
        d = shantou.evaluate(client, context={"bureau_revenue": 123456789.5})
    assert isinstance(d.score, Decimal)
    assert client == before  # simpleeval's facts.clear() trap: inputs are never mutated


# -- a minimal ruleset: all-of criteria, exclude flags, runtime arithmetic errors ------------

MINIMAL = """
ruleset: minimal
version: 0.1.0
effective: {from: 2020-01-01}
title: {zh: 最小, en: Minimal}
source: tests
inputs:
  a: {type: money, label: {zh: 甲, en: A}}
  b: {type: money, default: 0, label: {zh: 乙, en: B}}
  banned: {type: bool, default: false, label: {zh: 禁, en: Banned}}
qualification:
  combine: all
  criteria:
    - {id: big-a, label: {zh: 甲大, en: A is big}, when: a >= 100}
    - {id: some-b, label: {zh: 乙有, en: B is some}, when: b > 0}
scoring:
  indicators:
    - id: ratio
      label: {zh: 比, en: Ratio}
      value: a / b
      weight: 100%
      monotone: none
      bands: [{from: 0, to: 1, score: 10}, {from: 1, score: 100}]
  tiers:
    - {id: top, min: 50, label: {zh: 上, en: Top}}
    - {id: rest, min: 0, label: {zh: 下, en: Rest}}
flags:
  - {id: banned, when: banned, exclude: true, label: {zh: 禁止, en: Banned}}
"""


def test_all_of_criteria_and_exclude_flag() -> None:
    rs = bigclient.load_text(MINIMAL, "minimal.yaml")
    both = rs.evaluate({"a": 200, "b": 100})
    assert (both.qualified, both.criteria, both.tier) == (True, ("big-a", "some-b"), "top")
    one = rs.evaluate({"a": 200, "b": 300})
    assert (one.qualified, one.tier) == (True, "rest")
    assert rs.evaluate({"a": 50, "b": 100}).qualified is False  # all: one criterion is not enough
    banned = rs.evaluate({"a": 200, "b": 100, "banned": True})
    assert (banned.qualified, banned.tier, banned.flags) == (False, None, ("banned",))
    assert "excluded by flag banned" in banned.explain()


def test_division_by_zero_at_evaluation_is_a_plain_error() -> None:
    rs = bigclient.load_text(MINIMAL, "minimal.yaml")
    with pytest.raises(bigclient.EvaluationError) as info:
        rs.evaluate({"a": 200})
    assert "divisor" in str(info.value) and "minimal 0.1.0" in str(info.value)

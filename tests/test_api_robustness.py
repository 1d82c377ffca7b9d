"""The API raises only bigclient errors, numbers bad rows as the CLI does, and every
decision it returns explains itself (issue 7)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bigclient import BadRow, BigClientError, Decision, EvaluationError, InputError, Ruleset
from bigclient.cli import main

ROOT = Path(__file__).resolve().parent.parent
CTX = {"bureau_revenue": "2亿"}
OK = {"region": "440507", "revenue_prev_year": {"savings": "2万"},
      "revenue_month": {"savings": 2000}}
LINES = ("savings", "billing", "letters", "philately", "express", "logistics", "parcels",
         "newspapers")
FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


BIG = "9" * 200_000
BAD_CLIENTS: dict[str, Any] = {
    "200KB text cell": {**OK, "region": BIG},
    "200KB money cell": {**OK, "newspapers_turnover_month": BIG},
    "200KB enum cell": {**OK, "scope": BIG},
    "200KB bool cell": {**OK, "agreement_signed": BIG},
    "200KB date-free line": {**OK, "revenue_month": {"savings": BIG}},
    "overflowing amount": {**OK, "revenue_month": {"savings": "1" + "亿" * 1000}},
    "5000-digit int money": {**OK, "newspapers_turnover_month": 10**5000},
    "5000-digit int text": {**OK, "region": 10**5000},
    "5000-digit int in a line": {**OK, "revenue_month": {"savings": 10**5000}},
    "1e999999": {**OK, "newspapers_turnover_month": "1e999999"},
    "float inf": {**OK, "newspapers_turnover_month": float("inf")},
    "deep dict value": {**OK, "revenue_month": nested(5000)},
    "deep dict in a line": {**OK, "revenue_month": {"savings": nested(5000)}},
    "deep dict in a text": {**OK, "region": nested(5000)},
    "list for a number": {**OK, "newspapers_turnover_month": [1, 2]},
    "list for a table": {**OK, "revenue_month": [1, 2]},
    "None required": {**OK, "region": None},
    "None everywhere": dict.fromkeys(OK),
    "dict key not text": {**OK, 5: "x"},
    "tuple key": {**OK, ("a", 1): "x"},
    "not a mapping (list)": [("region", "440507")],
    "not a mapping (None)": None,
    "not a mapping (text)": "region=440507",
    "identity not text": {**OK, "client_id": {"a": 1}},
}


@pytest.mark.parametrize("client", list(BAD_CLIENTS.values()), ids=list(BAD_CLIENTS))
def test_bad_client_raises_only_a_bigclient_error(shantou: Ruleset, client: Any) -> None:
    with pytest.raises(BigClientError) as info:
        shantou.evaluate(client, context=CTX)
    assert isinstance(info.value, InputError | EvaluationError)
    assert len(str(info.value)) < 2000  # readable: no 200 KB echo, no traceback
    with pytest.raises(BigClientError):
        list(shantou.evaluate_many([client], context=CTX))


@pytest.mark.parametrize("context", [None, [1], "2亿", {"bureau_revenue": nested(5000)},
                                     {"bureau_revenue": 10**5000}, {"bureau_revenue": BIG}],
                         ids=["none", "list", "text", "deep", "int5000", "200KB"])
def test_bad_context_raises_only_a_bigclient_error(shantou: Ruleset, context: Any) -> None:
    with pytest.raises(BigClientError):
        shantou.evaluate(OK, context=context)


@pytest.mark.parametrize("override", [
    "diamond", {"tier": ["diamond"], "approved_by": {"a": 1}, "reason": 1, "date": 5},
    {"tier": "diamond", "approved_by": "province_center", "reason": "r", "date": "2008-13-45"},
    {"tier": "diamond", "approved_by": "province_center", "reason": "r", "date": "2008-01-01",
     "expires": nested(3000)},
])
def test_bad_override_raises_only_a_bigclient_error(shantou: Ruleset, override: Any) -> None:
    try:
        d = shantou.evaluate(OK, context=CTX, override=override)
    except BigClientError:
        return
    d.explain("zh")  # accepted (and refused by its own rules): still explains itself


def test_bad_evaluation_date_is_a_bigclient_error(shantou: Ruleset) -> None:
    override = {"tier": "diamond", "approved_by": "province_center", "reason": "r",
                "date": "2008-01-01"}
    with pytest.raises(BigClientError):
        shantou.evaluate(OK, context=CTX, override=override, on="2008-06-01")  # type: ignore


# -- explain() works for every decision evaluate returns --------------------------------

cents = st.integers(0, 300_000_000).map(lambda c: Decimal(c) / 100)
amounts = st.one_of(cents, cents.map(str), st.sampled_from(["1.2万", "150万", "", None, "0"]))
revenue = st.dictionaries(st.sampled_from(LINES), amounts, max_size=8)
overrides = st.one_of(st.none(), st.fixed_dictionaries({
    "tier": st.sampled_from(["diamond", "gold", "silver", "general", "platinum"]),
    "approved_by": st.sampled_from(["province_center", "city_center", "someone"]),
    "reason": st.just("strategic client"),
    "date": st.dates(dt.date(2007, 1, 1), dt.date(2009, 12, 31)).map(str),
}, optional={"expires": st.dates(dt.date(2007, 1, 1), dt.date(2010, 12, 31)).map(str)}))
clients = st.fixed_dictionaries(
    {"region": st.sampled_from(["440507", "440511"]), "revenue_prev_year": revenue,
     "revenue_month": revenue},
    optional={"agreement_signed": st.sampled_from([True, False, "是", "否", "yes", ""]),
              "credit_warning": st.booleans(),
              "scope": st.sampled_from(["comprehensive", "regional", "specialty"]),
              "newspapers_turnover_prev_year": amounts,
              "newspapers_commission_rate": st.sampled_from(["3%", "0.1", "5‰", 0]),
              "client_id": st.text(max_size=10), "name": st.text(max_size=10)})


@FAST
@given(client=clients, override=overrides,
       on=st.one_of(st.none(), st.dates(dt.date(2007, 1, 1), dt.date(2010, 1, 1))))
def test_every_decision_explains_itself(shantou: Ruleset, client: dict[str, Any],
                                        override: dict[str, Any] | None,
                                        on: dt.date | None) -> None:
    d = shantou.evaluate(client, context=CTX, override=override, on=on)
    for lang in ("zh", "en"):
        assert d.explain(lang)
    json.dumps(d.to_dict(), ensure_ascii=False)
    if d.tier is not None:
        assert d.tier_label is not None and d.tier_label.zh in d.explain("zh")


# -- evaluate_many(errors="raise" | "collect") -------------------------------------------

ROWS = [OK, {**OK, "agreemnt_signed": True}, OK, {**OK, "region": "x"}, OK]


def test_evaluate_many_raises_at_the_first_bad_row_with_its_number(shantou: Ruleset) -> None:
    seen = []
    with pytest.raises(InputError) as info:
        for d in shantou.evaluate_many(ROWS, context=CTX):
            seen.append(d)
    assert len(seen) == 1 and info.value.row == 2 and "row 2:" in str(info.value)


def test_evaluate_many_collects_bad_rows_and_goes_on(shantou: Ruleset) -> None:
    out = list(shantou.evaluate_many(ROWS, context=CTX, errors="collect"))
    assert [type(x).__name__ for x in out] == ["Decision", "BadRow", "Decision", "BadRow",
                                                "Decision"]
    bad = [x for x in out if isinstance(x, BadRow)]
    assert [b.row for b in bad] == [2, 4]
    assert isinstance(bad[0].error, InputError) and bad[0].error.field == "agreemnt_signed"
    assert bad[0].record is ROWS[1] and "row 2" in str(bad[0])
    assert not bad[0].qualified
    assert [x for x in out if isinstance(x, Decision)] == [shantou.evaluate(OK, context=CTX)] * 3


def test_evaluate_many_refuses_an_unknown_error_mode(shantou: Ruleset) -> None:
    with pytest.raises(ValueError, match="collect"):
        list(shantou.evaluate_many(ROWS, context=CTX, errors="ignore"))  # type: ignore


def test_evaluate_many_numbers_rows_as_the_cli_does(shantou: Ruleset, tmp_path: Path) -> None:
    """CSV: the header is row 1, so start=2 gives the CLI's numbers for csv.DictReader rows."""
    path = tmp_path / "in.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["client_id", "region", "revenue_month.savings", "agreement_signed"])
        w.writerow(["C1", "440507", "2000", "maybe"])
        w.writerow(["C2", "4405", "2000", ""])
    out = tmp_path / "out.csv"
    main(["evaluate", str(ROOT / "rulesets/shantou-postal/1.0.0.yaml"), str(path), "-o",
          str(out), "--set", "bureau_revenue=2亿"])
    cli_rows = [int(r["row"]) for r in csv.DictReader(out.open(encoding="utf-8"))
                if r["error"]]
    with path.open(encoding="utf-8", newline="") as fh:
        api = list(shantou.evaluate_many(csv.DictReader(fh), context=CTX, errors="collect",
                                         start=2))
    assert [b.row for b in api if isinstance(b, BadRow)] == cli_rows == [2, 3]


def test_decision_exposes_its_tier_label(shantou: Ruleset) -> None:
    d = shantou.evaluate({**OK, "revenue_prev_year": {"savings": "150万"}}, context=CTX)
    assert d.tier == "diamond"
    assert d.tier_label is not None
    assert (d.tier_label.zh, d.tier_label.en) == ("钻石", "Diamond")
    assert d.tier_label("zh") == "钻石"
    none = shantou.evaluate({"region": "440507"}, context=CTX)
    assert none.tier is None and none.tier_label is None

"""The compiled scalar path (bigclient.fused): one generated function per ruleset must make
the very decision the section-by-section reference path makes — same tier, score,
criteria, flags, routes, values, indicators and explanation — and, for a bad record, raise
the very same error. Issue 11."""

from __future__ import annotations

import pickle
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bigclient
from bigclient.errors import BigClientError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
from generate import LINES, clients  # noqa: E402

SHANTOU = (ROOT / "rulesets" / "shantou-postal" / "1.0.0.yaml").read_text(encoding="utf-8")
CTX = {"bureau_revenue": Decimal("200000000")}


def outcome(rs: bigclient.Ruleset, record: Any, ctx: dict[str, Any], *,
            fused: bool) -> Any:
    """Everything a caller can see of one decision, or of its error."""
    try:
        d = rs.decide(record, ctx) if fused else rs._reference(record, ctx)
    except BigClientError as exc:
        return ("error", type(exc).__name__, str(exc), getattr(exc, "field", None))
    return (d.to_dict(), dict(d.values), d.indicators, d.notes, d.explain("en"),
            d.explain("zh"))


def same(rs: bigclient.Ruleset, record: Any, ctx: dict[str, Any]) -> None:
    assert outcome(rs, record, ctx, fused=True) == outcome(rs, record, ctx, fused=False)


# -- what records look like: a host's Decimals, CSV text, and every kind of mistake --------
THRESHOLDS = [Decimal(x) for x in ("1000", "10000", "20000", "2000", "100000", "300000",
                                   "500000", "1000000", "1500000", "600000", "200000")]
amounts = st.one_of(  # what a host or a CSV file sends, all of it acceptable
    st.decimals(min_value=0, max_value=Decimal("2e6"), places=2),
    st.sampled_from(THRESHOLDS).flatmap(lambda t: st.sampled_from(
        [t, t - Decimal("0.01"), t + Decimal("0.01"), t.quantize(Decimal("0.0001"))])),
    st.sampled_from([Decimal("1e18"), Decimal("1E-9"), Decimal("-0"), Decimal("12.3400"),
                     Decimal("0.123456789"), "1.2万", "5000", " 3000 ", "", 7, None]))
bad_amounts = st.sampled_from([Decimal("-1"), Decimal("NaN"), Decimal("Infinity"),
                               Decimal("1e19"), Decimal("0.123456789012345678901234567891"),
                               "abc", "3‰", True, [1]])
ratios = st.one_of(st.decimals(min_value=0, max_value=1, places=4),
                   st.sampled_from(["12%", "0.3", "3‰", None]))
bools = st.sampled_from([True, False, "是", "否", "yes", 1, 0, None])
scopes = st.sampled_from(["comprehensive", "regional", "specialty", " regional", None])
idents = st.sampled_from(["C001", "汕头某公司", 12345, None])
tables = st.dictionaries(st.sampled_from(LINES), amounts, max_size=4)
MISTAKES: dict[str, Any] = {  # one wrong value per field, as staff or a host might send it
    "revenue_prev_year": st.one_of(st.sampled_from(["savings: 1", 5, [1]]),
                                   st.dictionaries(st.sampled_from(["savngs", "savings"]),
                                                   bad_amounts, min_size=1, max_size=1)),
    "revenue_month": st.just({"parcel": Decimal(1)}),
    "newspapers_turnover_prev_year": bad_amounts, "newspapers_turnover_month": bad_amounts,
    "newspapers_commission_rate": st.sampled_from([Decimal("1.5"), "abc", Decimal("-0.1")]),
    "newspapers_other_revenue_month": bad_amounts,
    "agreement_signed": st.sampled_from(["maybe", 2, Decimal(1)]),
    "credit_warning": st.sampled_from(["maybe", 2]),
    "scope": st.sampled_from(["x", "Regional", 3]),
    "region": st.sampled_from(["4405", 440507, "", None, "x" * 2000]),
    "client_id": st.sampled_from(["x" * 1001, 1.5, 2**300]),
    "agreemnt_signed": st.just(True), "revenue_month.savings": st.just("1"),
}


@st.composite
def shantou_records(draw: st.DrawFn) -> dict[str, Any]:
    """A record that is mostly right: most draws are decided, some carry one or two
    mistakes (a bad value, a misspelt key, a table given in two forms)."""
    rec: dict[str, Any] = {
        "revenue_prev_year": draw(tables), "revenue_month": draw(tables),
        "newspapers_turnover_prev_year": draw(amounts),
        "newspapers_turnover_month": draw(amounts),
        "newspapers_commission_rate": draw(ratios),
        "newspapers_other_revenue_month": draw(amounts),
        "agreement_signed": draw(bools), "credit_warning": draw(bools),
        "scope": draw(scopes), "region": draw(st.sampled_from(["440507", "440511", 440512])),
        "client_id": draw(idents), "name": draw(idents),
    }
    rec = {k: v for k, v in rec.items() if v is not None or draw(st.booleans())}
    if draw(st.booleans()):  # CSV form: the table as dotted columns
        table = rec.pop("revenue_month", None)
        if isinstance(table, dict):
            rec.update({f"revenue_month.{k}": v for k, v in table.items()})
    n = draw(st.sampled_from([0, 0, 1, 2]))
    for key in draw(st.lists(st.sampled_from(sorted(MISTAKES)), min_size=n, max_size=n)):
        rec[key] = draw(MISTAKES[key])
    return rec


@pytest.fixture(scope="module")
def variants() -> list[bigclient.Ruleset]:
    """Shantou, and Shantou with what its shipped file does not use: a flag that excludes,
    a flag that caps the tier, every criterion required."""
    flags_extra = ("  - id: tiny_regional\n"
                   "    when: scope == 'regional' and revenue_prev_year_total < 2万\n"
                   "    label: {zh: 小区域客户, en: Small regional client}\n"
                   "    exclude: true\n")
    capped = SHANTOU.replace("    when: credit_warning\n",
                             "    when: credit_warning\n    cap: silver\n", 1)
    head, sep, tail = capped.partition("\ncontacts:")
    capped = head + "\n" + flags_extra.rstrip("\n") + sep + tail
    every = SHANTOU.replace("  combine: any", "  combine: all", 1)
    out = [bigclient.load_text(SHANTOU, "shantou.yaml"),
           bigclient.load_text(capped, "capped.yaml"),
           bigclient.load_text(every, "every.yaml")]
    assert "exclude" in capped and "cap: silver" in capped
    return out


def test_the_shipped_client_rulesets_are_fused(shantou: bigclient.Ruleset,
                                               yueyang: bigclient.Ruleset) -> None:
    for rs in (shantou, yueyang):
        assert rs._fused is not None, rs.id
        assert "def decide(rec, ctx, row=None):" in rs._fused.source


def test_variants_are_fused(variants: list[bigclient.Ruleset]) -> None:
    assert all(rs._fused is not None for rs in variants)
    assert "notes = notes + (('excluded'" in variants[1]._fused.source
    assert "computed = 'silver'" in variants[1]._fused.source
    assert "qualified = groups == 3" in variants[2]._fused.source


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=shantou_records(), which=st.integers(0, 2))
def test_fused_equals_reference_on_any_record(variants: list[bigclient.Ruleset],
                                              record: dict[str, Any], which: int) -> None:
    rs = variants[which]
    same(rs, record, rs.read_context(CTX))


@settings(max_examples=300, deadline=None)
@given(half=st.dictionaries(st.sampled_from(["savings", "billing", "express", "parcel"]),
                            st.one_of(amounts, bad_amounts), max_size=3),
       growth=ratios, agreement=bools, credit=bools,
       region=st.sampled_from(["430602", "4306", 430602, None]))
def test_fused_equals_reference_yueyang(yueyang: bigclient.Ruleset, half: dict[str, Any],
                                        growth: Any, agreement: Any, credit: Any,
                                        region: Any) -> None:
    names = [n for n in yueyang.spec.inputs]
    record: dict[str, Any] = {}
    for name in names:
        spec = yueyang.spec.inputs[name]
        record[name] = {"money_map": half, "ratio": growth, "bool": agreement,
                        "text": region}.get(spec.type, credit)
    same(yueyang, {k: v for k, v in record.items() if v is not None}, yueyang.read_context({}))


def test_good_records_never_leave_the_fused_path(shantou: bigclient.Ruleset) -> None:
    """The generated clients, as a host holds them and as CSV text, are decided by the
    fused function itself: the reference path is never asked."""
    fused = shantou._fused
    assert fused is not None
    names = fused.decide.__globals__
    asked: list[Any] = []
    reference = names["slow"]
    names["slow"] = lambda *a: asked.append(a) or reference(*a)
    try:
        ctx = shantou.read_context(CTX)
        text_rows = list(clients(300, 11))
        for row in text_rows:
            same(shantou, row, ctx)
        host = [{**{k: v for k, v in r.items() if "." not in k},
                 "revenue_prev_year": {k.split(".")[1]: Decimal(v) for k, v in r.items()
                                       if k.startswith("revenue_prev_year.")},
                 "revenue_month": {k.split(".")[1]: Decimal(v) for k, v in r.items()
                                   if k.startswith("revenue_month.")}} for r in text_rows]
        for row in host:
            shantou.decide(row, ctx)
    finally:
        names["slow"] = reference
    assert asked == []


def test_a_bad_record_gets_the_reference_error(shantou: bigclient.Ruleset) -> None:
    ctx = shantou.read_context(CTX)
    bad = {"revenue_prev_year": {"savngs": Decimal(1)}, "region": "440507",
           "agreemnt_signed": True}
    with pytest.raises(bigclient.InputError) as fused:
        shantou.evaluate(bad, CTX)
    with pytest.raises(bigclient.InputError) as reference:
        shantou._reference(bad, ctx)
    assert str(fused.value) == str(reference.value)
    assert fused.value.__context__ is None  # no traceback of the fused attempt behind it


def test_division_by_zero_is_the_reference_evaluation_error(shantou: bigclient.Ruleset) -> None:
    ctx = {"bureau_revenue": Decimal(0)}  # decide takes a context as given (evaluate
    with pytest.raises(bigclient.EvaluationError, match="arithmetic failed"):  # refuses 0)
        shantou.decide({"region": "440507"}, ctx)
    same(shantou, {"region": "440507"}, ctx)


def test_a_routing_table_over_amounts_is_not_fused_and_still_right() -> None:
    text = SHANTOU.replace("  columns: [tier, scope]", "  columns: [tier, scope, "
                           "newspapers_turnover_month]", 1)
    rs = bigclient.load_text(text, "amounts.yaml")
    assert rs._fused is None
    ref = bigclient.load_text(SHANTOU, "shantou.yaml")
    for row in clients(50, 5):
        assert rs.evaluate(row, CTX).tier == ref.evaluate(row, CTX).tier


def test_a_fused_decision_pickles_with_its_values(shantou: bigclient.Ruleset) -> None:
    row = next(iter(clients(1, 3)))
    d = shantou.evaluate(row, CTX)
    assert d._raw is not None and d._env is None  # values not made yet
    back = pickle.loads(pickle.dumps(d))
    assert back == d and back.values == d.values and back.explain() == d.explain()


def test_an_override_takes_the_reference_path(shantou: bigclient.Ruleset) -> None:
    row = {"region": "440507", "agreement_signed": True}
    ov = {"tier": "diamond", "approved_by": "province_center", "reason": "r",
          "date": "2024-01-01"}
    d = shantou.evaluate(row, CTX, ov)
    assert d.tier == "diamond" and d.override is not None and d.override.applied

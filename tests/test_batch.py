"""The columnar batch path (``Ruleset.evaluate_table``) equals the scalar path row for row,
boundary cohorts included; what it cannot vectorise it hands to the scalar path, and says so."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bigclient
from bigclient.batch import records_to_table
from tests.conftest import RULESETS

D = Decimal
CENT = D("0.01")
SHANTOU_CTX = {"bureau_revenue": D("200000000")}
SHANTOU_LINES = ("savings", "billing", "letters", "philately", "express", "logistics",
                 "parcels", "newspapers")
YUEYANG_LINES = ("letters", "express", "parcels", "logistics", "newspapers", "philately")


def near(*points: str | Decimal, step: Decimal = CENT) -> list[Decimal]:
    """Every point, and one step either side of it."""
    out = []
    for p in points:
        v = bigclient.parse_amount(p) if isinstance(p, str) else p
        out += [v - step, v, v + step]
    return [v for v in out if v >= 0]


# Shantou: band bounds of revenue (10万…150万), the amounts whose share of 2亿 is exactly a
# band bound (1‱ … 3‰ → 2万 … 60万), the comprehensive bar (1万 / 1000) and every per-line
# threshold (2000 … 5万).
SHANTOU_YEAR = near("10万", "30万", "50万", "100万", "150万", "2万", "10万", "20万", "60万",
                    "1万", "1.2万", "4万", "5万", "0")
SHANTOU_MONTH = near("1000", "2000", "3500", "5000", "0")
ANY_MONEY = st.decimals(min_value=0, max_value=D("3000000"), places=2, allow_nan=False,
                        allow_infinity=False)


def money(edges: list[Decimal]) -> st.SearchStrategy[Decimal]:
    return st.one_of(st.sampled_from(edges), ANY_MONEY)


@st.composite
def shantou_client(draw: Any) -> dict[str, Any]:
    year: dict[str, Decimal] = {}
    month: dict[str, Decimal] = {}
    for line in draw(st.lists(st.sampled_from(SHANTOU_LINES), max_size=3, unique=True)):
        year[line] = draw(money(SHANTOU_YEAR))
        month[line] = draw(money(SHANTOU_MONTH))
    client: dict[str, Any] = {
        "client_id": f"C{draw(st.integers(1, 99999)):05d}",
        "region": draw(st.sampled_from(("440507", "440511", "440523"))),
        "agreement_signed": draw(st.booleans()),
        "scope": draw(st.sampled_from(("comprehensive", "regional", "specialty"))),
        "credit_warning": draw(st.booleans()),
        "revenue_prev_year": year, "revenue_month": month,
    }
    if draw(st.booleans()):  # a newspaper client (D-2, D-3): turnover × rate / 12
        client["newspapers_turnover_prev_year"] = draw(money(near("2万", "12000", "1.2万")))
        client["newspapers_turnover_month"] = draw(money(near("2000")))
        client["newspapers_commission_rate"] = draw(st.sampled_from(
            (D("0.05"), D("0.08"), D("0.1"), D("0.12"), D("0.07"))))
        client["newspapers_other_revenue_month"] = draw(money(near("1000", "0")))
    return client


@st.composite
def yueyang_client(draw: Any) -> dict[str, Any]:
    half = {line: draw(money(near("1万", "4万", "10万", "30万", "0", step=D("0.005"))))
            for line in draw(st.lists(st.sampled_from(YUEYANG_LINES), max_size=2, unique=True))}
    return {"region": "430602", "agreement_signed": draw(st.booleans()),
            "credit_warning": draw(st.booleans()), "revenue_half_year": half,
            "growth": draw(st.one_of(st.sampled_from(near("0.2", "0", step=D("0.0001"))),
                                     st.decimals(-1, 2, places=4, allow_nan=False)))}


def expected(d: Any) -> dict[str, Any]:
    routes = d.routes
    return {"qualified": d.qualified, "criteria": list(d.criteria), "score": d.score,
            "computed_tier": d.computed_tier, "tier": d.tier, "flags": list(d.flags),
            "unit": ";".join(r.unit + (f"[{r.line}]" if r.line else "") for r in routes)
            if routes else None,
            "support": ";".join(r.support or "" for r in routes if r.support) or None,
            "routes": [r.to_dict() for r in routes]}


def assert_rows_equal(rs: bigclient.Ruleset, table: pa.Table, context: Any) -> pa.Table:
    out = rs.evaluate_table(table, context)
    assert out.num_rows == table.num_rows
    for record, got in zip(table.to_pylist(), out.to_pylist(), strict=True):
        want = expected(rs.evaluate(record, context))
        assert {k: got[k] for k in want} == want, record
    return out


def as_text(table: pa.Table) -> pa.Table:
    """The same table with every amount as decimal text (as a CSV feed holds it)."""
    return pa.table({name: col.cast(pa.string()) if pa.types.is_decimal(col.type) else col
                     for name, col in zip(table.column_names, table.columns, strict=True)})


FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FAST
@given(st.lists(shantou_client(), min_size=1, max_size=60), st.booleans())
def test_shantou_every_row_equals_evaluate(shantou: bigclient.Ruleset,
                                            clients: list[dict[str, Any]], text: bool) -> None:
    table = records_to_table(shantou, clients)
    out = assert_rows_equal(shantou, as_text(table) if text else table, SHANTOU_CTX)
    assert out.schema.metadata[b"bigclient.path"] == b"columnar"


@FAST
@given(st.lists(yueyang_client(), min_size=1, max_size=60))
def test_yueyang_every_row_equals_evaluate(yueyang: bigclient.Ruleset,
                                           clients: list[dict[str, Any]]) -> None:
    out = assert_rows_equal(yueyang, records_to_table(yueyang, clients), None)
    assert out.schema.metadata[b"bigclient.path"] == b"columnar"


def test_share_exactly_at_three_permille_is_diamond_share(shantou: bigclient.Ruleset) -> None:
    """60万 of 2亿 is exactly 3‰: the share indicator scores 100, one fen less scores 80."""
    clients = [{"region": "440507", "agreement_signed": True, "revenue_prev_year":
                {"savings": v}, "revenue_month": {"savings": D(1000)}}
               for v in (D("600000"), D("599999.99"))]
    out = assert_rows_equal(shantou, records_to_table(shantou, clients), SHANTOU_CTX)
    assert out.column("score").to_pylist() == [D("88.00"), D("80.00")]
    assert out.schema.metadata[b"bigclient.scalar_rows"] == b"0"


def test_dividing_by_twelve_sends_only_ties_to_the_scalar_path(
        shantou: bigclient.Ruleset) -> None:
    """turnover × rate / 12 is rounded by Decimal: a month total exactly at the 1000 bar is
    decided by the scalar path; the others stay columnar."""
    base = {"region": "440507", "revenue_prev_year": {"savings": D(20000)},
            "newspapers_commission_rate": D("0.1")}
    clients = [{**base, "newspapers_turnover_prev_year": t} for t in
               (D(120000), D("119999.99"), D(3))]
    out = assert_rows_equal(shantou, records_to_table(shantou, clients), SHANTOU_CTX)
    assert out.schema.metadata[b"bigclient.path"] == b"columnar"
    assert out.schema.metadata[b"bigclient.scalar_rows"] == b"1"
    assert out.column("criteria").to_pylist()[0] == ["comprehensive"]


def test_text_amounts_the_reader_does_not_vouch_for_go_to_the_scalar_path(
        shantou: bigclient.Ruleset) -> None:
    table = pa.table({"region": ["440507"] * 3,
                      "revenue_prev_year.savings": ["1.2万", "150,000", "30000.5"],
                      "revenue_month.savings": ["2000", "2000", "1000"]})
    out = assert_rows_equal(shantou, table, SHANTOU_CTX)
    assert out.schema.metadata[b"bigclient.scalar_rows"] == b"2"


def test_an_expression_it_cannot_vectorise_falls_back_for_the_whole_table(
        shantou: bigclient.Ruleset) -> None:
    text = (RULESETS / "shantou-postal" / "1.0.0.yaml").read_text(encoding="utf-8").replace(
        "value: revenue_prev_year_total / bureau_revenue",
        "value: revenue_prev_year_total / max(bureau_revenue, revenue_month_total)")
    rs = bigclient.load_text(text)
    clients = [{"region": "440507", "revenue_prev_year": {"savings": D(v)},
                "revenue_month": {"savings": D(2000)}} for v in (600000, 100, 2500000)]
    out = assert_rows_equal(rs, records_to_table(rs, clients), SHANTOU_CTX)
    meta = out.schema.metadata
    assert meta[b"bigclient.path"] == b"scalar"
    assert b"division by a value that varies by row" in meta[b"bigclient.reason"]
    assert meta[b"bigclient.scalar_rows"] == b"3"


def test_float_money_is_refused_by_name(shantou: bigclient.Ruleset) -> None:
    table = pa.table({"region": ["440507"], "revenue_prev_year.savings": [600000.0]})
    with pytest.raises(bigclient.InputError, match=r"revenue_prev_year\.savings.*float"):
        shantou.evaluate_table(table, SHANTOU_CTX)


def test_bad_rows_raise_or_collect_as_evaluate_many(shantou: bigclient.Ruleset) -> None:
    table = pa.table({"region": ["440507", "12", "440511", None],
                      "revenue_prev_year.savings": pa.array([D(1), D(2), D(-3), D(4)],
                                                            pa.decimal128(10, 0))})
    records = table.to_pylist()
    many = list(shantou.evaluate_many(records, SHANTOU_CTX, errors="collect", start=2))
    out = shantou.evaluate_table(table, SHANTOU_CTX, errors="collect", start=2)
    assert out.column("error").to_pylist() == [
        None if isinstance(d, bigclient.Decision) else str(d) for d in many]
    assert out.column("qualified").to_pylist()[0] is False
    with pytest.raises(bigclient.InputError) as raised:
        shantou.evaluate_table(table, SHANTOU_CTX)
    with pytest.raises(bigclient.InputError) as scalar:
        list(shantou.evaluate_many(records, SHANTOU_CTX))
    assert str(raised.value) == str(scalar.value)


def test_struct_columns_and_undeclared_columns(shantou: bigclient.Ruleset) -> None:
    nested = pa.Table.from_pylist([{"region": "440507", "revenue_prev_year": {"savings": D(
        "600000.00")}, "revenue_month": {"savings": D("2000.00")}}])
    out = assert_rows_equal(shantou, nested, SHANTOU_CTX)
    assert out.schema.metadata[b"bigclient.path"] == b"columnar"
    typo = nested.append_column("scoep", pa.array(["regional"]))
    got = shantou.evaluate_table(typo, SHANTOU_CTX, errors="collect")
    assert got.schema.metadata[b"bigclient.path"] == b"scalar"
    assert "scope" in got.column("error")[0].as_py()


def test_the_batch_howto_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/howto/batch.md: its example decides two clients on the columnar path."""
    import re as _re
    from pathlib import Path
    page = (Path(__file__).resolve().parents[1] / "docs" / "howto" / "batch.md").read_text(
        encoding="utf-8")
    code = _re.search(r"```python\n(.*?)```", page, _re.S)
    assert code is not None
    exec(compile(code.group(1), "batch.md", "exec"), {})
    assert capsys.readouterr().out.split("\n")[:2] == ["[True, True]", "b'columnar'"]

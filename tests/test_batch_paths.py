"""The columnar path's fast ways of doing things decide as the scalar path does: tables read
a morsel at a time, decimal nulls zeroed by the cast, codes looked up by position or by
hash, inputs no rule reads only checked, choice values kept as codes, plans kept per
ruleset. Each is checked row for row against ``evaluate``, boundary cohorts included."""

from __future__ import annotations

import gc
import weakref
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bigclient
import bigclient.batch.codes as codes_mod
import bigclient.batch.decide as decide_mod
import bigclient.batch.inputs as inputs_mod
from bigclient.batch import records_to_table
from bigclient.batch.plan import _PLANS, plan_of
from tests.conftest import RULESETS
from tests.test_batch import (
    FAST,
    SHANTOU_CTX,
    as_text,
    assert_rows_equal,
    shantou_client,
    yueyang_client,
)

D = Decimal


def collect_equal(rs: bigclient.Ruleset, table: pa.Table, context: Any) -> pa.Table:
    """Every row as ``evaluate_many(errors='collect')`` has it: the decision or the error."""
    out = rs.evaluate_table(table, context, errors="collect")
    many = list(rs.evaluate_many(table.to_pylist(), context, errors="collect"))
    assert out.num_rows == len(many)
    for got, want in zip(out.to_pylist(), many, strict=True):
        if isinstance(want, bigclient.Decision):
            assert got["error"] is None, got
            assert (got["qualified"], got["criteria"], got["score"], got["tier"],
                    got["flags"]) == (want.qualified, list(want.criteria), want.score,
                                      want.tier, list(want.flags))
        else:
            assert got["error"] == str(want)
    return out


@FAST
@given(st.lists(shantou_client(), min_size=1, max_size=60), st.integers(1, 9),
       st.booleans())
def test_morsels_of_any_size_decide_as_one_table(
        shantou: bigclient.Ruleset, clients: list[dict[str, Any]], morsel: int,
        text: bool) -> None:
    table = records_to_table(shantou, clients)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(decide_mod, "MORSEL", morsel)
        out = assert_rows_equal(shantou, as_text(table) if text else table, SHANTOU_CTX)
    assert out.schema.metadata[b"bigclient.path"] == b"columnar"


@FAST
@given(st.lists(yueyang_client(), min_size=1, max_size=40), st.integers(1, 7))
def test_yueyang_morsels_and_hashed_codes(yueyang: bigclient.Ruleset,
                                          clients: list[dict[str, Any]], morsel: int) -> None:
    """Codes spread by a hash look-up (no code is small enough to index) decide the same."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(decide_mod, "MORSEL", morsel)
        mp.setattr(codes_mod, "DENSE", 0)
        out = assert_rows_equal(yueyang, records_to_table(yueyang, clients), None)
    assert out.schema.metadata[b"bigclient.path"] == b"columnar"


def test_the_installed_pyarrow_zeroes_null_slots_in_its_cast() -> None:
    """The probe the reader relies on holds for the pyarrow in use (CI runs the other way
    too, below)."""
    assert inputs_mod.cast_zeroes_nulls() is True


def _garbage_nulls(values: list[Decimal | None], scale: int) -> pa.Array:
    """A decimal128 column whose null slots hold large garbage, not zeros (as a Parquet
    reader may leave them)."""
    words = []
    for v in values:
        if v is None:
            words += [123456789123, 99]  # high word 99: far beyond int64 if it were read
        else:
            n = int(v.scaleb(scale))
            words += [n & (2**64 - 1), -1 if n < 0 else 0]
    data = b"".join(w.to_bytes(8, "little", signed=w < 0) if w < 0 else
                    w.to_bytes(8, "little") for w in words)
    mask = pa.array([v is not None for v in values], pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(pa.decimal128(38, scale), len(values),
                                 [mask, pa.py_buffer(data)])


@pytest.mark.parametrize("zeroes", [True, False])
def test_null_amounts_count_as_missing_whatever_their_slots_hold(
        shantou: bigclient.Ruleset, zeroes: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not zeroes:  # the fallback for a pyarrow whose cast leaves null slots alone
        monkeypatch.setattr(inputs_mod, "cast_zeroes_nulls", lambda: False)
    year = [D("600000.00"), None, D("99999.99"), None, D("10000.00")] * 20
    month = [None, D("2000.00"), D("1000.00"), None, D("999.99")] * 20
    turnover = [None, None, D("20000.00"), D("19999.99"), None] * 20
    n = len(year)
    table = pa.table({"client_id": [f"C{i}" for i in range(n)], "region": ["440507"] * n,
                      "agreement_signed": [False] * n,
                      "revenue_prev_year.savings": _garbage_nulls(year, 2),
                      "revenue_month.savings": _garbage_nulls(month, 2),
                      "newspapers_turnover_prev_year": _garbage_nulls(turnover, 2),
                      "newspapers_turnover_month": _garbage_nulls(month, 2)})
    out = assert_rows_equal(shantou, table, SHANTOU_CTX)
    assert out.schema.metadata[b"bigclient.path"] == b"columnar"


def test_amounts_beyond_int64_send_the_table_to_the_scalar_path(
        shantou: bigclient.Ruleset) -> None:
    """92233720368547758.08 yuan is 2**63 fen: the cast refuses it, so the scalar path
    decides every row; sums that would overflow do the same."""
    for year in ([D("92233720368547758.08"), D("1.00")],
                 [D("50000000000000000.00"), D("1.00")]):
        table = pa.table({"region": ["440507"] * 2,
                          "revenue_prev_year.savings": pa.array(year, pa.decimal128(38, 2)),
                          "revenue_prev_year.billing": pa.array(year, pa.decimal128(38, 2)),
                          "revenue_month.savings": pa.array([D(1000)] * 2,
                                                            pa.decimal128(38, 2))})
        out = collect_equal(shantou, table, SHANTOU_CTX)
        assert out.schema.metadata[b"bigclient.path"] == b"scalar"
        assert b"int64" in out.schema.metadata[b"bigclient.reason"]


def test_an_input_no_rule_reads_is_checked_not_converted(shantou: bigclient.Ruleset) -> None:
    """``region`` is read by no rule: its bad values (and a missing one) still send their
    rows to the scalar path, which refuses them as evaluate does; good rows stay columnar."""
    regions = ["440507", "12", None, "440511", "abcdef", "440507"]
    n = len(regions)
    for col in (pa.array(regions), pa.array(regions).dictionary_encode()):
        table = pa.table({"region": col,
                          "revenue_prev_year.savings": pa.array([D(20000)] * n,
                                                                pa.decimal128(12, 2)),
                          "revenue_month.savings": pa.array([D(2000)] * n,
                                                            pa.decimal128(12, 2))})
        out = collect_equal(shantou, table, SHANTOU_CTX)
        assert out.schema.metadata[b"bigclient.path"] == b"columnar"
        assert out.schema.metadata[b"bigclient.scalar_rows"] == b"3"
    assert "region" not in plan_of(shantou).needed
    assert "scope" in plan_of(shantou).needed  # the routing table reads it


def test_a_bad_choice_in_a_routing_column_sends_only_its_row_to_the_scalar_path(
        shantou: bigclient.Ruleset) -> None:
    scopes = ["regional", "global", "specialty", "", None, " comprehensive "]
    n = len(scopes)
    table = pa.table({"region": ["440507"] * n, "scope": scopes,
                      "revenue_prev_year.savings": pa.array([D(2000000)] * n,
                                                            pa.decimal128(12, 2)),
                      "revenue_month.savings": pa.array([D(2000)] * n,
                                                        pa.decimal128(12, 2))})
    out = collect_equal(shantou, table, SHANTOU_CTX)
    assert out.schema.metadata[b"bigclient.path"] == b"columnar"
    want = [None if isinstance(d, bigclient.Decision) else 1
            for d in shantou.evaluate_many(table.to_pylist(), SHANTOU_CTX, errors="collect")]
    assert out.schema.metadata[b"bigclient.scalar_rows"] == str(want.count(1)).encode()
    assert out.column("unit").to_pylist() == [
        (";".join(r.unit for r in d.routes) or None) if isinstance(d, bigclient.Decision)
        else None
        for d in shantou.evaluate_many(table.to_pylist(), SHANTOU_CTX, errors="collect")]


def test_plans_are_kept_per_ruleset_and_go_with_it() -> None:
    text = (RULESETS / "shantou-postal" / "1.0.0.yaml").read_text(encoding="utf-8")
    rs = bigclient.load_text(text)
    table = records_to_table(rs, [{"region": "440507", "revenue_prev_year": {
        "savings": D("600000.00")}, "revenue_month": {"savings": D("2000.00")}}])
    first = rs.evaluate_table(table, SHANTOU_CTX)
    plan = plan_of(rs)
    assert plan.memo("score") and plan.memo("criteria")  # filled by the first table
    assert rs.evaluate_table(table, SHANTOU_CTX).equals(first)
    assert plan_of(rs) is plan
    before = len(_PLANS)
    gone = weakref.ref(rs)
    del rs, plan
    gc.collect()  # may collect other tests' rulesets too, so their plans may go as well
    assert gone() is None and len(_PLANS) <= before - 1


def test_an_empty_table_and_a_table_of_one_morsel_row(shantou: bigclient.Ruleset) -> None:
    table = records_to_table(shantou, [{"region": "440507", "revenue_prev_year": {
        "savings": D("600000.00")}, "revenue_month": {"savings": D("2000.00")}}] * 3)
    empty = shantou.evaluate_table(table.slice(0, 0), SHANTOU_CTX)
    assert empty.num_rows == 0
    assert empty.schema.equals(shantou.evaluate_table(table, SHANTOU_CTX).schema,
                               check_metadata=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(decide_mod, "MORSEL", 1)
        assert_rows_equal(shantou, table, SHANTOU_CTX)


def test_records_to_table_reads_each_record_once(shantou: bigclient.Ruleset) -> None:
    records: list[dict[str, Any]] = [
        {"client_id": "C1", "region": "440507", "note": "not an input, left out",
         "revenue_prev_year": {"savings": D("1.00")}, "revenue_month": {}},
        {"client_id": "C2", "revenue_month": {"express": D("2.50")},
         "newspapers_turnover_month": D("3")}]
    table = records_to_table(shantou, records)
    assert table.column_names == ["client_id", "name", "newspapers_turnover_month", "region",
                                  "revenue_prev_year.savings", "revenue_month.express"]
    assert table.column("revenue_month.express").to_pylist() == [None, D("2.50")]
    assert table.column("name").null_count == 2  # an identity column is always there
    with pytest.raises(bigclient.InputError, match=r"revenue_month\.savngs") as raised:
        records_to_table(shantou, [*records, {"revenue_month": {"savngs": D(1)}}])
    assert raised.value.row == 3

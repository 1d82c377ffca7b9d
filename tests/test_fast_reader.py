"""The record reader's fast paths (a host service's bool, exact Decimal, exact enum value,
Decimal amounts in a per-line table) must give exactly what the converters give, and
refuse exactly what they refuse, with the same message."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bigclient.language.convert as fields
from bigclient.errors import InputError
from bigclient.language.common import Label
from bigclient.language.fields import FieldSpec, RecordReader

L = Label(zh="字段", en="Field")
FIELDS = {
    "money": FieldSpec(type="money", label=L, min=Decimal(0), max=Decimal("1e12")),
    "free": FieldSpec(type="money", label=L, default=0),
    "rate": FieldSpec(type="ratio", label=L, min=Decimal(0), max=Decimal(1)),
    "kind": FieldSpec(type="enum", label=L, values={"a": L, "b": L}),
    "flag": FieldSpec(type="bool", label=L, default=False),
    "table": FieldSpec(type="money_map", label=L, min=Decimal(0)),
}
LINES = ("x", "y")


def _readers() -> tuple[RecordReader, RecordReader]:
    fast = RecordReader(FIELDS, LINES)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(fields, "fast_test", lambda spec, i, ns: "")
        m.setattr(fields, "FAST_TOP", -1)  # the per-line table's fast path never applies
        slow = RecordReader(FIELDS, LINES)
    return fast, slow


FAST, SLOW = _readers()


decimals = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=-10, max_value=Decimal("2e12"), places=2),
    st.decimals(min_value=0, max_value=1, places=12),
    st.sampled_from([Decimal("1e18"), Decimal("1e19"), Decimal("0.00000001"),
                     Decimal("1E-9"), Decimal("-0"), Decimal("12.3400")]))
values = st.one_of(decimals, st.booleans(), st.integers(-5, 5), st.sampled_from(
    ["a", "b", " a", "c", "", "12", "1.5万", None]))


def _outcome(reader: RecordReader, record: dict[str, Any]) -> Any:
    try:
        out = reader.read(record)
    except InputError as exc:
        return ("error", str(exc))
    return {k: (v, type(v)) if not isinstance(v, dict) else v for k, v in out.items()}


@settings(max_examples=400, deadline=None)
@given(money=values, free=values, rate=values, kind=values, flag=values,
       x=values, y=values)
def test_fast_paths_agree_with_the_converters(money: Any, free: Any, rate: Any, kind: Any,
                                              flag: Any, x: Any, y: Any) -> None:
    fast, slow = FAST, SLOW
    record = {"money": money, "free": free, "rate": rate, "kind": kind, "flag": flag,
              "table": {"x": x, "y": y}}
    record = {k: v for k, v in record.items() if v is not None}
    assert _outcome(fast, record) == _outcome(slow, record)

"""Amount literals as policy staff write them become exact Decimals (DOMAIN.md intro)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bigclient.language.amounts import AmountError, format_amount, parse_amount, quantize


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.2万", "12000"),
        ("0.35万", "3500"),
        ("150万", "1500000"),
        ("1亿", "100000000"),
        ("3‰", "0.003"),
        ("5‱", "0.0005"),
        ("12%", "0.12"),
        ("1,500,000", "1500000"),
        ("1,500,000.50", "1500000.50"),
        ("12000", "12000"),
        ("-3.5", "-3.5"),
        ("千分之三", "0.003"),
        ("万分之五", "0.0005"),
        ("百分之十五", "0.15"),
        ("1.2万元", "12000"),
        (" 2万 ", "20000"),
    ],
)
def test_literals(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("bad", ["", "abc", "1,50,000", "1.2.3", "万", "12%%x", "--1", "1e999999"])
def test_bad_literals_say_what_is_accepted(bad: str) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(bad)
    assert "1.2万" in str(info.value) or "finite" in str(info.value)


def test_float_means_its_decimal_text() -> None:
    # 32912.99 as a binary float is 32912.98999999999796273186802864074707031250
    assert parse_amount(32912.99) == Decimal("32912.99")


def test_bool_is_not_an_amount() -> None:
    with pytest.raises(AmountError):
        parse_amount(True)


def test_rounding_is_half_up_not_bankers() -> None:
    # PITFALLS: quantize defaults to banker's rounding (1.005 -> 1.00).
    assert quantize(Decimal("1.005"), Decimal("0.01")) == Decimal("1.01")
    assert quantize(Decimal("2.5"), Decimal("1"), "half_even") == Decimal("2")


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2,
                   min_value=-10**12, max_value=10**12))
def test_format_then_parse_is_identity(value: Decimal) -> None:
    assert parse_amount(format_amount(value)) == value


@given(st.lists(st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False),
                min_size=1, max_size=8))
def test_money_sums_are_exact(parts: list[Decimal]) -> None:
    # Summing parsed text is exact: the sum of the parts equals the parsed text of the sum.
    total = sum((parse_amount(str(p)) for p in parts), Decimal(0))
    assert total == parse_amount(format_amount(sum(parts, Decimal(0))))


@settings(max_examples=500, deadline=None)
@given(st.decimals(allow_nan=True, allow_infinity=True))
def test_the_decimal_fast_path_accepts_exactly_what_the_digit_check_accepts(
        value: Decimal) -> None:
    """A Decimal from a host service takes a quick test first; it must never accept a value
    the full 28-digit check refuses, nor refuse one it accepts."""
    from bigclient.language.amounts import _checked
    try:
        expected: Decimal | None = _checked(value, value)
    except AmountError:
        expected = None
    try:
        got: Decimal | None = parse_amount(value)
    except AmountError:
        got = None
    assert (got is None) == (expected is None)
    if got is not None:
        assert got == expected and str(got) == str(expected)


@pytest.mark.parametrize("text", [".-0", "-", "--1", "1.-2", "-.-"])
def test_text_that_only_looks_like_digits_is_refused_plainly(text: str) -> None:
    """The plain-digits fast path once passed '.-0' to Decimal (found by hypothesis)."""
    with pytest.raises(AmountError):
        parse_amount(text)

"""Amounts as policy staff write them (``1.2万``, ``150万``, ``3‰``, ``5‱``, ``12%``,
``1,500,000``, ``千分之三``) become exact ``Decimal``; floats mean their decimal text."""

from __future__ import annotations

import re
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from typing import Any

_SCALE = {
    "万": Decimal(10_000),
    "亿": Decimal(100_000_000),
    "千": Decimal(1_000),
    "%": Decimal("0.01"),
    "％": Decimal("0.01"),
    "‰": Decimal("0.001"),
    "‱": Decimal("0.0001"),
}
_FRACTION_WORDS = {
    "百分之": Decimal("0.01"),
    "千分之": Decimal("0.001"),
    "万分之": Decimal("0.0001"),
}
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9, "十": 10}
_NUMBER = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
_UNIT_WORDS = ("元", "yuan", "CNY", "RMB", "¥", "￥")

ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}


class AmountError(ValueError):
    """Not an amount; the message says what forms are accepted."""


ACCEPTED = "a number such as 12000, 1,500,000, 1.2万, 150万, 3‰, 5‱ or 12%"


def _small_chinese_number(text: str) -> Decimal | None:
    """三 → 3, 十五 → 15: enough for 千分之三-style policy wording."""
    if not text or any(ch not in _CN_DIGITS for ch in text):
        return None
    if text == "十":
        return Decimal(10)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return Decimal((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))
    if len(text) == 1:
        return Decimal(_CN_DIGITS[text])
    return None


def parse_amount(value: Any) -> Decimal:
    """Turn an amount literal into an exact Decimal, or raise AmountError."""
    if type(value) is str and value.isascii():  # fast path: plain digits from a data feed
        digits = value.replace(".", "", 1)
        if digits.isdigit() or (digits[:1] == "-" and digits[1:].isdigit()):
            return Decimal(value)
    if isinstance(value, bool):
        raise AmountError(f"expected {ACCEPTED}, found the yes/no value {value!r}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise AmountError(f"expected a finite amount, found {value}")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # A float in input means the decimal text it was written as (32912.99, not its binary).
        if value != value or value in (float("inf"), float("-inf")):
            raise AmountError(f"expected a finite amount, found {value}")
        return Decimal(repr(value))
    if not isinstance(value, str):
        raise AmountError(f"expected {ACCEPTED}, found {type(value).__name__}")
    text = value.strip().replace(" ", "")
    for unit in _UNIT_WORDS:
        if text.endswith(unit) and len(text) > len(unit):
            text = text[: -len(unit)]
    if not text:
        raise AmountError(f"expected {ACCEPTED}, found an empty text")
    for word, scale in _FRACTION_WORDS.items():
        if text.startswith(word):
            rest = text[len(word):]
            number = _small_chinese_number(rest)
            if number is None:
                try:
                    number = _plain(rest, value)
                except AmountError:
                    raise AmountError(f"expected {ACCEPTED}, found {value!r}") from None
            return number * scale
    scale = Decimal(1)
    while text and text[-1] in _SCALE:
        scale *= _SCALE[text[-1]]
        text = text[:-1]
    return _plain(text, value) * scale


def _plain(text: str, original: Any) -> Decimal:
    if not _NUMBER.match(text):
        hint = ""
        if "," in text:
            hint = " (thousands separators must group exactly three digits: 1,500,000)"
        raise AmountError(f"expected {ACCEPTED}, found {original!r}{hint}")
    return Decimal(text.replace(",", ""))


def quantize(value: Decimal, step: Decimal, mode: str = "half_up") -> Decimal:
    """Round ``value`` to ``step`` with a declared mode (never the banker's default by accident)."""
    return value.quantize(step, rounding=ROUNDING_MODES[mode])


def format_amount(value: Decimal) -> str:
    """Plain decimal text without exponent, for outputs and reports."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def describe_amount(value: Decimal) -> str:
    """An amount as policy staff read it: 1500000 -> '1,500,000 (150万)'; ratios unchanged."""
    if abs(value) >= 10000 and value == value.to_integral_value():
        return f"{int(value):,} ({format_amount(value / 10000)}万)"
    return format_amount(value)

"""Amounts as policy staff write them (``1.2万``, ``150万``, ``3‰``, ``5‱``, ``12%``,
``1,500,000``, ``千分之三``) become exact ``Decimal``; floats mean their decimal text.

Anything else is refused by name rather than guessed at: digits of other scripts, spaces
inside a number, a ratio mark in a money field, and amounts with more digits than the
decimal context keeps (28), which arithmetic would otherwise round without a word.
Full-width digits and punctuation from a Chinese input method (``１２，０００．５``) are the
same characters in another width and are read exactly.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    Inexact,
    localcontext,
)
from typing import Any

from bigclient.i18n import _

MAX_DIGITS = 28
"""Digits an amount may span (the default decimal context's precision): more would round."""
MAX_TEXT = 64
"""Longer text is not an amount (28 digits with separators, sign, unit and scale fit)."""

_SCALE_EXP = {"万": 4, "亿": 8, "千": 3, "%": -2, "％": -2, "‰": -3, "‱": -4}
_RATIO_MARKS = frozenset("%％‰‱")
_FRACTION_WORDS = {"百分之": -2, "千分之": -3, "万分之": -4}
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9, "十": 10}
_NUMBER = re.compile(r"[-+]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_UNIT_WORDS = ("元", "yuan", "CNY", "RMB", "¥", "￥")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")

ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}


class AmountError(ValueError):
    """Not an amount; the message says what forms are accepted."""


ACCEPTED = "a number such as 12000, 1,500,000, 1.2万, 150万, 3‰, 5‱ or 12%"


def _accepted() -> str:
    return _("a number such as 12000, 1,500,000, 1.2万, 150万, 3‰, 5‱ or 12%")


def _shown(value: Any) -> str:
    """The found value for a message, cut short: a 200 KB cell must not fill the screen."""
    text = repr(value) if isinstance(value, str) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "…"


def _small_chinese_number(text: str) -> Decimal | None:
    """三 → 3, 十五 → 15: enough for 千分之三-style policy wording."""
    if not text or any(ch not in _CN_DIGITS for ch in text):
        return None
    if text == "十":
        return Decimal(10)
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        if "十" in ones or (tens and tens not in _CN_DIGITS) or len(tens) > 1 or len(ones) > 1:
            return None
        return Decimal((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))
    if len(text) == 1:
        return Decimal(_CN_DIGITS[text])
    return None


def _checked(value: Decimal, original: Any) -> Decimal:
    """Refuse a value whose exact digits the 28-digit decimal context could not hold."""
    if not value.is_finite():
        raise AmountError(_("expected a finite amount, found {found}").format(found=value))
    if not value:
        return value
    # Digits written out in fixed point, from the leading digit (or the units) down to the
    # last non-zero digit (or the units): 10**32 needs 33, 1E-41 needs 42, 12345.67 needs 7.
    top = max(value.adjusted(), 0)
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    trailing = len(digits) - len(bytes(digits).rstrip(b"\0"))
    bottom = min(exponent + trailing, 0)
    if top - bottom + 1 > MAX_DIGITS:
        raise AmountError(_(
            "{found} has more than {n} digits; bigclient computes with {n} and would round it. "
            "Check the amount (an extra 万 or 亿, or a number pasted twice?)"
        ).format(found=_shown(original) if isinstance(original, str) else
                 _("the amount"), n=MAX_DIGITS))
    return value


FAST_TOP = 19
FAST_STEP = Decimal("1e-8")
"""A finite Decimal under 10**19 with nothing below 1e-8 fits the 28-digit check at once."""


def parse_amount(value: Any, *, ratio: bool = True) -> Decimal:
    """Turn an amount literal into an exact Decimal, or raise AmountError (and nothing else).

    ``ratio=False`` is for money and counts: ``12%`` or ``3‰`` there is a rate written in the
    wrong field, not an amount, and is refused by name.
    """
    if type(value) is str and len(value) <= MAX_DIGITS and value.isascii():
        body = value[1:] if value[:1] == "-" else value  # fast path: plain digits
        if body.replace(".", "", 1).isdigit():  # from a data feed ('.-0' is not one)
            return Decimal(value)
    if type(value) is Decimal and value.is_finite() and value.adjusted() < FAST_TOP and (
            value.quantize(FAST_STEP) == value):
        return value  # fast path: at most 18 digits before the point and 8 after fit 28
    if isinstance(value, bool):
        raise AmountError(_("expected {accepted}, found the yes/no value {found}").format(
            accepted=_accepted(), found=value))
    if isinstance(value, Decimal):
        return _checked(value, value)
    if isinstance(value, int):
        if -10**MAX_DIGITS < value < 10**MAX_DIGITS:
            return Decimal(value)
        raise AmountError(_("the number has more than {n} digits; bigclient computes with {n} "
                            "and would round it").format(n=MAX_DIGITS))
    if isinstance(value, float):
        # A float in input means the decimal text it was written as (32912.99, not its binary).
        if value != value or value in (float("inf"), float("-inf")):
            raise AmountError(_("expected a finite amount, found {found}").format(found=value))
        return _checked(Decimal(repr(value)), value)
    if not isinstance(value, str):
        raise AmountError(_("expected {accepted}, found {found}").format(
            accepted=_accepted(), found=_("a value of type {kind}").format(
                kind=type(value).__name__)))
    return _parse_text(value, ratio)


def _parse_text(value: str, ratio: bool) -> Decimal:
    if len(value) > MAX_TEXT:
        raise AmountError(_("expected {accepted}, found a text of {n} characters").format(
            accepted=_accepted(), n=len(value)))
    text = value.strip().translate(_FULL_WIDTH)
    for ch in text:
        if ch.isdigit() and not ("0" <= ch <= "9"):
            raise AmountError(_(
                "{found} contains the digit '{digit}' ({name}); write amounts with the "
                "digits 0-9").format(found=_shown(value), digit=ch,
                                      name=unicodedata.name(ch, "a digit of another script")))
    for unit in _UNIT_WORDS:
        if text.endswith(unit) and len(text) > len(unit):
            text = text[: -len(unit)].rstrip()
    if not text:
        raise AmountError(_("expected {accepted}, found an empty text").format(
            accepted=_accepted()))
    exp = 0
    number: Decimal | None = None
    for word, word_exp in _FRACTION_WORDS.items():
        if text.startswith(word):
            _ratio_allowed(ratio, value)
            rest = text[len(word):].lstrip()
            number = _small_chinese_number(rest)
            if number is None:
                number = _plain(rest, value)
            exp = word_exp
            break
    if number is None:
        while text and text[-1] in _SCALE_EXP:
            if text[-1] in _RATIO_MARKS:
                _ratio_allowed(ratio, value)
            exp += _SCALE_EXP[text[-1]]
            text = text[:-1].rstrip()
        number = _plain(text, value)
    if number and (abs(exp) > 2 * MAX_DIGITS or number.adjusted() + exp >= MAX_DIGITS):
        raise AmountError(_(
            "{found} is more than {n} digits long; bigclient computes with {n} and would round "
            "it. Check the amount (an extra 万 or 亿?)").format(found=_shown(value), n=MAX_DIGITS))
    try:
        with localcontext() as ctx:  # exact or refused: the product may not be rounded
            ctx.prec = MAX_DIGITS
            ctx.traps[Inexact] = True
            scaled = number * Decimal(10) ** exp if exp else number
    except Inexact:
        raise AmountError(_(
            "{found} has more than {n} digits; bigclient computes with {n} and would round it"
        ).format(found=_shown(value), n=MAX_DIGITS)) from None
    return _checked(scaled, value)


def _ratio_allowed(ratio: bool, original: str) -> None:
    if not ratio:
        raise AmountError(_(
            "{found} is a rate (%, ‰ or ‱), but this field holds an amount of money or a count; "
            "write the amount itself, or put rates in a ratio field").format(
                found=_shown(original)))


def _plain(text: str, original: str) -> Decimal:
    if not _NUMBER.fullmatch(text):
        hint = ""
        if "," in text:
            hint = _(" (thousands separators must group exactly three digits: 1,500,000)")
        elif re.fullmatch(r"[-+]?[0-9][0-9\s,.]*", text):
            hint = _(" (a space inside a number is not allowed: write 12000, not 1 2 0 0 0)")
        raise AmountError(_("expected {accepted}, found {found}").format(
            accepted=_accepted(), found=_shown(original)) + hint)
    number = Decimal(text.replace(",", ""))
    return _checked(number, original)


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


def amount_pattern() -> str:
    """A regular expression (JSON Schema / ECMA-262 and Python alike) for the amount texts
    :func:`parse_amount` reads, built from the parser's own tables so the two cannot drift.

    It checks spelling only; the 28-digit limit is still the loader's (``bigclient
    validate``). Order as the parser reads from the end: units (元 …), then scales
    (万, 亿, %, ‰ …), then the number; or 千分之/万分之/百分之 and a number.
    """
    digit = "[0-9０１２３４５６７８９]"  # full-width digits and marks read as ASCII ones
    number = f"[-+－＋]?(?:{digit}{{1,3}}(?:[,，]{digit}{{3}})+|{digit}+)(?:[.．]{digit}+)?"
    cn_digit = "[" + "".join(c for c in _CN_DIGITS if c != "十") + "]"
    small = f"(?:十|{cn_digit}?十{cn_digit}?|{cn_digit})"
    fraction = "(?:" + "|".join(_FRACTION_WORDS) + ")"
    scales = "(?:\\s*[" + "".join(_SCALE_EXP) + "])*"
    units = "".join(f"(?:\\s*{re.escape(u)})?" for u in reversed(_UNIT_WORDS))
    fast = "-?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)"  # parse_amount's plain-digits fast path
    return (f"^(?:{fast}|\\s*(?:{fraction}\\s*(?:{small}|{number})|{number}{scales})"
            f"{units}\\s*)$")

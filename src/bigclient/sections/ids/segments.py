"""The layers of a big-client ID (D-11): segments, division codes, the MOD 11-2 check.

Pure data and checks; :mod:`bigclient.sections.ids.scheme` assembles them into a scheme.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from bigclient.i18n import _

PROVINCE_CODES: frozenset[str] = frozenset(
    f"{n:02d}"
    for n in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
              *range(50, 55), *range(61, 66), 71, 81, 82)
)
"""First two digits of every GB/T 2260 division code: the province-level units."""

PROVINCE_TEXT = "11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82"
DIGITS = frozenset("0123456789")
MAX_WIDTH = 9  # a sequence or branch layer wider than this is a typo, not a policy


# -- ISO 7064 MOD 11-2 ------------------------------------------------------------------


def mod11_2_check_char(digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') for a string of digits.

    Pure system, modulus 11, radix 2 (the scheme of the resident ID number): it detects
    every single-character substitution and every swap of two adjacent characters.
    """
    p = 0
    for ch in digits:
        if ch not in DIGITS:
            raise ValueError(_("MOD 11-2 is computed over digits only, found {ch!r}").format(ch=ch))
        p = ((p + ord(ch) - 48) * 2) % 11
    c = (12 - p) % 11
    return "X" if c == 10 else chr(48 + c)


def mod11_2_is_valid(text: str) -> bool:
    """True when the last character of ``text`` is the MOD 11-2 check of the others."""
    if len(text) < 2 or any(ch not in DIGITS for ch in text[:-1]):
        return False
    return mod11_2_check_char(text[:-1]) == text[-1].upper()


# -- the ids: section --------------------------------------------------------------------


def region_code(value: Any) -> str:
    """A GB/T 2260 division code as 6-digit text, whatever YAML or a caller made of it.

    Accepts ``440507`` (int) and ``"440507"``; refuses anything that is not six digits
    whose first two are a province-level code. Raises ``ValueError`` with a plain message.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(
            _("a division code is 6 digits like 440507, found {value!r}").format(value=value)
        )
    if isinstance(value, int):
        if not 0 <= value <= 999_999:
            raise ValueError(
                _("a division code is 6 digits like 440507, found {value}").format(value=value)
            )
        if value < 100_000:
            raise ValueError(
                _(
                    "division code {value} has fewer than 6 digits; if it was written with leading "
                    "zeros, YAML may have read it as a (possibly octal) number: put the code in "
                    "quotes, e.g. '001234'"
                ).format(value=value)
            )
        text = str(value)
    else:
        text = value.strip()
        if len(text) != 6 or any(ch not in DIGITS for ch in text):
            raise ValueError(
                _("a division code is 6 digits like 440507, found {value!r}").format(value=value)
            )
    if text[:2] not in PROVINCE_CODES:
        raise ValueError(
            _(
                "{text} is not a GB/T 2260 division code: its first two digits ({text2}) are not a "
                "province-level code ({PROVINCE_TEXT})"
            ).format(text=text, text2=text[:2], PROVINCE_TEXT=PROVINCE_TEXT)
        )
    return text


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(_("expected a whole number, found {value!r}").format(value=value))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip() and all(c in DIGITS for c in value.strip()):
        return int(value.strip())
    raise ValueError(_("expected a whole number, found {value!r}").format(value=value))


RegionCode = Annotated[str, BeforeValidator(region_code), WithJsonSchema({
    "anyOf": [{"type": "integer", "minimum": 110000, "maximum": 829999},
              {"type": "string", "pattern": "^[1-8][0-9]{5}$"}],
    "description": "a GB/T 2260 division code, e.g. 440507 (quote codes with leading zeros)",
})]
WholeNumber = Annotated[int, BeforeValidator(_whole_number), WithJsonSchema({"type": "integer"})]


class SegmentLabel(BaseModel):
    """What policy staff call the layer, in Chinese and English."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str = Field(min_length=1, description="Chinese label (中文名称)")
    en: str = Field(min_length=1, description="English label")


class Segment(BaseModel):
    """One layer of the ID: the division code, the client sequence or the branch number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                      description="the layer's name, used in 'display'")
    kind: Literal["region", "sequence", "branch"] = Field(
        description="region (行政区划代码), sequence (客户顺序号) or branch (分支机构顺序号)")
    width: WholeNumber = Field(description="number of digits")
    label: SegmentLabel | None = Field(None, description="the layer's name in zh and en")
    allowed: tuple[RegionCode, ...] | None = Field(
        None, description="region only: the division codes this policy may allocate in")
    start: WholeNumber | None = Field(
        None, description="sequence only: the first sequence number (default 1)")
    headquarters: WholeNumber | None = Field(
        None, description="branch only: the number of the headquarters itself (default 0)")

    @field_validator("width")
    @classmethod
    def _width(cls, v: int, info: ValidationInfo) -> int:
        kind = info.data.get("kind")
        if kind == "region" and v != 6:
            raise ValueError(
                _("a region layer is a GB/T 2260 division code: width 6, found {v}").format(v=v)
            )
        if not 1 <= v <= MAX_WIDTH:
            raise ValueError(
                _("width must be a whole number from 1 to {MAX_WIDTH}, found {v}").format(
                    MAX_WIDTH=MAX_WIDTH, v=v
                )
            )
        return v

    @field_validator("allowed")
    @classmethod
    def _allowed(cls, v: tuple[str, ...] | None, info: ValidationInfo) -> tuple[str, ...] | None:
        if v is None:
            return v
        if info.data.get("kind", "region") != "region":
            raise ValueError(_("'allowed' lists division codes, so it belongs to the region layer"))
        if not v:
            raise ValueError(
                _(
                    "'allowed' is empty: list at least one division code, or leave "
                    "'allowed' out to accept every GB/T 2260 code"
                )
            )
        seen: set[str] = set()
        for code in v:
            if code in seen:
                raise ValueError(
                    _("division code {code} is listed twice in 'allowed'").format(code=code)
                )
            seen.add(code)
        return v

    @field_validator("start")
    @classmethod
    def _start(cls, v: int | None, info: ValidationInfo) -> int | None:
        if v is None:
            return v
        if info.data.get("kind", "sequence") != "sequence":
            raise ValueError(
                _(
                    "'start' is the first client sequence number, so it belongs to "
                    "the sequence layer"
                )
            )
        width = info.data.get("width")
        if v < 1:
            raise ValueError(
                _("sequences start at 1 or above (D-11: from 00001), found {v}").format(v=v)
            )
        if isinstance(width, int) and v >= 10**width:
            raise ValueError(_("start {v} does not fit in {width} digits").format(v=v, width=width))
        return v

    @field_validator("headquarters")
    @classmethod
    def _headquarters(cls, v: int | None, info: ValidationInfo) -> int | None:
        if v is None:
            return v
        if info.data.get("kind", "branch") != "branch":
            raise ValueError(
                _(
                    "'headquarters' is the branch number of a headquarters, so it "
                    "belongs to the branch layer"
                )
            )
        width = info.data.get("width")
        if v < 0:
            raise ValueError(_("headquarters must be 0 or more, found {v}").format(v=v))
        if isinstance(width, int) and v >= 10**width - 1:
            raise ValueError(
                _("headquarters {v} leaves no room for branch numbers in {width} digits").format(
                    v=v, width=width
                )
            )
        return v

    @property
    def first(self) -> int:
        """The lowest number this layer may hold in a valid ID."""
        if self.kind == "sequence":
            return 1 if self.start is None else self.start
        if self.kind == "branch":
            return 0 if self.headquarters is None else self.headquarters
        return 0

    @property
    def last(self) -> int:
        """The highest number this layer can hold (all nines)."""
        return int("9" * self.width)


@dataclass(frozen=True)
class Layout:
    """Where each layer sits in the compact text; computed once per scheme."""

    region: slice
    sequence: slice
    branch: slice
    length: int  # characters including the check character
    boundaries: frozenset[int]  # compact positions where a separator may stand
    separators: frozenset[str]
    pattern: re.Pattern[str]  # the compact form (fast path)
    loose: re.Pattern[str]  # layers with separators between them (fast path)
    parts: tuple[tuple[str, str], ...]  # (literal text, field name) pairs of display
    tail: str  # literal text after the last field
    described: str  # "6 region + 5 sequence + 3 branch digits"
    allowed: frozenset[str] | None
    sequence_first: int
    branch_first: int


def digits_span(s: slice) -> str:
    start = (s.start or 0) + 1
    stop = s.stop
    return f"digit {start}" if start == stop else f"digits {start}-{stop}"

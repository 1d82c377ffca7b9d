"""Pieces every ruleset section shares: labels, amount fields, the strict base model."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from bigclient.i18n import _
from bigclient.language.amounts import MAX_TEXT, AmountError, amount_pattern, parse_amount
from bigclient.language.source import MAX_DIGITS


def _amount(value: Any) -> Decimal:
    """An amount written in a ruleset: bounded like YAML numbers (source.MAX_DIGITS), so
    that no sum or product of ruleset amounts can overflow (1亿亿亿… is a typo)."""
    if isinstance(value, str) and len(value) > 4 * MAX_DIGITS:
        raise ValueError(_too_large(value))
    try:
        amount = parse_amount(value)
    except AmountError as exc:
        raise ValueError(str(exc)) from None
    except ArithmeticError:  # an overflow inside the parser: far too large either way
        raise ValueError(_too_large(value)) from None
    if amount and not -MAX_DIGITS <= amount.adjusted() < MAX_DIGITS:
        raise ValueError(_too_large(value))
    return amount


def _too_large(value: Any) -> str:
    text = str(value)
    return _("the amount {amount} is too large or too precise for a ruleset: at most {n} "
             "digits before and after the decimal point").format(
                 amount=text if len(text) <= 40 else text[:40] + "…", n=MAX_DIGITS)


AMOUNT_SCHEMA: dict[str, Any] = {
    "description": "An amount: a number, or text such as 12000, 1,500,000, 1.2万, 150万, 1亿, "
    "3‰, 5‱, 12%, 千分之三 or 万分之五, optionally followed by 元",
    "type": ["number", "string"],  # one schema, no anyOf: an editor points at the key itself
    "pattern": amount_pattern(),  # applies to text only
    "maxLength": MAX_TEXT,
}
"""The JSON Schema of an amount (``bigclient schema`` writes it once, as ``$defs/Amount``)."""

Amount = Annotated[Decimal, BeforeValidator(_amount), WithJsonSchema(AMOUNT_SCHEMA)]

IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _identifier(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("_"):
        raise ValueError(_("the name '{name}' starts with '_': names starting with '_' are "
                           "reserved for bigclient's own use; start it with a letter").format(
                               name=value))
    if isinstance(value, str) and not IDENTIFIER.fullmatch(value):
        raise ValueError(_("'{name}' cannot be a name: use English letters, digits and '_', "
                           "starting with a letter (for example revenue_month)").format(
                               name=value))
    return value


Identifier = Annotated[str, BeforeValidator(_identifier),
                       WithJsonSchema({"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"})]
"""A name expressions can use: letters, digits and underscores, starting with a letter
(names starting with '_' are bigclient's own, so a ruleset can never reach them)."""

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
"""An id such as a tier or criterion id: lower-case letters, digits, '-' and '_'."""


# Descriptions shared by the keys every section uses (they reach the JSON Schema and the docs).
ID_FIELD: Any = Field(description="the id, unique in its list; decisions and cases refer to it")
LABEL_FIELD: Any = Field(description="the name people see, in Chinese (zh) and English (en)")
RULE_FIELD: Any = Field(None, description="the DOMAIN rule(s) this entry encodes, e.g. D-7; "
                        "shown in explanations")
NOTE_FIELD: Any = Field(None, description="free text for readers; bigclient ignores it")


class Model(BaseModel):
    """Strict base: an unknown key is a typo until proven otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Label(Model):
    """Every name policy staff see has a Chinese and an English label."""

    zh: str = Field(min_length=1, description="Chinese label (中文名称)")
    en: str = Field(min_length=1, description="English label")

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

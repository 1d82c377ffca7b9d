"""Pieces every ruleset section shares: labels, amount fields, the strict base model."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from .amounts import AmountError, parse_amount
from .i18n import _


def _amount(value: Any) -> Decimal:
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise ValueError(str(exc)) from None


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema({
        "anyOf": [{"type": "number"}, {"type": "string"}],
        "description": "An amount: 12000, 1,500,000, 1.2万, 150万, 3‰, 5‱ or 12%",
    }),
]

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

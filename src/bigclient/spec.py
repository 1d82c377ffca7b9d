"""The ruleset file as a model: the header (id, version, dates, labels, rounding, product
lines, inputs and context), then one key per section, assembled from ``SECTIONS``.

The header is the ruleset's own room: its keys are read by the ruleset itself (the inputs
and context are the language's typed fields), and its changes are worded here for ``diff``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from pydantic import Field, create_model, field_validator, model_validator

from bigclient.i18n import _
from bigclient.language.amounts import ROUNDING_MODES
from bigclient.language.common import NOTE_FIELD, Amount, Identifier, Label, Model, Slug
from bigclient.language.fields import FieldSpec
from bigclient.sections import SECTIONS
from bigclient.sections.base import Element

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
SEMVER_SCHEMA = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"
"""The same for the JSON Schema, with ASCII digits spelt out (ECMA-262 and Python agree)."""


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


class Effective(Model):
    from_: dt.date = Field(alias="from", description="first day the version is in force")
    to: dt.date | None = Field(None, description="last day in force (included); open if absent")

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.to is not None and self.to < self.from_:
            raise ValueError(
                _("'to' ({to}) is before 'from' ({from_})").format(to=self.to, from_=self.from_)
            )
        return self


class Rounding(Model):
    """Rounding is declared once, here, for the whole ruleset."""

    score: Amount = Field(Decimal("0.01"), description="step the total score is rounded to")
    money: Amount = Field(Decimal("0.01"), description="step money results are rounded to "
                         "(for money outputs such as incentives; tiers produce none)")
    mode: str = Field("half_up", description="half_up (四舍五入), half_even, down or up")

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, v: str) -> str:
        if v not in ROUNDING_MODES:
            raise ValueError(
                _("rounding mode must be one of {ROUNDING_MODES}").format(
                    ROUNDING_MODES=", ".join(ROUNDING_MODES)
                )
            )
        return v


class Header(Model):
    """A ruleset file (one version of one policy)."""

    schema_: str | None = Field(None, alias="$schema", description="optional editor hint: "
                                "where the JSON Schema of this file is")
    ruleset: Slug = Field(description="the ruleset id, e.g. shantou-postal")
    version: str = Field(description="semantic version, e.g. 1.0.0",
                         json_schema_extra={"pattern": SEMVER_SCHEMA})
    effective: Effective = Field(description="the dates this version is in force")
    title: Label = Field(description="the policy's name in Chinese and English")
    source: str = Field(description="the policy document this ruleset encodes")
    note: str | None = NOTE_FIELD
    rounding: Rounding = Field(default_factory=Rounding, description="rounding, declared once")
    lines: dict[Identifier, Label] = Field(default_factory=dict,
                                           description="product lines (业务种类)")
    inputs: dict[Identifier, FieldSpec] = Field(
        default_factory=dict, description="what a client record gives (a ruleset that only "
        "pays people or scores units, with no client rules, may leave it out)")
    identity: dict[Identifier, Label] = Field(
        default_factory=dict, description="columns that name a client record but are not "
        "inputs (e.g. client_id, name): accepted and passed through to the decision, never "
        "used by a rule. Any other key a record carries is refused as a likely typo")
    context: dict[Identifier, FieldSpec] = Field(
        default_factory=dict, description="values about the bureau, not the client (one per run)")

    @field_validator("version", mode="before")
    @classmethod
    def _semver(cls, v: Any) -> Any:
        if not isinstance(v, str) or not SEMVER.match(v):
            raise ValueError(
                _("expected a version like 1.0.0 (three numbers), found {v}").format(v=v)
            )
        return v

    def part(self, key: str) -> Any:
        """The validated content of one section's key."""
        return getattr(self, key)


RulesetSpec: type[Header] = create_model(  # type: ignore[call-overload]
    "RulesetSpec", __base__=Header, __doc__=Header.__doc__,
    **{s.key: s.spec_field() for s in SECTIONS})
"""The whole file: the header, then each section's key (in ``SECTIONS`` order)."""


# -- the header's changes in policy words (for diff) ------------------------------------

HEADER_WORDS: dict[tuple[str, ...], tuple[str, str, str]] = {
    ("ruleset",): ("header", "Ruleset id", "规则集编号"),
    ("version",): ("header", "Version", "版本"),
    ("effective", "from"): ("effective", "Effective from", "生效日期"),
    ("effective", "to"): ("effective", "Effective until (last day in force)", "失效日期（含当日）"),
    ("title",): ("label", "Title", "标题"),
    ("source",): ("header", "Source document", "依据文件"),
    ("note",): ("note", "Note", "备注"),
    ("rounding", "score"): ("rounding", "Score rounding step", "得分舍入单位"),
    ("rounding", "money"): ("rounding", "Money rounding step", "金额舍入单位"),
    ("rounding", "mode"): ("rounding", "Rounding mode", "舍入方式"),
}
NAMED_MAPS: dict[str, Element] = {**{s.key: s.named_map for s in SECTIONS if s.named_map},
    "inputs": Element("input", "Input", "输入项"),
    "context": Element("context", "Context value", "环境值"),
    "lines": Element("line", "Product line", "业务种类"),
}

"""The YAML shape of ``scorecards:``: assessment scorecards that score a unit or a person
(an outlet, a city bureau) out of a fixed number of points (D-26, D-27).

A scorecard reads its own typed ``facts`` (not the ruleset's client inputs), adds its
``parts`` (each clamped into a declared range) and maps the total to a grade.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from bigclient.language.common import (
    ID_FIELD,
    LABEL_FIELD,
    NOTE_FIELD,
    RULE_FIELD,
    Amount,
    Identifier,
    Label,
    Model,
    Slug,
)
from bigclient.language.fields import FieldSpec


def _as_text(value: Any) -> Any:
    """``points: -2`` and ``points: a * 2`` alike: a number is kept as the text written."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


Points = Annotated[str, BeforeValidator(_as_text),
                   WithJsonSchema({"type": ["string", "number"]})]
"""An expression, or (with ``per``) a fixed number of points such as -2."""


class ItemSpec(Model):
    """One line of a part, in one of three forms:

    - ``points: <expression>``: the points the expression gives (a KPI indicator, added);
    - ``per: <count expression>`` with ``points: -2``: each occurrence counts ``points``
      (D-26: 一次不符合要求扣2分);
    - ``weight: 30`` with ``attainment: <expression>``: weight × attainment, the attainment
      held to 0..1 (D-27's 100-point scorecard).

    ``min``/``max`` bound the item's points in every form.
    """

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    rule: str | None = RULE_FIELD
    points: Points | None = Field(
        None, description="an expression over the facts giving the item's points; with "
        "'per', the fixed points of each occurrence (e.g. -2)")
    per: str | None = Field(None, description="an expression counting occurrences (e.g. "
                            "noncompliant_meetings): points are counted once per occurrence")
    weight: Amount | None = Field(None, description="the points a full attainment gives "
                                  "(with 'attainment')")
    attainment: str | None = Field(None, description="an expression giving the ratio "
                                   "attained, e.g. revenue / revenue_target; held to 0..1")
    min: Amount | None = Field(None, description="fewest points the item gives (e.g. a cap "
                               "on a deduction)")
    max: Amount | None = Field(None, description="most points the item gives")
    note: str | None = NOTE_FIELD


class PartSpec(Model):
    """A part of a scorecard: its points start at ``start``, the items are added, and the
    result is clamped into ``range``."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    rule: str | None = RULE_FIELD
    range: tuple[Amount, Amount] = Field(description="[min, max]: the part's points are "
                                         "clamped into this range, e.g. [0, 40]")
    start: Amount = Field(Decimal(0), description="points before any item, e.g. 40 for a "
                          "part that only deducts")
    items: list[ItemSpec] = Field(description="what adds or deducts points")
    note: str | None = NOTE_FIELD


class GradeSpec(Model):
    """A named result for totals from ``from`` (included) up to the next grade."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    from_: Amount = Field(alias="from", description="lowest total of this grade (included)")


class ScorecardSpec(Model):
    """One assessment scorecard (考核表)."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    rule: str | None = RULE_FIELD
    subject: Label = Field(description="who is scored, e.g. {zh: 网点, en: outlet}")
    identity: dict[Identifier, Label] = Field(
        default_factory=dict, description="columns that name the subject (e.g. outlet) and "
        "are passed through; any other key that is not a fact is refused")
    max: Amount | None = Field(None, description="the scorecard's full marks, e.g. 100 "
                               "(checked against the parts' ranges)")
    facts: dict[Identifier, FieldSpec] = Field(description="what the scorecard reads about "
                                               "its subject: typed fields, as inputs are")
    parts: list[PartSpec] = Field(description="the parts, added up to the total")
    grades: list[GradeSpec] = Field(
        default_factory=list, description="named results by total (inclusive lower bounds), "
        "e.g. excellent from 90")
    note: str | None = NOTE_FIELD

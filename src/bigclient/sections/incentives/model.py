"""The ``incentives:`` key as policy staff write it: who is paid (employee fields), what is
measured each period, the pay components (D-21), the star point scheme (D-23), the grade
ladder (D-22), key-project awards (D-24) and competitions (D-25)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from bigclient.i18n import _
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

Every = Literal["month", "quarter", "half_year", "year"]
EVERY_FIELD: Any = Field("month", description="the pay period the component is paid in: "
                         "month, quarter, half_year or year")
AmountText = str | int | Decimal


class ByValue(Model):
    """An amount that depends on an employee's enum field, e.g. 200 for regular staff and
    100 for agency staff (D-21), or an allowance per grade (D-22)."""

    by: Identifier = Field(description="an enum field of the employee, e.g. employment")
    values: dict[str, Amount] = Field(description="the amount for each value of the field; "
                                      "every value must be listed")


AmountSpec = ByValue | AmountText
"""A number (``300``, ``1.2万``), an expression over employee fields and measures, or a
table by an enum field."""


class Bracket(Model):
    """A commission bracket: from this amount of the base (inclusive) the rate applies."""

    from_: Amount = Field(alias="from", description="lower bound of the bracket (inclusive)")
    rate: Amount = Field(description="rate in the bracket, e.g. 2% or 3‰")


class Step(Model):
    """A hold-back step: from this assessment score (inclusive), this share is paid out."""

    from_: Amount = Field(alias="from", description="lowest score of the step (inclusive)")
    share: Amount = Field(description="share of the withheld amount paid out, e.g. 80%")


class Holdback(Model):
    """An amount withheld from pay each period and paid out by an assessment score (D-21)."""

    withhold: AmountSpec = Field(description="the amount withheld, e.g. 200, or by a field")
    score: str = Field(description="expression giving the assessment score")
    out_of: Amount = Field(Decimal(100), description="the score that pays out everything")
    steps: list[Step] | None = Field(None, description="pay out in steps instead of in "
                                     "proportion to the score")


class Component(Model):
    """One line of a payslip: a fixed amount, an allowance, a commission (rate × measure,
    or brackets), or a hold-back; optionally capped, floored and conditional."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD
    every: Every = EVERY_FIELD
    when: str | None = Field(None, description="a yes/no expression: the component is paid "
                             "only when it holds")
    amount: AmountSpec | None = Field(None, description="a fixed amount, an expression or a "
                                      "table by an enum field")
    base: str | None = Field(None, description="commission: expression giving the base, "
                             "e.g. business_revenue")
    rate: Amount | None = Field(None, description="commission: rate applied to the base")
    brackets: list[Bracket] | None = Field(None, description="commission: rates by bracket "
                                           "of the base, lowest first")
    method: Literal["graduated", "whole"] = Field(
        "graduated", description="brackets: graduated (超额累进: each part of the base at its "
        "bracket's rate) or whole (全额: the whole base at the rate of the bracket reached)")
    holdback: Holdback | None = Field(None, description="an amount withheld and paid out "
                                      "by an assessment score")
    cap: Amount | None = Field(None, description="the largest amount the component pays")
    floor: Amount | None = Field(None, description="the smallest amount the component pays")

    @model_validator(mode="after")
    def _one_kind(self) -> Component:
        kinds = [k for k, v in (("amount", self.amount), ("base", self.base),
                                ("holdback", self.holdback)) if v is not None]
        if len(kinds) != 1:
            raise ValueError(_("a component gives exactly one of 'amount', 'base' (with "
                               "'rate' or 'brackets') or 'holdback'; found {found}").format(
                                   found=", ".join(kinds) or _("none")))
        if self.base is not None and (self.rate is None) == (self.brackets is None):
            raise ValueError(_("a commission with 'base' needs either 'rate' or 'brackets'"))
        if self.base is None and (self.rate is not None or self.brackets is not None):
            raise ValueError(_("'rate' and 'brackets' need a 'base' to apply to"))
        return self


class Level(Model):
    """An award level of a point scheme (D-23): reached from this many points a year."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    from_: Amount = Field(alias="from", description="points needed in the year (inclusive)")
    award: Amount = Field(description="the year's award at this level, in yuan")


class Earn(Model):
    """Points earned per unit of a measure (e.g. 1 point per 100 yuan of philately sales)."""

    measure: Identifier = Field(description="a measure of the period")
    points: Amount = Field(description="points per unit of the measure")
    per: Amount = Field(Decimal(1), description="the unit, e.g. 100 for 'per 100 yuan'")
    label: Label | None = None


class Points(Model):
    """All-staff star marketing (D-23): points each quarter, award levels for the year,
    quarterly advances and a year-end balance (季度兑现，年终平衡)."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD
    earn: list[Earn] = Field(description="designated products and the points each earns")
    levels: list[Level] = Field(description="award levels, lowest first")
    advance: Amount = Field(Decimal(1), description="share of the award reached so far that "
                            "each quarter pays in advance, e.g. 80%")
    clawback: bool = Field(False, description="true: a year-end balance below zero is "
                           "recovered; false (default): it is never taken back")


class GradeMove(Model):
    """When a grade moves at the half-yearly review (D-22)."""

    when: str = Field(description="a yes/no expression over employee fields and measures")
    label: Label | None = None


class Grades(Model):
    """The client-manager grade ladder (D-22): reviewed every half year."""

    field: Identifier = Field(description="the employee's enum field holding the grade")
    order: list[str] = Field(description="grades from lowest to highest")
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD
    promote: GradeMove = Field(description="when an employee moves one grade up")
    demote: GradeMove = Field(description="when an employee moves one grade down")


class ProjectAwards(Model):
    """Key-project awards (D-24): a development award in the year a project is developed
    and a maintenance award in the second year, for designated business types."""

    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD
    types: dict[Slug, Label] = Field(description="the designated business types")
    fields: dict[Identifier, FieldSpec] = Field(
        default_factory=dict, description="what a project record gives besides id, type and "
        "developed (the year), e.g. revenue")
    development: AmountSpec = Field(description="the award in the year of development")
    maintenance: AmountSpec = Field(description="the award in the second year")
    cap: Amount | None = Field(None, description="the largest award per project and year")


class Prize(Model):
    place: int = Field(ge=1, description="1 for first prize, 2 for second, …")
    label: Label = LABEL_FIELD
    award: Amount = Field(description="the prize, in yuan")


class Penalty(Model):
    when: str = Field(description="a yes/no expression: the team is penalised when it holds")
    amount: AmountSpec = Field(description="the penalty (a positive amount, deducted)")
    label: Label = LABEL_FIELD


class OrganisationAward(Model):
    when: str = Field(description="a yes/no expression: the team earns the award when it holds")
    award: AmountSpec = Field(description="the award")
    label: Label = LABEL_FIELD


class Competition(Model):
    """A competition between teams (D-25): ranked prizes, an organisation award, and
    penalties for teams that miss their target."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD
    every: Every = Field("quarter", description="how often the competition is settled")
    fields: dict[Identifier, FieldSpec] = Field(description="what a team record gives")
    rank_by: str = Field(description="expression: higher ranks first; equal values share a place")
    eligible: str | None = Field(None, description="a yes/no expression a team must meet to "
                                 "win a prize (e.g. target met)")
    prizes: list[Prize] = Field(default_factory=list)
    organisation: OrganisationAward | None = None
    penalty: Penalty | None = None


class IncentivesSpec(Model):
    """Pay and awards for the people who serve big clients (D-21…D-25)."""

    note: str | None = NOTE_FIELD
    identity: dict[Identifier, Label] = Field(
        default_factory=dict, description="columns that name an employee (e.g. employee_id, "
        "name): passed through to payslips, never used by a rule")
    employee: dict[Identifier, FieldSpec] = Field(
        default_factory=dict, description="what an employee record gives (employment, grade…)")
    measures: dict[Identifier, FieldSpec] = Field(
        default_factory=dict, description="what is measured for an employee each period")
    components: list[Component] = Field(default_factory=list, description="payslip lines")
    points: Points | None = None
    grades: Grades | None = None
    projects: ProjectAwards | None = None
    competitions: list[Competition] = Field(default_factory=list)

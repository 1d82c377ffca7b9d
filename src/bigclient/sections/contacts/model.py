"""The ``contacts:`` key of a ruleset as policy staff write it (D-20): who contacts big
clients, how often, and the occasions a client system plans by itself."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, WithJsonSchema

from bigclient.language.common import LABEL_FIELD, NOTE_FIELD, RULE_FIELD, Label, Model, Slug
from bigclient.sections.contacts.cadence import PERIOD_PATTERN, PeriodError, parse_every


def _canonical(text: str) -> str:
    """'每月' and '1 month' are the same period, so ``diff`` sees no change between them;
    text that is not a period is kept as written and reported, located, at compile."""
    try:
        return str(parse_every(text, zero=True))
    except PeriodError:
        return text


PeriodText = Annotated[str, AfterValidator(_canonical), WithJsonSchema(
    {"type": "string", "pattern": PERIOD_PATTERN,
     "description": "a period: '1 month', '3 months', '2 weeks', '10 days', '1 year', "
                    "or 每月, 每季度, 每半年, 每年"})]


class ContactRuleSpec(Model):
    """One required contact: a role contacts the client at least once per period."""

    by: Slug = Field(description="the role that makes the contact (a key of contacts.roles)")
    every: PeriodText = Field(description="at least once per this period, counted from the "
                              "last contact (calendar months: 31 Jan + 1 month = 28/29 Feb)")
    kind: Slug | None = Field(None, description="only contacts of this kind count (a key of "
                              "contacts.kinds, e.g. visit or event); absent: any contact by "
                              "the role counts")
    label: Label | None = Field(None, description="optional name of this requirement")
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD


class CadenceSpec(Model):
    """A named set of contact requirements; routing assigns one to each client."""

    label: Label = LABEL_FIELD
    contacts: list[ContactRuleSpec] = Field(description="the contacts required, one per role "
                                            "(and kind)")
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD


class OccasionSpec(Model):
    """A contact the system plans by itself on a client's date (seed 003)."""

    label: Label | None = Field(None, description="what is done, e.g. 生日祝福短信")
    days_before: int = Field(0, ge=0, le=366, description="how many days before the date "
                             "(0: on the day itself)")
    by: Slug | None = Field(None, description="the role the plan is made for (absent: the "
                            "system acts itself, e.g. a greeting SMS)")
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD


class OccasionsSpec(Model):
    birthday: OccasionSpec | None = Field(None, description="the contact person's birthday")
    maturity: OccasionSpec | None = Field(None, description="a business (e.g. a term deposit, "
                                          "定期存款) maturing")


class ContactsSpec(Model):
    """Contact cadence (D-20): roles, cadences, occasions, and the due-soon window."""

    roles: dict[Slug, Label] = Field(description="who contacts clients, e.g. client_manager")
    kinds: dict[Slug, Label] = Field(default_factory=dict, description="kinds of contact a "
                                     "record may name (visit, call, event …); when declared, "
                                     "a contact record's kind must be one of them")
    cadences: dict[Slug, CadenceSpec] = Field(description="named cadences, e.g. standard")
    occasions: OccasionsSpec = Field(default_factory=OccasionsSpec,
                                     description="contacts planned automatically")
    due_soon: PeriodText | None = Field(None, description="list contacts falling due within "
                                        "this period (absent: those due today)")
    note: str | None = NOTE_FIELD


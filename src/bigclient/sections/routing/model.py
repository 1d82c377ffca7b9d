"""The routing section as written in YAML, and the route a decision carries (D-13, D-14,
D-18).

A routing table is a decision table in the DMN sense: named input columns over decision
fields (``tier``, ``flags``, ``lines``) and declared inputs (``scope``, ``region``…), one
row per rule, each cell a condition, and a declared hit policy. A row's outputs name the
responsible unit, an optional supporting unit, a contact cadence and the A/B manager roles.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from bigclient.language.common import NOTE_FIELD, RULE_FIELD, Label, Model, Slug

HitPolicy = Literal["first", "unique", "priority", "collect"]
Managers = Literal["single", "ab"]

DECISION_COLUMNS = ("tier", "flags", "lines")
"""Columns read from the decision itself, not from the inputs: the final tier (after an
override), the flags raised, and the lines whose per-line criterion was met."""

ANY_CELL = ("-", "any")


class Unit(Model):
    """A unit that can be made responsible for a client (责任单位)."""

    zh: str = Field(min_length=1, description="Chinese name (中文名称)")
    en: str = Field(min_length=1, description="English name")
    note: str | None = NOTE_FIELD

    @property
    def label(self) -> Label:
        return Label(zh=self.zh, en=self.en)


class Row(Model):
    """One rule of the table: conditions on the columns, and the route they give."""

    when: dict[str, Any] = Field(
        default_factory=dict,
        description="a condition per column: a value, a list of values, a range "
        "{from: …, to: …} (from included, to excluded), {not: …}, or '-' for any; a column "
        "left out matches anything")
    unit: Slug = Field(description="the responsible unit (an id from 'units')")
    support: Slug | None = Field(None, description="a supporting unit (an id from 'units')")
    cadence: Slug | None = Field(
        None, description="how often the client must be contacted (an id from the "
        "contacts section's cadences, D-20)")
    managers: Managers | None = Field(
        None, description="'ab': two client managers, A leading development and B "
        "maintenance (主辅制, D-18); 'single': one")
    per_line: bool = Field(
        False, description="true: one route per line whose per-line criterion was met "
        "(e.g. the specialty bureau of that line)")
    label: Label | None = Field(None, description="how policy staff name this row")
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD


class Routing(Model):
    """Who is responsible for a big client (D-13, D-14), as a decision table."""

    units: dict[Slug, Unit] = Field(
        description="the units a row may name, with their names; under hit policy "
        "'priority' the unit listed first wins")
    hit: HitPolicy = Field(
        description="which rows decide when several match: 'first' (the first in order), "
        "'unique' (never more than one may match), 'priority' (the one whose unit is "
        "listed first in 'units'), 'collect' (all of them)")
    columns: list[str] = Field(
        min_length=1,
        description="the input columns: tier, flags, lines, or declared input, context "
        "or derived names")
    rows: list[Row] = Field(min_length=1, description="the rules, in order")
    label: Label | None = Field(None, description="the table's name, as staff know it")
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD

"""The sections of a ruleset file, in file order. Adding a section means adding a room
here (see ``docs/architecture.md``): the ruleset, ``validate``, ``diff``, ``explain`` and
the docs generator all iterate over ``SECTIONS``."""

from __future__ import annotations

from bigclient.sections import (
    contacts,
    derived,
    discounts,
    flags,
    ids,
    incentives,
    ownership,
    qualification,
    routing,
    scorecards,
    scoring,
)
from bigclient.sections.base import Section

SECTIONS: tuple[Section, ...] = (
    derived.SECTION,
    qualification.SECTION,
    scoring.SECTION,
    flags.SECTION,
    contacts.SECTION,
    routing.SECTION,
    ownership.SECTION,
    discounts.SECTION,
    ids.SECTION,
    incentives.SECTION,
    scorecards.SECTION,
)

"""The contacts section: who must contact each big client and how often, and the contacts
a client system plans by itself (D-20; seeds 002 and 003).

It takes no part in deciding a client: routing assigns each client a cadence id, checked
against :attr:`CompiledContacts.cadences`, and :meth:`CompiledContacts.due` (or
``bigclient.due_contacts``) lists who is overdue on a given day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import Field

from bigclient.errors import Problem
from bigclient.i18n import _
from bigclient.language.common import Label
from bigclient.language.expr import suggest
from bigclient.language.ranges import Ranges
from bigclient.language.source import Located, YamlPath
from bigclient.sections.base import CompileContext, CompiledSection, Section, Words
from bigclient.sections.contacts.cadence import (
    Cadence,
    ContactRule,
    Every,
    Occasion,
    Occasions,
    PeriodError,
    parse_every,
)
from bigclient.sections.contacts.due import DueReport, due_contacts
from bigclient.sections.contacts.model import ContactsSpec, OccasionSpec
from bigclient.sections.contacts.wording import describe

__all__ = ["SECTION", "CompiledContacts", "ContactsSection"]


class CompiledContacts(CompiledSection):
    """The ruleset's cadences, ready for routing's checks and for due lists."""

    def __init__(self, spec: ContactsSpec, cadences: dict[str, Cadence],
                 occasions: Occasions, due_soon: Every | None) -> None:
        self.spec = spec
        self.cadences = cadences
        self.roles: dict[str, Label] = dict(spec.roles)
        self.kinds: dict[str, Label] = dict(spec.kinds)
        self.occasions = occasions
        self.due_soon = due_soon

    def due(self, clients: Iterable[Mapping[str, Any]], contacts: Iterable[Mapping[str, Any]],
            today: dt.date, *, tables: tuple[str, str] = ("clients", "contacts")) -> DueReport:
        """Contacts due on ``today`` under this ruleset (see ``bigclient.due_contacts``)."""
        return due_contacts(clients, contacts, today, cadences=self.cadences,
                            occasions=self.occasions, due_soon=self.due_soon,
                            roles=self.roles, kinds=self.kinds or None, tables=tables)


class ContactsSection(Section):
    key = "contacts"
    stage = 4  # nothing to decide per client; compiled before routing, which reads cadences
    explain_rank = 8

    def spec_field(self) -> tuple[Any, Any]:
        return ContactsSpec | None, Field(
            None, description="contact cadence: who contacts big clients, how often, and "
            "the contacts planned automatically (D-20)")

    def compile(self, part: ContactsSpec | None, ctx: CompileContext) -> CompiledContacts | None:
        if part is None:
            return None
        src, problems = ctx.src, ctx.problems
        base: YamlPath = ("contacts",)
        if not part.cadences:
            problems.append(src.problem((*base, "cadences"), _("no cadences are declared; "
                                        "declare at least one, e.g. standard"), code="BC866"))
        cadences: dict[str, Cadence] = {}
        for cid, spec in part.cadences.items():
            path: YamlPath = (*base, "cadences", cid, "contacts")
            if not spec.contacts:
                problems.append(src.problem(path, _("cadence '{id}' requires no contact; list "
                                                    "at least one").format(id=cid),
                                            code="BC864"))
            rules: list[ContactRule] = []
            seen: dict[tuple[str, str | None], int] = {}
            for i, r in enumerate(spec.contacts):
                self._role(r.by, part, (*path, i, "by"), src, problems)
                every = self._period(r.every, (*path, i, "every"), src, problems)
                if r.kind is not None and r.kind not in part.kinds:
                    problems.append(src.problem(
                        (*path, i, "kind"), _("'{kind}' is not a kind of contact declared "
                                              "under contacts.kinds").format(kind=r.kind),
                        code="BC863", hint=self._known(r.kind, part.kinds, "kinds")))
                if (r.by, r.kind) in seen:
                    problems.append(src.problem(
                        (*path, i, "by"), _("'{by}' already has a requirement in this cadence "
                                            "(entry {n}); keep one per role and kind").format(
                            by=r.by, n=seen[(r.by, r.kind)] + 1), code="BC865"))
                seen.setdefault((r.by, r.kind), i)
                if every is not None:
                    rules.append(ContactRule(r.by, every, r.kind, r.label, r.rule))
            cadences[cid] = Cadence(cid, spec.label, tuple(rules))
        occasions = Occasions(*(self._occasion(name, getattr(part.occasions, name), part, src,
                                               problems) for name in ("birthday", "maturity")))
        due_soon = None
        if part.due_soon is not None:
            due_soon = self._period(part.due_soon, (*base, "due_soon"), src, problems, zero=True)
        return CompiledContacts(part, cadences, occasions, due_soon)

    def _occasion(self, name: str, spec: OccasionSpec | None, part: ContactsSpec,
                  src: Located, problems: list[Problem]) -> Occasion | None:
        if spec is None:
            return None
        if spec.by is not None:
            self._role(spec.by, part, ("contacts", "occasions", name, "by"), src, problems)
        return Occasion(spec.days_before, spec.by, spec.label, spec.rule)

    @staticmethod
    def _known(name: str, known: Mapping[str, Any], what: str) -> str:
        return suggest(name, list(known)) or _("declared {what}: {known}").format(
            what=what, known=", ".join(known) or "—")

    def _role(self, role: str, part: ContactsSpec, path: YamlPath, src: Located,
              problems: list[Problem]) -> None:
        if role not in part.roles:
            problems.append(src.problem(path, _("'{role}' is not a role declared under "
                                                "contacts.roles").format(role=role),
                                        code="BC861", hint=self._known(role, part.roles,
                                                                       "roles")))

    @staticmethod
    def _period(text: str, path: YamlPath, src: Located, problems: list[Problem], *,
                zero: bool = False) -> Every | None:
        try:
            return parse_every(text, zero=zero)
        except PeriodError as exc:
            problems.append(src.problem(path, str(exc), code="BC862"))
            return None

    def checks(self, part: ContactsSpec | None, compiled: CompiledContacts | None,
               src: Located, ranges: Ranges) -> list[Problem]:
        if part is None or compiled is None:
            return []
        out: list[Problem] = []
        used = {r.by for c in compiled.cadences.values() for r in c.contacts} | {
            o.by for o in (compiled.occasions.birthday, compiled.occasions.maturity)
            if o is not None and o.by}
        for role in part.roles:
            if role not in used:
                out.append(src.problem(("contacts", "roles", role), _(
                    "the role '{role}' is in no cadence or occasion").format(role=role),
                    code="BC870", severity="info",
                    hint=_("use it in a cadence, or remove it")))
        window = compiled.due_soon
        if window is not None and window.count:
            for cid, cadence in compiled.cadences.items():
                for i, r in enumerate(cadence.contacts):
                    if _days(window) >= _days(r.every):
                        out.append(src.problem(
                            ("contacts", "due_soon"), _(
                                "the due-soon window ({window}) is as long as the period of "
                                "cadence '{id}' entry {n} ({every}): those contacts are always "
                                "due soon").format(window=window, id=cid, n=i + 1,
                                                   every=r.every),
                            code="BC871", severity="warning",
                            hint=_("shorten due_soon")))
                        return out
        return out

    def describe_early(self, path: YamlPath, old: Any, new: Any, frame: Any,
                       lines: Mapping[str, Any]) -> Words | None:
        return describe(path, old, new) if path[:1] == ("contacts",) else None


def _days(every: Every) -> int:
    """Shortest length of a period in days (for comparing periods)."""
    return every.count * {"day": 1, "week": 7, "month": 28}[every.unit]


SECTION = ContactsSection()

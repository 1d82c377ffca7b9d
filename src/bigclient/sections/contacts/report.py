"""A due report as text for people (``bigclient due``), in the language in force."""

from __future__ import annotations

from bigclient.i18n import _
from bigclient.sections.contacts.due import DueItem, DueReport, NeverContacted, OccasionToday


def _who(report: DueReport, item: DueItem | NeverContacted, lang: str) -> str:
    client = item.client_key + (f" {item.name}" if item.name else "")
    role = report.role(item.role, lang)
    kind = f" [{item.kind}]" if item.kind else ""
    rule = f" [{item.rule}]" if item.rule else ""
    comma = "，" if lang == "zh" else ", "
    return f"{client} — {role}{kind}{comma}{item.every.say(lang)}{rule}"


def _last(item: DueItem) -> str:
    if item.last_contact is None:
        return _("no contact yet")
    return _("last contact {day}").format(day=item.last_contact.isoformat())


def _occasion(report: DueReport, o: OccasionToday, lang: str) -> str:
    client = o.client_key + (f" {o.name}" if o.name else "")
    if o.occasion == "birthday":
        what = _("birthday greeting (birthday {day})").format(day=o.date.isoformat())
    else:
        what = _("visit plan: a business matures on {day}").format(day=o.date.isoformat())
    if o.label is not None:
        what = f"{o.label(lang)}: {what}"
    if o.by:
        what += _(", for {role}").format(role=report.role(o.by, lang))
    return f"{client} — {what}" + (f" [{o.rule}]" if o.rule else "")


def render_text(report: DueReport, lang: str) -> str:
    """Four lists, each under a heading with its count; empty lists say so."""
    out = [_("Contacts due on {day}").format(day=report.today.isoformat())]
    out.append("")
    out.append(_("Overdue ({n}):").format(n=len(report.overdue)))
    out.extend("  " + _("{who}: due {due}, {last}, {days} days overdue").format(
        who=_who(report, i, lang), due=i.due.isoformat(), last=_last(i), days=i.days)
        for i in report.overdue)
    out.append(_("Never contacted, no date to count from ({n}):").format(
        n=len(report.never_contacted)))
    out.extend("  " + _who(report, i, lang) for i in report.never_contacted)
    window = report.due_soon_window
    if window is not None and window.count:
        out.append(_("Due within {window} ({n}):").format(
            window=window.span(lang),
            n=len(report.due_soon)))
    else:
        out.append(_("Due today ({n}):").format(n=len(report.due_soon)))
    out.extend("  " + _("{who}: due {due}, {last}, {days} days left").format(
        who=_who(report, i, lang), due=i.due.isoformat(), last=_last(i), days=i.days)
        for i in report.due_soon)
    out.append(_("Occasions today ({n}):").format(n=len(report.occasions)))
    out.extend("  " + _occasion(report, o, lang) for o in report.occasions)
    return "\n".join(out) + "\n"

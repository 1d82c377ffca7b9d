"""The ownership section: how clients are registered to units (报备, 签到制, D-16), where a
dispute is ruled (属地原则, 上报上一级大客户中心裁决, D-17) and who may hand a manager's
clients on (四级权限, 转接责任, D-19).

Ownership takes no part in deciding a client: it compiles to plain :class:`OwnershipRules`
that :class:`bigclient.ledger.register.ClaimRegister` applies to a claim store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from bigclient.errors import Problem
from bigclient.i18n import _
from bigclient.language.common import (
    ID_FIELD,
    LABEL_FIELD,
    NOTE_FIELD,
    RULE_FIELD,
    Label,
    Model,
    Slug,
)
from bigclient.language.ranges import Ranges
from bigclient.language.source import Located, YamlPath
from bigclient.language.words import arrow
from bigclient.sections.base import CompileContext, CompiledSection, Element, Section, Words
from bigclient.sections.ownership.rules import OwnershipRules, Period

__all__ = ["SECTION", "OwnershipRules", "OwnershipSection", "OwnershipSpec", "Period"]


class Level(Model):
    """A permission level (权限级别) of D-19; the list runs from lowest to highest."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    rule: str | None = RULE_FIELD


class OwnershipSpec(Model):
    """Registration (报备) and ownership of clients (D-16, D-17, D-19)."""

    per: Literal["line", "client"] = Field(
        "line", description="line: a unit registers a client per business line (its later "
        "revenue in that line counts for that unit); client: one registration for the whole "
        "client")
    protection: str = Field(
        "none", description="how long a registration protects the unit's marketing rights "
        "(营销权限期保护), e.g. '90 days', '3 months', '90天'; 'none': without end")
    lapse: Literal["never", "unsigned"] = Field(
        "never", description="unsigned: a registration whose client has not signed when "
        "protection ends lapses, and the next unit to register takes the client over; "
        "never: a registration stands until a centre rules otherwise")
    escalation: dict[Slug, Slug] = Field(
        default_factory=dict, description="unit → the next-higher big-client centre that "
        "rules a disputed registration (上报上一级大客户中心裁决)")
    permission_levels: list[Level] = Field(
        default_factory=list, description="permission levels, lowest first (e.g. outlet "
        "client manager, office, sub-bureau, enterprise); handing a manager's clients to "
        "another needs an approver above both")
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD

    @field_validator("protection", mode="before")
    @classmethod
    def _period(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, str):
            raise ValueError(_("expected a period with its unit, such as '90 days' or "
                               "'3 months', or 'none'; found {value!r}").format(value=value))
        try:
            Period.parse(value)
        except ValueError:
            raise ValueError(_("expected a period such as '90 days', '3 months', '2 weeks' "
                               "(or 90天, 3个月), or 'none' for protection without end; "
                               "found {value!r}").format(value=value)) from None
        return value


class CompiledOwnership(CompiledSection):
    """Nothing per client: the rules, for a claim register."""

    def __init__(self, rules: OwnershipRules) -> None:
        self.rules = rules


def _cycles(escalation: Mapping[str, str]) -> list[list[str]]:
    """Each escalation cycle once, as the units in order from its first-declared member."""
    order = list(escalation)
    seen: set[str] = set()
    out: list[list[str]] = []
    for start in order:
        path: list[str] = []
        unit: str | None = start
        while unit is not None and unit not in seen and unit not in path:
            path.append(unit)
            unit = escalation.get(unit)
        if unit is not None and unit in path:
            loop = path[path.index(unit):]
            if len(loop) > 1:  # a unit escalating to itself is reported on its own
                out.append(loop)
        seen.update(path)
    return out


class OwnershipSection(Section):
    key = "ownership"
    stage = 6  # decides nothing per client
    explain_rank = 8
    elements: ClassVar[Mapping[YamlPath, Element]] = {
        ("ownership", "permission_levels"): Element("level", "Permission level", "权限级别")}

    def spec_field(self) -> tuple[Any, Any]:
        return OwnershipSpec | None, Field(
            None, description="registration and ownership of clients (D-16, D-17, D-19)")

    def compile(self, part: OwnershipSpec | None,
                ctx: CompileContext) -> CompiledOwnership | None:
        if part is None:
            return None
        src = ctx.src
        base: YamlPath = ("ownership",)
        ctx.problems.extend(src.duplicate_ids((*base, "permission_levels"),
                                              [lv.id for lv in part.permission_levels],
                                              "permission level"))
        routing = ctx.compiled.get("routing")
        units: frozenset[str] | None = getattr(routing, "unit_ids", None)
        for unit, to in part.escalation.items():
            if unit == to:
                ctx.problems.append(src.problem(
                    (*base, "escalation", unit),
                    _("unit '{unit}' escalates to itself; a dispute goes to the next-higher "
                      "centre").format(unit=unit), code="BC832",
                    hint=_("name the centre above {unit}, or remove the line if it is the "
                           "top").format(unit=unit)))
            if units is None:
                continue
            for name, where in ((unit, (*base, "escalation")), (to, (*base, "escalation", unit))):
                if name not in units:
                    ctx.problems.append(src.problem(
                        where, _("'{name}' is not a unit the routing section declares").format(
                            name=name), code="BC831",
                        hint=_("declared units: {units}").format(
                            units=", ".join(sorted(units)) or "-")))
        for loop in _cycles(part.escalation):
            ctx.problems.append(src.problem(
                (*base, "escalation", loop[0]),
                _("escalation goes round in a circle: {path}; a dispute would never reach a "
                  "centre that rules it").format(path=" → ".join([*loop, loop[0]])),
                code="BC833", hint=_("the chain must end at a top centre that escalates to "
                                     "no one")))
        period = Period.parse(part.protection)
        if part.lapse == "unsigned" and period is None:
            ctx.problems.append(src.problem(
                (*base, "lapse"),
                _("'lapse: unsigned' needs a protection period to end, but protection is "
                  "'none'"), code="BC834",
                hint=_("give 'protection' a period such as '90 days', or remove 'lapse'")))
        rules = OwnershipRules(
            per=part.per, protection=period, lapse=part.lapse == "unsigned",
            escalation=dict(part.escalation),
            levels=tuple(lv.id for lv in part.permission_levels),
            level_labels={lv.id: lv.label for lv in part.permission_levels},
            lines=tuple(ctx.lines), units=units)
        return CompiledOwnership(rules)

    def checks(self, part: OwnershipSpec | None, compiled: Any, src: Located,
               ranges: Ranges) -> list[Problem]:
        if part is None:
            return []
        out: list[Problem] = []
        if part.lapse == "never" and Period.parse(part.protection) is not None:
            out.append(src.problem(
                ("ownership", "protection"),
                _("a protection period of {period} is declared, but no lapse: registrations "
                  "never lapse, so the period is only shown, it changes no owner").format(
                    period=part.protection), code="BC835", severity="info",
                hint=_("add 'lapse: unsigned' if an unsigned registration is to lapse when "
                       "protection ends")))
        if len(part.permission_levels) < 2:
            out.append(src.problem(
                ("ownership", "permission_levels"),
                _("fewer than two permission levels: nobody is above a client manager, so no "
                  "reassignment of clients can be approved (D-19)"), code="BC836",
                severity="warning",
                hint=_("list the levels lowest first, e.g. outlet_manager, office, "
                       "sub_bureau, enterprise")))
        return out

    def describe_early(self, path: YamlPath, old: Any, new: Any, frame: Any,
                       lines: Mapping[str, Any]) -> Words | None:
        if path[:1] != ("ownership",) or (len(path) > 2 and path[1] == "permission_levels"):
            return None
        if len(path) == 1:
            return _whole(old, new)
        field = str(path[1])
        en, zh = _FIELD_WORDS.get(field, (field or "ownership", field or "客户归属"))
        if field == "escalation" and len(path) > 2:
            unit = str(path[2])
            return "ownership", f"Ownership: dispute of {unit} escalates to: " \
                f"{arrow(old, new, 'en')}", f"客户归属：{unit} 争议上报：{arrow(old, new, 'zh')}"
        return "ownership", f"Ownership, {en}: {arrow(old, new, 'en')}", \
            f"客户归属，{zh}：{arrow(old, new, 'zh')}"

    def describe(self, path: YamlPath, old: Any, new: Any, frame: Any, en_name: str,
                 zh_name: str, lines: Mapping[str, Any]) -> Words | None:
        if getattr(frame, "kind", None) == "level" and path[-1] == "rule":
            return "level", f"Permission level {frame.key} ({en_name}) rule: " \
                f"{arrow(old, new, 'en')}", \
                f"权限级别 {frame.key}（{zh_name}）依据：{arrow(old, new, 'zh')}"
        return None


def _summary(part: Any, lang: str) -> str:
    """The whole section in one line (when it is added or removed)."""
    if not isinstance(part, Mapping):
        return str(part)
    zh = lang == "zh"
    esc = ", ".join(f"{a} → {b}" for a, b in dict(part.get("escalation") or {}).items())
    levels = " < ".join(str(lv.get("id")) if isinstance(lv, Mapping) else str(lv)
                        for lv in part.get("permission_levels") or ())
    none = "无" if zh else "(none)"
    bits = (("报备范围", "claims per", part.get("per", "line")),
            ("保护期", "protection", part.get("protection", "none")),
            ("到期失效", "lapse", part.get("lapse", "never")),
            ("上报裁决", "escalation", esc or none),
            ("权限级别", "permission levels", levels or none))
    return ("；" if zh else "; ").join(f"{z}：{v}" if zh else f"{e}: {v}" for z, e, v in bits)


def _whole(old: Any, new: Any) -> Words:
    if old is None or not isinstance(old, Mapping):
        return "ownership", f"Ownership rules added ({_summary(new, 'en')})", \
            f"新增客户归属规则（{_summary(new, 'zh')}）"
    if new is None or not isinstance(new, Mapping):
        return "ownership", f"Ownership rules removed (were: {_summary(old, 'en')})", \
            f"删除客户归属规则（原为：{_summary(old, 'zh')}）"
    return "ownership", f"Ownership: {_summary(old, 'en')} → {_summary(new, 'en')}", \
        f"客户归属：{_summary(old, 'zh')} → {_summary(new, 'zh')}"


_FIELD_WORDS = {
    "per": ("claims are per", "报备范围"),
    "protection": ("protection period", "营销权限保护期"),
    "lapse": ("lapse of unsigned registrations", "未签约报备到期失效"),
    "escalation": ("escalation", "上报裁决"),
    "permission_levels": ("permission levels", "权限级别"),
    "rule": ("rule", "依据"),
    "note": ("note", "备注"),
    "": ("ownership", "客户归属"),
}

SECTION = OwnershipSection()

"""The ownership section (D-16, D-17, D-19) and the claim register that applies it: lines,
lapse only when declared, escalation of territory disputes, marketing applications,
reassignment permission, orphans; located problems for a bad section."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

import bigclient
from bigclient.errors import BigClientError, InputError, RulesetError
from bigclient.ledger import SqliteLedger
from bigclient.ledger.register import ClaimRegister, NotPermitted
from bigclient.loading import load_text
from bigclient.ruleset import Ruleset
from bigclient.sections.ids.scheme import DEFAULT_SCHEME
from bigclient.sections.ownership import OwnershipRules, Period
from bigclient.workflow.analysis import analyse

ROOT = Path(__file__).resolve().parent.parent
SHANTOU = ROOT / "rulesets" / "shantou-postal" / "1.0.0.yaml"
CST = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)

PER_LINE = """
ownership:
  per: line
  protection: 90 days   # illustrative
  lapse: unsigned
  escalation:
    county_center: city_center
    specialty_bureau: city_center
    city_center: province_center
  permission_levels:
    - {id: outlet_manager, label: {zh: 网点普通客户经理, en: Outlet client manager}}
    - {id: office, label: {zh: 所, en: Office}}
    - {id: sub_bureau, label: {zh: 分局, en: Sub-bureau}}
    - {id: enterprise, label: {zh: 企业, en: Enterprise}}
"""


def with_ownership(block: str) -> Ruleset:
    text = SHANTOU.read_text(encoding="utf-8")
    return load_text(text[:text.index("\nownership:")] + "\n" + block, "test.yaml")


def problems_of(block: str) -> list[tuple[str, str, tuple[object, ...]]]:
    with pytest.raises(RulesetError) as info:
        with_ownership(block)
    return [(p.code, p.message, p.path) for p in info.value.problems]


def at(days: float = 0) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


@pytest.fixture
def ledger(tmp_path: Path) -> SqliteLedger:
    return SqliteLedger.create(tmp_path / "l.db", ruleset="shantou-postal",
                               scheme=DEFAULT_SCHEME, durable=False)


@pytest.fixture
def reg(ledger: SqliteLedger) -> ClaimRegister:
    return with_ownership(PER_LINE).claims(ledger)


# -- the section ----------------------------------------------------------------------


def test_shantou_declares_what_seed_001_says() -> None:
    rules = bigclient.load(SHANTOU).section("ownership").rules
    assert rules.per == "client" and rules.protection is None and rules.lapse is False
    assert rules.escalate_to("county_center") == "city_center"
    assert rules.escalate_to("province_center") is None
    assert rules.levels == ("outlet_manager", "office", "sub_bureau", "enterprise")
    assert rules.level_labels["office"].zh == "所管理"


def test_compiled_rules_are_plain() -> None:
    rules = with_ownership(PER_LINE).section("ownership").rules
    assert rules == OwnershipRules(
        per="line", protection=Period(90, "day"), lapse=True,
        escalation={"county_center": "city_center", "specialty_bureau": "city_center",
                    "city_center": "province_center"},
        levels=("outlet_manager", "office", "sub_bureau", "enterprise"),
        level_labels=rules.level_labels, lines=rules.lines, units=rules.units)
    assert "savings" in rules.lines


@pytest.mark.parametrize(("text", "period"), [
    ("90 days", Period(90, "day")), ("3 months", Period(3, "month")),
    ("1 week", Period(1, "week")), ("90天", Period(90, "day")), ("3个月", Period(3, "month")),
    ("none", None), ("不限", None)])
def test_periods_as_staff_write_them(text: str, period: Period | None) -> None:
    assert Period.parse(text) == period


def test_calendar_months_clamp_at_month_end() -> None:
    assert Period(1, "month").after(dt.datetime(2026, 1, 31, tzinfo=CST)) == \
        dt.datetime(2026, 2, 28, tzinfo=CST)
    assert Period(13, "month").after(at()) == dt.datetime(2027, 4, 1, 9, tzinfo=CST)


def test_bad_periods_are_located() -> None:
    for bad in ("90", "ninety days", "0 days", "90 years"):
        found = problems_of(f"ownership:\n  protection: {bad}\n")
        assert any("expected a period" in msg and path[:2] == ("ownership", "protection")
                   for _, msg, path in found), found


def test_a_unit_escalating_to_itself_is_refused() -> None:
    found = problems_of("ownership:\n  escalation:\n    city_center: city_center\n")
    assert [(c, p) for c, _, p in found] == [("BC832", ("ownership", "escalation",
                                                        "city_center"))]


def test_escalation_cycles_are_refused() -> None:
    """D-17: a dispute must reach a centre that rules it."""
    found = problems_of("ownership:\n  escalation:\n    a: b\n    b: c\n    c: a\n    d: a\n")
    assert [(c, m) for c, m, _ in found if c != "BC831"] == [
        ("BC833", "escalation goes round in a circle: a → b → c → a; a dispute would never "
                  "reach a centre that rules it")]


def test_lapse_without_protection_is_refused() -> None:
    found = problems_of("ownership:\n  lapse: unsigned\n")
    assert [c for c, _, _ in found] == ["BC834"]


def test_levels_are_unique_and_unknown_keys_refused() -> None:
    found = problems_of("ownership:\n  permission_levels:\n    - {id: a, label: {zh: 甲, en: A}}"
                        "\n    - {id: a, label: {zh: 乙, en: B}}\n")
    assert [c for c, _, _ in found] == ["BC120"]
    assert problems_of("ownership:\n  protecton: 90 days\n")


def test_units_are_checked_against_routing_when_it_declares_them() -> None:
    """With a routing section that declares unit ids, escalation names only those."""
    from bigclient.language.source import parse_text
    from bigclient.sections.base import CompileContext
    from bigclient.sections.ownership import SECTION, OwnershipSpec

    class Routing:
        unit_ids = frozenset({"county_center", "city_center"})

    src = parse_text("ownership:\n  escalation:\n    county_center: city_center\n"
                     "    city_center: province_centre\n", "t.yaml")
    required = {f.name: None for f in dataclasses.fields(CompileContext)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    ctx = CompileContext(**{**required, "src": src, "names": {}, "lines": (), "problems": [],
                            "compiled": {"routing": Routing()}})
    spec = OwnershipSpec.model_validate(src.data["ownership"])
    compiled = SECTION.compile(spec, ctx)
    assert [(p.code, p.path, p.line) for p in ctx.problems] == [
        ("BC831", ("ownership", "escalation", "city_center"), 4)]
    assert "province_centre" in ctx.problems[0].message
    assert compiled is not None and compiled.rules.units == Routing.unit_ids


def test_shantou_escalates_only_to_units_routing_declares() -> None:
    """When the ruleset routes clients to units (D-13), escalation names those units."""
    rs = bigclient.load(SHANTOU)
    rules = rs.section("ownership").rules
    if rs.section("routing") is None:
        pytest.skip("this ruleset declares no routing units")
    assert rules.units is not None
    assert set(rules.escalation) | set(rules.escalation.values()) <= rules.units


def test_validate_notes_and_warnings() -> None:
    """BC835: a period without lapse changes no owner; BC836: too few levels."""
    rs = with_ownership("ownership:\n  protection: 3 months\n")
    codes = {p.code: p.severity for p in analyse(rs)}
    assert codes.get("BC835") == "info" and codes.get("BC836") == "warning"
    assert "BC835" not in {p.code for p in analyse(with_ownership(PER_LINE))}


def test_a_ruleset_without_ownership_has_no_register(yueyang: Ruleset,
                                                     ledger: SqliteLedger) -> None:
    with pytest.raises(BigClientError, match="has no 'ownership:' section"):
        yueyang.claims(ledger)


# -- the register: claims -----------------------------------------------------------------


def test_protection_sets_the_lapse_only_when_declared(reg: ClaimRegister,
                                                     ledger: SqliteLedger) -> None:
    """D-16's lapse is a reading, in no seed: only `lapse: unsigned` makes claims lapse."""
    out = reg.claim("C1", "savings", "county_center", at(), key="a", by="li")
    assert out.claim.lapses_at == at(90) and reg.protected_until(out.claim) == at(90)
    assert reg.claim("C1", "billing", "county_center", at(), key="b", by="li",
                     signed=True).claim.lapses_at is None
    took = reg.claim("C1", "savings", "specialty_bureau", at(91), key="c", by="wang")
    assert took.won and reg.owner("C1", "savings").unit == "specialty_bureau"  # type: ignore[union-attr]
    shantou = bigclient.load(SHANTOU).claims(ledger)  # no lapse declared: never lapses
    kept = shantou.claim("C2", "*", "county_center", at(), key="d", by="li")
    assert kept.claim.lapses_at is None and shantou.protected_until(kept.claim) is None
    assert not shantou.claim("C2", "*", "city_center", at(9999), key="e", by="x").won


def test_signing_through_the_register(reg: ClaimRegister) -> None:
    reg.claim("C1", "savings", "county_center", at(), key="a", by="li")
    assert reg.sign("C1", "savings", "county_center", at(60)).signed
    assert not reg.claim("C1", "savings", "city_center", at(200), key="b", by="x").won
    assert reg.owner("C1", "savings", at(200)).unit == "county_center"  # type: ignore[union-attr]


def test_lines_are_the_rulesets(reg: ClaimRegister, ledger: SqliteLedger) -> None:
    with pytest.raises(InputError, match=r"not a business line.*savings, billing"):
        reg.claim("C1", "postage", "county_center", at(), key="a", by="li")
    with pytest.raises(InputError, match="not a business line"):
        reg.claim("C1", "*", "county_center", at(), key="a", by="li")
    whole = bigclient.load(SHANTOU).claims(ledger)
    with pytest.raises(InputError, match=r"registers whole clients.*'\*'"):
        whole.claim("C1", "savings", "county_center", at(), key="a", by="li")
    assert ledger.claims() == []


@pytest.mark.parametrize("field", ["client_key", "key", "by", "unit"])
def test_text_must_be_given(reg: ClaimRegister, field: str) -> None:
    args = {"client_key": "C1", "unit": "county_center", "key": "a", "by": "li"}
    for bad in ("", "  ", None, 7, "x" * 201):
        with pytest.raises(InputError, match=field):
            reg.claim(**{**args, field: bad}, line="savings", at=at())  # type: ignore[arg-type]


def test_times_must_be_aware(reg: ClaimRegister) -> None:
    for bad in (dt.datetime(2026, 3, 1), dt.date(2026, 3, 1), "2026-03-01T09:00+08:00"):
        with pytest.raises(InputError, match="time zone"):
            reg.claim("C1", "savings", "county_center", bad, key="a", by="li")  # type: ignore[arg-type]


def test_a_territory_dispute_goes_to_the_next_higher_centre(reg: ClaimRegister) -> None:
    """D-17 属地原则: signed in one place, business in another → the claimant's higher
    centre rules; the same place, or a winner, escalates nothing."""
    reg.claim("C1", "savings", "county_center", at(), key="a", by="li",
              territory="440507", business_place="440511")  # wins: nothing to rule
    same = reg.claim("C1", "savings", "specialty_bureau", at(1), key="b", by="w",
                     territory="440507", business_place="440507")
    assert same.escalation is None
    moved = reg.claim("C1", "savings", "specialty_bureau", at(2), key="c", by="w",
                      territory="440507", business_place="440511")
    assert moved.escalation is not None and moved.escalation.to == "city_center"
    top = reg.claim("C1", "savings", "province_center", at(3), key="d", by="p",
                    territory="440507", business_place="440511")
    assert top.escalation is None  # the top centre has no one above it
    assert [e.claim_id for e in reg.escalations(to="city_center")] == [moved.claim.claim_id]


def test_applications(reg: ClaimRegister) -> None:
    """营销申报: only a unit that does not own the client files one."""
    reg.claim("C1", "savings", "county_center", at(), key="a", by="li")
    app = reg.apply("C1", "savings", "specialty_bureau", at(5), key="p", by="w",
                    note="代发工资")
    assert (app.owner, app.unit, app.note) == ("county_center", "specialty_bureau", "代发工资")
    with pytest.raises(InputError, match=r"owns client C1.*already"):
        reg.apply("C1", "savings", "county_center", at(5), key="q", by="li")
    assert reg.applications(client_key="C1") == [app]


# -- the register: reassignment and orphans --------------------------------------------


def test_reassignment_needs_a_level_above_both(reg: ClaimRegister) -> None:
    """D-19: 客户经理的变动需要通过上级权限来完成确认 — strictly above both managers."""
    reg.claim("C1", "savings", "county_center", at(), key="a", by="li", manager="li")
    with pytest.raises(NotPermitted, match=r"boss at level office may not approve.*li "
                       r"\(level outlet_manager\).*chen \(level office\).*"
                       r"outlet_manager < office < sub_bureau < enterprise.*sub_bureau or "
                       r"enterprise"):
        reg.reassign("li", "chen", by="boss", by_level="office", from_level="outlet_manager",
                     to_level="office", at=at(1))
    with pytest.raises(NotPermitted, match="no higher level is declared"):
        reg.reassign("li", "chen", by="ceo", by_level="enterprise",
                     manager_levels={"li": "enterprise", "chen": "office"}, at=at(1))
    assert reg.owner("C1", "savings").manager == "li"  # type: ignore[union-attr]
    done = reg.reassign("li", "chen", by="head", by_level="sub_bureau",
                        manager_levels={"li": "outlet_manager", "chen": "office"}, at=at(1))
    assert done.claims == 1 and done.level == "sub_bureau"
    assert reg.owner("C1", "savings").manager == "chen"  # type: ignore[union-attr]
    assert reg.reassignments() == [done]


def test_reassignment_refuses_unknown_or_missing_levels(reg: ClaimRegister) -> None:
    with pytest.raises(InputError, match=r"by_level.*not a permission level.*outlet_manager"):
        reg.reassign("li", "chen", by="x", by_level="king", from_level="office",
                     to_level="office", at=at())
    with pytest.raises(InputError, match="permission level of manager chen is not given"):
        reg.reassign("li", "chen", by="x", by_level="enterprise",
                     manager_levels={"li": "office"}, at=at())
    with pytest.raises(InputError, match="same manager"):
        reg.reassign("li", "li", by="x", by_level="enterprise", from_level="office",
                     to_level="office", at=at())
    assert reg.reassignments() == []


def test_orphans(reg: ClaimRegister) -> None:
    """D-19 孤儿客户: no owner, an owner with no manager, or a manager who left."""
    reg.claim("C1", "savings", "county_center", at(), key="a", by="x", manager="li")
    reg.claim("C1", "billing", "county_center", at(), key="b", by="x")
    reg.claim("C2", "savings", "county_center", at(), key="c", by="x", manager="zhou",
              signed=True)
    reg.claim("C3", "savings", "county_center", at(), key="d", by="x", manager="zhou")
    found = reg.orphans(["C1", "C2", "C3", "C4", "C1"], departed=["li"])
    assert [(o.client_key, o.line, o.reason) for o in found] == [
        ("C1", "savings", "departed"), ("C1", "billing", "no_manager"), ("C4", "*", "no_owner")]
    later = reg.orphans(["C2", "C3"], at=at(120))  # C3's protection ended unsigned
    assert [(o.client_key, o.reason) for o in later] == [("C3", "no_owner")]

"""Contact cadence (D-20; seeds 002 and 003): the ``contacts:`` section, ``due_contacts``
and ``bigclient due``."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bigclient
from bigclient.cli import main
from bigclient.errors import InputError, RulesetError
from bigclient.language.common import Label
from bigclient.sections.contacts.cadence import (
    Cadence,
    ContactRule,
    Every,
    PeriodError,
    add_period,
    anniversary,
    parse_every,
)
from bigclient.sections.contacts.rows import ContactDataError
from bigclient.workflow.analysis import analyse
from bigclient.workflow.diff import diff_rulesets

D = dt.date

HEADER = """\
ruleset: mini
version: 1.0.0
effective: {from: 2009-01-01}
title: {zh: 测试, en: Test}
source: test
inputs:
  x: {type: money, label: {zh: 甲, en: X}}
qualification:
  criteria:
    - {id: any, label: {zh: 任意, en: Any}, when: x > 0}
"""

CONTACTS = """\
contacts:
  roles:
    client_manager: {zh: 客户经理, en: Client manager}
    unit_head: {zh: 专业公司、支局负责人, en: Head of specialty company or branch}
    big_client_center: {zh: 大客户中心, en: Big-client centre}
  kinds:
    visit: {zh: 上门拜访, en: Visit}
    event: {zh: 联谊活动, en: Client event}
  cadences:
    standard:
      label: {zh: 大客户走访, en: Big-client visits}
      contacts:
        - {by: client_manager, every: CM_EVERY, rule: D-20}
        - {by: unit_head, every: 3 months, rule: D-20}
    key_client:
      label: {zh: 重点大客户, en: Key clients}
      contacts:
        - {by: client_manager, every: 1 month, rule: D-20}
        - {by: unit_head, every: 每季度, rule: D-20}
        - {by: big_client_center, every: 每半年, kind: event, rule: D-20}
  occasions:
    birthday: {days_before: 0, label: {zh: 生日祝福短信, en: Birthday greeting}}
    maturity: {days_before: 3, by: client_manager}
  due_soon: 7 days
"""


def ruleset(cm_every: str = "1 month", contacts: str | None = None) -> bigclient.Ruleset:
    text = HEADER + (CONTACTS.replace("CM_EVERY", cm_every) if contacts is None else contacts)
    return bigclient.load_text(text, "mini.yaml")


RS = ruleset()


def problems_of(contacts: str) -> list[bigclient.Problem]:
    with pytest.raises(RulesetError) as exc:
        ruleset(contacts=contacts)
    return list(exc.value.problems)


# -- periods ------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "every"), [
    ("1 month", Every(1, "month")), ("3 months", Every(3, "month")),
    ("2 weeks", Every(2, "week")), ("10 days", Every(10, "day")),
    ("1 year", Every(12, "month")), ("每月", Every(1, "month")),
    ("每季度", Every(3, "month")), ("每半年", Every(6, "month")), ("每年", Every(12, "month")),
    ("3个月", Every(3, "month")), ("2周", Every(2, "week")), ("10天", Every(10, "day")),
])
def test_d20_periods_as_policy_writes_them(text: str, every: Every) -> None:
    """Seed 002 writes 每月, 每季度, 每半年; the YAML may write '1 month' too (D-20)."""
    assert parse_every(text) == every


@pytest.mark.parametrize("text", ["monthly", "0 months", "", "1.5 months", "99999 days"])
def test_periods_not_understood_are_refused(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_every(text)


def test_d20_calendar_months_end_of_month() -> None:
    """'1 month' after 31 January is the last day of February, not 2 or 3 March."""
    assert add_period(D(2024, 1, 31), Every(1, "month")) == D(2024, 2, 29)
    assert add_period(D(2023, 1, 31), Every(1, "month")) == D(2023, 2, 28)
    assert add_period(D(2024, 8, 31), Every(6, "month")) == D(2025, 2, 28)
    assert add_period(D(9999, 12, 1), Every(1, "month")) is None
    assert add_period(D(9999, 12, 31), Every(1, "day")) is None


def test_feb_29_birthday_is_kept_on_feb_28_in_other_years() -> None:
    assert anniversary(D(1972, 2, 29), 2023) == D(2023, 2, 28)
    assert anniversary(D(1972, 2, 29), 2024) == D(2024, 2, 29)


# -- the section ----------------------------------------------------------------------


def test_d20_compiled_cadences_for_routing() -> None:
    """Routing checks its cadence ids against ``compiled.cadences`` (D-20, seed 002)."""
    cadences = RS.section("contacts").cadences
    assert set(cadences) == {"standard", "key_client"}
    key = cadences["key_client"]
    assert [(r.by, r.every, r.kind) for r in key.contacts] == [
        ("client_manager", Every(1, "month"), None), ("unit_head", Every(3, "month"), None),
        ("big_client_center", Every(6, "month"), "event")]


def test_no_contacts_section_is_fine_until_due_is_asked() -> None:
    rs = bigclient.load_text(HEADER)
    assert rs.section("contacts") is None
    with pytest.raises(InputError, match="no 'contacts:' section"):
        rs.due_contacts([], [], D(2024, 5, 1))


@pytest.mark.parametrize(("old", "new", "code", "where"), [
    ("{by: client_manager, every: CM_EVERY", "{by: client_mgr, every: 1 month", "BC861", "by"),
    ("every: 3 months", "every: quarterly", "BC862", "every"),
    ("every: 每半年, kind: event", "every: 每半年, kind: party", "BC863", "kind"),
    ("every: 3 months, rule: D-20}", "every: 3 months}\n        - {by: unit_head, every: 2 "
     "months}", "BC865", "by"),
    ("maturity: {days_before: 3, by: client_manager}", "maturity: {days_before: 3, by: cm}",
     "BC861", "by"),
    ("due_soon: 7 days", "due_soon: a week", "BC862", "due_soon"),
])
def test_d20_ruleset_mistakes_are_located(old: str, new: str, code: str, where: str) -> None:
    text = CONTACTS.replace(old, new).replace("CM_EVERY", "1 month")
    assert text != CONTACTS.replace("CM_EVERY", "1 month")
    [p] = problems_of(text)
    assert (p.code, p.path[-1], p.file) == (code, where, "mini.yaml")
    assert p.line > 10


def test_empty_cadence_and_no_cadences_are_refused() -> None:
    [p] = problems_of("contacts:\n  roles: {a: {zh: 甲, en: A}}\n  cadences:\n"
                      "    x: {label: {zh: 乙, en: X}, contacts: []}\n")
    assert p.code == "BC864"
    [p] = problems_of("contacts:\n  roles: {a: {zh: 甲, en: A}}\n  cadences: {}\n")
    assert p.code == "BC866"


def test_unused_role_and_long_due_soon_window_are_reported() -> None:
    text = CONTACTS.replace("CM_EVERY", "1 week").replace(
        "    big_client_center: {zh: 大客户中心, en: Big-client centre}\n",
        "    big_client_center: {zh: 大客户中心, en: Big-client centre}\n"
        "    spare: {zh: 备用, en: Spare}\n")
    found = {(p.code, p.severity) for p in analyse(ruleset(contacts=text))}
    assert {("BC870", "info"), ("BC871", "warning")} <= found


def test_d10_diff_says_cadence_changes_in_policy_words() -> None:
    changes = diff_rulesets(RS, ruleset("2 weeks"))
    [c] = changes
    assert c.en == "Cadence standard: client_manager every 1 month → every 2 weeks"
    assert c.zh == "联系频次 standard：client_manager 每月 → 每2周"
    assert diff_rulesets(RS, ruleset("每月")) == []  # the same period, written in Chinese
    wider = ruleset(contacts=CONTACTS.replace("CM_EVERY", "1 month").replace(
        "due_soon: 7 days", "due_soon: 1 month"))
    [c] = diff_rulesets(RS, wider)
    assert (c.en, c.zh) == ("Due-soon window: 7 days → 1 month", "即将到期提示期：7天 → 1个月")
    [c] = diff_rulesets(bigclient.load_text(HEADER), RS)
    assert (c.en, c.zh) == ("Contact cadence section added", "新增客户联系频次规定")


# -- due_contacts ------------------------------------------------------------------


def due(clients: list[dict[str, object]], contacts: list[dict[str, object]],
        today: dt.date) -> bigclient.DueReport:
    return RS.due_contacts(clients, contacts, today)


def test_d20_client_manager_monthly_overdue_and_due_soon() -> None:
    """Seed 002: 客户经理对大客户至少每月拜访一次以上; a visit on 31 March is due again by
    30 April, so on 1 May it is one day overdue."""
    clients = [{"client_key": "A", "cadence": "standard", "since": "2024-01-01"}]
    contacts = [{"client_key": "A", "by": "client_manager", "on": "2024-03-31"},
                {"client_key": "A", "by": "unit_head", "on": "2024-04-20"}]
    r = due(clients, contacts, D(2024, 5, 1))
    [late] = r.overdue
    assert (late.role, late.due, late.last_contact, late.days) == (
        "client_manager", D(2024, 4, 30), D(2024, 3, 31), 1)
    assert r.due_soon == () and r.never_contacted == ()
    r = due(clients, contacts, D(2024, 4, 25))
    [soon] = r.due_soon
    assert (soon.role, soon.days) == ("client_manager", 5)


def test_d20_contact_on_the_due_date_is_in_time() -> None:
    """Contacted on 31 January: due 29 February 2024; that day it is due, not overdue."""
    clients = [{"client_key": "A", "cadence": "standard"}]
    contacts = [{"client_key": "A", "by": "client_manager", "on": D(2024, 1, 31)},
                {"client_key": "A", "by": "unit_head", "on": D(2024, 1, 31)}]
    r = due(clients, contacts, D(2024, 2, 29))
    assert r.overdue == () and [i.days for i in r.due_soon] == [0]
    assert [i.days for i in due(clients, contacts, D(2024, 3, 1)).overdue] == [1]


def test_d20_since_starts_the_clock_and_later_contacts_move_it() -> None:
    """A client assigned on 1 April is due its first visit by 1 May, whatever happened
    before it became a big client; never contacted and no ``since``: listed as such."""
    clients = [{"client_key": "A", "cadence": "standard", "since": "2024-04-01"},
               {"client_key": "B", "cadence": "standard"}]
    contacts = [{"client_key": "A", "by": "client_manager", "on": "2023-01-01"}]
    r = due(clients, contacts, D(2024, 5, 3))
    [late] = r.overdue
    assert (late.client_key, late.due, late.last_contact) == ("A", D(2024, 5, 1), D(2023, 1, 1))
    assert [(n.client_key, n.role) for n in r.never_contacted] == [
        ("B", "client_manager"), ("B", "unit_head")]


def test_d20_half_yearly_event_counts_events_only() -> None:
    """Seed 002: 大客中心每半年要组织一次重点大客户的联谊活动 — a centre's visit is not the
    event; the event on 10 January is due again by 10 July."""
    clients = [{"client_key": "K", "cadence": "key_client", "since": "2024-01-01"}]
    contacts = [{"client_key": "K", "by": "big_client_center", "on": "2024-06-01",
                 "kind": "visit"},
                {"client_key": "K", "by": "big_client_center", "on": "2024-01-10",
                 "kind": "event"},
                {"client_key": "K", "by": "client_manager", "on": "2024-07-01"},
                {"client_key": "K", "by": "unit_head", "on": "2024-07-01"}]
    r = due(clients, contacts, D(2024, 7, 12))
    [late] = r.overdue
    assert (late.role, late.kind, late.due, late.last_contact) == (
        "big_client_center", "event", D(2024, 7, 10), D(2024, 1, 10))


def test_seed_003_birthday_greeting_on_the_day_and_maturity_plan_three_days_before() -> None:
    """Seed 003: 在客户生日当天向客户发送祝福短信; 客户业务到期前三天为客户经理制定维护计划."""
    clients = [{"client_key": "A", "cadence": "standard", "since": "2024-04-20",
                "birthday": "1970-05-01"},
               {"client_key": "B", "cadence": "standard", "since": "2024-04-20",
                "maturities": "2024-05-04; 2024-09-01"},
               {"client_key": "C", "cadence": "standard", "since": "2024-04-20",
                "maturities": [D(2024, 5, 5)], "birthday": D(1980, 5, 2)}]
    r = due(clients, [], D(2024, 5, 1))
    assert [(o.occasion, o.client_key, o.date, o.by) for o in r.occasions] == [
        ("birthday", "A", D(2024, 5, 1), None), ("maturity", "B", D(2024, 5, 4),
                                                 "client_manager")]
    assert r.occasions[0].label is not None and r.occasions[0].label.zh == "生日祝福短信"
    later = due(clients, [], D(2024, 5, 2))
    assert [(o.occasion, o.client_key) for o in later.occasions] == [
        ("birthday", "C"), ("maturity", "C")]


def test_feb_29_birthday_greeted_on_feb_28_in_a_common_year() -> None:
    clients = [{"client_key": "A", "cadence": "standard", "since": "2023-02-01",
                "birthday": "1972-02-29"}]
    assert [o.date for o in due(clients, [], D(2023, 2, 28)).occasions] == [D(2023, 2, 28)]
    assert due(clients, [], D(2024, 2, 28)).occasions == ()
    assert [o.date for o in due(clients, [], D(2024, 2, 29)).occasions] == [D(2024, 2, 29)]


def test_bad_records_are_all_named_with_their_rows() -> None:
    clients = [{"client_key": "A", "cadence": "standrd"},
               {"client_key": "B", "cadence": "standard", "birthday": "1970-05"},
               {"client_key": "B", "cadence": "standard"},
               {"client_key": "C", "cadence": "standard", "since": "2024-02-30",
                "birth_day": "1970-01-01"}]
    contacts = [{"client_key": "Z", "by": "client_manager", "on": "2024-04-01"},
                {"client_key": "C", "by": "boss", "on": "2024-04-01"},
                {"client_key": "C", "by": "unit_head", "on": "2024-06-01"},
                {"client_key": "C", "by": "unit_head"},
                {"client_key": "C", "by": "unit_head", "on": "2024-04-01", "kind": "lunch"}]
    with pytest.raises(ContactDataError) as exc:
        due(clients, contacts, D(2024, 5, 1))
    found = [(p.table, p.row, p.field) for p in exc.value.problems]
    assert found == [
        ("clients", 1, "cadence"), ("clients", 2, "birthday"), ("clients", 3, "client_key"),
        ("clients", 4, "birth_day"), ("clients", 4, "since"),
        ("contacts", 1, "client_key"), ("contacts", 2, "by"), ("contacts", 3, "on"),
        ("contacts", 4, "on"), ("contacts", 5, "kind")]
    text = str(exc.value)
    assert "did you mean 'standard'?" in text and "did you mean 'birthday'?" in text
    assert "出生年月" in text and "after today" in text


def test_today_must_be_a_date() -> None:
    with pytest.raises(TypeError):
        due([], [], dt.datetime(2024, 5, 1, 9, 0))  # type: ignore[arg-type]


def test_due_contacts_is_importable_without_a_ruleset() -> None:
    cadences = RS.section("contacts").cadences
    r = bigclient.due_contacts([{"client_key": "A", "cadence": "standard"}], [], D(2024, 5, 1),
                               cadences=cadences)
    assert len(r.never_contacted) == 2 and r.to_dict()["today"] == "2024-05-01"


# -- properties --------------------------------------------------------------------

periods = st.builds(Every, st.integers(1, 40), st.sampled_from(["day", "week", "month"]))
days = st.dates(D(2000, 1, 1), D(2040, 12, 31))


@given(st.dates(), st.builds(Every, st.integers(0, 9999 * 12),
                             st.sampled_from(["day", "week", "month"])))
def test_month_arithmetic_never_overflows(day: dt.date, every: Every) -> None:
    result = add_period(day, every)
    if result is not None:
        assert result >= day
        if every.unit == "month":
            assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == every.count
            assert result.day <= day.day


@given(days, periods)
def test_d20_contacting_on_the_due_date_clears_it(since: dt.date, every: Every) -> None:
    cadences = {"c": _one_rule(every)}
    client = [{"client_key": "A", "cadence": "c", "since": since}]
    first = add_period(since, every)
    assert first is not None
    before = bigclient.due_contacts(client, [], first, cadences=cadences)
    assert before.overdue == () and [i.due for i in before.due_soon] == [first]
    after = bigclient.due_contacts(client, [{"client_key": "A", "by": "cm", "on": first}],
                                   first, cadences=cadences)
    assert after.overdue == () and after.due_soon == () and after.never_contacted == ()


def _one_rule(every: Every) -> Cadence:
    return Cadence("c", Label(zh="甲", en="A"), (ContactRule("cm", every),))


contact_lists = st.lists(st.tuples(st.sampled_from(["A", "B", "C"]),
                                   st.sampled_from(["client_manager", "unit_head",
                                                    "big_client_center"]),
                                   days, st.sampled_from([None, "visit", "event"])),
                         max_size=12)


@settings(max_examples=60)
@given(contact_lists, st.integers(0, 400), st.randoms(use_true_random=False))
def test_d20_due_dates_never_precede_the_last_contact_and_order_is_fixed(
        made: list[tuple[str, str, dt.date, str | None]], gap: int, rnd: random.Random) -> None:
    today = max([d for _, _, d, _ in made], default=D(2024, 1, 1)) + dt.timedelta(days=gap)
    clients = [{"client_key": "A", "cadence": "standard"},
               {"client_key": "B", "cadence": "key_client", "since": D(2020, 1, 1)},
               {"client_key": "C", "cadence": "key_client"}]
    contacts = [{"client_key": k, "by": b, "on": d, "kind": kind} for k, b, d, kind in made]
    r = due(clients, contacts, today)
    for item in (*r.overdue, *r.due_soon):
        assert item.last_contact is None or item.due > item.last_contact
        assert item.days >= 0
    assert all(i.due < today for i in r.overdue) and all(i.due >= today for i in r.due_soon)
    rnd.shuffle(clients)
    rnd.shuffle(contacts)
    assert due(clients, contacts, today) == r


# -- the command line -------------------------------------------------------------


def files(tmp_path: Path, contacts_extra: str = "") -> list[str]:
    rs = tmp_path / "mini.yaml"
    rs.write_text(HEADER + CONTACTS.replace("CM_EVERY", "1 month"), encoding="utf-8")
    clients = tmp_path / "clients.csv"
    clients.write_text("client_key,cadence,since,birthday,maturities,name\n"
                       "A,standard,2024-01-01,1970-05-01,,甲公司\n"
                       "B,key_client,,,2024-05-04;2024-06-01,乙公司\n", encoding="utf-8")
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("client_key,by,on,kind\nA,client_manager,2024-04-05,\n"
                        "B,big_client_center,2024-01-05,event\n" + contacts_extra,
                        encoding="utf-8")
    return [str(rs), str(clients), str(contacts)]


def test_cli_due_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", *files(tmp_path), "--today", "2024-05-01", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Overdue (1):" in out and "A 甲公司 — Head of specialty company or branch" in out
    assert "30 days overdue" in out and "Due within 7 days (1):" in out
    assert "birthday 2024-05-01" in out and "matures on 2024-05-04" in out


def test_cli_due_zh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", *files(tmp_path), "--today", "2024-05-01", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "专业公司、支局负责人" in out and "每季度" in out and "Overdue" not in out


def test_cli_due_json_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "due.json"
    assert main(["due", *files(tmp_path), "--today", "2024-05-01", "--json", "-o",
                 str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["ruleset"] == "mini" and data["today"] == "2024-05-01"
    assert [(i["client_key"], i["role"], i["days_overdue"]) for i in data["overdue"]] == [
        ("A", "unit_head", 30)]
    assert [o["occasion"] for o in data["occasions"]] == ["birthday", "maturity"]


def test_cli_due_bad_rows_named_and_nothing_listed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = files(tmp_path, "A,client_manger,2024-13-05,\nC,unit_head,2024-04-01,visit\nA,x\n")
    assert main(["due", *args, "--today", "2024-05-01", "--lang", "en"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "contacts.csv row 4, by: 'client_manger'" in captured.err
    assert "contacts.csv row 4, on: '2024-13-05' is not a day of the calendar" in captured.err
    assert "contacts.csv row 5, client_key: 'C'" in captured.err
    assert "contacts.csv: row 6: 2 cells" in captured.err


def test_cli_due_needs_a_contacts_section(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    args = files(tmp_path)
    Path(args[0]).write_text(HEADER, encoding="utf-8")
    assert main(["due", *args, "--today", "2024-05-01", "--lang", "en"]) == 2
    assert "no 'contacts:' section" in capsys.readouterr().err

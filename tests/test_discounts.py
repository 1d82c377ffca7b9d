"""Concessions to big clients (D-28): valid only with the approval of the body the ruleset
names (seed 004: the tariff coordination group 资费协调领导小组 of a city bureau, managing the
contracts and concessions of filed big clients 建档大客户), within its limit, for eligible
clients and covered lines, on a day the ruleset is in force; located load problems."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from discount_rulesets import ELIGIBLE, HEADER, TEXT, request

import bigclient
from bigclient.cli import main
from bigclient.errors import InputError, RulesetError
from bigclient.loading import load_text
from bigclient.sections.discounts import REASONS, DiscountDecision, DiscountRequest
from bigclient.workflow.analysis import analyse
from bigclient.workflow.casebook import run_case


@pytest.fixture(scope="module")
def rs() -> bigclient.Ruleset:
    return load_text(TEXT, "jx.yaml")


def problems_of(block: str) -> list[tuple[str, tuple[object, ...]]]:
    with pytest.raises(RulesetError) as info:
        load_text(HEADER + block, "jx.yaml")
    return [(p.code, p.path) for p in info.value.problems]


def test_valid_approval(rs: bigclient.Ruleset) -> None:
    """D-28: approved by the group the ruleset names, within the limit, filed client."""
    d = rs.approve_discount(request())
    assert isinstance(d, DiscountDecision)
    assert d.approved and d.reasons == () and d.codes == ()
    assert d.request.ratio == Decimal("0.10") and d.request.kind == "ratio"
    assert d.request.approved_on == dt.date(2009, 3, 1)
    assert (d.ruleset, d.version) == ("jx-test", "1.0.0")
    assert "Big-client tariff coordination group" in d.explain("en")
    assert "大客户资费协调领导小组批准有效" in d.explain("zh")
    assert d.to_dict()["request"]["ratio"] == "0.1"
    typed = DiscountRequest(client="c", contract="h", line="parcels", amount=Decimal(50000),
                            approver="tariff_coordination_group",
                            approved_on=dt.date(2009, 12, 31), reference="r", filed=True)
    assert rs.approve_discount(typed).approved  # the limit and the last day are included


def test_wrong_body_refused(rs: bigclient.Ruleset) -> None:
    """A concession approved by anyone but the named body is not valid (统一管理)."""
    d = rs.approve_discount(request(approver="city_bureau_director"))
    assert not d.approved and d.codes == ("wrong_approver",)
    assert "city_bureau_director" in d.reasons[0].message
    assert "tariff_coordination_group" in d.reasons[0].message


@pytest.mark.parametrize(("over", "shown"), [({"ratio": "15.5%"}, "15.5%"),
                                             ({"ratio": None, "amount": "5.01万"}, "50100")])
def test_over_limit_refused(rs: bigclient.Ruleset, over: dict[str, Any], shown: str) -> None:
    d = rs.approve_discount(request(**over))
    assert d.codes == ("over_limit",) and shown in d.reasons[0].message


def test_limit_of_one_kind_refuses_the_other() -> None:
    """A ratio-only limit cannot check an amount: refused rather than waved through."""
    rs = load_text(HEADER + ELIGIBLE)
    d = rs.approve_discount(request(ratio=None, amount="1万", filed=None,
                                    inputs={"filed": True, "revenue": "20万"}))
    assert d.codes == ("unchecked_kind",)


def test_ineligible_client_refused(rs: bigclient.Ruleset) -> None:
    """Only filed (建档) big clients: a request that does not say so is refused."""
    assert rs.approve_discount(request(filed=None)).codes == ("not_filed",)
    assert rs.approve_discount(request(filed=False)).codes == ("not_filed",)
    rs2 = load_text(HEADER + ELIGIBLE)
    rich = {"filed": True, "revenue": "12万"}
    assert rs2.approve_discount(request(filed=None, inputs=rich)).approved
    poor = rs2.approve_discount(request(filed=None, inputs={"filed": True, "revenue": "9万"}))
    assert poor.codes == ("not_eligible",) and "revenue >= 10万" in poor.reasons[0].message
    with pytest.raises(InputError, match="client's inputs"):
        rs2.approve_discount(request(filed=None))
    with pytest.raises(InputError, match="revnue"):  # an input typo is refused, not dropped
        rs2.approve_discount(request(inputs={"revnue": "12万"}))


def test_line_and_period(rs: bigclient.Ruleset) -> None:
    assert rs.approve_discount(request(line="letters")).codes == ("line_not_covered",)
    assert rs.approve_discount(request(approved_on="2008-12-31")).codes == ("outside_period",)
    assert rs.approve_discount(request(approved_on="2010-01-01")).codes == ("outside_period",)
    every = rs.approve_discount(request(approver="x", ratio="50%", filed=None, line="letters",
                                        approved_on="2010-01-01"))
    assert every.codes == ("wrong_approver", "over_limit", "not_filed", "line_not_covered",
                           "outside_period")  # every reason, in a fixed order
    assert set(every.codes) <= set(REASONS)


@pytest.mark.parametrize(("over", "field"), [
    ({"amount": "1万"}, "ratio"), ({"ratio": None}, "ratio"), ({"ratio": "120%"}, "ratio"),
    ({"ratio": None, "amount": "-5"}, "amount"), ({"approved_on": "2009-13-01"}, "approved_on"),
    ({"contract": ""}, "contract"), ({"reference": None}, "reference"),
    ({"approver_id": "x"}, "approver_id"), ({"filed": "yes"}, "filed")])
def test_malformed_requests_are_input_errors(rs: bigclient.Ruleset, over: dict[str, Any],
                                             field: str) -> None:
    with pytest.raises(InputError) as info:
        rs.approve_discount(request(**over))
    assert info.value.field == field


def test_a_ruleset_without_discounts_says_so() -> None:
    with pytest.raises(InputError, match="no 'discounts:' section"):
        load_text(HEADER).approve_discount(request())


def test_located_load_problems() -> None:
    approver = ("  approver: {id: group, label: {zh: 资费协调领导小组, en: Tariff group}}\n")
    assert problems_of("discounts:\n" + approver + "  lines: [express, savings]\n") == [
        ("BC950", ("discounts", "lines", 1))]
    assert problems_of("discounts:\n" + approver + "  lines: [express, express]\n") == [
        ("BC951", ("discounts", "lines", 1))]
    assert problems_of("discounts:\n" + approver + "  lines: []\n") == [
        ("BC951", ("discounts", "lines"))]
    assert problems_of("discounts:\n" + approver + "  limit: {ratio: 150%}\n") == [
        ("BC952", ("discounts", "limit", "ratio"))]
    assert problems_of("discounts:\n" + approver + "  limit: {amount: 0}\n") == [
        ("BC953", ("discounts", "limit", "amount"))]
    assert problems_of("discounts:\n" + approver + "  eligible: revenue + 1\n") == [
        ("BC303", ("discounts", "eligible"))]  # a number where yes/no is wanted
    assert problems_of("discounts:\n" + approver + "  eligible: revnue > 1\n") == [
        ("BC301", ("discounts", "eligible"))]
    assert problems_of("discounts:\n" + approver + "  limit: {amount: 12%}\n") == [
        ("BC100", ("discounts", "limit", "amount"))]  # a rate is no amount of money
    with pytest.raises(RulesetError) as info:
        load_text(HEADER + "discounts:\n" + approver + "  lines: [express, savings]\n", "jx.yaml")
    assert "jx.yaml:" in str(info.value) and "savings" in str(info.value)


def test_static_checks() -> None:
    plain = load_text(HEADER + "discounts:\n  approver: {id: g, label: {zh: 组, en: G}}\n")
    assert {p.code for p in analyse(plain)} >= {"BC954", "BC956"}
    assert not {"BC954", "BC955", "BC956"} & {p.code for p in analyse(load_text(TEXT))}
    one_kind = load_text(HEADER + ELIGIBLE)
    found = {p.code: p for p in analyse(one_kind)}
    assert "BC955" in found and found["BC955"].severity == "info"


def test_cases_check_approvals(rs: bigclient.Ruleset) -> None:
    """A YAML case with ``discount:`` runs through the section (Section.case)."""
    ok = run_case(rs, {"name": "ok", "discount": request(),
                       "expect": {"approved": True, "reasons": []}}, {}, "c.yaml", 1)
    assert ok.passed, ok.mismatches
    refused = run_case(rs, {"name": "no", "discount": request(approver="x", ratio="20%"),
                            "expect": {"approved": False,
                                       "reasons": ["wrong_approver", "over_limit"]}},
                       {}, "c.yaml", 2)
    assert refused.passed, refused.mismatches
    wrong = run_case(rs, {"name": "bad", "discount": request(ratio="20%"),
                          "expect": {"approved": True}}, {}, "c.yaml", 3)
    assert not wrong.passed and "over_limit" in wrong.explanation
    defaults = {"discount": request()}
    merged = run_case(rs, {"name": "d", "discount": {"line": "letters"},
                           "expect": {"reasons": ["line_not_covered"]}}, defaults, "c.yaml", 4)
    assert merged.passed, merged.mismatches


def test_the_howto_case_file_runs(tmp_path: Path) -> None:
    """The case file shown in docs/howto/discounts.md passes against the test ruleset."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "howto" / "discounts.md"
           ).read_text(encoding="utf-8")
    block = re.findall(r"```yaml\n(.*?)```", doc, re.S)[1]
    folder = tmp_path / "jx-test"
    (folder / "cases").mkdir(parents=True)
    (folder / "1.0.0.yaml").write_text(TEXT, encoding="utf-8")
    (folder / "cases" / "d28.yaml").write_text(block.replace("jiangxi-postal", "jx-test"),
                                               encoding="utf-8")
    assert main(["test", str(folder)]) == 0

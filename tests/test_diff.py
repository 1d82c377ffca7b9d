"""Semantic diff and impact of two ruleset versions (D-10), and ``bigclient diff``.

The impact numbers on examples/clients.csv are checked against a plain-Python
re-implementation of Shantou D-1 … D-7 (below), not against the engine or the diff code.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import bigclient
from bigclient import Ruleset
from bigclient.cli import main
from bigclient.workflow.diff import Change, diff_rulesets
from bigclient.workflow.impact import impact
from tests.conftest import ROOT, RULESETS

FOLDER = RULESETS / "shantou-postal"
REVISIONS = ROOT / "examples" / "revisions" / "shantou-postal"  # illustrative, not policy
OLD, NEW = FOLDER / "1.0.0.yaml", REVISIONS / "1.1.0.yaml"
CLIENTS = ROOT / "examples" / "clients.csv"
BUREAU = Decimal(200_000_000)  # examples/context.yaml: bureau_revenue: 2亿

# -- an independent model of Shantou 1.0.0 / 1.1.0 -----------------------------------------

LINES = ("savings", "billing", "letters", "philately", "express", "logistics", "parcels",
         "newspapers")
SPECIALTY = {"savings": (20000, 2000), "billing": (50000, 5000), "letters": (12000, 1000),
             "philately": (40000, 3500), "express": (20000, 2000), "logistics": (50000, 5000),
             "parcels": (10000, 1000), "newspapers": (20000, 2000)}  # D-2


def _d(text: str | None) -> Decimal:
    return Decimal(text) if text not in (None, "") else Decimal(0)


def plain_decide(row: dict[str, str], letters_prev: int, gold: int) -> tuple[str | None, int,
                                                                              bool]:
    """(tier or None, score, letters specialty) by D-1…D-7 written out by hand."""
    prev = {ln: _d(row.get(f"revenue_prev_year.{ln}")) for ln in LINES}
    month = {ln: _d(row.get(f"revenue_month.{ln}")) for ln in LINES}
    turnover_prev = _d(row.get("newspapers_turnover_prev_year"))
    turnover_month = _d(row.get("newspapers_turnover_month"))
    rate = _d(row.get("newspapers_commission_rate"))
    prev_total = sum(prev.values(), Decimal(0))
    month_total = sum(month.values(), Decimal(0))
    if month["newspapers"] == 0:  # D-3
        month_total += turnover_prev * rate / 12
    thresholds = {**SPECIALTY, "letters": (letters_prev, 1000)}
    specialty = set()
    for ln, (p, m) in thresholds.items():
        a, b = (turnover_prev, turnover_month) if ln == "newspapers" else (prev[ln], month[ln])
        if a >= p and b >= m:
            specialty.add(ln)
    qualified = (row.get("agreement_signed") == "true"
                 or (prev_total >= 10000 and month_total >= 1000) or bool(specialty))
    revenue_points = next((pts for lo, pts in ((1_500_000, 60), (1_000_000, 54), (500_000, 48),
                                               (300_000, 42), (100_000, 36))
                           if prev_total >= lo), 0)
    share = prev_total / BUREAU
    share_points = next((pts for lo, pts in ((Decimal("0.003"), 40), (Decimal("0.001"), 32),
                                             (Decimal("0.0005"), 24), (Decimal("0.0001"), 16))
                         if share >= lo), 0)
    score = revenue_points + share_points
    tier = None
    if qualified:
        tier = "diamond" if score >= 90 else "gold" if score >= gold else \
            "silver" if score >= 65 else "general"
    return tier, score, "letters" in specialty


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CLIENTS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def expected(rows: list[dict[str, str]]) -> dict[str, object]:
    matrix: Counter[tuple[str | None, str | None]] = Counter()
    movers = []
    letters_lost = 0
    newly = no_longer = 0
    for n, row in enumerate(rows, start=2):
        a_tier, a_score, a_letters = plain_decide(row, 12000, 75)
        b_tier, b_score, b_letters = plain_decide(row, 15000, 72)
        matrix[(a_tier, b_tier)] += 1
        if a_tier != b_tier:
            movers.append((n, row["client_id"], a_tier, b_tier, a_score, b_score))
        letters_lost += a_letters and not b_letters
        newly += a_tier is None and b_tier is not None
        no_longer += a_tier is not None and b_tier is None
    return {"matrix": matrix, "movers": movers, "letters_lost": letters_lost,
            "newly": newly, "no_longer": no_longer}


@pytest.fixture(scope="module")
def old() -> Ruleset:
    return bigclient.load(OLD)


@pytest.fixture(scope="module")
def new() -> Ruleset:
    return bigclient.load(NEW)


def test_the_plain_model_agrees_with_the_engine_row_by_row(rows: list[dict[str, str]],
                                                           old: Ruleset, new: Ruleset) -> None:
    """The reference itself is checked, per row, with evaluate (not with impact)."""
    ctx = {"bureau_revenue": "2亿"}
    for row in rows:
        for rs, letters, gold in ((old, 12000, 75), (new, 15000, 72)):
            d = rs.evaluate(row, context=ctx)
            tier, score, has_letters = plain_decide(row, letters, gold)
            assert (d.tier, d.score, "specialty:letters" in d.criteria) == (
                tier, Decimal(score), has_letters), row["client_id"]


def test_the_shipped_revision_moves_clients(expected: dict[str, object]) -> None:
    """1.1.0 is only a useful example if the sample clients feel it."""
    assert expected["movers"] and expected["letters_lost"]


# -- the rule changes -----------------------------------------------------------------


def test_changes_between_the_shipped_versions(old: Ruleset, new: Ruleset) -> None:
    changes = diff_rulesets(old, new)
    by_path = {c.yaml_path: c for c in changes}
    assert set(by_path) == {"version", "effective.from", "note",
                            "qualification.criteria[2].per_line.thresholds.letters.prev_year",
                            "scoring.tiers[1].min"}
    th = by_path["qualification.criteria[2].per_line.thresholds.letters.prev_year"]
    assert th.kind == "threshold"
    assert (th.old, th.new) == (Decimal(12000), Decimal(15000))
    assert th.en == "Letters (函件) specialty threshold, previous year: 12,000 → 15,000"
    assert th.zh == "函件专业大客户门槛（上年）：12,000 → 15,000"
    cut = by_path["scoring.tiers[1].min"]
    assert cut.kind == "cutoff" and cut.en == "Gold (黄金) cut-off: 75 → 72"
    assert cut.zh == "黄金分数线：75 → 72"
    assert cut.line == new.source.at(("scoring", "tiers", 1, "min"))[0]
    eff = by_path["effective.from"]  # 1.0.0 is open-ended (the real policy names no end)
    assert eff.kind == "effective" and "2008-01-01 → 2009-01-01" in eff.en
    assert by_path["effective.from"].to_dict()["new"] == "2009-01-01"
    assert diff_rulesets(old, old) == []


def _variant(text: str, *edits: tuple[str, str]) -> Ruleset:
    for a, b in edits:
        assert a in text, a
        text = text.replace(a, b, 1)
    return bigclient.load_text(text, "variant.yaml")


def test_spelling_and_order_are_not_changes(old: Ruleset) -> None:
    text = OLD.read_text(encoding="utf-8")
    same = _variant(
        text,
        ("letters:    {prev_year: 1.2万, month: 1000}",
         "letters: {prev_year: 12000, month: 0.1万}"),
        ("weight: 60%", "weight: 0.6"),
        ("    - id: agreement\n      label: {zh: 与邮政企业签订业务协议, en: Signed a business "
         "agreement with the postal enterprise}\n      rule: D-1(1)\n"
         "      when: agreement_signed\n",
         ""),
        ("    - id: specialty\n", "    - id: agreement\n      label: {zh: 与邮政企业签订业务协议, "
         "en: Signed a business agreement with the postal enterprise}\n      rule: D-1(1)\n"
         "      when: agreement_signed\n    - id: specialty\n"),
        ("        - {from: 150万, score: 100}\n        - {from: 100万, to: 150万, score: 90}\n",
         "        - {from: 100万, to: 150万, score: 90}\n        - {from: 150万, score: 100}\n"),
    )
    assert diff_rulesets(old, same) == []


def test_every_kind_of_policy_change_is_named(old: Ruleset) -> None:
    text = OLD.read_text(encoding="utf-8")
    new = _variant(
        text,
        ("weight: 60%", "weight: 50%"), ("weight: 40%", "weight: 50%"),
        ("- {from: 100万, to: 150万, score: 90}", "- {from: 100万, to: 150万, score: 85}"),
        ("- {from: 5‱, to: 1‰, score: 60}", "- {from: 6‱, to: 1‰, score: 60}"),
        ("  tiers:\n",
         "  tiers:\n    - {id: platinum, min: 95, label: {zh: 铂金, en: Platinum}}\n"),
        ("label: {zh: 白银, en: Silver}", "label: {zh: 银卡, en: Silver card}"),
        ("  - id: credit_warning\n", "  - id: credit_warning\n    exclude: true\n"),
        ("revenue_prev_year_total >= 1万 and", "revenue_prev_year_total >= 2万 and"),
        ("          parcels:    {prev_year: 1万,   month: 1000}\n", ""),
        ("combine: any", "combine: all"),
        ("  scope:\n", "  vip:\n    type: bool\n    default: false\n"
         "    label: {zh: 贵宾, en: VIP}\n  scope:\n"),
        ("    expr: total(revenue_prev_year)\n", "    expr: total(revenue_prev_year) * 1\n"),
    )
    changes = diff_rulesets(old, new)
    got = {(c.kind, c.en) for c in changes}
    assert ("weight", "Weight of Business revenue (业务收入): 60% → 50%") in got
    assert ("band", "Business revenue (业务收入) band 1,000,000 ≤ x < 1,500,000, score: "
            "90 → 85") in got
    assert ("band", "Share of the bureau's revenue (收入比重) band 5‱ ≤ x < 1‰, lower bound "
            "(included): 5‱ → 6‱") in got
    assert ("tier", "Tier added: platinum — Platinum (铂金), from 95") in got
    assert ("label", "Label of Tier silver: 白银 / Silver → 银卡 / Silver card") in got
    assert ("flag", "Flag credit_warning (On the credit early-warning list "
            "(内控预警客户(信用不良))) excludes flagged clients: no → yes") in got
    assert ("combine", "How criteria combine: any one criterion → every criterion") in got
    assert ("threshold", "Parcels (包件) specialty thresholds removed: previous year 10,000, "
            "current month 1,000") in got
    assert ("input", "Input added: vip — VIP (贵宾)") in got
    kinds = Counter(c.kind for c in changes)
    assert kinds["criterion"] == 1 and kinds["derived"] == 1
    assert all(c.zh and c.en and c.yaml_path for c in changes)
    assert all(isinstance(c, Change) and json.dumps(c.to_dict(), ensure_ascii=False)
               for c in changes)


# -- impact ---------------------------------------------------------------------------------


def test_impact_matches_the_plain_model(old: Ruleset, new: Ruleset,
                                        expected: dict[str, object]) -> None:
    from bigclient.tables import read_records

    imp = impact(old, new, read_records(CLIENTS), {"bureau_revenue": "2亿"})
    assert imp.evaluated == 1000 and imp.bad_rows == []
    matrix = expected["matrix"]
    assert isinstance(matrix, Counter)
    for o in imp.tiers:
        for n in imp.tiers:
            assert imp.count(o, n) == matrix[(o, n)], (o, n)
    assert sum(imp.matrix.values()) == sum(matrix.values()) == 1000
    assert [(m.row, m.client_id, m.old_tier, m.new_tier, m.old_score, m.new_score)
            for m in imp.movers] == [(r, c, a, b, Decimal(s), Decimal(t))
                                     for r, c, a, b, s, t in expected["movers"]]  # type: ignore[attr-defined]
    assert imp.newly_qualified == expected["newly"]
    assert imp.no_longer_qualified == expected["no_longer"]
    assert imp.criteria_lost == Counter({"specialty:letters": expected["letters_lost"]})
    assert imp.up == len(imp.movers) and imp.down == 0
    assert imp.tiers == ("diamond", "gold", "silver", "general", None)


def test_impact_counts_bad_rows_and_goes_on(old: Ruleset, new: Ruleset) -> None:
    clients: list[dict[str, Any]] = [
        {"client_id": "A", "region": "440507", "agreement_signed": "true",
         "revenue_prev_year": {"logistics": 300000}},
        {"client_id": "B", "region": "4405"},
        {"client_id": "C", "region": "440507", "revenue_prev_year": {"savings": "abc"}}]
    imp = impact(old, new, clients, {"bureau_revenue": "2亿"})
    assert imp.evaluated == 1 and imp.total == 3
    assert [(b.row, b.client_id) for b in imp.bad_rows] == [(2, "B"), (3, "C")]
    assert "region" in imp.bad_rows[0].error
    assert [(m.client_id, m.old_tier, m.new_tier) for m in imp.movers] == [("A", "silver", "gold")]


def test_impact_with_a_bad_context_is_an_error(old: Ruleset, new: Ruleset) -> None:
    with pytest.raises(bigclient.InputError, match="bureau_revenue"):
        impact(old, new, [], {})


def test_histogram_of_big_clients(old: Ruleset, new: Ruleset) -> None:
    clients = [{"region": "440507", "agreement_signed": "true",
                "revenue_prev_year": {"logistics": v}} for v in (0, 300000, 1500000, 2000000)]
    imp = impact(old, new, clients, {"bureau_revenue": "2亿"})
    bins = imp.histogram(10)
    assert len(bins) == 10 and bins[0] == (0, 10, 1, 1) and bins[7] == (70, 80, 1, 1)
    assert bins[9] == (90, 100, 2, 2)  # 100 falls in the last bin


# -- the command ------------------------------------------------------------------------


def test_cli_json_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                          expected: dict[str, object]) -> None:
    assert main(["diff", str(OLD), str(NEW), "--input", str(CLIENTS), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    imp = report["impact"]
    movers = expected["movers"]
    assert isinstance(movers, list)
    assert imp["matrix"]["silver"]["gold"] == sum(1 for m in movers if m[2:4] == ("silver",
                                                                                  "gold"))
    assert imp["matrix"]["not_big"]["not_big"] == expected["matrix"][(None, None)]  # type: ignore[index]
    assert len(imp["movers"]) == len(movers)
    assert imp["newly_qualified"] == expected["newly"]
    assert imp["no_longer_qualified"] == expected["no_longer"]
    assert [c["kind"] for c in report["changes"]] == ["header", "effective", "note",
                                                      "threshold", "cutoff"]


def test_cli_text_and_folder_refs(capsys: pytest.CaptureFixture[str],
                                  expected: dict[str, object]) -> None:
    assert main(["diff", f"{FOLDER}@1.0.0", f"{REVISIONS}@2009-01-01", "--input",
                 str(CLIENTS)]) == 0
    out = capsys.readouterr().out
    movers = expected["movers"]
    assert isinstance(movers, list)
    assert "shantou-postal 1.0.0 → 1.1.0: 5 rule changes" in out
    assert "Gold (黄金) cut-off: 75 → 72" in out
    assert f"tier changed: {len(movers)} ({len(movers)} up, 0 down)" in out
    assert re.search(r"Silver\s+0\s+" + str(len(movers)), out)


def test_cli_without_input_shows_the_rule_changes_only(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert main(["diff", str(OLD), str(NEW), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "函件专业大客户门槛（上年）：12,000 → 15,000" in out and "影响" not in out


@pytest.mark.parametrize(("ref", "message"), [
    ("@9.9.9", "has no version 9.9.9; versions: 1.0.0"),
    ("@2007-06-01", "no version in"),
    ("@latest", "after '@' write a version"),
])
def test_cli_bad_refs_are_usage_errors(ref: str, message: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", f"{FOLDER}{ref}", str(NEW)]) == 2
    assert message in capsys.readouterr().err


def test_html_report_is_self_contained(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       expected: dict[str, object]) -> None:
    page = tmp_path / "report.html"
    assert main(["diff", str(OLD), str(NEW), "--input", str(CLIENTS), "--html", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<style>" in text and "<svg" in text
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "@import" not in text and "url(" not in text
    for heading in ("规则变更", "Rule", "级别迁移", "tiers", "得分分布", "Score distribution",
                    "新认定为大客户", "newly qualified", "不再是大客户"):
        assert heading in text
    assert "Letters (函件) specialty threshold, previous year: 12,000 → 15,000" in text
    movers = expected["movers"]
    assert isinstance(movers, list)
    assert text.count("<tr><td class=\"n\">") >= len(movers)
    for _, client_id, *_ in movers:
        assert client_id in text
    assert "HTML report written" in capsys.readouterr().err

"""Edits capture.sh makes to the scratch copy, one step at a time (see tutorial.en.md)."""

import sys
from pathlib import Path

S = Path("examples/revisions/shantou-postal")  # relative to the scratch copy (capture.sh cds there)
NEW = S / "1.2.0.yaml"

CASES_1_2 = """\
# Version 1.2.0: letters (函件) previous-year threshold 2万 (D-2); Silver from 70 (D-7).
ruleset: shantou-postal
versions: ">=1.2.0"
input: {region: "440511"}
context: {bureau_revenue: 1亿}
cases:
  - name: letters (函件) at the new threshold 20000 / 1000
    rule: D-2
    input: {revenue_prev_year: {letters: 20000}, revenue_month: {letters: 1000}}
    expect: {criteria: [comprehensive, "specialty:letters"]}
  - name: letters (函件) one fen under 20000 is not specialty
    rule: D-2
    input: {revenue_prev_year: {letters: 19999.99}, revenue_month: {letters: 1000}}
    expect: {criteria: [comprehensive]}
  - name: 70 (90 + 40 share) is Silver - the new cut-off included
    rule: D-7
    context: {bureau_revenue: 50亿}
    input: {agreement_signed: true, revenue_prev_year: {logistics: 100万}}
    expect: {score: 70, tier: silver}
  - name: 68 (60 + 80 share) is General from 1.2.0
    rule: D-7
    context: {bureau_revenue: 2亿}
    input: {agreement_signed: true, revenue_prev_year: {logistics: 20万}}
    expect: {score: 68, tier: general}
"""


def sub(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def step1() -> None:
    """After `bigclient new-version --from 2030-01-01`: the header, the note, two numbers."""
    text = NEW.read_text(encoding="utf-8")
    start = text.index("# Shantou Postal big-client policy, version 1.1.0")
    end = text.index("# Amounts may be written")
    header = ("# Shantou Postal big-client policy, version 1.2.0 "
              "(tutorial: letters 2万, Silver 70).\n")
    NEW.write_text(text[:start] + header + text[end:], encoding="utf-8")
    sub(NEW, "# Made from 1.1.0 by `bigclient new-version`. Before review: write in the note "
        "what changed and why\n# (rule, old value → new value).\n",
        "# Tutorial revision 1.2.0: letters 2万 (D-2), Silver 70 (D-7).\n")
    sub(NEW, "note: >-\n"
        "  Illustrative revision of 1.0.0 (not real policy): letters previous-year specialty "
        "threshold\n  1.2万 → 1.5万 and Gold cut-off 75 → 72.",
        "note: >-\n"
        "  Tutorial revision of 1.1.0: letters (函件) previous-year specialty threshold "
        "1.5万 → 2万;\n  Silver (白银) cut-off 65 → 70.")
    sub(NEW, "letters:    {prev_year: 1.5万, month: 1000}  # 1.0.0: 1.2万 (illustrative change)",
        "letters:    {prev_year: 两万, month: 1000}")  # the mistake validate catches
    sub(NEW, "    - {id: silver,  min: 65, label", "    - {id: silver,  min: 70, label")


def step2() -> None:
    sub(NEW, "letters:    {prev_year: 两万, month: 1000}",
        "letters:    {prev_year: 2万,   month: 1000}")


def step3() -> None:
    head = "  - name: letters (函件) at the new thresholds 15000 / 1000\n    rule: D-2\n"
    sub(S / "cases" / "v1_1_revision.yaml", head, head + '    versions: "<1.2.0"\n')
    (S / "cases" / "v1_2_revision.yaml").write_text(CASES_1_2, encoding="utf-8")


{"step1": step1, "step2": step2, "step3": step3}[sys.argv[1]]()

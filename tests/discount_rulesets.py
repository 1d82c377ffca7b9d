"""Inline rulesets for the discount tests (D-28). The Jiangxi ruleset gets its
``discounts:`` block after merging; these carry ILLUSTRATIVE limits of their own."""

from __future__ import annotations

from typing import Any

HEADER = """
ruleset: jx-test
version: 1.0.0
effective: {from: 2009-01-01, to: 2009-12-31}
title: {zh: 江西测试, en: Jiangxi test}
source: seed 004 (价格策略)
lines:
  express: {zh: 特快, en: Express}
  parcels: {zh: 包件, en: Parcels}
  letters: {zh: 函件, en: Letters}
inputs:
  filed: {type: bool, default: false, label: {zh: 已建档, en: Filed big client}}
  revenue: {type: money, default: 0, label: {zh: 年收入, en: Annual revenue}}
qualification:
  combine: any
  criteria:
    - {id: revenue, label: {zh: 年收入达2万元, en: Revenue of 20000}, when: revenue >= 2万}
"""

DISCOUNTS = """
discounts:
  approver:
    id: tariff_coordination_group
    label: {zh: 大客户资费协调领导小组, en: Big-client tariff coordination group}
  filed_only: true
  limit: {ratio: 15%, amount: 5万}     # ILLUSTRATIVE: the seed gives no limit
  lines: [express, parcels]
  rule: D-28
"""

ELIGIBLE = """
discounts:
  approver:
    id: tariff_coordination_group
    label: {zh: 大客户资费协调领导小组, en: Big-client tariff coordination group}
  eligible: filed and revenue >= 10万     # ILLUSTRATIVE
  limit: {ratio: 15%}
"""

TEXT = HEADER + DISCOUNTS


def request(**over: Any) -> dict[str, Any]:
    """A request the TEXT ruleset approves, with fields replaced by ``over``."""
    base: dict[str, Any] = {
        "client": "36010000001000", "contract": "HT-2009-001", "line": "express",
        "ratio": "10%", "approver": "tariff_coordination_group",
        "approved_on": "2009-03-01", "reference": "资费协调领导小组会议纪要 2009-3",
        "filed": True}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}

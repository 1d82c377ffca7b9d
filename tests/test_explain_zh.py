"""explain("zh") speaks in labels (储汇, 上年综合收入, 钻石), never ids or expression code
(issue 7, "Messages policy staff can read")."""

from __future__ import annotations

import re

import bigclient

CLIENT = {"region": "440507", "agreement_signed": False, "credit_warning": True,
          "revenue_prev_year": {"savings": "150万", "letters": 20000},
          "revenue_month": {"savings": 3000}}


def test_zh_explanation_uses_labels_not_ids(shantou: bigclient.Ruleset) -> None:
    d = shantou.evaluate(CLIENT, context={"bureau_revenue": "2亿"})
    text = d.explain("zh")
    for label in ("储汇", "上年综合收入", "钻石", "业务收入", "已与邮政企业签订业务协议 = 否"):
        assert label in text
    body = text.split("\n", 1)[1]  # the first line names the ruleset file id and version
    ids = ["diamond", "specialty:savings", "revenue_prev_year_total", "agreement_signed",
           "credit_warning", ">=", " and "]
    assert not [i for i in ids if i in body], body


def test_zh_notes_of_flags_are_in_words(yueyang: bigclient.Ruleset) -> None:
    d = yueyang.evaluate({"region": "430602", "revenue_half_year": {"letters": "45万"},
                          "growth": "0.5", "credit_warning": True})
    assert d.flags == ("credit_warning",)
    text = d.explain("zh")
    assert not re.search(r"[a-z]{4,}_[a-z]+", text.split("\n", 1)[1]), text
    assert d.tier == "silver_card"
    assert "级别最高为银卡（计算级别钻石卡）" in text  # the cap, in tier labels

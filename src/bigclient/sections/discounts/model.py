"""What a ``discounts:`` section says (D-28): the body that approves concessions to big
clients, the largest concession it may approve, which clients may have one and which
product lines a concession may cover.

Seed reading (seed 004, 价格策略): "江西邮政大多数市局建立了大客户资费协调领导小组，对建档
大客户的营销合同和优惠政策实行统一管理" — most CITY bureaus set up a big-client tariff
coordination group that manages the marketing contracts and concessions of FILED (建档) big
clients in a unified way. DOMAIN.md D-28 says "approved centrally"; the seed says the group
sits at the city bureau and its management is unified (统一管理), so a ruleset names ONE
approving body, and a concession approved by anyone else is refused. The seed gives no
limit: any limit a ruleset declares is its own policy (mark it ILLUSTRATIVE if invented).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from bigclient.i18n import _
from bigclient.language.amounts import AmountError, parse_amount
from bigclient.language.common import (
    AMOUNT_SCHEMA,
    ID_FIELD,
    LABEL_FIELD,
    NOTE_FIELD,
    RULE_FIELD,
    Amount,
    Label,
    Model,
    Slug,
)


def _money(value: Any) -> Decimal:
    """A money limit: 5万, 50000, 1.2万元 — never a rate (12% there is a slip of the pen)."""
    if isinstance(value, bool):
        raise ValueError(_("expected an amount of money such as 5万 or 50000, found {value!r}")
                         .format(value=value))
    try:
        return parse_amount(value, ratio=False)
    except AmountError as exc:
        raise ValueError(_("expected an amount of money such as 5万 or 50000 (a rate belongs "
                           "under 'ratio'): {reason}").format(reason=exc)) from None


Money = Annotated[Decimal, BeforeValidator(_money), WithJsonSchema(AMOUNT_SCHEMA)]


class Approver(Model):
    """The one body whose approval makes a concession valid (资费协调领导小组, D-28)."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    rule: str | None = RULE_FIELD


class Limit(Model):
    """The largest concession the approving body may approve: as a ratio off the tariff,
    as an amount of money, or both (a request is checked against the limit of its kind)."""

    ratio: Amount | None = Field(None, description="largest concession as a share of the "
                                 "tariff, e.g. 15% (more than 0, at most 100%)")
    amount: Money | None = Field(None, description="largest concession as money, e.g. 5万")


class DiscountsSpec(Model):
    """Concessions (优惠) to big clients and who approves them (D-28)."""

    approver: Approver = Field(description="the body whose approval makes a concession valid, "
                               "e.g. tariff_coordination_group (大客户资费协调领导小组)")
    limit: Limit | None = Field(None, description="the largest concession the body may "
                                "approve; absent: the ruleset sets no limit")
    filed_only: bool = Field(False, description="true: only filed (建档) big clients may be "
                             "given a concession; a request must say the client is filed")
    eligible: str | None = Field(None, description="a yes/no expression over the ruleset's "
                                 "inputs (and context and derived values): which clients may "
                                 "be given a concession; a request then carries the client's "
                                 "inputs")
    lines: list[Slug] | None = Field(None, description="the product lines (业务种类) a "
                                     "concession may cover; absent: every line the ruleset "
                                     "declares (or any service when it declares none)")
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD

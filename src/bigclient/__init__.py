"""bigclient: key-account (大客户) policy as versioned, declarative YAML rulesets.

The public face: every name a host service uses is re-exported here. Names are imported
when first used (PEP 562), so ``import bigclient`` costs almost nothing, and a ruleset
revived from the compile cache decides without importing pydantic or YAML (issue 11).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bigclient.decision import Decision
    from bigclient.errors import (
        BigClientError,
        EvaluationError,
        ExhaustedError,
        InputError,
        InvalidChecksum,
        InvalidComponent,
        InvalidFormat,
        InvalidId,
        InvalidLength,
        Problem,
        RulesetError,
        StoreError,
        UnknownRegion,
    )
    from bigclient.language.amounts import parse_amount
    from bigclient.ledger import IdAllocator, KeyConflict, Ledger, UnknownHeadquarters
    from bigclient.ledger.discounts import DiscountRecord, DiscountStore, NotApproved
    from bigclient.ledger.locate import open_ledger
    from bigclient.ledger.postgres import PostgresLedger
    from bigclient.ledger.sqlite import SqliteLedger
    from bigclient.loading import load, load_text
    from bigclient.records import BadRow
    from bigclient.ruleset import Ruleset
    from bigclient.sections.contacts.due import DueReport, due_contacts
    from bigclient.sections.discounts import DiscountDecision, DiscountRequest
    from bigclient.sections.ids.scheme import ClientId, IdScheme
    from bigclient.sections.incentives import (
        CompetitionResult,
        GradeReview,
        PayLine,
        Payslip,
        YearSettlement,
    )
    from bigclient.sections.scorecards import Scorecard
    from bigclient.workflow.registry import Registry, RegistryError

__version__ = "0.1.0"

_WHERE: dict[str, str] = {
    'BadRow': 'bigclient.records',
    'BigClientError': 'bigclient.errors',
    'ClientId': 'bigclient.sections.ids.scheme',
    'CompetitionResult': 'bigclient.sections.incentives',
    'Decision': 'bigclient.decision',
    'DiscountDecision': 'bigclient.sections.discounts',
    'DiscountRecord': 'bigclient.ledger.discounts',
    'DiscountRequest': 'bigclient.sections.discounts',
    'DiscountStore': 'bigclient.ledger.discounts',
    'DueReport': 'bigclient.sections.contacts.due',
    'EvaluationError': 'bigclient.errors',
    'ExhaustedError': 'bigclient.errors',
    'GradeReview': 'bigclient.sections.incentives',
    'IdAllocator': 'bigclient.ledger',
    'IdScheme': 'bigclient.sections.ids.scheme',
    'InputError': 'bigclient.errors',
    'InvalidChecksum': 'bigclient.errors',
    'InvalidComponent': 'bigclient.errors',
    'InvalidFormat': 'bigclient.errors',
    'InvalidId': 'bigclient.errors',
    'InvalidLength': 'bigclient.errors',
    'KeyConflict': 'bigclient.ledger',
    'Ledger': 'bigclient.ledger',
    'NotApproved': 'bigclient.ledger.discounts',
    'PayLine': 'bigclient.sections.incentives',
    'Payslip': 'bigclient.sections.incentives',
    'PostgresLedger': 'bigclient.ledger.postgres',
    'Problem': 'bigclient.errors',
    'Registry': 'bigclient.workflow.registry',
    'RegistryError': 'bigclient.workflow.registry',
    'Ruleset': 'bigclient.ruleset',
    'RulesetError': 'bigclient.errors',
    'Scorecard': 'bigclient.sections.scorecards',
    'SqliteLedger': 'bigclient.ledger.sqlite',
    'StoreError': 'bigclient.errors',
    'UnknownHeadquarters': 'bigclient.ledger',
    'UnknownRegion': 'bigclient.errors',
    'YearSettlement': 'bigclient.sections.incentives',
    'due_contacts': 'bigclient.sections.contacts.due',
    'load': 'bigclient.loading',
    'load_text': 'bigclient.loading',
    'open_ledger': 'bigclient.ledger.locate',
    'parse_amount': 'bigclient.language.amounts',
}
"""Each public name and the module it lives in."""


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'bigclient' has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value  # the next look-up is a plain one
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = [
    "BadRow",
    "BigClientError",
    "ClientId",
    "CompetitionResult",
    "Decision",
    "DiscountDecision",
    "DiscountRecord",
    "DiscountRequest",
    "DiscountStore",
    "DueReport",
    "EvaluationError",
    "ExhaustedError",
    "GradeReview",
    "IdAllocator",
    "IdScheme",
    "InputError",
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidId",
    "InvalidLength",
    "KeyConflict",
    "Ledger",
    "NotApproved",
    "PayLine",
    "Payslip",
    "PostgresLedger",
    "Problem",
    "Registry",
    "RegistryError",
    "Ruleset",
    "RulesetError",
    "Scorecard",
    "SqliteLedger",
    "StoreError",
    "UnknownHeadquarters",
    "UnknownRegion",
    "YearSettlement",
    "__version__",
    "due_contacts",
    "load",
    "load_text",
    "open_ledger",
    "parse_amount",
]

"""bigclient: key-account (大客户) policy as versioned, declarative YAML rulesets.

The public face: every name a host service uses is re-exported here.
"""

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
from bigclient.records import BadRow
from bigclient.ruleset import Ruleset, load, load_text
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

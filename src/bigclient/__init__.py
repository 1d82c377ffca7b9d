"""bigclient: key-account (大客户) policy as versioned, declarative YAML rulesets.

The public face: every name a host service uses is re-exported here.
"""

from .amounts import parse_amount
from .decision import Decision
from .errors import (
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
from .ids import ClientId, IdScheme
from .ledger import IdAllocator, KeyConflict, Ledger, UnknownHeadquarters
from .ledger.sqlite import SqliteLedger
from .records import BadRow
from .registry import Registry, RegistryError
from .ruleset import Ruleset, load, load_text

__version__ = "0.1.0"

__all__ = [
    "BadRow",
    "BigClientError",
    "ClientId",
    "Decision",
    "EvaluationError",
    "ExhaustedError",
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
    "Problem",
    "Registry",
    "RegistryError",
    "Ruleset",
    "RulesetError",
    "SqliteLedger",
    "StoreError",
    "UnknownHeadquarters",
    "UnknownRegion",
    "__version__",
    "load",
    "load_text",
    "parse_amount",
]

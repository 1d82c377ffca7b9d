"""The claim stores every contract test runs against: add a store here (e.g. PostgreSQL)
and the whole contract suite runs on it too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bigclient.ledger import SqliteLedger
from bigclient.ledger.claims import ClaimStore
from bigclient.sections.ids.scheme import DEFAULT_SCHEME


def sqlite_store(tmp: Path) -> ClaimStore:
    return SqliteLedger.create(tmp / "claims.db", ruleset="shantou-postal",
                               scheme=DEFAULT_SCHEME, durable=False)


STORES: dict[str, Callable[[Path], ClaimStore]] = {"sqlite": sqlite_store}

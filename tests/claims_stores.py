"""The claim stores every contract test runs against: the SQLite file and a PostgreSQL
database on the throwaway server (tests/pgserver.py). Add a store here and the whole
contract suite runs on it too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bigclient.ledger import PostgresLedger, SqliteLedger
from bigclient.ledger.claims import ClaimStore
from bigclient.sections.ids.scheme import DEFAULT_SCHEME


def sqlite_store(tmp: Path, request: pytest.FixtureRequest, tag: str = "") -> ClaimStore:
    return SqliteLedger.create(tmp / "claims.db", ruleset="shantou-postal",
                               scheme=DEFAULT_SCHEME, durable=False)


def postgres_store(tmp: Path, request: pytest.FixtureRequest, tag: str = "") -> ClaimStore:
    """A ledger in the test's database; ``tag`` gives each hypothesis example its own schema
    (the database fixture is made once per test, not once per example)."""
    dsn = request.getfixturevalue("pg_dsn")
    return PostgresLedger.create(dsn, ruleset="shantou-postal", scheme=DEFAULT_SCHEME,
                                 schema=f"ledger_{tag}" if tag else None)


STORES: dict[str, Callable[[Path, pytest.FixtureRequest, str], ClaimStore]] = {
    "sqlite": sqlite_store, "postgresql": postgres_store}

"""One place that turns "where the ledger is" into a ledger: a ``postgresql://`` (or
``postgres://``) URL is a :class:`PostgresLedger`, anything else a SQLite file path.

Why: host services and the CLI take one setting (``--ledger``) whichever store they use."""

from __future__ import annotations

import os

from bigclient.ledger._pgsql import is_url
from bigclient.ledger.postgres import PostgresLedger
from bigclient.ledger.sqlite import SqliteLedger
from bigclient.sections.ids.scheme import IdScheme

__all__ = ["create_ledger", "is_postgres", "open_ledger"]


def is_postgres(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` names a PostgreSQL ledger (a URL) rather than a SQLite file."""
    return is_url(target)


def open_ledger(target: str | os.PathLike[str], *, ruleset: str | None = None,
                scheme: IdScheme | None = None) -> SqliteLedger | PostgresLedger:
    """Open an existing ledger (never creates one: D-12); ``ruleset`` / ``scheme`` refuse a
    ledger made for another ruleset or ID scheme."""
    if is_url(target):
        return PostgresLedger(str(target), ruleset=ruleset, scheme=scheme)
    return SqliteLedger(target, ruleset=ruleset, scheme=scheme)


def create_ledger(target: str | os.PathLike[str], *, ruleset: str,
                  scheme: IdScheme | None) -> SqliteLedger | PostgresLedger:
    """Make a new, empty ledger for ``ruleset``'s ID ``scheme`` at ``target``; with
    ``scheme=None`` a records ledger (claims and concessions of a ruleset without ``ids:``)."""
    if is_url(target):
        return PostgresLedger.create(str(target), ruleset=ruleset, scheme=scheme)
    return SqliteLedger.create(target, ruleset=ruleset, scheme=scheme)

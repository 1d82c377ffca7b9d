"""pytest plugin: a throwaway PostgreSQL 15 server for the whole session (tests/pgcluster.py).

``pg_cluster`` (session): the running server; ``pg_dsn`` (per test): the URL of a fresh,
empty database made for that test, so tests never see each other's ledgers;
``pg_restart``: a function that restarts the server mid-test (like a crash: ``immediate``).

It does not skip: when the server binaries are missing the fixture fails and says what to
install (CI has them). Registered in tests/conftest.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from tests.pgcluster import Cluster, NoPostgres

_numbers = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    try:
        cluster = Cluster()
    except NoPostgres as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        cluster.start()
    except Exception as exc:
        cluster.stop()
        pytest.fail(f"the throwaway PostgreSQL server did not start: {exc}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_dsn(pg_cluster: Cluster) -> Iterator[str]:
    """A fresh database for this test (CREATE DATABASE … TEMPLATE template0), dropped after."""
    name = f"t{next(_numbers)}"
    pg_cluster.sql(f"CREATE DATABASE {name} TEMPLATE template0")
    yield pg_cluster.dsn(name)
    pg_cluster.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_restart(pg_cluster: Cluster) -> Callable[[], None]:
    """Restart the server now (``pg_ctl stop -m immediate`` then start): every session is
    cut, committed work must survive."""
    return pg_cluster.restart

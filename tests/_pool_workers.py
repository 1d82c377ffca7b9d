"""Code run in spawned worker processes by test_pickle.py (importable under ``spawn``)."""

from __future__ import annotations

from typing import Any

import bigclient

_rs: bigclient.Ruleset | None = None


def install(rs: bigclient.Ruleset) -> None:
    """Pool initializer: the ruleset arrives pickled (as its text) once per worker."""
    global _rs
    _rs = rs


def decide_chunk(start: int, rows: list[dict[str, Any]],
                 context: dict[str, Any]) -> list[bigclient.Decision | bigclient.BadRow]:
    """Decide rows numbered from ``start`` with the worker's ruleset; decisions and bad
    rows travel back pickled."""
    assert _rs is not None
    return list(_rs.evaluate_many(rows, context, errors="collect", start=start))


def decide_with(rs: bigclient.Ruleset, client: dict[str, Any],
                context: dict[str, Any]) -> bigclient.Decision:
    """One client with a ruleset sent along with the task."""
    return rs.evaluate(client, context)


def ruleset_facts(rs: bigclient.Ruleset) -> tuple[str, str, str, int]:
    """What a worker sees of a ruleset it received: id, version, file, and its process."""
    import os

    return rs.id, rs.version, rs.file, os.getpid()

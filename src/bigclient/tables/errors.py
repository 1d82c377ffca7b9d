"""Errors that stop a file run before or instead of writing its output."""

from __future__ import annotations

import signal

MAX_CELL = 10_000
"""Longest cell (characters) a row may hold; a longer one is a bad row, not a stalled run."""


class TableError(Exception):
    """The input or output file cannot be used; nothing was written (exit 2)."""

    exit_code = 2


class Interrupted(TableError):
    """SIGINT or SIGTERM arrived; the temporary output was removed (exit 128 + signal)."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum

    @staticmethod
    def name(signum: int) -> str:
        return signal.Signals(signum).name

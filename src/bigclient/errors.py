"""One error hierarchy, so host services can catch ``BigClientError`` and policy staff
can read every message: each says where, what was expected, what was found, how to fix."""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bigclient.i18n import N_, _, ngettext

SEVERITIES = (N_("error"), N_("warning"), N_("info"))  # shown translated


class BigClientError(Exception):
    """Base of every error bigclient raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One located finding in a ruleset file (used by loading and by the analyser)."""

    message: str
    file: str = "<string>"
    line: int = 0
    column: int = 0
    path: tuple[str | int, ...] = ()
    code: str = "BC000"
    severity: str = "error"  # error | warning | info
    hint: str = ""

    @property
    def yaml_path(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        return out or "(document)"

    def __str__(self) -> str:
        text = _("{file}:{line}:{column}: {severity} {code} at {path}: {message}").format(
            file=self.file, line=self.line, column=self.column, severity=_(self.severity),
            code=self.code, path=self.yaml_path, message=self.message)
        if self.hint:
            text += "\n" + _("    fix: {hint}").format(hint=self.hint)
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.yaml_path,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class RulesetError(BigClientError):
    """A ruleset could not be loaded. Carries every problem found, each located."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._render())

    def __reduce__(self) -> tuple[Any, ...]:  # rebuilt from its problems in another process
        return type(self), (self.problems,)

    def _render(self) -> str:
        n = len(self.problems)
        head = ngettext("{n} problem in ruleset", "{n} problems in ruleset", n).format(n=n)
        return head + ":\n" + "\n".join(str(p) for p in self.problems)

    @property
    def file(self) -> str:
        return self.problems[0].file if self.problems else ""

    @property
    def line(self) -> int:
        return self.problems[0].line if self.problems else 0

    @property
    def column(self) -> int:
        return self.problems[0].column if self.problems else 0

    @property
    def path(self) -> tuple[str | int, ...]:
        return self.problems[0].path if self.problems else ()


@dataclass
class InputError(BigClientError, ValueError):
    """A client or context record does not fit the ruleset's declared inputs."""

    field: str
    value: Any
    message: str
    row: int | None = None
    others: Sequence[InputError] = dataclasses.field(default_factory=tuple)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __reduce__(self) -> tuple[Any, ...]:  # a BadRow from a worker process unpickles
        return type(self), (self.field, self.value, self.message, self.row, tuple(self.others))

    def __str__(self) -> str:
        where = _("row {row}: ").format(row=self.row) if self.row is not None else ""
        return "\n".join(where + _("input '{field}': {message}").format(
                              field=e.field, message=e.message)
                         + ("" if e.value is None
                            else _(" (found {value})").format(value=shown(e.value)))
                         for e in (self, *self.others))


_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlevel = 3


def shown(value: Any) -> str:
    """A value as a message shows it: short, and safe for any size or depth of value.

    A 200 KB cell, a 5,000-digit number or a list nested 10,000 deep must give a readable
    line, not a flood of text or a RecursionError while the error is being reported.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"<a whole number of about {int(value.bit_length() * 0.30103) + 1} digits>"
    try:
        return _REPR.repr(value)
    except Exception:  # a value whose own repr fails still leaves the message readable
        return f"<{type(value).__name__}>"


class EvaluationError(BigClientError):
    """An expression failed at evaluation time (for example a division by zero)."""


class InvalidId(BigClientError, ValueError):
    """A text is not a valid big-client ID (python-stdnum style: subclasses say why)."""


class InvalidLength(InvalidId):
    """The ID has the wrong number of digits."""


class InvalidFormat(InvalidId):
    """The ID contains characters that are not digits (or misplaced separators)."""


class InvalidComponent(InvalidId):
    """A segment of the ID is not allowed (sequence 00000, unknown region, ...)."""


class UnknownRegion(InvalidComponent):
    """The region segment is not a division code this scheme allows."""


class InvalidChecksum(InvalidId):
    """The check character does not match the other digits."""


class StoreError(BigClientError):
    """A ledger store could not complete an operation (not a transient lock: those are retried)."""


class ExhaustedError(StoreError):
    """No more sequence numbers (99,999 clients per region) or branches (999 per client)."""


class UsageError(BigClientError):
    """A command was given something it cannot use (a missing file, a bad option): exit 2."""

"""Client records on their way into a ruleset: what a record may be, how a run of many
records reports a bad one (:class:`BadRow`), and the guard that keeps every failure a
bigclient error.

A host service must be able to catch ``BigClientError`` and nothing else: a record that
is not a mapping, a value no converter expected, an expression that overflows — each
becomes an :class:`~bigclient.errors.InputError` or
:class:`~bigclient.errors.EvaluationError` naming the row, never a ``TypeError`` or a
``decimal.Overflow`` with a traceback.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bigclient.errors import BigClientError, EvaluationError, InputError
from bigclient.i18n import _

if TYPE_CHECKING:
    from bigclient.decision import Decision

ErrorMode = Literal["raise", "collect"]


@dataclass(frozen=True)
class BadRow:
    """A row ``evaluate_many(..., errors="collect")`` could not decide.

    ``row`` counts as the rows were given, from ``start`` (1 unless told), so it matches
    the numbers the caller shows; ``error`` is the InputError or EvaluationError, with the
    same message ``errors="raise"`` would have raised; ``record`` is the row as given.
    """

    row: int
    error: BigClientError
    record: Any = None

    qualified = False  # lets a loop test ``d.qualified`` without first asking isinstance

    def __str__(self) -> str:
        return str(self.error)


def as_mapping(value: Any, what: str = "client") -> Mapping[Any, Any]:
    """A record as a mapping: a dict, any Mapping, or a pydantic model (its fields)."""
    if isinstance(value, Mapping):
        return value
    pydantic = sys.modules.get("pydantic")  # no pydantic model exists before it is imported
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        dumped: Mapping[Any, Any] = value.model_dump()
        return dumped
    raise InputError(f"({what})", None, _(
        "expected a record of 'name: value' pairs (a dict), found {kind}").format(
            kind=type(value).__name__))


def as_bigclient_error(exc: BaseException, ruleset: Any, row: int | None, *,
                       pay: bool = False) -> BigClientError:
    """Any failure that is not a bigclient error, as one (the net under the converters
    and compiled expressions, which are written to raise only InputError and
    EvaluationError): an overlooked case is still a plain, row-numbered error for the
    caller and not a crash of the whole run."""
    if isinstance(exc, BigClientError):
        return exc
    if isinstance(exc, RecursionError):
        return InputError("(client)", None, _("the record is nested too deeply to be read"),
                          row)
    where = _("row {row}: ").format(row=row) if row is not None else ""
    names = {"ruleset": getattr(ruleset, "id", "?"), "version": getattr(ruleset, "version", "?"),
             "kind": type(exc).__name__}
    if pay:
        return EvaluationError(where + _(
            "the pay could not be computed with {ruleset} {version} ({kind}); check the "
            "employee's values and measures (a measure divided by may be 0)").format(**names))
    return EvaluationError(where + _(
        "the client could not be decided with {ruleset} {version} ({kind}); check the "
        "values of this row").format(**names))


@contextlib.contextmanager
def guarding(ruleset: Any, row: int | None = None, *, pay: bool = False) -> Iterator[None]:
    """Inside, any failure becomes a bigclient error (see :func:`as_bigclient_error`)."""
    try:
        yield
    except BigClientError:
        raise
    except GUARDED as exc:
        raise as_bigclient_error(exc, ruleset, row, pay=pay) from None


GUARDED = (RecursionError, ArithmeticError, TypeError, AttributeError, ValueError, KeyError,
           IndexError)
"""What :func:`as_bigclient_error` turns into a bigclient error (anything else, such as
KeyboardInterrupt or MemoryError, passes through)."""


def decide_rows(decide: Callable[[Any, int], Decision], clients: Iterable[Any],
                errors: ErrorMode, start: int) -> Iterator[Decision | BadRow]:
    """Decide each row in turn; on a bad row raise, or yield a BadRow and go on."""
    if errors not in ("raise", "collect"):
        raise ValueError(
            _("errors must be 'raise' or 'collect', found {errors!r}").format(errors=errors)
        )
    for row, client in enumerate(clients, start=start):
        try:
            yield decide(client, row)
        except (InputError, EvaluationError) as exc:
            if errors == "raise":
                raise
            yield BadRow(row, exc, client)


def for_version(record: Mapping[Any, Any] | None, rs: Any, other: Any,
                part: Literal["inputs", "context"] = "inputs") -> Mapping[Any, Any]:
    """``record`` as ``rs`` reads it beside ``other`` (``bigclient diff``): a key that only
    ``other`` declares (an input the new version added) is left out for ``rs``; a key
    neither declares stays, so it is still refused as unknown."""
    record = {} if record is None else record
    if not isinstance(record, Mapping):
        return record
    own: frozenset[Any] = (rs._inputs if part == "inputs" else rs._context).known
    theirs: frozenset[Any] = (other._inputs if part == "inputs" else other._context).known
    if own.issuperset(record):
        return record
    return {k: v for k, v in record.items() if k in own or k not in theirs}

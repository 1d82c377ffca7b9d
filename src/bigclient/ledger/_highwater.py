"""The high-water mark: a small file beside the ledger that remembers how far it got.

Why: a ledger file restored from an old backup, or copied without its ``-wal`` file, looks
perfectly sound but has forgotten the last allocations; used again, it would hand those
IDs out a second time (D-12). Nothing inside the file can tell. So every allocation
(after its commit) also writes the ledger's identity and its allocation count
("generation") to ``<ledger>.hwm``; when the ledger holds fewer allocations than the mark,
or is another ledger altogether, it is refused.

The mark is only ever written with a generation that is already committed, and never
lowered (an exclusive file lock orders writers), so it can lag behind the ledger (a crash
between commit and mark) but never run ahead of it: a refusal is never a false alarm.
It cannot help when the mark is lost together with the ledger (a whole disk restored):
docs/ids.md says what to do then.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bigclient.errors import StoreError
from bigclient.i18n import _

try:  # POSIX; elsewhere the mark is written without a lock (it may then lag, never lead)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

RECORD_SIZE = 512  # one fixed-size record at offset 0: rewritten in place, never torn by a kill


@dataclass(frozen=True)
class Mark:
    """What the mark file says: which ledger, how many allocations, the last ID."""

    ledger_id: str
    generation: int
    last_id: str


@lru_cache(maxsize=64)
def mark_path(ledger: Path) -> Path:
    """``ids.db`` -> ``ids.db.hwm``."""
    return ledger.with_name(ledger.name + ".hwm")


@contextmanager
def _locked(fd: int, exclusive: bool) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _decode(raw: bytes, where: Path) -> Mark:
    try:
        data: Any = json.loads(raw.rstrip(b" \n\0").decode("utf-8"))
        return Mark(str(data["ledger"]), int(data["generation"]), str(data["last"]))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise StoreError(_(
            "the high-water mark {path} is damaged, so bigclient cannot tell whether the "
            "ledger beside it is up to date. Check the ledger (bigclient id check), then "
            "delete {path} to accept it as it is").format(path=where)) from None


def read_mark(ledger: Path) -> Mark | None:
    """The mark beside ``ledger``, or None when there is none."""
    where = mark_path(ledger)
    try:
        with where.open("rb") as f, _locked(f.fileno(), exclusive=False):
            raw = f.read(RECORD_SIZE)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(_("cannot read the high-water mark {path}: {reason}").format(
            path=where, reason=exc.strerror or exc)) from None
    if not raw.strip(b" \n\0"):
        return None  # created, never written: a crash right at the start
    return _decode(raw, where)


def raise_mark(ledger: Path, mark: Mark) -> None:
    """Record ``mark`` unless the file already shows this ledger at a higher generation."""
    where = mark_path(ledger)
    record = json.dumps({"ledger": mark.ledger_id, "generation": mark.generation,
                         "last": mark.last_id}).encode("utf-8")
    try:
        fd = os.open(where, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        with os.fdopen(fd, "r+b", buffering=0) as f, _locked(f.fileno(), exclusive=True):
            raw = f.read(RECORD_SIZE)
            if raw.strip(b" \n\0"):
                old = _decode(raw, where)
                if old.ledger_id == mark.ledger_id and old.generation >= mark.generation:
                    return
            f.seek(0)
            f.write(record.ljust(RECORD_SIZE - 1) + b"\n")  # same size: overwritten in place
            # No fsync: losing the last writes in a power cut only lets the mark lag (it
            # never leads), and an fsync here cost 2.4 ms, eight times the allocation itself.
    except OSError as exc:
        raise StoreError(_("cannot write the high-water mark {path}: {reason}; the ledger "
                           "needs to write beside its file").format(
            path=where, reason=exc.strerror or exc)) from None

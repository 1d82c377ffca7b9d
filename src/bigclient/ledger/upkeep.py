"""Looking after a ledger file: integrity checks and backups (D-12).

A ledger in WAL mode keeps its newest allocations in ``<ledger>-wal`` until SQLite
checkpoints them into the main file, so copying the main file alone can lose them. The
backup here goes through SQLite's backup API, which copies a consistent snapshot of both.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bigclient.errors import StoreError
from bigclient.i18n import _
from bigclient.ledger._files import store_error
from bigclient.ledger.base import BackupFile, LedgerMismatch, StaleLedger


@dataclass(frozen=True)
class BackupResult:
    """Where the backup went and what it holds."""

    path: Path
    ledger_id: str
    ruleset: str
    generation: int  # allocations it holds


T = TypeVar("T")


class Store(Protocol):
    """What the upkeep reads of a ledger (``SqliteLedger`` has it)."""

    path: Path
    clock: Any

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T: ...

    def _check_mark(self, conn: sqlite3.Connection) -> None: ...

    def _read_info(self, conn: sqlite3.Connection) -> Any: ...


def _problems(ledger: Store, conn: sqlite3.Connection) -> list[str]:
    out = [_("SQLite integrity check: {finding}").format(finding=r[0])
           for r in conn.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"]
    if out:
        return out  # the rest would read damaged tables
    info = ledger._read_info(conn)
    count = conn.execute("SELECT COUNT(*) FROM allocation").fetchone()[0]
    if count != info.generation:
        out.append(_("the ledger records {generation} allocations made but holds {count} "
                     "IDs; it was edited outside bigclient").format(
            generation=info.generation, count=count))
    out += [_("region {region}: counter {last} is behind allocated sequence {top}").format(
        region=r[0], last=r[1], top=r[2]) for r in conn.execute(
        "SELECT a.region, COALESCE(c.last, 0), MAX(a.sequence) FROM allocation a "
        "LEFT JOIN region_counter c ON c.region = a.region "
        "GROUP BY a.region HAVING MAX(a.sequence) > COALESCE(c.last, 0)")]
    out += [_("client {hq}: counter {last} is behind allocated branch {top}").format(
        hq=r[0], last=r[1], top=r[2]) for r in conn.execute(
        "SELECT a.headquarters, COALESCE(c.last, 0), MAX(a.branch) FROM allocation a "
        "LEFT JOIN branch_counter c ON c.headquarters = a.headquarters "
        "WHERE a.kind = 'branch' GROUP BY a.headquarters "
        "HAVING MAX(a.branch) > COALESCE(c.last, 0)")]
    out += [_("branch {id} has no headquarters {hq} in the ledger").format(id=r[0], hq=r[1])
            for r in conn.execute(
        "SELECT b.id, b.headquarters FROM allocation b WHERE b.kind = 'branch' AND NOT EXISTS "
        "(SELECT 1 FROM allocation h WHERE h.id = b.headquarters AND h.kind = 'client')")]
    try:
        ledger._check_mark(conn)
    except BackupFile:
        pass  # checking a backup is what one should do with it
    except (StaleLedger, LedgerMismatch) as exc:
        out.append(str(exc))
    return out


def check_integrity(ledger: Store) -> list[str]:
    """SQLite's own check, then ours: counts, counters, headquarters, high-water mark.

    A damaged file (truncated, overwritten, not a ledger) is reported as a problem, not
    raised: this is what an operator runs when something is wrong."""
    try:
        return ledger._run(lambda conn: _problems(ledger, conn))
    except StoreError as exc:
        return [str(exc)]


def backup(ledger: Store, dest: Path) -> BackupResult:
    """Copy ``ledger`` to ``dest`` (which must not exist) with SQLite's backup API, check
    the copy, and only then give it its name."""
    if dest.resolve() == ledger.path.resolve() or dest.exists() or dest.is_symlink():
        raise StoreError(_("{dest} already exists; a backup never overwrites a file. Give a "
                           "new name, for example one with today's date").format(dest=dest))
    if not dest.parent.is_dir():
        raise StoreError(_("the folder {folder} for the backup does not exist; create it "
                           "first").format(folder=dest.parent))
    with part_file(dest) as part:
        # Marked as a backup, so that no service ever allocates from the copy.
        snapshot(ledger, part, ledger.clock().astimezone(dt.UTC).isoformat(timespec="seconds"))
        try:
            check = sqlite3.connect(part.resolve().as_uri() + "?mode=ro", uri=True)
            try:
                ok = check.execute("PRAGMA integrity_check").fetchone()[0]
                row = check.execute("SELECT ledger_id, ruleset, generation FROM ledger"
                                    ).fetchone()
            finally:
                check.close()
        except sqlite3.Error as exc:
            raise store_error(part, exc) from None
        if ok != "ok" or row is None:
            raise StoreError(_("the backup copy {dest} did not pass its check ({finding}); "
                               "nothing was written").format(dest=dest, finding=ok))
        publish(part, dest)
    return BackupResult(dest, str(row[0]), str(row[1]), int(row[2]))


@contextmanager
def part_file(dest: Path) -> Iterator[Path]:
    """A temporary name beside ``dest`` for a copy being made; gone afterwards, whatever
    happened (``publish`` gives the finished copy its real name)."""
    part = dest.with_name(f".{dest.name}.part-{os.getpid()}")
    # the read-only check of the copy leaves an empty -wal and a -shm beside it
    leftovers = (part, Path(f"{part}-wal"), Path(f"{part}-shm"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    try:
        yield part
    finally:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)


def snapshot(ledger: Store, part: Path, backup_taken_at: str | None) -> None:
    """A consistent copy of ``ledger`` in ``part`` (SQLite's backup API: one step, WAL
    included), marked as a backup taken then, or with None as a live ledger."""
    def copy(conn: sqlite3.Connection) -> None:
        target = sqlite3.connect(part)
        try:
            conn.backup(target)
            with target:
                target.execute("UPDATE ledger SET backup_taken_at = ?", (backup_taken_at,))
        finally:
            target.close()

    ledger._run(copy)


def publish(part: Path, dest: Path) -> None:
    """fsync ``part`` and give it the name ``dest``, never overwriting a file there."""
    fd = os.open(part, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(part, dest)  # fails, rather than overwrite, if dest appeared meanwhile
    except FileExistsError:
        raise StoreError(_("{dest} appeared while the copy was made; nothing was "
                           "overwritten").format(dest=dest)) from None
    except OSError as exc:
        raise StoreError(_("cannot write {dest}: {reason}").format(
            dest=dest, reason=exc.strerror or exc)) from None



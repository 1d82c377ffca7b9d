"""Put a backup back, and check a ledger file by its path: the two upkeep tasks that open
a ledger themselves (the rest of the upkeep works on an open one, in ``upkeep.py``)."""

from __future__ import annotations

import os
from pathlib import Path

from bigclient.errors import StoreError
from bigclient.i18n import _
from bigclient.ledger.sqlite import SqliteLedger
from bigclient.ledger.upkeep import check_integrity, part_file, publish, snapshot


def check_file(path: str | os.PathLike[str]) -> list[str]:
    """:func:`check_integrity` of the ledger at ``path``; a file that cannot be opened as a
    ledger is one problem, in words."""
    try:
        ledger = SqliteLedger(path, stale_ok=True)
    except StoreError as exc:
        return [str(exc)]
    with ledger:
        return check_integrity(ledger)


def restore(backup_file: Path, ledger_path: Path) -> SqliteLedger:
    """Put a backup back as the ledger at ``ledger_path`` (which must be gone, with its
    ``-wal`` and ``-shm``: an old -wal would be replayed into the restored file), then open
    it, which checks it against the high-water mark there (StaleLedger when it is behind)."""
    for leftover in (ledger_path, Path(f"{ledger_path}-wal"), Path(f"{ledger_path}-shm")):
        if leftover.exists():
            raise StoreError(_(
                "{file} exists; stop the services using the ledger and move {ledger} and its "
                "-wal and -shm files aside before restoring over them").format(
                file=leftover, ledger=ledger_path))
    source = SqliteLedger(backup_file, stale_ok=True)
    with source:
        if source.info().backup_taken_at is None:
            raise StoreError(_(
                "{path} is not a backup made by `bigclient id backup` (a plain copy may lack "
                "the newest IDs, which live in the -wal file); back up with `bigclient id "
                "backup` and restore that").format(path=backup_file))
        with part_file(ledger_path) as part:
            snapshot(source, part, None)  # a live ledger again
            publish(part, ledger_path)
    return SqliteLedger(ledger_path)

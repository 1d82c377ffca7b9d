"""Client files in and out: CSV (UTF-8 or GBK from Excel) and JSON Lines, read row by row
with row numbers that match what a spreadsheet shows (the header is row 1)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bigclient.errors import UsageError

__all__ = ["is_jsonl", "read_records"]


def is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in (".jsonl", ".ndjson", ".json")


def read_records(path: Path,
                 encoding: str = "utf-8-sig") -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """Yield (row number, record or None, error text) from a CSV or JSON Lines file."""
    if not path.exists():
        raise UsageError(f"input file not found: {path}")
    try:
        yield from _records(path, encoding)
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path} is not {encoding} text (byte {exc.start}): Excel in Chinese often saves "
            "CSV as GBK. Save it as 'CSV UTF-8', or pass --encoding gbk") from None
    except LookupError:
        raise UsageError(f"unknown encoding {encoding!r}; try utf-8 or gbk") from None


def _records(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        if is_jsonl(path):
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line, parse_float=str)
                except json.JSONDecodeError as exc:
                    yield n, None, f"row {n}: not valid JSON: {exc.msg}"
                    continue
                if not isinstance(record, dict):
                    yield n, None, f"row {n}: not a JSON object"
                    continue
                yield n, record, ""
        else:
            reader = csv.DictReader(fh)
            for n, record in enumerate(reader, start=2):  # row 1 is the header
                yield n, {k: v for k, v in record.items() if k is not None}, ""



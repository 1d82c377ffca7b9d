"""Bringing IDs a bureau already issued into a ledger (``bigclient id import``).

A bureau adopting bigclient has clients with IDs made by hand or by an older system.
Importing them records each one (so a later request with its key gets that ID back) and
moves the counters above them, so new sequences continue above the highest imported per
division, and new branches above the highest imported per client: no ID is made twice.

The file is CSV with a header row. Columns (see docs/ids.md):

- ``id`` (required): the ID, compact or with spaces, checked against the ledger's scheme;
- ``key``: the idempotency key the host system will ask with (default ``import:<id>``);
- ``by``: who allocated it (default: the person importing);
- ``at``: when, ISO 8601 (``2019-03-01`` or ``2019-03-01T09:30:00+08:00``; default: now).

Everything is checked first and every problem reported with its row; then all rows go in
one transaction, or none do. Importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from bigclient.errors import InvalidId, StoreError
from bigclient.i18n import _
from bigclient.ledger.base import MAX_KEY_LENGTH, LedgerMismatch, StaleLedger, no_id_scheme
from bigclient.sections.ids.scheme import ClientId, IdScheme

from .sqlite import COLUMNS, SqliteLedger

__all__ = ["COLUMNS_ALLOWED", "ImportRefused", "ImportResult", "ImportRow", "import_csv",
           "import_rows", "read_csv"]

COLUMNS_ALLOWED = ("id", "key", "by", "at")
SHOWN = 20  # problems written out in the message; all are in .problems


class ImportRefused(StoreError):
    """The import was refused as a whole; ``problems`` lists every reason, with its row."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n  ".join(problems[:SHOWN])
        more = (_("\n  … and {count} more").format(count=len(problems) - SHOWN)
                if len(problems) > SHOWN else "")
        super().__init__(_("nothing was imported from {source}: {count} problem(s); fix them "
                           "and import the file again:\n  {shown}{more}").format(
            source=source, count=len(problems), shown=shown, more=more))


@dataclass(frozen=True)
class ImportRow:
    """One ID to import; ``row`` is where it came from (the CSV row, the header is row 1)."""

    row: int
    id: ClientId
    key: str
    by: str | None = None  # None: the importer's name
    at: str | None = None  # None: the time of the import


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    added: int
    already: int  # rows whose ID was already recorded with the same key: nothing to do
    next_sequence: dict[str, int] = field(default_factory=dict)  # per division touched


def _at(text: str) -> str:
    value = text.strip()
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).isoformat()
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(_("'at' must be an ISO 8601 date or time such as 2019-03-01 or "
                           "2019-03-01T09:30:00+08:00, found {value!r}").format(
            value=text)) from None
    if moment.tzinfo is None:
        raise ValueError(_("'at' {value} has no time zone; add one, e.g. {value}+08:00").format(
            value=value))
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _text(name: str, value: str) -> str:
    if len(value) > MAX_KEY_LENGTH:
        raise ValueError(_("'{name}' must be at most {limit} characters, found {count}").format(
            name=name, limit=MAX_KEY_LENGTH, count=len(value)))
    return value


def parse_record(row: int, record: Mapping[str, str | None], scheme: IdScheme) -> ImportRow:
    """One record (column -> text) as an ImportRow; ValueError says what is wrong."""
    raw_id = (record.get("id") or "").strip()
    if not raw_id:
        raise ValueError(_("the 'id' column is empty"))
    try:
        cid = ClientId.parse(raw_id, scheme)
    except InvalidId as exc:
        raise ValueError(_("{value!r} is not a valid ID: {reason}").format(
            value=raw_id, reason=exc)) from None
    key = (record.get("key") or "").strip() or f"import:{cid.compact}"
    by = (record.get("by") or "").strip() or None
    at_text = (record.get("at") or "").strip()
    return ImportRow(row, cid, _text("key", key), None if by is None else _text("by", by),
                     _at(at_text) if at_text else None)


def read_csv(path: Path, scheme: IdScheme, *, encoding: str = "utf-8-sig") -> list[ImportRow]:
    """Every row of an import file, or ImportRefused listing every bad one."""
    rows, problems = _read_csv(path, scheme, encoding)
    if problems:
        raise ImportRefused(str(path), [text for _row, text in problems])
    return rows


def _read_csv(path: Path, scheme: IdScheme,
              encoding: str) -> tuple[list[ImportRow], list[tuple[int, str]]]:
    """The good rows and the (row, problem) of each bad one; a bad header is refused."""
    problems: list[tuple[int, str]] = []
    rows: list[ImportRow] = []
    try:
        with path.open(encoding=encoding, newline="") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            if not header:
                raise ImportRefused(str(path), [_("the file is empty; the first row must be "
                                                  "the header: id,key,by,at")])
            unknown = [h for h in header if h not in COLUMNS_ALLOWED]
            twice = sorted({h for h in header if header.count(h) > 1})
            if unknown:
                problems.append((1, _("row 1: unknown column(s) {columns}; the columns are "
                                  "{allowed} (only id is required)").format(
                    columns=", ".join(repr(h) for h in unknown),
                    allowed=", ".join(COLUMNS_ALLOWED))))
            if twice:
                problems.append((1, _("row 1: column(s) {columns} appear more than once"
                                      ).format(columns=", ".join(twice))))
            if "id" not in header:
                problems.append((1, _("row 1: there is no 'id' column; the header must "
                                      "name it")))
            if problems:
                raise ImportRefused(str(path), [text for _row, text in problems])
            for values in reader:
                n = reader.line_num
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(header):
                    problems.append((n, _("row {row}: {found} fields, but the header has "
                                          "{expected}").format(row=n, found=len(values),
                                                               expected=len(header))))
                    continue
                try:
                    rows.append(parse_record(n, dict(zip(header, values, strict=True)),
                                             scheme))
                except ValueError as exc:
                    problems.append((n, _("row {row}: {problem}").format(row=n, problem=exc)))
    except UnicodeDecodeError as exc:
        raise ImportRefused(str(path), [_("the file is not {encoding} text (byte {pos}); save "
                                          "it as UTF-8, or give --encoding gbk").format(
            encoding=encoding, pos=exc.start)]) from None
    except csv.Error as exc:
        raise ImportRefused(str(path), [_("the file is not valid CSV: {reason}").format(
            reason=exc)]) from None
    except OSError as exc:
        raise StoreError(_("cannot read {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None
    return rows, problems


def _check_file(rows: list[ImportRow]) -> tuple[list[ImportRow], list[tuple[int, str]]]:
    """Drop exact repeats; report an ID or key given twice with different meanings."""
    by_id: dict[str, ImportRow] = {}
    by_key: dict[str, ImportRow] = {}
    problems: list[tuple[int, str]] = []
    unique: list[ImportRow] = []
    for r in rows:
        first = by_id.get(r.id.compact)
        if first is not None:
            if (first.key, first.by) != (r.key, r.by):
                problems.append((r.row, _(
                    "rows {first} and {row} both give ID {id}, with different keys or "
                    "owners").format(first=first.row, row=r.row, id=r.id.format())))
            continue
        other = by_key.get(r.key)
        if other is not None:
            problems.append((r.row, _(
                "rows {first} and {row} give one key {key!r} to two IDs, {a} and {b}; a key "
                "stands for one client").format(first=other.row, row=r.row, key=r.key,
                                                a=other.id.format(), b=r.id.format())))
            continue
        by_id[r.id.compact] = by_key[r.key] = r
        unique.append(r)
    return unique, problems


def import_rows(ledger: SqliteLedger, rows: Iterable[ImportRow], *, by: str,
                source: str = "the import",
                known: Iterable[tuple[int, str]] = ()) -> ImportResult:
    """Record ``rows`` in one transaction, or raise ImportRefused listing every clash
    (with the ``known`` (row, problem) pairs found while reading, so all come at once)."""
    unique, problems = _check_file(list(rows))
    problems += known
    in_file = {r.id.compact for r in unique}
    now = ledger.clock().astimezone(dt.UTC).isoformat(timespec="microseconds")

    def body(conn: sqlite3.Connection) -> tuple[ImportResult, int, str]:
        serves = ledger._read_info(conn)
        if serves.scheme is None:  # a records ledger keeps no IDs (no_id_scheme)
            raise no_id_scheme(ledger.path, serves.ruleset)
        with suppress(StaleLedger):  # importing the IDs it forgot brings a stale one up to date
            ledger._check_mark(conn)
        found = list(problems)
        new: list[ImportRow] = []
        for r in unique:
            had = conn.execute(f"SELECT {COLUMNS} FROM allocation WHERE id = ?",
                               (r.id.compact,)).fetchone()
            if had is not None:
                if had[6] != r.key or (r.by is not None and had[7] != r.by):
                    found.append((r.row, _(
                        "row {row}: ID {id} is already in the ledger for key {key!r}, "
                        "allocated by {owner} at {at}; the file gives key {new_key!r}, by "
                        "{new_owner}").format(row=r.row, id=r.id.format(), key=had[6],
                                              owner=had[7], at=had[8], new_key=r.key,
                                              new_owner=r.by or by)))
                continue
            other = conn.execute("SELECT id, allocated_by, allocated_at FROM allocation "
                                 "WHERE key = ?", (r.key,)).fetchone()
            if other is not None:
                found.append((r.row, _(
                    "row {row}: key {key!r} already stands for ID {other} in the ledger "
                    "(allocated by {owner} at {at}); the file gives it to {id}").format(
                    row=r.row, key=r.key, other=other[0], owner=other[1], at=other[2],
                    id=r.id.format())))
                continue
            hq = r.id.headquarters.compact
            if not r.id.is_headquarters and hq not in in_file and conn.execute(
                    "SELECT 1 FROM allocation WHERE id = ? AND kind = 'client'",
                    (hq,)).fetchone() is None:
                found.append((r.row, _(
                    "row {row}: branch {id} needs its headquarters {hq} in the ledger or in "
                    "the file").format(row=r.row, id=r.id.format(),
                                       hq=r.id.headquarters.format())))
                continue
            new.append(r)
        if found:
            raise ImportRefused(source, [text for _row, text in sorted(found)])
        for r in new:
            cid = r.id
            conn.execute(f"INSERT INTO allocation ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (cid.compact, "client" if cid.is_headquarters else "branch",
                          cid.region, cid.sequence, cid.branch, cid.headquarters.compact,
                          r.key, r.by or by, r.at or now))
        for region, top in _tops(new, regions=True).items():
            conn.execute("INSERT INTO region_counter (region, last) VALUES (?, ?) "
                         "ON CONFLICT (region) DO UPDATE SET last = MAX(last, excluded.last)",
                         (region, top))
        for hq, top in _tops(new, regions=False).items():
            conn.execute("INSERT INTO branch_counter (headquarters, last) VALUES (?, ?) "
                         "ON CONFLICT (headquarters) DO UPDATE SET "
                         "last = MAX(last, excluded.last)", (hq, top))
        conn.execute("UPDATE ledger SET generation = generation + ? WHERE one = 1", (len(new),))
        generation = int(conn.execute("SELECT generation FROM ledger").fetchone()[0])
        touched = {r.id.region for r in new}
        nxt = {region: int(conn.execute("SELECT last FROM region_counter WHERE region = ?",
                                        (region,)).fetchone()[0]) + 1
               for region in sorted(touched)}
        last = max((r.id.compact for r in new), default="")
        return ImportResult(len(new), len(unique) - len(new), nxt), generation, last

    result, generation, last = ledger._transaction(body)
    if result.added:
        ledger._mark(generation, last)
    return result


def _tops(rows: list[ImportRow], *, regions: bool) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        if regions:
            out[r.id.region] = max(out.get(r.id.region, 0), r.id.sequence)
        elif not r.id.is_headquarters:
            hq = r.id.headquarters.compact
            out[hq] = max(out.get(hq, 0), r.id.branch)
    return out


def import_csv(ledger: SqliteLedger, path: str | Path, *, by: str,
               scheme: IdScheme | None = None, encoding: str = "utf-8-sig") -> ImportResult:
    """Import an ID file (columns id, key, by, at) into ``ledger``; all rows or none.

    ``scheme``: the ruleset's ID scheme (default: the one the ledger was created with);
    ``by``: recorded for rows that do not name who allocated them."""
    info = ledger.info()
    if info.scheme is None:
        raise no_id_scheme(ledger.path, info.ruleset)
    if scheme is None:
        scheme = ledger.scheme()
    elif scheme.fingerprint != info.scheme:
        raise LedgerMismatch(_(
            "the ledger at {path} (ruleset {ruleset}) serves IDs of {theirs}, but the ID "
            "scheme given makes {ours}").format(path=ledger.path, ruleset=info.ruleset,
                                                theirs=info.scheme, ours=scheme.fingerprint))
    source = Path(path)
    rows, problems = _read_csv(source, scheme, encoding)
    return import_rows(ledger, rows, by=by, source=str(source), known=problems)

"""Decision files written whole or not at all.

The output is written to a unique temporary file in the output's own folder
(``tempfile.mkstemp``), flushed to disk (``fsync``) and renamed over the output
(``os.replace``) only when the run finished. Two runs writing the same ``-o`` each rename a
complete file (the last one wins); an error, a full disk, Ctrl-C or SIGTERM remove the
temporary file and leave any earlier output as it was. Devices such as ``/dev/stdout`` are
written directly.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from decimal import Decimal
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any

from bigclient.i18n import _
from bigclient.tables.errors import Interrupted, TableError
from bigclient.tables.read import JSONL_SUFFIXES, PARQUET_SUFFIXES

TEXT_SUFFIXES = ("", ".csv", ".txt")


def output_kind(path: Path) -> str:
    """``csv``, ``jsonl``, ``xlsx`` or ``parquet`` from the output name; any other name is
    refused."""
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix == ".xlsx":
        return "xlsx"
    if suffix in PARQUET_SUFFIXES and not _is_device(path):
        return "parquet"
    if suffix in TEXT_SUFFIXES or not path.name or _is_device(path):
        return "csv"
    raise TableError(_("-o {file}: bigclient writes .csv, .jsonl, .xlsx or .parquet files, "
                       "not {suffix}").format(file=path, suffix=suffix))


def _is_device(path: Path) -> bool:
    try:
        return path.exists() and not path.is_file()
    except OSError:
        return False


def os_problem(exc: OSError, path: Path) -> TableError:
    """One plain line for what went wrong writing ``path`` (nothing was written)."""
    folder = path.parent if str(path.parent) else Path(".")
    code = exc.errno
    if code == errno.ENOENT:
        text = _("cannot write {file}: the folder {folder} does not exist")
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS):
        text = _("cannot write {file}: the folder {folder} is read-only, or you may not "
                 "write there")
    elif code in (errno.ENOSPC, errno.EDQUOT):
        text = _("cannot write {file}: the disk holding {folder} is full")
    elif code == errno.EFBIG:
        text = _("cannot write {file}: the file grew larger than this system allows")
    elif code == errno.EISDIR:
        text = _("cannot write {file}: it is a folder")
    else:
        text = _("cannot write {file}: {reason}")
    return TableError((text + _("; nothing was written")).format(
        file=path, folder=folder, reason=exc.strerror or exc))


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` are one file (also through links, or by resolved path)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _plain(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


class Output:
    """Where decisions go: rows in, one whole file out (or the screen)."""

    def __init__(self, path: Path | None, columns: Sequence[str], source: Path,
                 stdout: IO[str] | None = None, *,
                 decimals: Mapping[str, int] | None = None) -> None:
        """``decimals``: columns written to Parquet as decimal128 with that scale."""
        self.path = path
        self.decimals = dict(decimals or {})
        self.columns = tuple(columns)
        self.kind = output_kind(path) if path is not None else "csv"
        if path is not None and same_file(path, source):
            raise TableError(_("-o {out} is the input file itself; write the decisions to "
                               "another file").format(out=path))
        self._stdout = stdout if stdout is not None else sys.stdout
        self._tmp: str | None = None
        self._fh: IO[str] | None = None
        self._csv: Any = None
        self._xlsx: Any = None
        self._parquet: Any = None

    def __enter__(self) -> Output:
        path = self.path
        try:
            if path is None or _is_device(path):
                self._fh = (self._stdout if path is None else
                            path.open("w", encoding="utf-8", newline=""))
            else:
                fd, self._tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                                 dir=path.parent if str(path.parent) else ".")
                os.fchmod(fd, _file_mode(path))
                if self.kind in ("xlsx", "parquet"):
                    os.close(fd)
                else:
                    self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
            if self.kind == "xlsx":
                from bigclient.tables.xlsx import XlsxWriter

                self._xlsx = XlsxWriter(self._tmp or str(path), self.columns)
            elif self.kind == "parquet":
                from bigclient.tables.parquet import ParquetWriter

                self._parquet = ParquetWriter(self._tmp or str(path), self.columns,
                                              self.decimals)
            elif self.kind == "csv":
                assert self._fh is not None
                self._csv = csv.writer(self._fh)
                self._csv.writerow(self.columns)
        except OSError as exc:
            self._discard()
            raise os_problem(exc, path or Path("-")) from None
        except BaseException:
            self._discard()
            raise
        return self

    def write(self, row: Mapping[str, Any], full: Mapping[str, Any]) -> None:
        """One decision: ``row`` by output column, ``full`` the JSON Lines object."""
        try:
            if self._parquet is not None:
                self._parquet.write(row)
            elif self._xlsx is not None:
                self._xlsx.write([row.get(c) for c in self.columns])
            elif self._csv is not None:
                self._csv.writerow([_plain(row.get(c)) for c in self.columns])
            else:
                assert self._fh is not None
                self._fh.write(json.dumps(full, ensure_ascii=False, default=_json) + "\n")
        except OSError as exc:
            raise os_problem(exc, self.path or Path("-")) from None

    @property
    def columnar(self) -> bool:
        """True when decisions may come as Arrow columns (:meth:`write_columns`)."""
        return self._parquet is not None

    def write_columns(self, columns: Mapping[str, Any], rows: int) -> None:
        """``rows`` decisions as Arrow arrays by output column (Parquet output only)."""
        try:
            self._parquet.write_columns(columns, rows)
        except OSError as exc:
            raise os_problem(exc, self.path or Path("-")) from None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is not None:
            self._discard()
            return
        try:
            self._finish()
        except OSError as err:
            self._discard()
            raise os_problem(err, self.path or Path("-")) from None
        except BaseException:
            self._discard()
            raise

    def _finish(self) -> None:
        if self._xlsx is not None or self._parquet is not None:
            if self._parquet is not None:
                self._parquet.close()
                self._parquet = None
            else:
                self._xlsx.close()
            if self._tmp is not None:
                fd = os.open(self._tmp, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        elif self._fh is not None and self._fh is not self._stdout:
            self._fh.flush()
            if self._tmp is not None:
                os.fsync(self._fh.fileno())
            self._fh.close()
        elif self._fh is not None:
            self._fh.flush()
        if self._tmp is not None and self.path is not None:
            os.replace(self._tmp, self.path)
            self._tmp = None
            with suppress(OSError):  # make the rename itself durable where the OS allows
                dfd = os.open(self.path.parent if str(self.path.parent) else ".", os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)

    def _discard(self) -> None:
        if self._parquet is not None:
            with suppress(Exception):
                self._parquet.abort()
            self._parquet = None
        if self._fh is not None and self._fh is not self._stdout:
            with suppress(OSError):
                self._fh.close()
        if self._tmp is not None:
            with suppress(OSError):
                os.unlink(self._tmp)
            self._tmp = None


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


class _Signal(BaseException):
    """SIGTERM as an exception, so ``finally`` and ``__exit__`` clean up on the way out."""

    def __init__(self, signum: int) -> None:
        self.signum = signum


@contextmanager
def interruptible(what: str) -> Iterator[None]:
    """Turn Ctrl-C and SIGTERM into :class:`Interrupted` after cleanup ran (main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise _Signal(signum)

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted(_("interrupted (SIGINT); {what}").format(what=what),
                          signal.SIGINT) from None
    except _Signal as sig:
        raise Interrupted(_("interrupted ({name}); {what}").format(
            name=Interrupted.name(sig.signum), what=what), sig.signum) from None
    finally:
        signal.signal(signal.SIGTERM, previous)

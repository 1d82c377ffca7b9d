"""What a run shows on the terminal: a progress bar, and tables aligned for Chinese text.

A Chinese character takes two columns of a terminal; ``len()`` counts it as one, so a table
padded with ``str.ljust`` falls apart as soon as a label is Chinese. Widths here come from
Unicode's East Asian Width (wide and full-width characters count two, combining marks zero).
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Sequence
from typing import IO

from bigclient.i18n import _


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]],
                 right: Sequence[bool] = ()) -> str:
    """Columns aligned by display width; ``right[i]`` right-aligns column i (numbers)."""
    table = [list(header), *[list(r) for r in rows]]
    widths = [max(display_width(r[i]) for r in table) for i in range(len(header))]
    align = list(right) + [False] * (len(header) - len(right))
    lines = ["  ".join(pad(c, widths[i], align[i]) for i, c in enumerate(r)).rstrip()
             for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _clock(seconds: float) -> str:
    s = int(seconds + 0.5)
    h, rem = divmod(s, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60}:{rem % 60:02d}"


def _bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


class Progress:
    """A one-line bar with rows, percent and time left on a terminal; silent otherwise.

    The fraction comes from the reader (bytes read of the file's size for CSV and JSON Lines,
    rows of the sheet's row count for .xlsx): counting rows first would read a big file twice.
    """

    BAR = 24
    EVERY = 0.2  # seconds between redraws

    def __init__(self, stream: IO[str], enabled: bool | None = None, *,
                 size: int | None = None, total_rows: int | None = None) -> None:
        self.stream = stream
        self.size = size
        self.total_rows = total_rows
        self.enabled = stream.isatty() if enabled is None else enabled
        self.rows = 0
        self._start = time.monotonic()
        self._last = 0.0
        self._drawn = False

    def tick(self, where: Callable[[], float | None] | None, rows: int = 1) -> None:
        """``rows`` more rows (a record batch counts all of its rows); ``where`` tells how far
        reading has got (asked only to redraw)."""
        self.rows += rows
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.EVERY:
            return
        self._last = now
        fraction = where() if where is not None else None
        if fraction is None and self.total_rows:
            fraction = min(1.0, self.rows / self.total_rows)
        self._draw(fraction, now)

    def _draw(self, fraction: float | None, now: float) -> None:
        elapsed = now - self._start
        if fraction is None or fraction <= 0:
            line = _("{rows:,} rows").format(rows=self.rows)
        else:
            filled = int(self.BAR * min(fraction, 1.0))
            left = elapsed * (1 - fraction) / fraction
            if self.total_rows:
                done = _("{rows:,} of {total:,} rows").format(rows=self.rows,
                                                             total=self.total_rows)
            elif self.size:
                done = _("{rows:,} rows, {read} of {size}").format(
                    rows=self.rows, read=_bytes(fraction * self.size), size=_bytes(self.size))
            else:
                done = _("{rows:,} rows").format(rows=self.rows)
            line = _("{percent:3.0f}% |{bar}| {done}, about {left} left").format(
                percent=100 * fraction, bar="#" * filled + "-" * (self.BAR - filled),
                done=done, left=_clock(left))
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def clear(self) -> None:
        """Erase the bar so a message can be printed on a clean line."""
        if self.enabled and self._drawn:
            self.stream.write("\r\x1b[K")
            self._last = 0.0

    def done(self) -> None:
        if self.enabled and self._drawn:
            self._draw(1.0, time.monotonic())
            self.stream.write("\n")
            self.stream.flush()

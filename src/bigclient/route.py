"""A decision's route: who is responsible for a client (D-13, D-14, D-18).

Made by the routing section (:mod:`bigclient.sections.routing`); kept in a module of its
own, free of the compiler, so a ruleset revived from the compile cache carries its routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Route:
    """Who is responsible for one client: the unit, and how it looks after the client."""

    unit: str
    support: str | None = None
    line: str | None = None  # the line of a per-line route (a specialty bureau's line)
    cadence: str | None = None
    managers: str | None = None  # 'ab' (D-18) or 'single'
    row: int = 0  # the matched row, counted from 1
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "support": self.support, "line": self.line,
                "cadence": self.cadence, "managers": self.managers, "row": self.row,
                "rule": self.rule}


def routes_by_line(templates: Sequence[tuple[Route, bool]], criteria: Sequence[str],
                   lines: Sequence[str]) -> tuple[Route, ...]:
    """The routes of matched rows: a per-line row gives one route per line whose per-line
    criterion was met ('specialty:savings' → savings), in line order, or one without a
    line when none was; any other row gives its own route."""
    met = set()
    for c in criteria:
        _cid, sep, line = c.partition(":")
        if sep and line in lines:
            met.add(line)
    out: list[Route] = []
    for route, per_line in templates:
        found = [replace(route, line=line) for line in lines if line in met] if per_line else []
        out.extend(found or [route])
    return tuple(out)

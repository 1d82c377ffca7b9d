"""An indicator's result in a decision (D-5, D-6): made by the scoring section, kept in a
module of its own so a decision revived from the compile cache can build it without the
compiler."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class IndicatorResult(NamedTuple):
    """One indicator's value, band and points (a tuple: cheap to make per decision)."""

    id: str
    value: Decimal | None
    band: int | None  # index into the compiled indicator's bands; None: otherwise
    score: Decimal
    points: Decimal

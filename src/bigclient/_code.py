"""One problem code: the record both code tables are made of (see ``codes.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Code:
    """One problem code: what it means to a policy editor and how to fix it."""

    code: str
    severity: Severity
    title: str
    explanation: str
    fix: str
    title_zh: str = ""

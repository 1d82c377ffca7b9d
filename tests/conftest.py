"""Shared fixtures: the shipped rulesets are loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

import bigclient

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"


@pytest.fixture(scope="session")
def shantou() -> bigclient.Ruleset:
    return bigclient.load(RULESETS / "shantou-postal" / "1.0.0.yaml")


@pytest.fixture(scope="session")
def yueyang() -> bigclient.Ruleset:
    return bigclient.load(RULESETS / "yueyang-postal" / "1.0.0.yaml")

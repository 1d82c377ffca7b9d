"""Shared fixtures: the shipped rulesets are loaded once per session."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

import bigclient

# CI runs the same examples every time (HYPOTHESIS_PROFILE=ci in .ci/run), so a landing never
# hangs on a new random example; a developer's run explores new ones (the default profile).
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# The compile cache (bigclient.fused.cache) of this run is its own: no snapshot from an
# earlier run or from the developer's own loads is revived by a test unless it says so.
os.environ["BIGCLIENT_CACHE_DIR"] = tempfile.mkdtemp(prefix="bigclient-cache-")

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"


@pytest.fixture(scope="session")
def shantou() -> bigclient.Ruleset:
    return bigclient.load(RULESETS / "shantou-postal" / "1.0.0.yaml")


@pytest.fixture(scope="session")
def yueyang() -> bigclient.Ruleset:
    return bigclient.load(RULESETS / "yueyang-postal" / "1.0.0.yaml")

pytest_plugins = ["tests.pgserver"]

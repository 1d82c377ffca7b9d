"""The JSON Schema for editors: generated from the models, committed, never stale."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bigclient.cli import main
from bigclient.workflow.schema import ruleset_json_schema, schema_text
from tests.conftest import ROOT, RULESETS

COMMITTED = ROOT / "schema" / "ruleset.schema.json"
SHIPPED = sorted(RULESETS.glob("*/[0-9]*.yaml"))
MODELINE = "# yaml-language-server: $schema=../../schema/ruleset.schema.json"


def test_committed_schema_is_what_the_models_generate() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "schema/ruleset.schema.json is stale: run  bigclient schema -o schema/ruleset.schema.json")


def test_schema_shape() -> None:
    s = ruleset_json_schema()
    assert s["$schema"].endswith("2020-12/schema")
    assert s["additionalProperties"] is False  # a misspelt top-level key is flagged
    assert {"ruleset", "version", "effective", "title", "inputs", "qualification"} <= set(
        s["required"])
    assert "from" in s["$defs"]["Effective"]["properties"]  # by alias, as written in YAML
    threshold = s["$defs"]["Tier"]["properties"]["min"]
    assert {"type": "number"} in threshold["anyOf"] and {"type": "string"} in threshold["anyOf"]


def test_cli_prints_and_writes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == ruleset_json_schema()
    out = tmp_path / "s.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_text()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_rulesets_point_editors_at_the_schema(path: Path) -> None:
    assert path.read_text(encoding="utf-8").splitlines()[0] == MODELINE
    assert (path.parent / "../../schema/ruleset.schema.json").resolve() == COMMITTED.resolve()


def _as_json(data: Any) -> Any:
    """What an editor's YAML-to-JSON view sees: dates are strings."""
    return json.loads(json.dumps(data, default=lambda v: v.isoformat()
                                 if isinstance(v, dt.date) else str(v)))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_rulesets_validate(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = _as_json(yaml.safe_load(path.read_text(encoding="utf-8")))
    jsonschema.Draft202012Validator(ruleset_json_schema()).validate(data)


def test_schema_flags_a_misspelt_key() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = _as_json(yaml.safe_load(SHIPPED[0].read_text(encoding="utf-8")))
    data["scoring"]["tiers"][0]["minimum"] = data["scoring"]["tiers"][0].pop("min")
    errors = list(jsonschema.Draft202012Validator(ruleset_json_schema()).iter_errors(data))
    assert errors

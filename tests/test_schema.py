"""The JSON Schema for editors: generated from the models, committed, never stale."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bigclient.cli import main
from bigclient.language.amounts import AmountError, parse_amount
from bigclient.language.source import read_file
from bigclient.workflow.schema import ruleset_json_schema, schema_text
from tests.conftest import ROOT, RULESETS

COMMITTED = ROOT / "schema" / "ruleset.schema.json"
SHIPPED = sorted(RULESETS.glob("*/[0-9]*.yaml"))
SHANTOU = RULESETS / "shantou-postal" / "1.0.0.yaml"  # a ruleset with every client section
MODELINE = "# yaml-language-server: $schema=../../schema/ruleset.schema.json"


def test_committed_schema_is_what_the_models_generate() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "schema/ruleset.schema.json is stale: run  bigclient schema -o schema/ruleset.schema.json")


def test_schema_shape() -> None:
    s = ruleset_json_schema()
    assert s["$schema"].endswith("2020-12/schema")
    assert s["additionalProperties"] is False  # a misspelt top-level key is flagged
    assert {"ruleset", "version", "effective", "title"} <= set(s["required"])
    # inputs and qualification may be left out by a ruleset that only pays people or scores
    # units; the loader then requires them as soon as any client section is present
    assert "inputs" not in s["required"] and "qualification" not in s["required"]
    assert "from" in s["$defs"]["Effective"]["properties"]  # by alias, as written in YAML
    threshold = s["$defs"]["Tier"]["properties"]["min"]
    assert threshold["$ref"] == "#/$defs/Amount" and "anyOf" not in threshold
    assert s["$defs"]["Amount"]["type"] == ["number", "string"]


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
    data = _as_json(yaml.safe_load(SHANTOU.read_text(encoding="utf-8")))
    data["scoring"]["tiers"][0]["minimum"] = data["scoring"]["tiers"][0].pop("min")
    errors = list(jsonschema.Draft202012Validator(ruleset_json_schema()).iter_errors(data))
    assert errors


# -- value rules, errors on the key (issue 7) -------------------------------------------------

REVISIONS = sorted((ROOT / "examples" / "revisions").glob("*/[0-9]*.yaml"))


def _plain(data: Any) -> Any:
    """bigclient's own reading of a file as JSON data: numbers stay numbers (Decimal as int or
    float, so 0-100 can be checked), dates become text, as an editor sees them."""
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    if isinstance(data, Decimal):
        return int(data) if data == data.to_integral_value() else float(data)
    if isinstance(data, dt.date):
        return data.isoformat()
    return data


def _read(path: Path) -> Any:
    return _plain(read_file(path).data)


def _errors(data: Any) -> list[Any]:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(ruleset_json_schema())
    return sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(ruleset_json_schema())


@pytest.mark.parametrize("path", SHIPPED + REVISIONS,
                         ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_shipped_rulesets_validate_as_bigclient_reads_them(path: Path) -> None:
    assert _errors(_read(path)) == []


def _one_error(data: Any) -> tuple[list[str | int], str]:
    errors = _errors(data)
    assert len(errors) == 1, [e.message for e in errors]
    return list(errors[0].absolute_path), errors[0].validator


def test_a_cut_off_over_100_is_flagged_on_its_key() -> None:
    data = _read(SHANTOU)
    data["scoring"]["tiers"][0]["min"] = 120
    assert _one_error(data) == (["scoring", "tiers", 0, "min"], "maximum")


def test_band_scores_are_0_to_100() -> None:
    data = _read(SHANTOU)
    data["scoring"]["indicators"][0]["bands"][1]["score"] = 101
    assert _one_error(data) == (["scoring", "indicators", 0, "bands", 1, "score"], "maximum")
    data = _read(SHANTOU)
    data["scoring"]["indicators"][0]["otherwise"] = -5
    assert _one_error(data) == (["scoring", "indicators", 0, "otherwise"], "minimum")


def test_a_version_that_is_not_three_numbers_is_flagged() -> None:
    data = _read(SHANTOU)
    data["version"] = "1.0"
    assert _one_error(data) == (["version"], "pattern")


def test_a_misspelt_amount_is_flagged_on_its_key() -> None:
    data = _read(SHANTOU)
    letters = data["qualification"]["criteria"][2]["per_line"]["thresholds"]["letters"]
    letters["prev_year"] = "12 万元x"
    assert _one_error(data) == (["qualification", "criteria", 2, "per_line", "thresholds",
                                 "letters", "prev_year"], "pattern")


def test_an_optional_field_is_not_wrapped_in_anyof() -> None:
    """A bad value in an optional key (a band's ``to``) names the rule that failed, not
    "not valid under any of the given schemas"."""
    data = _read(SHANTOU)
    data["scoring"]["indicators"][0]["bands"][1]["to"] = "150 万x"
    assert _one_error(data) == (["scoring", "indicators", 0, "bands", 1, "to"], "pattern")
    text = json.dumps(ruleset_json_schema())
    assert '{"type": "null"}' not in text


def test_schema_only_rules_leave_the_loader_as_it_was() -> None:
    """0-100 and the amount pattern are editor hints: the loader's own checks decide (a cut-off
    of 120 is the analyser's business, not a load error)."""
    from bigclient.errors import RulesetError
    from bigclient.loading import load_text

    text = SHANTOU.read_text(encoding="utf-8")
    with pytest.raises(RulesetError) as info:
        load_text(text.replace("version: 1.0.0", "version: '1.0'"), "1.0.0.yaml")
    assert "expected a version like 1.0.0 (three numbers), found 1.0" in str(info.value)


AMOUNT_TEXT = st.text(alphabet="0123456789０１２.,，．-+ 万亿千%‰‱元分之三五十两零一yuanCNY¥x",
                      max_size=12)


@given(st.one_of(AMOUNT_TEXT, st.sampled_from(
    ["12000", "1,500,000", "1.2万", "150万", "1亿", "3‰", "5‱", "12%", "千分之三", "万分之五",
     "1.2万元", "150万 元", "百分之十五", "１２，０００．５", "12 万元x", "两万", "1 2 0 0 0"])))
@settings(max_examples=400)
def test_property_the_amount_pattern_matches_what_the_parser_reads(text: str) -> None:
    """No false alarm in the editor, no spelling the editor lets through that the loader
    refuses (except amounts past the 28-digit limit, which only the loader counts)."""
    pattern = re.compile(ruleset_json_schema()["$defs"]["Amount"]["pattern"])
    try:
        parse_amount(text)
        parsed, error = True, ""
    except AmountError as exc:
        parsed, error = False, str(exc)
    assert bool(pattern.search(text)) == parsed or "28" in error, (text, error)

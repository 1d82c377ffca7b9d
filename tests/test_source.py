"""Safe YAML reading: every trap in PITFALLS.md (YAML section) has a test here."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bigclient.errors import RulesetError
from bigclient.language.source import parse_text


def problems(text: str) -> list[str]:
    with pytest.raises(RulesetError) as info:
        parse_text(text, "t.yaml")
    return [str(p) for p in info.value.problems]


def test_duplicate_keys_are_refused_with_both_lines() -> None:
    (msg,) = problems("a: 1\nb: 2\na: 3\n")
    assert msg.startswith("t.yaml:3:1:")
    assert "BC005" in msg and "first on line 1" in msg


def test_duplicate_keys_nested() -> None:
    (msg,) = problems("x:\n  y: 1\n  y: 2\n")
    assert "t.yaml:3:3" in msg and "x.y" in msg


def test_yaml11_booleans_stay_text() -> None:
    data = parse_text("a: no\nb: on\nc: yes\nd: true\ne: False\n").data
    assert data == {"a": "no", "b": "on", "c": "yes", "d": True, "e": False}


def test_leading_zero_numbers_stay_text() -> None:
    data = parse_text("region: 001234\nother: 000789\nid: 01234500001007\nn: 440507\n").data
    assert data["region"] == "001234"
    assert data["other"] == "000789"
    assert data["id"] == "01234500001007"
    assert data["n"] == 440507


def test_decimals_come_from_source_text_not_float() -> None:
    data = parse_text("m: 12345678901234567.89\nr: 0.1\n").data
    assert data["m"] == Decimal("12345678901234567.89")
    assert data["r"] == Decimal("0.1")


def test_dates_stay_text_for_the_model_to_read() -> None:
    assert parse_text("d: 2008-01-01\n").data == {"d": "2008-01-01"}


def test_aliases_are_refused() -> None:
    (msg,) = problems("a: &x [1, 2]\nb: *x\n")
    assert "BC003" in msg and "t.yaml:2:4" in msg


def test_alias_bomb_is_refused_before_walking() -> None:
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    (msg,) = problems(bomb)
    assert "BC003" in msg


def test_deep_nesting_is_capped() -> None:
    (msg,) = problems("a: " + "[" * 200 + "]" * 200 + "\n")
    assert "BC004" in msg


def test_huge_documents_are_refused() -> None:
    (msg,) = problems("a: " + "x" * 2_100_000 + "\n")
    assert "BC001" in msg


def test_tab_indentation_is_explained() -> None:
    (msg,) = problems("a:\n\tb: 1\n")
    assert "tab" in msg and "t.yaml:2:" in msg


def test_positions_are_kept_for_every_node() -> None:
    src = parse_text("a:\n  b:\n    - 1\n    - {c: 2}\n")
    assert src.at(("a", "b", 1, "c")) == (4, 8)  # entries are located at their key
    assert src.at(("a", "b", 0)) == (3, 7)
    assert src.at(("a", "missing")) == (1, 1)
    assert src.at(("a", "b", "missing")) == (2, 3)


def test_quoted_values_stay_text() -> None:
    assert parse_text("a: '12'\nb: \"true\"\n").data == {"a": "12", "b": "true"}

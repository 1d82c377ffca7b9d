"""Wrong input is an error, never a quiet default (issue 7): unknown keys, reserved names,
mistyped lists, money text that is not money, and an API that raises only bigclient errors."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import bigclient
from bigclient import InputError, Ruleset, RulesetError
from bigclient.language.amounts import AmountError, parse_amount
from bigclient.language.expr import FUNCTIONS, NUMBER, TEXT, ExprError, Ty, compile_expr

ROOT = Path(__file__).resolve().parent.parent
CTX = {"bureau_revenue": "2亿"}
OK = {"region": "440507", "revenue_prev_year": {"savings": "2万"},
      "revenue_month": {"savings": 2000}}
FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def shantou_text() -> str:
    return (ROOT / "rulesets" / "shantou-postal" / "1.0.0.yaml").read_text(encoding="utf-8")


def load_changed(old: str, new: str) -> Ruleset:
    text = shantou_text()
    assert old in text
    return bigclient.load_text(text.replace(old, new, 1))


# -- 1. unknown keys are refused with "did you mean" ------------------------------------

def test_misspelt_input_is_refused_not_dropped(shantou: Ruleset) -> None:
    with pytest.raises(InputError) as info:
        shantou.evaluate({**OK, "agreemnt_signed": True}, context=CTX)
    assert info.value.field == "agreemnt_signed"
    assert "did you mean 'agreement_signed'" in str(info.value)


def test_unknown_line_in_a_table_and_in_dotted_columns(shantou: Ruleset) -> None:
    with pytest.raises(InputError, match="did you mean 'savings'"):
        shantou.evaluate({**OK, "revenue_month": {"savngs": 1}}, context=CTX)
    flat = {"region": "440507", "revenue_month.savings": "2000", "revenue_month.savngs": "9"}
    with pytest.raises(InputError) as info:
        shantou.evaluate(flat, context=CTX)
    assert info.value.field == "revenue_month.savngs"
    assert "did you mean 'savings'" in str(info.value)


def test_a_table_given_both_whole_and_as_columns_is_refused(shantou: Ruleset) -> None:
    with pytest.raises(InputError, match="given twice"):
        shantou.evaluate({**OK, "revenue_month.letters": "5000"}, context=CTX)


def test_unknown_context_key_is_refused(shantou: Ruleset) -> None:
    with pytest.raises(InputError) as info:
        shantou.evaluate(OK, context={**CTX, "bureau_revenu": "1亿"})
    assert info.value.field == "context.bureau_revenu"
    assert "did you mean 'bureau_revenue'" in str(info.value)


def test_input_model_forbids_unknown_keys(shantou: Ruleset) -> None:
    with pytest.raises(ValidationError):
        shantou.input_model.model_validate({**OK, "agreemnt_signed": True})
    ok = shantou.input_model.model_validate({**OK, "client_id": "C1", "name": "汕头银行"})
    assert shantou.evaluate(ok, context=CTX).identity == {"client_id": "C1", "name": "汕头银行"}


def test_declared_identity_passes_through(shantou: Ruleset) -> None:
    d = shantou.evaluate({**OK, "client_id": "C00001", "name": "汕头银行"}, context=CTX)
    assert d.identity == {"client_id": "C00001", "name": "汕头银行"}
    assert d.to_dict()["identity"] == {"client_id": "C00001", "name": "汕头银行"}
    assert "client_id" not in d.values  # identity is never a value rules read


def test_undeclared_identity_is_refused_with_a_hint(yueyang: Ruleset) -> None:
    with pytest.raises(InputError) as info:
        yueyang.evaluate({"region": "430602", "client_id": "C1"})
    assert info.value.field == "client_id"
    assert "identity:" in str(info.value)


def test_identity_may_not_also_be_an_input() -> None:
    with pytest.raises(RulesetError) as info:
        load_changed("  name:      {zh: 客户名称, en: Client name}\n",
                     "  region:    {zh: 客户名称, en: Client name}\n")
    assert info.value.problems[0].code == "BC120"
    assert info.value.path == ("identity", "region")


def test_identity_value_must_be_short_text(shantou: Ruleset) -> None:
    with pytest.raises(InputError) as info:
        shantou.evaluate({**OK, "name": "x" * 200_000}, context=CTX)
    assert info.value.field == "name"
    assert len(str(info.value)) < 500


identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.]{0,20}", fullmatch=True)


@FAST
@given(key=identifiers, value=st.one_of(st.none(), st.booleans(), st.integers(), st.text()))
def test_any_undeclared_key_is_an_error_never_a_decision(shantou: Ruleset, key: str,
                                                         value: Any) -> None:
    assume(key not in shantou._inputs.known)
    with pytest.raises(InputError) as info:
        shantou.evaluate({**OK, key: value}, context=CTX)
    assert key[:80] in {e.field for e in (info.value, *info.value.others)}


# -- 2. internal names are reserved ---------------------------------------------------

def test_constant_names_cannot_be_written() -> None:
    with pytest.raises(RulesetError) as info:
        load_changed("when: agreement_signed\n", "when: _k0 == 1\n")
    problem = info.value.problems[0]
    assert "reserved" in problem.message and problem.line > 0
    assert problem.path == ("qualification", "criteria", 0, "when")


def test_an_input_named_like_an_internal_function_is_refused() -> None:
    with pytest.raises(RulesetError) as info:
        load_changed("  credit_warning:\n    type: bool", "  _f_abs:\n    type: bool")
    assert "reserved" in str(info.value)
    assert ("inputs", "_f_abs") in [p.path for p in info.value.problems]


@pytest.mark.parametrize("text", ["_k0 == 1", "_f_abs(x) > 1", "__builtins__", "x + _e",
                                  "_ > 1"])
def test_underscore_names_are_refused_in_expressions(text: str) -> None:
    with pytest.raises(ExprError, match="reserved"):
        compile_expr(text, {"x": NUMBER, "_f_abs": NUMBER, "_e": NUMBER, "_": NUMBER})


@given(st.sampled_from(["x + 1.2万 * 3‰", "abs(x - 5) + max(x, 2, 3%)", "total(rev) >= 1万",
                        "min(x, 1) if x > 0 else 0"]))
def test_compiled_code_reaches_names_only_through_the_environment(text: str) -> None:
    names = {"x": NUMBER, "rev": Ty("map", keys=("a",), name="rev")}
    compiled = compile_expr(text, names)
    internal = set(compiled.constants) | {f"_f_{f}" for f in FUNCTIONS}
    assert set(compiled.func.__code__.co_names) <= internal
    assert compiled.func.__code__.co_varnames == ("_e",)


# -- 3. `in` with a list of the other type ----------------------------------------------

@pytest.mark.parametrize(("text", "found"), [("scope in (1, 2)", "'1'"),
                                              ("x in ('a', 'b')", "'a'"),
                                              ("name not in [3, 'b']", "'3'")])
def test_in_a_list_of_the_other_type_is_a_type_error(text: str, found: str) -> None:
    names = {"x": NUMBER, "name": TEXT,
             "scope": Ty("text", keys=("regional", "specialty"), name="scope")}
    with pytest.raises(ExprError) as info:
        compile_expr(text, names)
    assert info.value.code == "BC303" and found in info.value.message


def test_in_a_list_of_the_other_type_fails_at_load_located() -> None:
    with pytest.raises(RulesetError) as info:
        load_changed("when: agreement_signed\n", "when: scope in (1, 2)\n")
    problem = info.value.problems[0]
    assert problem.code == "BC303" and problem.line > 0


# -- 4. money text that is not money ------------------------------------------------------

@pytest.mark.parametrize("text", ["3‰", "12%", "5‱", "百分之十二", "12％"])
def test_a_rate_in_a_money_field_is_refused_by_name(shantou: Ruleset, text: str) -> None:
    with pytest.raises(InputError, match="rate") as info:
        shantou.evaluate({**OK, "newspapers_turnover_month": text}, context=CTX)
    assert info.value.field == "newspapers_turnover_month"
    with pytest.raises(InputError, match="rate"):
        shantou.evaluate({**OK, "revenue_month": {"savings": text}}, context=CTX)


def test_a_rate_in_a_ratio_field_is_read(shantou: Ruleset) -> None:
    d = shantou.evaluate({**OK, "newspapers_commission_rate": "12%"}, context=CTX)
    assert d.values["newspapers_commission_rate"] == Decimal("0.12")


@pytest.mark.parametrize(("text", "fragment"), [
    ("1 2 0 0 0", "space"),
    ("٣٠٠٠", "ARABIC-INDIC DIGIT THREE"),
    ("१२००", "DEVANAGARI DIGIT ONE"),
    ("1" * 29, "28 digits"),
    ("0." + "0" * 28 + "1", "28 digits"),
    ("1亿亿亿亿", "28 digits"),
    ("1" + "亿" * 200_000, "characters"),
    ("1e999999", "1.2万"),
    ("9" * 5000, "characters"),
], ids=["spaces", "arabic", "devanagari", "29digits", "tiny", "yi4", "yi200k", "e999999",
        "digits5000"])
def test_text_that_is_not_an_amount_is_refused_by_name(text: str, fragment: str) -> None:
    with pytest.raises(AmountError) as info:
        parse_amount(text)
    assert fragment in str(info.value)
    assert len(str(info.value)) < 400


@pytest.mark.parametrize("value", [10**5000, 10**28, Decimal("1E+999999"), 1e300,
                                   Decimal("1E-40"), float("inf"), Decimal("NaN")],
                         ids=["int5000", "int29", "dec1e999999", "float1e300", "dec1e-40",
                              "inf", "nan"])
def test_numbers_past_28_digits_are_refused(value: Any) -> None:
    with pytest.raises(AmountError):
        parse_amount(value)


@pytest.mark.parametrize(("text", "value"), [("１２，０００．５", "12000.5"), ("１．２万", "12000"),
                                              ("9" * 28, "9" * 28), ("1.2 万", "12000"),
                                              ("12000 元", "12000")])
def test_full_width_digits_and_28_digits_are_read_exactly(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


amount_like = st.text(alphabet=st.sampled_from(list("0123456789.,-+ 万亿千%％‰‱元¥分之百三十e٣１")),
                      max_size=40)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), amount_like, st.integers(), st.floats(), st.decimals(),
                 st.none(), st.lists(st.integers())))
def test_parse_amount_raises_only_amount_error(value: Any) -> None:
    for ratio in (True, False):
        try:
            result = parse_amount(value, ratio=ratio)
        except AmountError:
            continue
        assert isinstance(result, Decimal) and result.is_finite()
        assert result + 1 - 1 == result  # exact: no rounding by the 28-digit context


@pytest.mark.parametrize(("old", "new", "fragment"), [
    ("- {from: 150万, score: 100}", "- {from: 1亿亿亿亿, score: 100}", "28 digits"),
    ("weight: 60%", "weight: 1e999999", "28 digits"),
    ("- {from: 150万, score: 100}", "- {from: " + "9" * 40 + ", score: 100}", "28 digits"),
    ("- {from: 150万, score: 100}", "- {from: 1 5 0万, score: 100}", "space"),
])
def test_bad_amounts_in_a_ruleset_are_located_errors(old: str, new: str, fragment: str) -> None:
    with pytest.raises(RulesetError) as info:
        load_changed(old, new)
    assert info.value.line > 0 and "scoring" in info.value.path
    assert fragment in info.value.problems[0].message


def test_overflowing_literal_in_an_expression_is_located() -> None:
    with pytest.raises(RulesetError) as info:
        load_changed("when: agreement_signed\n", "when: revenue_month_total > 1亿亿亿亿\n")
    assert info.value.problems[0].path == ("qualification", "criteria", 0, "when")


# -- diff: a key one version declares is not a typo for the other ------------------------

def test_impact_reads_keys_only_one_version_declares() -> None:
    from bigclient.workflow.impact import impact

    old = bigclient.load(ROOT / "rulesets" / "shantou-postal" / "1.0.0.yaml")
    new = load_changed("  credit_warning:\n    type: bool",
                       "  branch_count:\n    type: integer\n    default: 0\n"
                       "    label: {zh: 网点数, en: Branches}\n  credit_warning:\n    type: bool")
    clients = [{**OK, "branch_count": 3}, {**OK, "branch_cnt": 3}]
    imp = impact(old, new, clients, CTX)
    assert imp.evaluated == 1
    assert [b.row for b in imp.bad_rows] == [2] and "branch_cnt" in imp.bad_rows[0].error


def test_internal_names_are_env_lookups_by_construction() -> None:
    import ast

    from bigclient.language.expr import _ToEnv

    node = _ToEnv({}).visit(ast.parse("_f_abs", mode="eval").body)
    assert isinstance(node, ast.Subscript)  # not the compiler's own function

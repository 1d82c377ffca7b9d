"""Expressions: compiled once, whitelisted, typed, exact; simpleeval is the reference."""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from simpleeval import EvalWithCompoundTypes

from bigclient.language.expr import (
    BOOL,
    NUMBER,
    TEXT,
    ExprError,
    Ty,
    compile_expr,
    reference_functions,
)

NAMES: dict[str, Ty] = {
    "x": NUMBER, "y": NUMBER, "z": NUMBER, "flag": BOOL, "name": TEXT,
    "scope": Ty("text", keys=("comprehensive", "regional", "specialty"), name="scope"),
    "rev": Ty("map", keys=("savings", "letters"), name="rev"),
}


def env(x: Decimal, y: Decimal, z: Decimal, flag: bool) -> dict[str, Any]:
    return {"x": x, "y": y, "z": z, "flag": flag, "name": "n", "scope": "regional",
            "rev": {"savings": x, "letters": y}}


# -- generated expressions: the compiled path and simpleeval agree -------------------

literals = st.one_of(
    st.integers(0, 10**6).map(str),
    st.decimals(0, 10**6, places=2, allow_nan=False).map(lambda d: format(d, "f")),
    st.sampled_from(["1.2万", "3‰", "5‱", "12%", "150万"]),
)
leaves = st.one_of(literals, st.sampled_from(["x", "y", "z", "rev['savings']",
                                              "total(rev)"]))


def num_exprs() -> st.SearchStrategy[str]:
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"),
            inner.map(lambda e: f"-{e}"),
            st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(
                lambda t: f"{t[0]}({t[1]}, {t[2]})"),
            inner.map(lambda e: f"abs({e})"),
        ),
        max_leaves=8,
    )


def bool_exprs() -> st.SearchStrategy[str]:
    comparisons = st.tuples(num_exprs(), st.sampled_from([">=", ">", "<", "<=", "==", "!="]),
                            num_exprs()).map(lambda t: f"{t[0]} {t[1]} {t[2]}")
    base = st.one_of(comparisons, st.just("flag"), st.just("scope == 'regional'"),
                     st.just("scope in ('regional', 'specialty')"))
    return st.recursive(
        base,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"),
            inner.map(lambda e: f"not {e}"),
        ),
        max_leaves=4,
    )


def both(text: str, values: dict[str, Any]) -> tuple[Any, Any]:
    compiled = compile_expr(text, NAMES)

    def run(f: Any) -> Any:
        try:
            return f()
        except (decimal.DivisionByZero, decimal.InvalidOperation, ZeroDivisionError):
            return "division by zero"

    ours = run(lambda: compiled(values))
    # EvalWithCompoundTypes: simpleeval's evaluator that also reads ("a", "b") literals.
    reference = EvalWithCompoundTypes(names={**values, **compiled.constants},
                           functions=reference_functions())
    theirs = run(lambda: reference.eval(compiled.reference_text))
    return ours, theirs


amounts = st.decimals(-10**6, 10**6, places=2, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(num_exprs(), amounts, amounts, amounts, st.booleans())
def test_compiled_numbers_agree_with_simpleeval(text: str, x: Decimal, y: Decimal, z: Decimal,
                                                flag: bool) -> None:
    ours, theirs = both(text, env(x, y, z, flag))
    assert ours == theirs
    assert not isinstance(ours, float)


@settings(max_examples=300, deadline=None)
@given(bool_exprs(), amounts, amounts, amounts, st.booleans())
def test_compiled_conditions_agree_with_simpleeval(text: str, x: Decimal, y: Decimal,
                                                   z: Decimal, flag: bool) -> None:
    ours, theirs = both(text, env(x, y, z, flag))
    assert ours == theirs


# -- literals are exact -------------------------------------------------------------

def test_numeric_literals_are_exact_decimals() -> None:
    e = compile_expr("x * 0.1 + 1.2万 + 3‰", NAMES)
    assert e(env(Decimal(3), Decimal(0), Decimal(0), False)) == Decimal("12000.303")


def test_numbers_inside_quotes_are_left_alone() -> None:
    e = compile_expr("name == '12%'", NAMES)
    assert e({"name": "12%"}) is True


def test_integer_division_is_decimal_not_float() -> None:
    assert compile_expr("1 / 3", NAMES)({}) == Decimal(1) / Decimal(3)


# -- refused at load, with a plain message --------------------------------------------

@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("revenu > 1", "unknown name 'revenu'"),
        ("4000000 ** 4000000", "'**' (power)"),
        ("name.ljust(1000000000)", "calling methods"),
        ("name.upper", "'.' (attribute)"),
        ("'%100000000d' % 1", "remainder"),
        ("name * 1000000000", "arithmetic works on numbers only"),
        ("__import__('os')", "reserved for bigclient"),
        ("rand()", "not a function"),
        ("flag + x", "arithmetic works on numbers only"),
        ("x > name", "cannot compare"),
        ("scope == 'regoinal'", "did you mean 'regional'"),
        ("rev['savngs'] > 1", "did you mean 'savings'"),
        ("x if flag else name", "branches"),
        ("[i for i in rev]", "comprehensions"),
        ("lambda: 1", "lambda"),
        ("x >", "cannot be read"),
        ("total(x)", "total(...) adds up a per-line table"),
        ("x is None", "'is'"),
        ("min()", "at least one"),
    ],
)
def test_refused_expressions(text: str, fragment: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_expr(text, NAMES)
    assert fragment in info.value.message + " " + info.value.hint


def test_did_you_mean_for_names() -> None:
    with pytest.raises(ExprError) as info:
        compile_expr("totl(rev) > 1", NAMES)
    assert "did you mean 'total'" in info.value.hint


def test_long_chains_are_capped_not_recursion_errors() -> None:
    # PITFALLS: a 500-term 1+1+... is a RecursionError in simpleeval.
    with pytest.raises(ExprError) as info:
        compile_expr("+".join(["1"] * 500), NAMES)
    assert info.value.code == "BC304"


def test_wanted_type_is_checked() -> None:
    with pytest.raises(ExprError) as info:
        compile_expr("x + 1", NAMES, want="bool")
    assert "yes/no" in info.value.message


def test_no_builtins_reachable() -> None:
    e = compile_expr("x + 1", NAMES)
    assert e.func.__globals__["__builtins__"] == {}

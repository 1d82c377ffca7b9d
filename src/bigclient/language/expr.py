"""Expressions in rulesets, compiled once at load.

An expression is parsed with ``ast``, checked against a whitelist of node types, the
declared names and their types, then turned into a Python function. Nothing is parsed
per evaluation. simpleeval is the safety reference: the text we hand it
(:attr:`Compiled.reference_text`) evaluates to the same value (tests/test_expr.py).

Numbers in expressions are exact: every numeric literal (``12``, ``0.5``, ``1.2万``,
``3‰``, ``5%``) becomes a Decimal constant before parsing, so no float ever appears.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bigclient.i18n import _
from bigclient.language.amounts import MAX_DIGITS, AmountError, parse_amount

MAX_LENGTH = 2000
MAX_NODES = 400


@dataclass(frozen=True)
class Ty:
    """The static type of a value an expression can see."""

    kind: str  # number | bool | text | date | map | list
    keys: tuple[str, ...] = ()  # map keys, or enum values for text
    name: str = ""  # the declared name, for messages

    def __str__(self) -> str:
        return {"number": "a number (money/ratio/integer)", "bool": "yes/no", "text": "text",
                "date": "a date", "map": "a per-line amount table", "list": "a list"}[self.kind]


NUMBER = Ty("number")
BOOL = Ty("bool")
TEXT = Ty("text")


class ExprError(ValueError):
    """An expression is not acceptable; ``hint`` says how to fix it."""

    def __init__(self, message: str, hint: str = "", code: str = "BC301") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


def _total(m: Mapping[str, Decimal]) -> Decimal:
    """Sum of a per-line table; starting from Decimal keeps the sum exact."""
    return sum(m.values(), Decimal(0))


def _min(*args: Any) -> Any:
    return min(args)


def _max(*args: Any) -> Any:
    return max(args)


FUNCTIONS: dict[str, tuple[Callable[..., Any], str]] = {
    "total": (_total, "total(table): the sum of every line of a per-line amount table"),
    "min": (_min, "min(a, b, ...): the smallest number"),
    "max": (_max, "max(a, b, ...): the largest number"),
    "abs": (abs, "abs(x): the size of a number without its sign"),
}

_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_NUMBER_LITERAL = re.compile(r"(?<![\w.])([0-9]+(?:\.[0-9]+)?)(万|亿|‰|‱|%|％)*(?![\w.])")
_RESERVED = re.compile(r"(?<![\w.])_\w*")
"""Names starting with '_' belong to bigclient (its constants and functions), never to a ruleset."""

_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.Add, ast.Sub, ast.Mult,
    ast.Div, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Compare, ast.Eq, ast.NotEq,
    ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.IfExp, ast.Name, ast.Load,
    ast.Constant, ast.Call, ast.Subscript, ast.Tuple, ast.List,
)
_OP_WORDS = {
    ast.Pow: "'**' (power)", ast.Mod: "'%' between two values (remainder)",
    ast.FloorDiv: "'//' (whole division)", ast.BitAnd: "'&'", ast.BitOr: "'|'",
    ast.BitXor: "'^'", ast.LShift: "'<<'", ast.RShift: "'>>'", ast.Attribute: "'.' (attribute)",
    ast.Lambda: "lambda", ast.ListComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.Dict: "'{...}'", ast.Set: "'{...}'", ast.Starred: "'*'", ast.JoinedStr: "f-strings",
    ast.NamedExpr: "':='", ast.Is: "'is'", ast.IsNot: "'is not'", ast.Slice: "slices",
}


@dataclass
class Compiled:
    """A compiled expression: call it with the evaluation environment."""

    text: str
    func: Callable[[Mapping[str, Any]], Any]
    type: Ty
    names: frozenset[str]
    reference_text: str
    constants: dict[str, Decimal] = field(default_factory=dict)

    def __call__(self, env: Mapping[str, Any]) -> Any:
        return self.func(env)


Segment = tuple[int, int, int, int]
"""(start, end) of a constant's name in the prepared text, and of the literal in the original."""


def preprocess(text: str) -> tuple[str, dict[str, Decimal], list[Segment]]:
    """Replace numeric literals (outside quotes) by names bound to exact Decimals.

    Also returns where each replacement sits in both texts, so the analyser can point at
    the column a policy editor wrote, not at the rewritten text.
    """
    constants: dict[str, Decimal] = {}
    segments: list[Segment] = []
    out: list[str] = []
    length = 0

    def emit(chunk: str, origin: int) -> None:
        nonlocal length
        reserved = _RESERVED.search(chunk)
        if reserved:
            raise ExprError(
                _("the name '{name}' starts with '_': such names are reserved for bigclient's "
                  "own use").format(name=reserved.group(0)),
                _("start the name with a letter, and declare it under inputs, context or "
                  "derived"), code="BC301")
        pos = 0
        for m in _NUMBER_LITERAL.finditer(chunk):
            out.append(chunk[pos:m.start()])
            length += m.start() - pos
            name = f"_k{len(constants)}"  # cannot clash: user names never start with '_'
            try:
                constants[name] = parse_amount(m.group(0))
            except AmountError as exc:
                raise ExprError(str(exc), _("write the number with at most {n} digits").format(
                    n=MAX_DIGITS), code="BC301") from None
            segments.append((length, length + len(name), origin + m.start(), origin + m.end()))
            out.append(name)
            length += len(name)
            pos = m.end()
        out.append(chunk[pos:])
        length += len(chunk) - pos

    pos = 0
    for m in _STRING.finditer(text):
        emit(text[pos:m.start()], pos)
        out.append(m.group(0))
        length += len(m.group(0))
        pos = m.end()
    emit(text[pos:], pos)
    return "".join(out), constants, segments


def _is_amount(text: str) -> bool:
    try:
        parse_amount(text)
    except ValueError:
        return False
    return True


def suggest(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return _("did you mean '{name}'?").format(name=close[0]) if close else ""


class _Checker:
    def __init__(self, names: Mapping[str, Ty], constants: Mapping[str, Decimal]) -> None:
        self.names = names
        self.constants = constants
        self.used: set[str] = set()

    def check(self, node: ast.AST) -> Ty:
        if not isinstance(node, _ALLOWED):
            what = _OP_WORDS.get(type(node), type(node).__name__)
            raise ExprError(
                _("{what} is not allowed in a ruleset expression").format(what=what),
                "use only + - * /, comparisons, and/or/not, if-else and "
                "the functions " + ", ".join(FUNCTIONS),
                code="BC302",
            )
        if isinstance(node, ast.Expression):
            return self.check(node.body)
        if isinstance(node, ast.Name):
            if node.id in self.constants:
                return NUMBER
            if node.id not in self.names:
                if node.id in FUNCTIONS:
                    raise ExprError(
                        _("'{id}' is a function; call it like {id}(...)").format(id=node.id)
                    )
                raise ExprError(
                    _("unknown name '{id}'").format(id=node.id),
                    suggest(node.id, [*self.names, *FUNCTIONS])
                    or "declare it under inputs, context or derived first",
                )
            self.used.add(node.id)
            return self.names[node.id]
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return BOOL
            if isinstance(node.value, str):
                return TEXT
            raise ExprError(_("the value {value!r} is not allowed here").format(value=node.value),
                            code="BC302")
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                self._expect(v, "bool", _("'and'/'or' join yes/no conditions"))
            return BOOL
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                self._expect(node.operand, "bool", _("'not' applies to a yes/no condition"))
                return BOOL
            self._expect(node.operand, "number", _("a sign applies to a number"))
            return NUMBER
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
                what = _OP_WORDS.get(type(node.op), type(node.op).__name__)
                raise ExprError(
                    _("{what} is not allowed in a ruleset expression").format(what=what),
                    _("use only + - * /"),
                    code="BC302",
                )
            self._expect(node.left, "number", _("arithmetic works on numbers only"))
            self._expect(node.right, "number", _("arithmetic works on numbers only"))
            return NUMBER
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.IfExp):
            self._expect(node.test, "bool", _("the condition after 'if' must be yes/no"))
            a, b = self.check(node.body), self.check(node.orelse)
            if a.kind != b.kind:
                raise ExprError(
                    _("the two branches of 'if … else' differ: {a} and {b}").format(a=a, b=b),
                    _("make both branches the same kind of value"),
                    code="BC303",
                )
            return a
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Subscript):
            base = self.check(node.value)
            if base.kind != "map":
                raise ExprError(
                    _("only per-line tables can be indexed with [...], not {base}").format(
                        base=base
                    ),
                    code="BC303",
                )
            key = node.slice
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                raise ExprError(_("a line must be named in quotes, like revenue_month['savings']"))
            if base.keys and key.value not in base.keys:
                raise ExprError(
                    _("'{value}' is not a line of {value2}").format(
                        value=key.value, value2=base.name or "this table"
                    ),
                    suggest(key.value, base.keys) or "lines are: " + ", ".join(base.keys),
                )
            return NUMBER
        if isinstance(node, ast.Tuple | ast.List):
            for elt in node.elts:
                if not isinstance(elt, ast.Constant | ast.Name) or (
                    isinstance(elt, ast.Name) and elt.id not in self.constants
                ):
                    raise ExprError(_("a list may hold only fixed values, like ('a', 'b')"))
                self.check(elt)
            return Ty("list")
        raise ExprError(  # pragma: no cover
            _("{name} is not allowed").format(name=type(node).__name__), code="BC302")

    def _show(self, node: ast.AST) -> str:
        """The text of a sub-expression for a message, numbers as written (not _k0)."""
        return re.sub(r"\b_k\d+\b", lambda m: format(self.constants[m.group(0)], "f")
                      if m.group(0) in self.constants else m.group(0), ast.unparse(node))

    def _expect(self, node: ast.AST, kind: str, why: str) -> Ty:
        ty = self.check(node)
        if ty.kind != kind:
            found = f"'{self._show(node)}' is {ty}"
            raise ExprError(_("{why}, but {found}").format(why=why, found=found), code="BC303")
        return ty

    def _compare(self, node: ast.Compare) -> Ty:
        left_node = node.left
        left = self.check(left_node)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if not isinstance(op, _ALLOWED):
                raise ExprError(
                    _("{what} is not allowed in a ruleset expression").format(
                        what=_OP_WORDS.get(type(op), type(op).__name__)
                    ),
                    _("compare with == != < <= > >= or in"),
                    code="BC302",
                )
            right = self.check(right_node)
            if isinstance(op, ast.In | ast.NotIn):
                if right.kind != "list":
                    raise ExprError(
                        _(
                            "'in' needs a list of values on its right, like scope in "
                            "('regional', 'specialty')"
                        ),
                        code="BC303",
                    )
                assert isinstance(right_node, ast.Tuple | ast.List)
                for elt in right_node.elts:
                    item = self.check(elt)
                    if item.kind != left.kind:
                        raise ExprError(
                            _("'{value}' in the list is {item}, but '{left}' is {kind}: they "
                              "can never be equal").format(value=self._show(elt), item=item,
                                                           left=self._show(left_node), kind=left),
                            _("write the list with values of the same kind as '{left}'").format(
                                left=self._show(left_node)), code="BC303")
                    self._enum_value(left, elt)
            elif left.kind != right.kind:
                quoted = next((n.value for n in (left_node, right_node) if isinstance(
                    n, ast.Constant) and isinstance(n.value, str) and _is_amount(n.value)), None)
                raise ExprError(
                    _("cannot compare {left} with {right}: {left_node} vs {right_node}").format(
                        left=left,
                        right=right,
                        left_node=self._show(left_node),
                        right_node=self._show(right_node),
                    ),
                    f"write the amount without quotes: {quoted}" if quoted is not None else "",
                    code="BC303",
                )
            elif not isinstance(op, ast.Eq | ast.NotEq) and left.kind not in ("number", "date"):
                raise ExprError(
                    _("only numbers and dates can be ordered with < or >, not {left}").format(
                        left=left
                    ),
                    code="BC303",
                )
            else:
                self._enum_value(left, right_node)
                self._enum_value(right, left_node)
            left, left_node = right, right_node
        return BOOL

    def _enum_value(self, ty: Ty, node: ast.AST) -> None:
        """``scope == 'regoinal'`` is a typo the loader can catch."""
        if (ty.kind == "text" and ty.keys and isinstance(node, ast.Constant)
                and isinstance(node.value, str) and node.value not in ty.keys):
            raise ExprError(
                _("'{value}' is not one of the values of {name}").format(
                    value=node.value, name=ty.name
                ),
                suggest(node.value, ty.keys) or "allowed: " + ", ".join(ty.keys),
                code="BC303",
            )

    def _call(self, node: ast.Call) -> Ty:
        if isinstance(node.func, ast.Attribute):
            raise ExprError(
                _(
                    "calling methods such as '{unparse}(...)' is not allowed in a "
                    "ruleset expression"
                ).format(unparse=ast.unparse(node.func)),
                code="BC302",
            )
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ExprError(
                _("'{name}' is not a function rulesets may call").format(name=name),
                suggest(name, list(FUNCTIONS))
                or "available: " + "; ".join(h for _, h in FUNCTIONS.values()),
                code="BC302",
            )
        if node.keywords:
            raise ExprError(_("functions take plain values, not name=value"), code="BC302")
        name = node.func.id
        if name == "total":
            if len(node.args) != 1:
                raise ExprError(_("total(...) takes exactly one per-line table"))
            self._expect(node.args[0], "map", _("total(...) adds up a per-line table"))
            return NUMBER
        if name == "abs" and len(node.args) != 1:
            raise ExprError(_("abs(...) takes exactly one number"))
        if not node.args:
            raise ExprError(_("{name}(...) needs at least one value").format(name=name))
        for arg in node.args:
            self._expect(arg, "number", _("{name}(...) works on numbers").format(name=name))
        return NUMBER


class _ToEnv(ast.NodeTransformer):
    """Rewrite names into look-ups in the environment mapping ``_e``."""

    def __init__(self, constants: Mapping[str, Decimal]) -> None:
        self.constants = constants

    def visit_Name(self, node: ast.Name) -> ast.AST:
        # Every name but the constants made by _preprocess is a look-up in the environment:
        # a ruleset name can never reach the compiled function's own globals.
        if node.id in self.constants:
            return node
        return ast.copy_location(
            ast.Subscript(value=ast.Name("_e", ast.Load()), slice=ast.Constant(node.id),
                          ctx=ast.Load()), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        assert isinstance(node.func, ast.Name)
        node.func = ast.copy_location(ast.Name(f"_f_{node.func.id}", ast.Load()), node.func)
        node.args = [self.visit(a) for a in node.args]
        return node


def compile_expr(text: Any, names: Mapping[str, Ty], want: str | None = None) -> Compiled:
    """Compile ``text`` against the declared ``names``; raise ExprError on any problem."""
    if isinstance(text, bool):
        text = "True" if text else "False"
    elif isinstance(text, int | Decimal):
        text = str(text)
    if not isinstance(text, str) or not text.strip():
        raise ExprError(
            _("expected an expression (text), found nothing"),
            _("write a condition such as revenue_month['savings'] >= 2000"),
        )
    if len(text) > MAX_LENGTH:
        raise ExprError(
            _("the expression is longer than {MAX_LENGTH} characters").format(
                MAX_LENGTH=MAX_LENGTH
            ),
            _("split it into named derived values"),
            code="BC304",
        )
    prepared, constants, _unused = preprocess(text.strip())
    try:
        tree = ast.parse(prepared, mode="eval")
    except SyntaxError as exc:
        raise ExprError(
            _("the expression cannot be read: {msg}").format(msg=exc.msg),
            _("check brackets and quotes; use 'and'/'or', '>=' and '=='"),
            code="BC301",
        ) from None
    if sum(1 for _node in ast.walk(tree)) > MAX_NODES:
        raise ExprError(
            _("the expression has more than {MAX_NODES} parts").format(MAX_NODES=MAX_NODES),
            _("split it into named derived values"),
            code="BC304",
        )
    checker = _Checker(names, constants)
    ty = checker.check(tree)
    if want is not None and ty.kind != want:
        raise ExprError(
            _("expected {Ty} here, but the expression gives {ty}").format(Ty=Ty(want), ty=ty),
            code="BC303",
        )
    body = _ToEnv(constants).visit(ast.parse(prepared, mode="eval").body)
    lam = ast.Expression(ast.Lambda(
        args=ast.arguments(posonlyargs=[], args=[ast.arg("_e")], vararg=None, kwonlyargs=[],
                           kw_defaults=[], kwarg=None, defaults=[]),
        body=body))
    ast.fix_missing_locations(lam)
    scope: dict[str, Any] = {"__builtins__": {}, **constants}
    scope.update({f"_f_{n}": f for n, (f, _) in FUNCTIONS.items()})
    code = compile(lam, f"<expression {text.strip()[:40]}>", "eval")
    func = eval(code, scope)
    return Compiled(text=text.strip(), func=func, type=ty, names=frozenset(checker.used),
                    reference_text=prepared, constants=constants)


def reference_functions() -> dict[str, Callable[..., Any]]:
    """The functions to give simpleeval so it evaluates reference_text like we do."""
    return {n: f for n, (f, _) in FUNCTIONS.items()}

"""Safe YAML reading for files policy staff write by hand.

PyYAML's defaults are wrong for policy files (see PITFALLS.md): duplicate keys are
silently merged, ``no`` becomes False, ``001234`` becomes 668, ``0.1`` becomes a float
and aliases can explode. We compose the node tree ourselves with the safe loader and
convert scalars with a small, predictable schema, remembering where every node was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bigclient.errors import Problem, RulesetError
from bigclient.i18n import _
from bigclient.language.amounts import MAX_DIGITS as AMOUNT_DIGITS
from bigclient.language.yaml_messages import bad_character, explain

MAX_BYTES = 2_000_000
MAX_DEPTH = 64
MAX_DIGITS = AMOUNT_DIGITS  # one limit for YAML numbers and amounts: what Decimal holds exactly
"""A number in a ruleset has at most this many digits on either side of the point: far
more than any amount needs, and small enough that no sum or product of them overflows."""

YamlPath = tuple[str | int, ...]

_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(
    r"^[-+]?([0-9][0-9_]*)?\.[0-9_]+([eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"
)
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


@dataclass
class Located:
    """Plain data from a YAML file plus the position of every node, by YAML path."""

    data: Any
    file: str
    positions: dict[YamlPath, tuple[int, int]] = field(default_factory=dict)
    text: str = ""  # the source text, so analysers can point inside a scalar (an expression)

    def at(self, path: YamlPath) -> tuple[int, int]:
        """Line and column of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), (1, 1))

    def problem(
        self,
        path: YamlPath,
        message: str,
        *,
        code: str = "BC100",
        hint: str = "",
        severity: str = "error",
    ) -> Problem:
        line, col = self.at(path)
        return Problem(
            message=message,
            file=self.file,
            line=line,
            column=col,
            path=tuple(path),
            code=code,
            hint=hint,
            severity=severity,
        )


    def duplicate_ids(self, base: YamlPath, ids: list[str], what: str) -> list[Problem]:
        """Ids must be unique within a list (criteria, indicators, tiers, flags)."""
        seen: set[str] = set()
        out = []
        for i, ident in enumerate(ids):
            if ident in seen:
                out.append(
                    self.problem(
                        (*base, i, "id"),
                        _("the {what} id '{ident}' is used twice").format(what=what, ident=ident),
                        code="BC120",
                        hint=_("give each {what} its own id").format(what=what),
                    )
                )
            seen.add(ident)
        return out


class _Loader(yaml.SafeLoader):
    """Safe loader that refuses aliases and caps nesting before walking anything."""

    depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                _("while reading the ruleset"),
                None,
                _("aliases (*name) are not allowed in rulesets: write the value out in full"),
                event.start_mark,
            )
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise yaml.MarkedYAMLError(
                None, None, _("nesting deeper than {depth} levels").format(depth=MAX_DEPTH),
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class ScalarError(ValueError):
    """A plain scalar that looks like a number but is not one a ruleset can hold."""


def _number(text: str) -> int | Decimal | str:
    """A YAML number as int or Decimal; refuse (before converting) numbers too large to be
    policy: more digits than MAX_DIGITS, or an exponent that makes them so."""
    plain = text.replace("_", "")
    mantissa, _e, exponent = plain.lower().partition("e")
    digits = [ch for ch in mantissa if ch.isdigit()]
    if not digits:
        return text  # '._' and the like: text, which the model then refuses by name
    whole, _dot, fraction = mantissa.lstrip("+-").partition(".")
    too_big = _("the number {number} is too large or too precise for a ruleset: write at "
                "most {n} digits before and after the decimal point").format(
                    number=_short(text), n=MAX_DIGITS)
    if len(whole.lstrip("0")) > MAX_DIGITS or len(fraction) > MAX_DIGITS \
            or len(exponent.lstrip("+-").lstrip("0")) > 2:
        raise ScalarError(too_big)
    if not exponent and not fraction and "." not in mantissa:
        return int(plain)
    value = Decimal(plain)
    if value and not -MAX_DIGITS <= value.adjusted() < MAX_DIGITS:
        raise ScalarError(too_big)
    return value


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def scalar_value(node: ScalarNode) -> Any:
    """Convert a scalar by a YAML-1.2-core-like schema: quoted text stays text,
    leading-zero numbers stay text (region codes, IDs), decimals become Decimal."""
    text = node.value
    if node.style is not None and node.style != "":  # quoted or block scalar
        return text
    if node.tag not in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:int",
                        "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                        "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp"):
        return text
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text) or _FLOAT.match(text):
        return _number(text)
    return text


def parse_text(text: str, file: str = "<string>") -> Located:
    """Read YAML text into plain data with positions; raise RulesetError on any problem."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8")) > MAX_BYTES:
        raise RulesetError([_too_large(file)])
    bad = bad_character(text)
    if bad is not None:
        line, col, what = bad
        raise RulesetError([Problem(
            _("line {line} contains {what}, which a ruleset file cannot hold").format(
                line=line, what=what),
            file=file, line=line, column=col, code="BC001",
            hint=_("delete it (it is invisible in most editors: it usually comes from text "
                   "pasted from another program)"))])
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if exc.problem and exc.problem == _(
                "aliases (*name) are not allowed in rulesets: write the value out in full"):
            message, hint = exc.problem, _("copy the anchored value here instead of using *alias")
            code = "BC003"
        elif exc.problem and exc.problem == _("nesting deeper than {depth} levels").format(
                depth=MAX_DEPTH):
            message, hint, code = exc.problem, _("flatten the structure"), "BC004"
        else:
            line, col, message, hint = explain(exc, text)
            code = "BC002"
        raise RulesetError([Problem(message, file=file, line=line, column=col,
                                    code=code, hint=hint)]) from None
    except yaml.YAMLError as exc:
        raise RulesetError(
            [
                Problem(
                    _("the file is not valid YAML: {exc}").format(exc=exc),
                    file=file,
                    line=1,
                    column=1,
                    code="BC002",
                )
            ]
        ) from None
    finally:
        loader.dispose()
    located = Located(data=None, file=file, text=text)
    problems: list[Problem] = []
    if node is None:
        located.data = None
        return located
    located.data = _convert(node, (), located, problems)
    if problems:
        raise RulesetError(problems)
    return located


def _convert(node: Node, path: YamlPath, located: Located, problems: list[Problem]) -> Any:
    # A mapping entry is located at its key (set by the caller): that is the line staff look at.
    located.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, ScalarNode):
        try:
            return scalar_value(node)
        except ScalarError as exc:
            problems.append(located.problem(path, str(exc), code="BC006", hint=_(
                "write the amount the policy gives, e.g. 1500000 or 150万")))
            return None
    if isinstance(node, SequenceNode):
        return [_convert(item, (*path, i), located, problems) for i, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        out: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                problems.append(located.problem(path, _("a key must be plain text"), code="BC002"))
                continue
            try:
                key = key_node.value if key_node.style else scalar_value(key_node)
            except ScalarError:
                key = key_node.value
            if key is None or isinstance(key, bool | Decimal):
                key = key_node.value
            key_line = key_node.start_mark.line + 1
            if key in first_seen:
                problems.append(
                    Problem(
                        _(
                            "the key '{key}' appears twice in the same block (first on line "
                            "{first_seen}); YAML would silently keep only the last one"
                        ).format(key=key, first_seen=first_seen[key]),
                        file=located.file,
                        line=key_line,
                        column=key_node.start_mark.column + 1,
                        path=(*path, key),
                        code="BC005",
                        hint=_("delete one of the two, or merge them into one entry"),
                    )
                )
                continue
            first_seen[key] = key_line
            located.positions[(*path, key)] = (key_line, key_node.start_mark.column + 1)
            out[key] = _convert(value_node, (*path, key), located, problems)
        return out
    return None  # pragma: no cover - composer yields only the three node kinds


def _too_large(file: str) -> Problem:
    return Problem(_("the file is larger than {limit:,} bytes; a ruleset should be far "
                     "smaller").format(limit=MAX_BYTES), file=file, line=1, column=1,
                   code="BC001", hint=_("check that this is the ruleset file you meant"))


def read_file(path: str | Path) -> Located:
    """Read a ruleset or case file by path; the size cap holds before anything is read."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)  # bounded: a huge or endless file is never slurped
    except OSError as exc:
        raise RulesetError(
            [
                Problem(
                    _("cannot read the file: {strerror}").format(strerror=exc.strerror),
                    file=str(p),
                    line=0,
                    column=0,
                    code="BC001",
                )
            ]
        ) from None
    if len(raw) > MAX_BYTES:
        raise RulesetError([_too_large(str(p))])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise RulesetError([Problem(
            _("the file is not UTF-8 text: line {line} has the byte 0x{byte:02X} at column "
              "{col}").format(line=line, byte=raw[exc.start], col=col),
            file=str(p), line=line, column=col, code="BC001",
            hint=_("save the file as UTF-8 (most editors: 'Save with encoding → UTF-8')"),
        )]) from None
    return parse_text(text, str(p))

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

MAX_BYTES = 2_000_000
MAX_DEPTH = 64

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
                out.append(self.problem((*base, i, "id"), f"the {what} id '{ident}' is used "
                                        "twice", code="BC120", hint=f"give each {what} its "
                                        "own id"))
            seen.add(ident)
        return out


class _Loader(yaml.SafeLoader):
    """Safe loader that refuses aliases and caps nesting before walking anything."""

    depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                "while reading the ruleset",
                None,
                "aliases (*name) are not allowed in rulesets: write the value out in full",
                event.start_mark,
            )
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise yaml.MarkedYAMLError(
                None, None, f"nesting deeper than {MAX_DEPTH} levels",
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


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
    if _INT.match(text):
        return int(text.replace("_", ""))
    if _FLOAT.match(text):
        return Decimal(text.replace("_", ""))
    return text


def _describe_yaml_error(exc: yaml.YAMLError) -> tuple[str, str]:
    text = str(getattr(exc, "problem", "") or exc)
    context = str(getattr(exc, "context", "") or "")
    if "\\t" in text or "'\\t'" in text or "tab" in text.lower():
        return (
            "a tab character is used for indentation; YAML only allows spaces",
            "replace the tab at this position with spaces (two per level)",
        )
    if "mapping values are not allowed" in text:
        return (
            "a ':' appears where YAML did not expect a new key",
            "check the indentation of this line, or put the value in quotes if it contains ': '",
        )
    if "could not find expected ':'" in text:
        return (
            "a key is missing its ':'",
            "write 'key: value' on this line, or check the indentation of the line above",
        )
    msg = text + (f" ({context})" if context else "")
    return (f"the file is not valid YAML: {msg}", "check indentation and quoting near this line")


def parse_text(text: str, file: str = "<string>") -> Located:
    """Read YAML text into plain data with positions; raise RulesetError on any problem."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise RulesetError([Problem(
            f"the file is larger than {MAX_BYTES:,} bytes; a ruleset should be far smaller",
            file=file, line=1, column=1, code="BC001",
        )])
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if exc.problem and "aliases" in exc.problem:
            message, hint = exc.problem, "copy the anchored value here instead of using *alias"
            code = "BC003"
        elif exc.problem and "nesting" in exc.problem:
            message, hint, code = exc.problem, "flatten the structure", "BC004"
        else:
            message, hint = _describe_yaml_error(exc)
            code = "BC002"
        raise RulesetError([Problem(message, file=file, line=line, column=col,
                                    code=code, hint=hint)]) from None
    except yaml.YAMLError as exc:
        raise RulesetError([Problem(f"the file is not valid YAML: {exc}", file=file,
                                    line=1, column=1, code="BC002")]) from None
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
        return scalar_value(node)
    if isinstance(node, SequenceNode):
        return [_convert(item, (*path, i), located, problems) for i, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        out: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                problems.append(located.problem(path, "a key must be plain text", code="BC002"))
                continue
            key = key_node.value if key_node.style else scalar_value(key_node)
            if key is None or isinstance(key, bool | Decimal):
                key = key_node.value
            key_line = key_node.start_mark.line + 1
            if key in first_seen:
                problems.append(Problem(
                    f"the key '{key}' appears twice in the same block (first on line "
                    f"{first_seen[key]}); YAML would silently keep only the last one",
                    file=located.file, line=key_line, column=key_node.start_mark.column + 1,
                    path=(*path, key), code="BC005",
                    hint="delete one of the two, or merge them into one entry",
                ))
                continue
            first_seen[key] = key_line
            located.positions[(*path, key)] = (key_line, key_node.start_mark.column + 1)
            out[key] = _convert(value_node, (*path, key), located, problems)
        return out
    return None  # pragma: no cover - composer yields only the three node kinds


def read_file(path: str | Path) -> Located:
    """Read a ruleset or case file by path."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise RulesetError([Problem(f"cannot read the file: {exc.strerror}", file=str(p),
                                    line=0, column=0, code="BC001")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RulesetError([Problem(
            "the file is not UTF-8 text", file=str(p), line=line, column=1, code="BC001",
            hint="save the file as UTF-8 (most editors: 'Save with encoding → UTF-8')",
        )]) from None
    return parse_text(text, str(p))

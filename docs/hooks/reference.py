"""MkDocs hook: generate the reference pages from the code at build time.

Nothing here is copied by hand. Each build reads:

- ``bigclient.spec.RulesetSpec`` and every model nested in it -> ``reference/ruleset.md``
- ``bigclient.codes.CODES`` (or, if that module is missing, the ``code="BC…"`` literals
  in ``src/bigclient``) -> ``reference/codes.md``
- ``bigclient.cli.build_parser()`` -> ``reference/cli.md``
- the names in ``bigclient.__all__`` (signatures and docstrings) -> ``reference/api.md``
- the ``rule: D-n`` keys of the shipped rulesets and their cases -> ``reference/rules.md``

The pages are added to the build as generated files; nothing is written into ``docs/``.
Registered in ``mkdocs.yml`` under ``hooks:``.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime as dt
import functools
import inspect
import os
import re
import types
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "bigclient"
RULESETS = ROOT / "rulesets"
EXAMPLE = RULESETS / "shantou-postal" / "1.0.0.yaml"

GENERATED_NOTE = (
    "!!! info \"Generated page\"\n"
    "    This page is generated from the code every time the documentation is built "
    "(`docs/hooks/reference.py`). Do not edit it by hand.\n"
)


# -- mkdocs events ----------------------------------------------------------------------------


def on_files(files: Files, config: Any) -> Files:
    pages = {
        "reference/ruleset.md": ruleset_page,
        "reference/codes.md": codes_page,
        "reference/cli.md": cli_page,
        "reference/api.md": api_page,
        "reference/rules.md": rules_page,
    }
    for uri, build in section_pages().items():
        pages[uri] = build
    for uri, build in pages.items():
        files.append(File.generated(config, uri, content=build()))
    return files


# -- ruleset fields ---------------------------------------------------------------------------


def _anchor(model: type) -> str:
    return "model-" + re.sub(r"[^a-z0-9]+", "-", model.__name__.lower()).strip("-")


def _is_model(ann: Any) -> bool:
    from pydantic import BaseModel

    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _special(ann: Any) -> str | None:
    """The names policy staff see for the shared value kinds (amount, name, id)."""
    from bigclient.language import common as _common

    for name, kind in (("Amount", "[amount](#amount)"), ("Identifier", "[name](#name)"),
                       ("Slug", "[id](#id)")):
        if ann == getattr(_common, name, object()):
            return kind
    return None


def _type(ann: Any) -> str:
    """A field's type in words, with links to nested models."""
    special = _special(ann)
    if special:
        return special
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Annotated:
        return _type(args[0])
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return " or ".join(_type(a) for a in rest)  # "optional" is the Required column
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin is dict:
        if len(args) == 2:
            return f"map: {_type(args[0])} → {_type(args[1])}"
        return "block of `key: value` entries"
    if origin in (list, tuple):
        return f"list of {_type(args[0])}" if args else "list"
    if _is_model(ann):
        return f"[{ann.__name__}](#{_anchor(ann)})"
    return {
        str: "text", bool: "`true` / `false`", int: "whole number", Decimal: "number",
        dt.date: "date (YYYY-MM-DD)", dict: "block of `key: value` entries", Any: "any value",
    }.get(ann, getattr(ann, "__name__", str(ann)))


def _nested(ann: Any) -> list[type]:
    """Models mentioned anywhere inside an annotation."""
    if _is_model(ann):
        return [ann]
    out: list[type] = []
    for a in typing.get_args(ann):
        out += _nested(a)
    return out


def _default(field: Any) -> str:
    from pydantic_core import PydanticUndefined

    if field.is_required():
        return ""
    if field.default_factory is not None:
        value = field.default_factory()
        if _is_model(type(value)):
            return "see below"
        return f"`{value!r}`" if value not in ({}, []) else "empty"
    value = field.default
    if value is None or value is PydanticUndefined:
        return ""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Decimal):
        return f"`{value}`"
    return f"`{value}`"


def _doc(obj: Any) -> str:
    """The object's own docstring (not one inherited from a base class), Markdown-ready."""
    if isinstance(obj, type):
        own = obj.__dict__.get("__doc__")
        doc = inspect.cleandoc(own) if isinstance(own, str) else ""
    else:
        doc = inspect.getdoc(obj) or ""
    doc = re.sub(r"``([^`]+)``", r"`\1`", doc)  # reStructuredText literals -> Markdown
    return re.sub(r":(?:class|func|data|meth|attr):`~?([^`]+)`", r"`\1`", doc)


def _first_line(obj: Any) -> str:
    return _doc(obj).split("\n\n")[0].replace("\n", " ")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _walk(root: type) -> tuple[list[type], dict[type, list[str]]]:
    """Every model reachable from ``root`` (in file order, depth first) and the YAML paths
    it appears at."""
    order: list[type] = []
    where: dict[type, list[str]] = collections.defaultdict(list)

    def visit(model: type, path: str) -> None:
        order.append(model)
        hints = typing.get_type_hints(model, include_extras=True)
        for name, field in model.model_fields.items():
            key = field.alias or name
            ann = hints.get(name, field.annotation)
            sub = (key if not path else f"{path}.{key}") + _container_suffix(ann)
            for m in _nested(ann):
                if len(where[m]) < 6:
                    where[m].append(sub)
                if m not in order:
                    visit(m, sub)

    visit(root, "")
    return order, where


# Keys the models leave without a description mean the same thing wherever they appear.
COMMON_KEYS = {
    "id": "the entry's id, unique in its list; other entries and decisions refer to it",
    "label": "the name people see, in Chinese (`zh`) and English (`en`)",
    "rule": "the DOMAIN rule(s) this entry encodes, e.g. `D-7`; shown in explanations",
    "note": "free text for readers; bigclient ignores it",
    "when": "a yes/no expression over inputs, context and derived values",
    "tier": "a tier id from `scoring.tiers`",
    "approved_by": "ids of the bodies (from `scoring.authorities`) that may approve",
    "combine": "`any`: one criterion is enough; `all`: every criterion must hold",
    "$schema": "optional editor hint: where the JSON Schema of this file is",
}


def _container_suffix(ann: Any) -> str:
    """'[]' for a list, '.<name>' for a map, so paths read like the YAML."""
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Annotated:
        return _container_suffix(args[0])
    if origin in (typing.Union, types.UnionType):
        for a in args:
            if a is not type(None):
                return _container_suffix(a)
    if origin in (list, tuple):
        return "[]" + _container_suffix(args[0]) if args else "[]"
    if origin is dict and len(args) == 2:
        return ".<name>" + _container_suffix(args[1])
    return ""


def _example_blocks() -> dict[str, str]:
    """Each top-level section of the Shantou 1.0.0 file, as written there."""
    if not EXAMPLE.exists():
        return {}
    blocks: dict[str, list[str]] = {}
    current: str | None = None
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z_$][\w$]*):", line)
        if m:
            current = m.group(1)
            blocks[current] = [line]
        elif current and (line.startswith((" ", "\t")) or not line.strip()):
            blocks[current].append(line)
        else:
            current = None
    return {k: "\n".join(v).rstrip() for k, v in blocks.items()}


def ruleset_page() -> str:
    from bigclient.language import common as _common
    from bigclient.spec import RulesetSpec

    order, where = _walk(RulesetSpec)
    examples = _example_blocks()
    hints = typing.get_type_hints(RulesetSpec, include_extras=True)
    out = [
        "# Ruleset file reference",
        "",
        GENERATED_NOTE,
        "A ruleset file is one version of one policy, for example "
        "`rulesets/shantou-postal/1.0.0.yaml`. This page lists every key the file may "
        "contain. It is generated from the models in `bigclient.ruleset` and the modules "
        "they use, so it is always in step with what `bigclient validate` accepts. "
        "An unknown key is an error ([BC102](codes.md#bc102)); a missing required key too "
        "([BC103](codes.md#bc103)).",
        "",
        "## Top-level keys",
        "",
        "| Key | Type | Required | Default | What it is |",
        "|---|---|---|---|---|",
    ]
    for name, field in RulesetSpec.model_fields.items():
        key = field.alias or name
        ann = hints.get(name, field.annotation)
        desc = field.description or COMMON_KEYS.get(key) or "".join(
            _first_line(m) for m in _nested(ann)[:1])
        out.append(f"| `{key}` | {_type(ann)} | {'yes' if field.is_required() else 'no'} | "
                   f"{_default(field)} | {_cell(desc)} |")
    out += ["", "## Value kinds", ""]
    amount_desc = ""
    for meta in typing.get_args(_common.Amount)[1:]:
        schema = getattr(meta, "json_schema", None)
        if isinstance(schema, dict):
            amount_desc = schema.get("description", "")
    out += [
        "### amount {#amount}",
        "",
        (amount_desc or "A number.") + ". Money is exact (no rounding on the way in). "
        "`万` = 10,000; `‰` = 1/1,000; `‱` = 1/10,000.",
        "",
    ]
    for kind, alias in (("name", "Identifier"), ("id", "Slug")):
        pattern = _pattern(getattr(_common, alias))
        plain = ("a name that expressions can use: letters, digits and `_`, not starting "
                 "with a digit" if kind == "name" else
                 "an id: lower-case letters, digits, `-` and `_`")
        out += [f"### {kind} {{#{kind}}}", "", f"{plain.capitalize()} (pattern `{pattern}`).", ""]
    for model in order:
        out += _model_section(model, where.get(model, []), examples)
    return "\n".join(out) + "\n"


def _pattern(ann: Any) -> str:
    for meta in typing.get_args(ann)[1:]:
        for m in getattr(meta, "metadata", []) or []:
            if getattr(m, "pattern", None):
                return str(m.pattern)
        if getattr(meta, "pattern", None):
            return str(meta.pattern)
    return ""


def _model_section(model: type, where: list[str], examples: dict[str, str]) -> list[str]:
    hints = typing.get_type_hints(model, include_extras=True)
    out = [f"## {model.__name__} {{#{_anchor(model)}}}", ""]
    doc = _doc(model)
    if doc:
        out += [doc, ""]
    if where:
        shown = ", ".join(f"`{w}`" for w in where[:5])
        shown += " and elsewhere" if len(where) > 5 else ""
        out += [f"Appears at: {shown}.", ""]
    out += ["| Key | Type | Required | Default | What it is |", "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        key = field.alias or name
        ann = hints.get(name, field.annotation)
        desc = field.description or COMMON_KEYS.get(key, "")
        if not desc:
            nested = _nested(ann)
            desc = _first_line(nested[0]) if nested else ""
        out.append(f"| `{key}` | {_type(ann)} | {'yes' if field.is_required() else 'no'} | "
                   f"{_default(field)} | {_cell(desc)} |")
    out.append("")
    if model.__name__ == "RulesetSpec":
        return [*out[:2], "The whole file: see [Top-level keys](#top-level-keys) above.", ""]
    # An example from the Shantou ruleset, when this model is a top-level section.
    for path in where:
        if "." not in path and "[" not in path and path in examples:
            out += [f"Example (`rulesets/shantou-postal/1.0.0.yaml`, section `{path}`):", "",
                    "```yaml", examples[path], "```", ""]
            break
    return out


# -- one page per section ------------------------------------------------------------------


def section_pages() -> dict[str, Any]:
    """``reference/sections/<key>.md`` for every section in ``bigclient.sections.SECTIONS``."""
    from bigclient.sections import SECTIONS

    return {f"reference/sections/{s.key}.md": functools.partial(section_page, s)
            for s in SECTIONS}


def section_page(section: Any) -> str:
    """A section's room: what its key holds, when it runs, what it checks and explains."""
    import importlib

    module = importlib.import_module(type(section).__module__)
    room = Path(module.__file__ or "")
    files = sorted(room.parent.glob("*.py")) if room.name == "__init__.py" else [room]
    rows, _ = load_codes()
    titles = {row[0]: row[2] for row in rows}
    used = sorted({c for f in files for c in re.findall(r'code="(BC\d{3})"',
                                                        f.read_text(encoding="utf-8"))})
    annotation, field = section.spec_field()
    order, where = _walk_annotation(annotation)
    examples = _example_blocks()
    out = [f"# Section `{section.key}`", "", GENERATED_NOTE, _doc(module), "",
           f"**Key:** `{section.key}` — {field.description}.  ",
           f"**Type:** {_type(annotation)}; required: {'yes' if field.is_required() else 'no'}."
           "  ",
           f"**Evaluation stage:** {section.stage} (lower runs first); "
           f"**place in explanations:** {section.explain_rank}.  ",
           "**Room:** " + ", ".join(f"`src/bigclient/{f.relative_to(SRC)}`" for f in files),
           ""]
    if section.elements:
        out += ["Named elements (`diff` matches them by id, not position): " + ", ".join(
            f"`{'.'.join(map(str, path))}` ({el.en}, {el.zh})"
            for path, el in section.elements.items()) + ".", ""]
    if used:
        out += ["## Findings this section reports", "", "| Code | Title |", "|---|---|"]
        out += [f"| [{c}](../codes.md#{c.lower()}) | {_cell(titles.get(c, ''))} |" for c in used]
        out.append("")
    for model in order:
        out += _model_section(model, where.get(model, []), examples)
    # The value kinds (amount, name, id) are described once, on the ruleset page.
    return re.sub(r"\]\(#(amount|name|id)\)", r"](../ruleset.md#\1)", "\n".join(out)) + "\n"


def _walk_annotation(annotation: Any) -> tuple[list[type], dict[type, list[str]]]:
    order: list[type] = []
    where: dict[type, list[str]] = collections.defaultdict(list)
    for model in _nested(annotation):
        sub_order, sub_where = _walk(model)
        for m in sub_order:
            if m not in order:
                order.append(m)
        for m, paths in sub_where.items():
            where[m].extend(paths)
    return order, where


# -- finding codes ----------------------------------------------------------------------------


def _codes_from_source() -> list[tuple[str, str, str, str, str, str]]:
    """Fallback when bigclient.codes does not exist: the code literals in the source."""
    seen: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        for m in re.finditer(r"code=\"(BC\d{3})\"", path.read_text(encoding="utf-8")):
            seen.setdefault(m.group(1), path.name)
    return [(c, "", f"(used in `{f}`)", "", "", "") for c, f in sorted(seen.items())]


def load_codes() -> tuple[list[tuple[str, str, str, str, str, str]], dict[str, str]]:
    """(code, severity, title, title_zh, explanation, fix) rows, and the range titles."""
    try:
        from bigclient import codes
    except ImportError:
        return _codes_from_source(), {}
    ranges = {m.group(1): m.group(2).strip()
              for m in re.finditer(r"BC(\d)xx ([^,.]+)", codes.__doc__ or "")}
    rows = [(c.code, c.severity, c.title, getattr(c, "title_zh", ""), c.explanation, c.fix)
            for c in codes.CODES.values()]
    return rows, ranges


def codes_page() -> str:
    rows, ranges = load_codes()
    out = [
        "# Finding codes (问题代码)",
        "",
        GENERATED_NOTE,
        "Every problem `bigclient validate` (and loading a ruleset) reports carries a code. "
        "The line looks like this:",
        "",
        "```text",
        "rulesets/shantou-postal/1.2.0.yaml:148:24: error BC100 at "
        "qualification.criteria[2].per_line.thresholds.letters.prev_year: expected a number …",
        "```",
        "",
        "Read it as: **file : line : column**, then the **severity**, the **code**, the "
        "**YAML path** (which key, counted from 0 in lists), and the message. A `fix:` line "
        "may follow. Severities:",
        "",
        "- **error**: the ruleset cannot be used; `bigclient validate` exits with 1.",
        "- **warning**: probably a mistake; fails only with `--strict`.",
        "- **info**: a note; nothing to do unless the note surprises you. `validate` shows "
        "notes only with `-v` (or `--min-severity info`; `--format json` always lists them); "
        "its last line counts them either way.",
        "",
    ]
    if not ranges:
        out += ["!!! warning", "    `bigclient.codes` is not available: this list was collected "
                "from the source code and has no explanations.", ""]
    out += ["| Code | Severity | Title | 中文 |", "|---|---|---|---|"]
    for code, sev, title, title_zh, _, _ in rows:
        out.append(f"| [{code}](#{code.lower()}) | {sev} | {_cell(title)} | {_cell(title_zh)} |")
    out.append("")
    current = None
    for code, sev, title, title_zh, explanation, fix in rows:
        group = code[2]
        if group != current:
            current = group
            name = ranges.get(group, "")
            out += [f"## BC{group}xx{': ' + name if name else ''}", ""]
        heading = f"### {code} — {title}" if title else f"### {code}"
        out += [f"{heading} {{#{code.lower()}}}", ""]
        if title_zh:
            out += [f"{title_zh} · severity: **{sev}**", ""]
        elif sev:
            out += [f"Severity: **{sev}**", ""]
        if explanation:
            out += [explanation, ""]
        if fix:
            out += [f"**Fix:** {fix}", ""]
    return "\n".join(out) + "\n"


# -- command line -------------------------------------------------------------------------------


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_page() -> str:
    from bigclient import cli

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"  # stable wrapping, whatever terminal builds the docs
    try:
        parser = cli.build_parser()
        out = [
            "# Command line reference",
            "",
            GENERATED_NOTE,
            (inspect.getdoc(cli) or "").split("\n\n", 1)[-1],
            "",
            "```text",
            "$ bigclient --help",
            parser.format_help().rstrip(),
            "```",
            "",
        ]

        def walk(p: argparse.ArgumentParser, prefix: str, level: int) -> None:
            for name, sub in _subparsers(p).items():
                out.extend([f"{'#' * level} {prefix} {name}", "", "```text",
                            f"$ {prefix} {name} --help", sub.format_help().rstrip(), "```", ""])
                walk(sub, f"{prefix} {name}", min(level + 1, 4))

        walk(parser, "bigclient", 2)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old
    return "\n".join(out) + "\n"


# -- Python API ---------------------------------------------------------------------------------


def _ann(ann: Any) -> str:
    return ann if isinstance(ann, str) else inspect.formatannotation(ann)


def _sig(obj: Any, name: str) -> str:
    """``name(a: int, *, b: str = 'x') -> T`` with annotations as written in the source."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return name
    parts: list[str] = []
    star_done = False
    for p in sig.parameters.values():
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.kind is p.VAR_POSITIONAL:
            star_done = True
        if p.annotation is not p.empty:
            text += f": {_ann(p.annotation)}"
        if p.default is not p.empty:
            text += (" = " if p.annotation is not p.empty else "=") + repr(p.default)
        parts.append(text)
    ret = "" if sig.return_annotation is sig.empty else f" -> {_ann(sig.return_annotation)}"
    return f"{name}({', '.join(parts)}){ret}"


# Classes host code receives but does not construct: where they come from instead.
OBTAINED = {
    "Decision": "Returned by `Ruleset.evaluate` and `Ruleset.evaluate_many`; not built by hand.",
    "Ruleset": "Returned by `bigclient.load`, `bigclient.load_text` and `Registry.get`.",
}


def _members(cls: type) -> list[tuple[str, Any]]:
    """Public members defined by the class itself (not inherited from Exception etc.)."""
    out = []
    for name, value in vars(cls).items():
        if name.startswith("_") or name in ("model_config", "model_fields"):
            continue
        out.append((name, value))
    return out


def api_page() -> str:
    import bigclient

    out = [
        "# Python API reference",
        "",
        GENERATED_NOTE,
        _doc(bigclient),
        "",
        "Everything below is importable from `bigclient` (the names in `bigclient.__all__`). "
        "For a guided tour see [Use bigclient from Python](../howto/python.md).",
        "",
    ]
    names = list(bigclient.__all__)
    exceptions = [n for n in names if isinstance(getattr(bigclient, n), type)
                  and issubclass(getattr(bigclient, n), BaseException)]
    functions = [n for n in names if inspect.isfunction(getattr(bigclient, n))]
    classes = [n for n in names if isinstance(getattr(bigclient, n), type) and n not in exceptions]
    others = [n for n in names if n not in exceptions + functions + classes]

    out += ["## Functions", ""]
    for n in functions:
        obj = getattr(bigclient, n)
        out += [f"### `{n}` {{#{n.lower()}}}", "", "```python", _sig(obj, n), "```", "",
                _doc(obj), ""]
    out += ["## Classes", ""]
    for n in classes:
        cls = getattr(bigclient, n)
        out += [f"### `{n}` {{#{n.lower()}}}", ""]
        if n in OBTAINED:
            out += [OBTAINED[n], ""]
        else:
            out += ["```python", _sig(cls, n), "```", ""]
        out += [_doc(cls), ""]
        slots = [s for s in getattr(cls, "__slots__", ()) if not s.startswith("_")]
        if slots:
            out += ["Attributes: " + ", ".join(f"`{s}`" for s in slots) + ".", ""]
        for mname, value in _members(cls):
            if isinstance(value, (property, functools.cached_property)):
                fget = value.fget if isinstance(value, property) else value.func
                out += [f"#### `{n}.{mname}` (attribute)", ""]
                if _doc(fget):
                    out += [_doc(fget), ""]
            elif isinstance(value, (staticmethod, classmethod)):
                out += [f"#### `{n}.{mname}`", "", "```python",
                        _sig(value.__func__, mname), "```", "", _doc(value.__func__), ""]
            elif inspect.isfunction(value):
                out += [f"#### `{n}.{mname}`", "", "```python", _sig(value, mname), "```", "",
                        _doc(value), ""]
            elif isinstance(value, types.MemberDescriptorType):
                continue
    out += ["## Errors", "", "Every error bigclient raises on purpose is a `BigClientError`. "
            "The tree:", "", "```text"]
    tree: dict[str, list[str]] = collections.defaultdict(list)
    exported = {getattr(bigclient, n) for n in exceptions}
    roots = []
    for n in exceptions:
        cls = getattr(bigclient, n)
        parents = [b for b in cls.__bases__ if b in exported]
        if parents:
            for b in parents[:1]:
                tree[b.__name__].append(n)
        else:
            roots.append(n)

    def draw(name: str, depth: int) -> None:
        out.append("    " * depth + name)
        for child in tree.get(name, []):
            draw(child, depth + 1)

    for r in roots:
        draw(r, 0)
    out += ["```", ""]
    for n in exceptions:
        cls = getattr(bigclient, n)
        bases = ", ".join(b.__name__ for b in cls.__bases__)
        out += [f"### `{n}` {{#{n.lower()}}}", "", f"Bases: `{bases}`", "", _doc(cls), ""]
        if dataclasses.is_dataclass(cls):
            out += ["Fields: " + ", ".join(f"`{f.name}`" for f in dataclasses.fields(cls)
                                           if not f.name.startswith("_")) + ".", ""]
        for mname, value in _members(cls):
            if isinstance(value, property):
                out += [f"- `{mname}`: {_first_line(value.fget) or '(property)'}"]
        out.append("")
    if others:
        out += ["## Other names", ""]
        for n in others:
            out += [f"- `{n}` = `{getattr(bigclient, n)!r}`"]
        out.append("")
    return "\n".join(out) + "\n"


# -- D-rules cited by the shipped rulesets --------------------------------------------------------


def rules_page() -> str:
    cited: dict[int, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for path in sorted(RULESETS.rglob("*.yaml")):
        kind = "case" if path.parent.name == "cases" else "rule"
        ruleset = path.parent.parent.name if kind == "case" else path.parent.name
        for m in re.finditer(r"\brule:\s*\"?((?:D-\d+(?:\([^)]*\))?[ ,]*)+)",
                             path.read_text(encoding="utf-8")):
            for d in re.findall(r"D-(\d+)", m.group(1)):
                cited[int(d)][f"{ruleset} {'cases' if kind == 'case' else path.stem}"] += 1
    out = [
        "# D-rules cited by the shipped rulesets",
        "",
        GENERATED_NOTE,
        "Every ruleset entry and every case may say which rule of the domain (D-1 … D-28, "
        "see [How the policy maps to bigclient](../explanation.md)) it serves, with a "
        "`rule:` key. This table counts those keys in `rulesets/`. A rule with no entry here "
        "is not encoded in a shipped ruleset; a rule with entries is mentioned, which is not "
        "always implemented (an input may cite a rule whose tables do not exist yet): the "
        "explanation page gives the status of each rule.",
        "",
        "| Rule | Cited by (file: count) |",
        "|---|---|",
    ]
    for d in range(1, 29):
        where = cited.get(d)
        text = ", ".join(f"{k}: {v}" for k, v in sorted(where.items())) if where else "—"
        out.append(f"| D-{d} | {text} |")
    return "\n".join(out) + "\n"

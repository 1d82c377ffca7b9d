"""Pydantic's validation errors said for policy staff: located, plain, one per typo.

``validate_spec`` validates already-read YAML data against a model and turns every error
into a located :class:`Problem` ("unknown key 'weigth'" with "did you mean 'weight'",
"'version' is required here but missing"), raising :class:`RulesetError` with all of them.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bigclient.errors import RulesetError
from bigclient.i18n import _
from bigclient.language.expr import suggest
from bigclient.language.load_messages import empty_value, full_width_hint, impossible_date
from bigclient.language.source import Located, YamlPath

M = TypeVar("M", bound=BaseModel)


def validate_spec(model: type[M], src: Located) -> M:
    """``model`` validated from ``src.data``; every problem located in the file."""
    try:
        return model.model_validate(src.data)
    except ValidationError as exc:
        problems = []
        errors = exc.errors()
        for err in errors:
            message, hint, loc, code = _friendly(err, model)
            if code == "BC103" and _misspelt(loc, errors):
                continue  # reported once, as the unknown key that was meant to be this one
            problems.append(src.problem(loc, message, code=code, hint=hint))
        raise RulesetError(problems) from None


def _friendly(err: Mapping[str, Any],
              root: type[BaseModel]) -> tuple[str, str, YamlPath, str]:
    """Turn one pydantic error into (message, hint, path, code) in plain words."""
    message, hint, loc = _friendly_text(err, root)
    code = {"missing": "BC103", "extra_forbidden": "BC102"}.get(err["type"], "BC100")
    return message, hint, loc, code


def _friendly_text(err: Mapping[str, Any],
                   root: type[BaseModel]) -> tuple[str, str, YamlPath]:
    loc: YamlPath = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p
                                                         and p.endswith("]")))
    kind = err["type"]
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind == "missing":
        return (_("'{key}' is required here but missing").format(key=loc[-1]),
                _("add '{key}:' to this entry").format(key=loc[-1]), loc)
    if "input" in err and err["input"] is None and loc and kind != "extra_forbidden":
        return (*empty_value(loc[-1], err), loc)  # `weight:` with nothing after it
    if kind == "extra_forbidden":
        known = _known_keys(root, loc[:-1])
        hint = suggest(str(loc[-1]), known) or (
            _("allowed keys: {keys}").format(keys=", ".join(known)) if known
            else _("remove it"))
        if not re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_]*", str(loc[-1])):
            hint += _("; a comma inside {{ … }} starts a new entry, so put text that contains "
                      "a comma in quotes: en: \"10,000 or more\"").format()
        hint = full_width_hint(loc[-1]) or hint
        return _("unknown key '{key}'").format(key=loc[-1]), hint, loc
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected") or _("one of the listed values")
        return _("expected {expected}, found {found!r}").format(
            expected=expected, found=err.get("input")), "", loc
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        if impossible_date(err.get("input")):
            return impossible_date(err.get("input")) or "", "", loc
        return _("expected a date written YYYY-MM-DD, found {found!r}").format(
            found=err.get("input")), "", loc
    if kind == "string_pattern_mismatch":
        return (_("{found!r} is not allowed here: use lower-case letters, digits, "
                  "'-' and '_' (names used in expressions: letters, digits, '_')").format(
                      found=err.get("input")), "", loc)
    if kind == "too_short":
        return _("this list must not be empty"), "", loc
    if kind in ("model_type", "dict_type"):
        return (_("expected a block of 'key: value' entries, found {found!r}").format(
                    found=err.get("input")),
                full_width_hint(err.get("input")), loc)
    if kind == "list_type":
        return _("expected a list ('- ' entries), found {found!r}").format(
            found=err.get("input")), "", loc
    if kind == "string_type":
        return (_("expected text, found {found!r}").format(found=err.get("input")),
                _("put the value in quotes"), loc)
    if kind == "bool_type" or kind == "bool_parsing":
        return _("expected true or false, found {found!r}").format(
            found=err.get("input")), "", loc
    return msg, "", loc


def _misspelt(loc: YamlPath, errors: list[Any]) -> bool:
    """A missing key with a look-alike unknown key beside it is one typo, not two problems."""
    parent, key = loc[:-1], str(loc[-1])
    for err in errors:
        other = tuple(err["loc"])
        if err["type"] == "extra_forbidden" and other[:-1] == parent and suggest(
                str(other[-1]), [key]):
            return True
    return False


def _known_keys(root: type[BaseModel], loc: YamlPath) -> list[str]:
    """Field names (by alias) of the model found at ``loc``, for 'did you mean'."""
    ann: Any = root
    for part in loc:
        ann = _unwrap(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            field = next((f for n, f in ann.model_fields.items()
                          if (f.alias or n) == part), None)
            if field is None:
                return []
            ann = field.annotation
        else:
            origin = typing.get_origin(ann)
            args = typing.get_args(ann)
            if origin in (list, tuple) and args:
                ann = args[0]
            elif origin is dict and len(args) == 2:
                ann = args[1]
            else:
                return []
    ann = _unwrap(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [f.alias or n for n, f in ann.model_fields.items()]
    return []


def _unwrap(ann: Any) -> Any:
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            ann = models[0] if models else args[0]
        else:
            return ann

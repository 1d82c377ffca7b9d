"""Typed input and context fields: their YAML model, the static types expressions see,
and the pydantic model of a ruleset's inputs. The converters and the record reader are in
:mod:`bigclient.language.convert` (re-exported here)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from bigclient.errors import Problem
from bigclient.i18n import _
from bigclient.language.common import LABEL_FIELD, NOTE_FIELD, Amount, Label, Model
from bigclient.language.convert import (
    MAX_TEXT,
    MISSING,
    Converter,
    RecordReader,
    collect_dotted,
    converter,
    fast_test,
)
from bigclient.language.expr import Ty
from bigclient.language.source import Located
from bigclient.language.textpattern import refusal

__all__ = ["MAX_TEXT", "MISSING", "Converter", "FieldSpec", "RecordReader", "collect_dotted",
           "converter", "fast_test", "field_type", "make_model"]

FieldType = Literal["bool", "integer", "money", "ratio", "text", "enum", "date", "money_map"]



class FieldSpec(Model):
    """One declared input or context value."""

    type: FieldType = Field(description="bool, integer, money, ratio, text, enum, date or "
                            "money_map (an amount per product line)")
    label: Label = LABEL_FIELD
    default: Any = Field(None, description="value used when the record leaves it out; "
                         "a field without a default is required")
    values: dict[str, Label] | None = Field(None, description="enum only: the allowed values")
    pattern: str | None = Field(None, description="text only: a regular expression the text "
                                "must match in full, e.g. '[0-9]{6}'")
    min: Amount | None = Field(None, description="numbers: smallest allowed value")
    max: Amount | None = Field(None, description="numbers: largest allowed value")
    unit: str | None = Field(None, description="unit shown to people, e.g. 元")
    rule: str | None = Field(None, description="the DOMAIN rule this field serves, e.g. D-1")
    note: str | None = NOTE_FIELD

    @field_validator("pattern")
    @classmethod
    def _safe_pattern(cls, v: str | None) -> str | None:
        """A pattern that compiles and cannot backtrack for hours (textpattern.py)."""
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(
                    _("'pattern' is not a valid regular expression: {exc}").format(exc=exc)
                ) from None
            unsafe = refusal(v)
            if unsafe is not None:
                raise ValueError(unsafe)
        return v

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if self.type == "enum" and not self.values:
            raise ValueError(_("an enum field needs 'values': the list of allowed values"))
        if self.type != "enum" and self.values is not None:
            raise ValueError(
                _("'values' only applies to enum fields, not to {type}").format(type=self.type)
            )
        if self.pattern is not None and self.type != "text":
            raise ValueError(_("'pattern' only applies to text fields"))
        if self.type == "enum" and self.default is not None and self.default not in (
            self.values or {}
        ):
            raise ValueError(
                _("the default '{default}' is not one of the values {value}").format(
                    default=self.default, value=", ".join(self.values or {})
                )
            )
        return self

    @property
    def required(self) -> bool:
        return self.default is None and self.type != "money_map"


def field_type(name: str, spec: FieldSpec, lines: tuple[str, ...]) -> Ty:
    """The static type expressions see for a field."""
    if spec.type in ("money", "ratio", "integer"):
        return Ty("number", name=name)
    if spec.type == "bool":
        return Ty("bool", name=name)
    if spec.type == "date":
        return Ty("date", name=name)
    if spec.type == "enum":
        return Ty("text", keys=tuple(spec.values or {}), name=name)
    if spec.type == "text":
        return Ty("text", name=name)
    return Ty("map", keys=lines, name=name)


def _pydantic_type(spec: FieldSpec, lines: tuple[str, ...]) -> Any:
    conv = converter(spec, lines)

    def validate(value: Any) -> Any:
        return conv(value)

    base: Any = {
        "bool": bool, "integer": Decimal, "money": Decimal, "ratio": Decimal, "text": str,
        "date": dt.date, "money_map": dict[str, Decimal],
        "enum": Literal[tuple(spec.values or {})] if spec.values else str,
    }[spec.type]
    return Annotated[base, BeforeValidator(validate)]


def make_model(name: str, fields: Mapping[str, FieldSpec], lines: tuple[str, ...],
               identity: Mapping[str, Label] | None = None) -> type[BaseModel]:
    """A pydantic model of the declared fields, for host services and JSON Schema.

    Undeclared keys are refused (``extra="forbid"``), as ``evaluate`` refuses them; the
    declared identity columns are optional text.
    """
    definitions: dict[str, Any] = {}
    for iname, label in (identity or {}).items():
        definitions[iname] = (str | int | None, Field(None, description=label.en,
                                                      title=label.zh))
    for fname, spec in fields.items():
        annotation = _pydantic_type(spec, lines)
        if spec.required:
            definitions[fname] = (annotation,
                                  Field(description=spec.label.en, title=spec.label.zh))
        else:
            default = converter(spec, lines)(spec.default) if spec.default is not None else {}
            definitions[fname] = (annotation, Field(default, description=spec.label.en,
                                                    title=spec.label.zh))
    model: type[BaseModel] = create_model(
        name, __config__=ConfigDict(extra="forbid"), **definitions)
    return model


def declared_names(spec: Any, src: Located, problems: list[Problem]) -> dict[str, Ty]:
    """Every input and context name with the type expressions see; a name declared twice,
    a per-line table without lines, or a default that does not fit is a located problem."""
    lines = tuple(spec.lines)
    names: dict[str, Ty] = {}
    for part in ("inputs", "context"):
        for name, f in getattr(spec, part).items():
            if name in names:
                problems.append(
                    src.problem(
                        (part, name),
                        _("'{name}' is declared in both inputs and context").format(name=name),
                        code="BC120",
                    )
                )
            names[name] = field_type(name, f, lines)
            if f.type == "money_map" and not lines:
                problems.append(
                    src.problem(
                        (part, name, "type"),
                        _("a money_map needs the ruleset's 'lines' to be declared"),
                        code="BC121",
                    )
                )
            if f.default is not None:
                try:
                    converter(f, lines)(f.default)
                except ValueError as exc:
                    problems.append(
                        src.problem(
                            (part, name, "default"),
                            _("the default does not fit: {exc}").format(exc=exc),
                            code="BC110",
                        )
                    )
    return names

"""The ruleset: header, inputs, context, derived values, and the evaluation pipeline.

``load`` reads a file (or the newest version in a folder), validates it with the pydantic
models, compiles every expression and table once, and returns a :class:`Ruleset` whose
``evaluate`` is pure: same input, same decision, no clock, no I/O.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from ._common import (
    ID_FIELD,
    LABEL_FIELD,
    NOTE_FIELD,
    RULE_FIELD,
    Amount,
    Identifier,
    Label,
    Model,
    Slug,
)
from .amounts import ROUNDING_MODES
from .decision import Decision
from .errors import EvaluationError, InputError, Problem, RulesetError
from .expr import Compiled, ExprError, Ty, _suggest, compile_expr
from .ids import IdScheme
from .inputs import FieldSpec, RecordReader, converter, field_type, make_model
from .qualification import CompiledQualification, Qualification, compile_qualification
from .records import BadRow, ErrorMode, as_mapping, decide_rows, guarded
from .scoring import CompiledScoring, Scoring, compile_scoring
from .source import Located, YamlPath, parse_text, read_file

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


class Effective(Model):
    from_: dt.date = Field(alias="from", description="first day the version is in force")
    to: dt.date | None = Field(None, description="last day in force (included); open if absent")

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.to is not None and self.to < self.from_:
            raise ValueError(f"'to' ({self.to}) is before 'from' ({self.from_})")
        return self


class Rounding(Model):
    """Rounding is declared once, here, for the whole ruleset."""

    score: Amount = Field(Decimal("0.01"), description="step the total score is rounded to")
    money: Amount = Field(Decimal("0.01"), description="step money results are rounded to "
                         "(for money outputs such as incentives; tiers produce none)")
    mode: str = Field("half_up", description="half_up (四舍五入), half_even, down or up")

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, v: str) -> str:
        if v not in ROUNDING_MODES:
            raise ValueError(f"rounding mode must be one of {', '.join(ROUNDING_MODES)}")
        return v


class Derived(Model):
    expr: str = Field(description="expression over inputs, context and other derived values")
    label: Label = LABEL_FIELD
    rule: str | None = RULE_FIELD
    note: str | None = NOTE_FIELD


class FlagRule(Model):
    """A warning that travels with every decision where it holds (D-4)."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    when: str = Field(description="a yes/no expression: the flag is raised when it holds")
    rule: str | None = RULE_FIELD
    exclude: bool = Field(False, description="true: a flagged client is not a big client")
    cap: Slug | None = Field(None, description="highest tier a flagged client may get")


class RulesetSpec(Model):
    """A ruleset file (one version of one policy)."""

    schema_: str | None = Field(None, alias="$schema", description="optional editor hint: "
                                "where the JSON Schema of this file is")
    ruleset: Slug = Field(description="the ruleset id, e.g. shantou-postal")
    version: str = Field(description="semantic version, e.g. 1.0.0")
    effective: Effective = Field(description="the dates this version is in force")
    title: Label = Field(description="the policy's name in Chinese and English")
    source: str = Field(description="the policy document this ruleset encodes")
    note: str | None = NOTE_FIELD
    rounding: Rounding = Field(default_factory=Rounding, description="rounding, declared once")
    lines: dict[Identifier, Label] = Field(default_factory=dict,
                                           description="product lines (业务种类)")
    inputs: dict[Identifier, FieldSpec] = Field(description="what a client record gives")
    identity: dict[Identifier, Label] = Field(
        default_factory=dict, description="columns that name a client record but are not "
        "inputs (e.g. client_id, name): accepted and passed through to the decision, never "
        "used by a rule. Any other key a record carries is refused as a likely typo")
    context: dict[Identifier, FieldSpec] = Field(
        default_factory=dict, description="values about the bureau, not the client (one per run)")
    derived: dict[Identifier, Derived] = Field(
        default_factory=dict, description="named values computed from inputs and context (D-3)")
    qualification: Qualification = Field(description="who is a big client (D-1, D-2)")
    scoring: Scoring | None = Field(None, description="tiers by weighted bands (D-5 … D-8)")
    flags: list[FlagRule] = Field(default_factory=list,
                                  description="warnings that travel with decisions (D-4)")
    ids: IdScheme | None = Field(None, description="the client ID scheme (D-11)")

    @field_validator("version", mode="before")
    @classmethod
    def _semver(cls, v: Any) -> Any:
        if not isinstance(v, str) or not SEMVER.match(v):
            raise ValueError(f"expected a version like 1.0.0 (three numbers), found {v}")
        return v


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


class Ruleset:
    """A loaded, compiled ruleset. Thread-safe: evaluation shares no mutable state."""

    def __init__(self, spec: RulesetSpec, src: Located) -> None:
        self.spec = spec
        self.source = src
        problems: list[Problem] = []
        lines = tuple(spec.lines)
        self.lines = lines
        names: dict[str, Ty] = {}
        for section in ("inputs", "context"):
            for name, f in getattr(spec, section).items():
                if name in names:
                    problems.append(src.problem((section, name), f"'{name}' is declared in both "
                                                "inputs and context", code="BC120"))
                names[name] = field_type(name, f, lines)
                if f.type == "money_map" and not lines:
                    problems.append(src.problem((section, name, "type"), "a money_map needs the "
                                                "ruleset's 'lines' to be declared", code="BC121"))
                if f.default is not None:
                    try:
                        converter(f, lines)(f.default)
                    except ValueError as exc:
                        problems.append(src.problem((section, name, "default"),
                                                    f"the default does not fit: {exc}",
                                                    code="BC110"))
        for name in spec.identity:  # an identity column is never also a value rules read
            if name in names or name in spec.derived:
                problems.append(src.problem(("identity", name), f"'{name}' is declared as an "
                                            "input, context or derived value too", code="BC120"))
        self.derived = self._compile_derived(names, problems)
        self.qualification: CompiledQualification = compile_qualification(
            spec.qualification, names, src, ("qualification",), problems, lines)
        self.scoring: CompiledScoring | None = None
        if spec.scoring is not None:
            self.scoring = compile_scoring(spec.scoring, names, src, ("scoring",), problems,
                                           spec.rounding.score, spec.rounding.mode)
        self.flags: list[tuple[FlagRule, Compiled]] = []
        problems += src.duplicate_ids(("flags",), [f.id for f in spec.flags], "flag")
        for i, fl in enumerate(spec.flags):
            try:
                self.flags.append((fl, compile_expr(fl.when, names, want="bool")))
            except ExprError as exc:
                problems.append(src.problem(("flags", i, "when"), exc.message, code=exc.code,
                                            hint=exc.hint))
            if fl.cap is not None and (self.scoring is None or fl.cap not in
                                       self.scoring.tier_ids):
                problems.append(src.problem(("flags", i, "cap"), f"'{fl.cap}' is not a tier",
                                            code="BC231"))
        failed = set(spec.derived) - {name for name, _ in self.derived}
        if failed:  # a derived value that did not compile is reported once, not at each use
            problems = [p for p in problems if not (p.code == "BC301" and any(
                p.message == f"unknown name '{name}'" for name in failed))]
        if problems:
            raise RulesetError(problems)
        self._flag_tests = [(fl.id, e.func) for fl, e in self.flags]
        self._flag_effects = [(fl, e) for fl, e in self.flags if fl.exclude or fl.cap]
        self._inputs = RecordReader(spec.inputs, lines, identity=spec.identity)
        self._context = RecordReader(spec.context, lines, prefix="context.")
        self.names = names
        self.tier_labels = {t.id: t.label for t in spec.scoring.tiers} if spec.scoring else {}

    # -- header ---------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.spec.ruleset

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def effective_from(self) -> dt.date:
        return self.spec.effective.from_

    @property
    def effective_to(self) -> dt.date | None:
        return self.spec.effective.to

    @property
    def title(self) -> Label:
        return self.spec.title

    @property
    def ids(self) -> IdScheme | None:
        return self.spec.ids

    @property
    def file(self) -> str:
        return self.source.file

    def __repr__(self) -> str:
        return f"<Ruleset {self.id} {self.version} from {self.file}>"

    @cached_property
    def input_model(self) -> type[BaseModel]:
        """Pydantic model of the declared inputs (for host services and JSON Schema)."""
        return make_model(f"{_camel(self.id)}Input", self.spec.inputs, self.lines,
                          self.spec.identity)

    @cached_property
    def context_model(self) -> type[BaseModel]:
        return make_model(f"{_camel(self.id)}Context", self.spec.context, self.lines)

    # -- compile helpers ------------------------------------------------------
    def _compile_derived(self, names: dict[str, Ty],
                         problems: list[Problem]) -> list[tuple[str, Compiled]]:
        """Compile derived values in dependency order; refuse cycles."""
        pending = dict(self.spec.derived)
        for name in pending:
            if name in names:
                problems.append(self.source.problem(("derived", name), f"'{name}' is already an "
                                                    "input or context field", code="BC120"))
        order: list[tuple[str, Compiled]] = []
        progress = True
        last_errors: dict[str, ExprError] = {}
        while pending and progress:
            progress = False
            for name, d in list(pending.items()):
                try:
                    compiled = compile_expr(d.expr, names)
                except ExprError as err:
                    last_errors[name] = err
                    continue
                names[name] = Ty(compiled.type.kind, compiled.type.keys, name)
                order.append((name, compiled))
                del pending[name]
                progress = True
        for name in pending:
            exc = last_errors[name]
            unknown = re.match(r"unknown name '(\w+)'", exc.message)
            if unknown and unknown.group(1) in pending:
                problems.append(self.source.problem(
                    ("derived", name, "expr"), f"'{name}' depends on '{unknown.group(1)}', which "
                    "depends back on it (a cycle)", code="BC305",
                    hint="break the cycle: one of them must be computed from inputs only"))
            else:
                problems.append(self.source.problem(("derived", name, "expr"), exc.message,
                                                    code=exc.code, hint=exc.hint))
        return order

    # -- evaluation -------------------------------------------------------------
    def read_context(self, context: Mapping[str, Any] | BaseModel | None) -> dict[str, Any]:
        return self._context.read(as_mapping(context, "context") if context is not None else {})

    def evaluate(self, client: Mapping[str, Any] | BaseModel,
                 context: Mapping[str, Any] | BaseModel | None = None,
                 override: Mapping[str, Any] | None = None,
                 *, on: dt.date | None = None) -> Decision:
        """Decide one client. ``on`` (optional) is the date overrides are checked against."""
        return self._decide(client, self.read_context(context), override, on, None)

    @typing.overload
    def evaluate_many(self, clients: Iterable[Mapping[str, Any] | BaseModel],
                      context: Mapping[str, Any] | BaseModel | None = None, *,
                      on: dt.date | None = None, errors: typing.Literal["raise"] = "raise",
                      start: int = 1) -> Iterator[Decision]: ...

    @typing.overload
    def evaluate_many(self, clients: Iterable[Mapping[str, Any] | BaseModel],
                      context: Mapping[str, Any] | BaseModel | None = None, *,
                      on: dt.date | None = None, errors: typing.Literal["collect"],
                      start: int = 1) -> Iterator[Decision | BadRow]: ...

    def evaluate_many(self, clients: Iterable[Mapping[str, Any] | BaseModel],
                      context: Mapping[str, Any] | BaseModel | None = None, *,
                      on: dt.date | None = None, errors: ErrorMode = "raise",
                      start: int = 1) -> Iterator[Decision | BadRow]:
        """Stream decisions; the context is read once for the whole run.

        ``errors="raise"`` stops at the first bad row with an error naming it;
        ``"collect"`` yields a :class:`BadRow` (row number, error, record) in its place and
        goes on. Rows count from ``start``: the CLI counts a CSV's header as row 1, so pass
        ``start=2`` to number csv.DictReader rows as ``bigclient evaluate`` does.
        """
        ctx = self.read_context(context)
        return decide_rows(lambda client, row: self._decide(client, ctx, None, on, row),
                           clients, errors, start)

    @guarded
    def _decide(self, client: Mapping[str, Any] | BaseModel, ctx: dict[str, Any],
                override: Mapping[str, Any] | None, on: dt.date | None,
                row: int | None) -> Decision:
        record = _as_mapping(client)
        env = self._inputs.read(record, row)
        env.update(ctx)
        try:
            for name, expr in self.derived:
                env[name] = expr.func(env)
            qualified, criteria = self.qualification.evaluate(env)
            flags = [fid for fid, test in self._flag_tests if test(env)]
            score = None
            results: tuple[Any, ...] = ()
            computed = None
            if self.scoring is not None:
                score, results = self.scoring.score(env)
                computed = self.scoring.tier_of(score)
        except ArithmeticError as exc:
            raise EvaluationError(f"{self.id} {self.version}: arithmetic failed ({exc!r}); "
                                  "check that divisors such as context values are not zero"
                                  + (f" (row {row})" if row is not None else "")) from None
        notes: list[str] = []
        for fl, _ in self._flag_effects if flags else ():
            if fl.id not in flags:
                continue
            if fl.exclude and qualified:
                qualified = False
                notes.append(f"excluded by flag {fl.id}")
            if fl.cap is not None and computed is not None and self.scoring is not None and (
                self.scoring.rank(computed) < self.scoring.rank(fl.cap)
            ):
                notes.append(f"tier capped at {fl.cap} by flag {fl.id} (computed {computed})")
                computed = fl.cap
        if not qualified:
            computed = None
        tier = computed
        ov = None
        if override is not None:
            if self.scoring is None:
                raise InputError("override", override, "this ruleset has no tiers to override")
            ov = self.scoring.read_override(override, on)
            if ov is not None and ov.applied and not qualified:
                ov = replace(ov, applied=False, refused_because="the client is not a big "
                             "client; an override sets the tier of a big client only (D-8)")
            if ov is not None and ov.applied:
                tier = ov.tier
            elif ov is not None:
                flags.append("override_refused")
        decision = Decision(self, env, qualified, criteria, score, computed, tier,
                            tuple(flags), results, ov, tuple(notes))
        if self._inputs.identity:
            decision.identity = self._inputs.identity_of(record, row)
        return decision


def _as_mapping(value: Mapping[str, Any] | BaseModel) -> Mapping[str, Any]:
    return as_mapping(value)


def _camel(text: str) -> str:
    return "".join(p.capitalize() for p in re.split(r"[-_]", text))


# -- loading -----------------------------------------------------------------------


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
        return (f"'{loc[-1]}' is required here but missing", f"add '{loc[-1]}:' to this entry", loc)
    if kind == "extra_forbidden":
        known = _known_keys(root, loc[:-1])
        hint = _suggest(str(loc[-1]), known) or ("allowed keys: " + ", ".join(known)
                                                 if known else "remove it")
        if not re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_]*", str(loc[-1])):
            hint += ("; a comma inside { … } starts a new entry, so put text that contains "
                     "a comma in quotes: en: \"10,000 or more\"")
        return f"unknown key '{loc[-1]}'", hint, loc
    if kind == "literal_error":
        return f"expected {err.get('ctx', {}).get('expected', 'one of the listed values')}, " \
               f"found {err.get('input')!r}", "", loc
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return f"expected a date written YYYY-MM-DD, found {err.get('input')!r}", "", loc
    if kind == "string_pattern_mismatch":
        return (f"{err.get('input')!r} is not allowed here: use lower-case letters, digits, "
                "'-' and '_' (names used in expressions: letters, digits, '_')", "", loc)
    if kind == "too_short":
        return "this list must not be empty", "", loc
    if kind in ("model_type", "dict_type"):
        return f"expected a block of 'key: value' entries, found {err.get('input')!r}", "", loc
    if kind == "list_type":
        return f"expected a list ('- ' entries), found {err.get('input')!r}", "", loc
    if kind == "string_type":
        return f"expected text, found {err.get('input')!r}", "put the value in quotes", loc
    if kind == "bool_type" or kind == "bool_parsing":
        return f"expected true or false, found {err.get('input')!r}", "", loc
    return msg, "", loc


def _misspelt(loc: YamlPath, errors: list[Any]) -> bool:
    """A missing key with a look-alike unknown key beside it is one typo, not two problems."""
    parent, key = loc[:-1], str(loc[-1])
    for err in errors:
        other = tuple(err["loc"])
        if err["type"] == "extra_forbidden" and other[:-1] == parent and _suggest(
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


def from_located(src: Located) -> Ruleset:
    """Validate and compile already-read YAML data."""
    if not isinstance(src.data, dict):
        raise RulesetError([src.problem((), "a ruleset file must be a block of 'key: value' "
                                        "entries (ruleset, version, effective, ...)",
                                        code="BC100")])
    try:
        spec = RulesetSpec.model_validate(src.data)
    except ValidationError as exc:
        problems = []
        errors = exc.errors()
        for err in errors:
            message, hint, loc, code = _friendly(err, RulesetSpec)
            if code == "BC103" and _misspelt(loc, errors):
                continue  # reported once, as the unknown key that was meant to be this one
            problems.append(src.problem(loc, message, code=code, hint=hint))
        raise RulesetError(problems) from None
    return Ruleset(spec, src)


def load_text(text: str, file: str = "<string>") -> Ruleset:
    return from_located(parse_text(text, file))


def version_files(folder: Path) -> list[Path]:
    """The version files of a ruleset folder (``1.0.0.yaml`` …), oldest first."""
    files = [p for p in folder.glob("*.yaml") if SEMVER.match(p.stem)]
    return sorted(files, key=lambda p: version_key(p.stem))


def load(path: str | Path) -> Ruleset:
    """Load a ruleset file, or the newest version in a ruleset folder."""
    p = Path(path)
    if p.is_dir():
        files = version_files(p)
        if not files:
            raise RulesetError([Problem(f"no version files (like 1.0.0.yaml) in folder {p}",
                                        file=str(p), code="BC001")])
        p = files[-1]
    rs = from_located(read_file(p))
    if SEMVER.match(p.stem) and p.stem != rs.version:
        raise RulesetError([rs.source.problem(("version",), f"the file is named {p.name} but "
                                              f"declares version {rs.version}", code="BC101",
                                              hint=f"rename the file to {rs.version}.yaml or fix "
                                              "the version")])
    return rs

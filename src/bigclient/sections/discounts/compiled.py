"""A concession request checked against the compiled ``discounts:`` section (D-28): pure,
no clock, no I/O. The result says approved or refused, with every reason in plain words;
recording an approved concession is a ledger's job (:mod:`bigclient.ledger.discounts`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from bigclient.errors import InputError
from bigclient.i18n import _, language
from bigclient.language.amounts import AmountError, format_amount, parse_amount
from bigclient.language.common import Label
from bigclient.language.expr import Compiled
from bigclient.sections.base import CompiledSection, Verdict
from bigclient.sections.discounts.model import DiscountsSpec

Kind = Literal["ratio", "amount"]
REASONS = ("wrong_approver", "over_limit", "unchecked_kind", "not_filed", "not_eligible",
           "line_not_covered", "outside_period")
"""Every reason a request can be refused for (short ids that cases and hosts compare)."""

_FIELDS = ("client", "contract", "line", "ratio", "amount", "approver", "approved_on",
           "reference", "filed", "inputs", "context")


@dataclass(frozen=True)
class DiscountRequest:
    """A concession to check: who gets it, under which contract and line, how much (a ratio
    off the tariff or an amount of money: exactly one), and the approval it rests on."""

    client: str  # the client's key (a big-client ID or any stable key)
    contract: str  # the marketing contract (营销合同) number
    line: str  # the product line or service it covers
    approver: str  # id of the body that approved it
    approved_on: dt.date
    reference: str  # the minutes or document that records the approval (会议纪要/文号)
    ratio: Decimal | None = None  # share of the tariff, 0 < ratio <= 1 (15% = 0.15)
    amount: Decimal | None = None  # money, > 0
    filed: bool | None = None  # the client is filed (建档); needed when filed_only
    inputs: Mapping[str, Any] | None = None  # the client's inputs, for an eligible: rule
    context: Mapping[str, Any] | None = None  # context values an eligible: rule reads

    def __post_init__(self) -> None:
        for name in ("client", "contract", "line", "approver", "reference"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InputError(name, value, _("must be non-empty text"))
        if isinstance(self.approved_on, dt.datetime) or not isinstance(self.approved_on,
                                                                       dt.date):
            raise InputError("approved_on", self.approved_on,
                             _("must be a date (YYYY-MM-DD), the day the body approved it"))
        if (self.ratio is None) == (self.amount is None):
            raise InputError("ratio", None, _("give the concession as a ratio (e.g. 10%) or as "
                                              "an amount (e.g. 2万), exactly one of them"))
        if self.ratio is not None and not (isinstance(self.ratio, Decimal)
                                           and Decimal(0) < self.ratio <= Decimal(1)):
            raise InputError("ratio", self.ratio, _("must be more than 0 and at most 100%"))
        if self.amount is not None and not (isinstance(self.amount, Decimal)
                                            and self.amount > 0):
            raise InputError("amount", self.amount, _("must be an amount of money above 0"))
        if self.filed is not None and not isinstance(self.filed, bool):
            raise InputError("filed", self.filed, _("must be true or false"))

    @property
    def kind(self) -> Kind:
        return "ratio" if self.ratio is not None else "amount"

    @property
    def value(self) -> Decimal:
        """The concession: the ratio or the amount, whichever was given."""
        value = self.ratio if self.ratio is not None else self.amount
        assert value is not None
        return value

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DiscountRequest:
        """A request from plain data (JSON, YAML, a CLI): amounts as staff write them
        (10%, 2万), dates as YYYY-MM-DD; an unknown key is refused, never dropped."""
        if not isinstance(data, Mapping):
            raise InputError("request", data, _("must be a map of request fields"))
        unknown = [k for k in data if k not in _FIELDS]
        if unknown:
            raise InputError(str(unknown[0]), None, _(
                "is not a field of a concession request; the fields are: {fields}").format(
                fields=", ".join(_FIELDS)))
        values: dict[str, Any] = {k: data[k] for k in _FIELDS if data.get(k) is not None}
        for name in ("client", "contract", "line", "approver", "reference"):
            if name in values and isinstance(values[name], int) \
                    and not isinstance(values[name], bool):
                values[name] = str(values[name])
            if name not in values:
                raise InputError(name, None, _("is required"))
        for name, ratio in (("ratio", True), ("amount", False)):
            if name in values:
                try:
                    values[name] = parse_amount(values[name], ratio=ratio)
                except (AmountError, ArithmeticError) as exc:
                    raise InputError(name, values[name], str(exc)) from None
        day = values.get("approved_on")
        if isinstance(day, str):
            try:
                values["approved_on"] = dt.date.fromisoformat(day.strip())
            except ValueError:
                raise InputError("approved_on", day, _("must be a date written YYYY-MM-DD"
                                                       )) from None
        elif day is None:
            raise InputError("approved_on", None, _("is required"))
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["approved_on"] = self.approved_on.isoformat()
        for name in ("ratio", "amount"):
            if out[name] is not None:
                out[name] = format_amount(out[name])
        return {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in out.items()
                if v is not None}


@dataclass(frozen=True)
class Reason:
    """Why a request was refused: a short id (``over_limit``…) and a sentence."""

    code: str
    message: str


@dataclass(frozen=True)
class DiscountDecision:
    """Approved, or refused with every reason found (not only the first)."""

    approved: bool
    reasons: tuple[Reason, ...]
    request: DiscountRequest
    ruleset: str  # id of the ruleset that checked it
    version: str
    approver_label: Label

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {"approved": self.approved, "reasons": [dataclasses.asdict(r)
                                                       for r in self.reasons],
                "ruleset": self.ruleset, "version": self.version,
                "request": self.request.to_dict()}

    def explain(self, lang: str = "en") -> str:
        req = self.request
        shown = (f"{format_amount(req.value * 100)}%" if req.ratio is not None
                 else format_amount(req.value))
        zh = lang == "zh"
        head = (f"客户 {req.client} 合同 {req.contract}（{req.line}）优惠 {shown}：" if zh
                else f"client {req.client}, contract {req.contract} ({req.line}), "
                     f"concession {shown}: ")
        if self.approved:
            return head + (f"经{self.approver_label.zh}批准有效（{req.reference}，"
                           f"{req.approved_on.isoformat()}）" if zh else
                           f"valid, approved by {self.approver_label.en} "
                           f"({req.reference}, {req.approved_on.isoformat()})")
        lines = [head + ("不予认可" if zh else "refused")]
        lines.extend(f"  - {r.code}: {r.message}" for r in self.reasons)
        return "\n".join(lines)


@dataclass
class CompiledDiscounts(CompiledSection):
    """The section compiled once at load; :meth:`approve` checks one request."""

    spec: DiscountsSpec
    ruleset: str
    version: str
    effective_from: dt.date
    effective_to: dt.date | None
    lines: tuple[str, ...]  # lines a concession may cover; () = any
    eligible: Compiled | None = None
    read_inputs: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    read_context: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    derive: Callable[[dict[str, Any], Verdict], None] | None = None
    line_labels: Mapping[str, Label] = field(default_factory=dict)

    @property
    def approver(self) -> str:
        return self.spec.approver.id

    def approve(self, request: DiscountRequest | Mapping[str, Any]) -> DiscountDecision:
        """Check one request: approved only with the approval of the body the ruleset
        names, within its limit, for an eligible client, a covered line and a date inside
        the ruleset's effective period."""
        req = request if isinstance(request, DiscountRequest) \
            else DiscountRequest.from_mapping(request)
        spec = self.spec
        out: list[Reason] = []
        if req.approver != spec.approver.id:
            out.append(Reason("wrong_approver", _(
                "approved by '{given}', but only {label} ('{id}') approves concessions under "
                "{ruleset} {version}").format(given=req.approver,
                                             label=spec.approver.label(language()),
                                             id=spec.approver.id, ruleset=self.ruleset,
                                             version=self.version)))
        out.extend(self._limit(req))
        if spec.filed_only and req.filed is not True:
            out.append(Reason("not_filed", _(
                "only filed (建档) big clients may be given a concession, and the request "
                "does not say client {client} is filed").format(client=req.client)))
        if self.eligible is not None and not self._eligible(req):
            out.append(Reason("not_eligible", _(
                "client {client} is not eligible for a concession: '{rule}' does not hold"
            ).format(client=req.client, rule=spec.eligible)))
        if self.lines and req.line not in self.lines:
            out.append(Reason("line_not_covered", _(
                "concessions cover the lines {lines}, not '{line}'").format(
                lines=", ".join(self.lines), line=req.line)))
        if req.approved_on < self.effective_from or (
                self.effective_to is not None and req.approved_on > self.effective_to):
            out.append(Reason("outside_period", _(
                "approved on {day}, outside the period {ruleset} {version} is in force "
                "({start} to {end})").format(
                day=req.approved_on.isoformat(), ruleset=self.ruleset, version=self.version,
                start=self.effective_from.isoformat(),
                end=self.effective_to.isoformat() if self.effective_to else "…")))
        return DiscountDecision(not out, tuple(out), req, self.ruleset, self.version,
                                spec.approver.label)

    def _limit(self, req: DiscountRequest) -> list[Reason]:
        limit = self.spec.limit
        if limit is None or (limit.ratio is None and limit.amount is None):
            return []
        most = limit.ratio if req.kind == "ratio" else limit.amount
        if most is None:
            return [Reason("unchecked_kind", _(
                "the limit is set as {declared} only, so a concession given as {kind} cannot "
                "be checked against it; state it as {declared}").format(
                declared=_("a ratio") if limit.ratio is not None else _("an amount"),
                kind=_("a ratio") if req.kind == "ratio" else _("an amount")))]
        if req.value <= most:
            return []
        ratio = req.kind == "ratio"
        return [Reason("over_limit", _(
            "{value} is over the largest concession {label} may approve ({most})").format(
            value=format_amount(req.value * 100) + "%" if ratio else format_amount(req.value),
            label=self.spec.approver.label(language()),
            most=format_amount(most * 100) + "%" if ratio else format_amount(most)))]

    def _eligible(self, req: DiscountRequest) -> bool:
        assert self.eligible is not None
        if req.inputs is None:
            raise InputError("inputs", None, _(
                "this ruleset decides who may have a concession from the client's inputs "
                "('{rule}'); give the client's inputs with the request").format(
                rule=self.spec.eligible))
        env = self.read_inputs(req.inputs) if self.read_inputs is not None else {}
        if self.read_context is not None:
            env.update(self.read_context(req.context or {}))
        if self.derive is not None:
            self.derive(env, Verdict())
        return bool(self.eligible.func(env))

"""The discounts section (D-28): concessions (优惠) to big clients are valid only with the
approval of the body the ruleset names — in Jiangxi the big-client tariff coordination group
(大客户资费协调领导小组) that most city bureaus set up (seed 004) — within its limit, for the
clients and lines the ruleset allows, on a day the ruleset is in force.

Discounts take no part in deciding a client: the section compiles to
:class:`CompiledDiscounts`, whose ``approve`` (``Ruleset.approve_discount``) checks a request;
a ledger (:mod:`bigclient.ledger.discounts`) records the approved ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from pydantic import Field, ValidationError

from bigclient.errors import Problem
from bigclient.i18n import _
from bigclient.language.expr import Compiled, ExprError, compile_expr
from bigclient.language.fields import FieldSpec, RecordReader
from bigclient.language.ranges import Ranges
from bigclient.language.source import Located, YamlPath
from bigclient.language.words import arrow
from bigclient.sections.base import CaseOutcome, CompileContext, Section, Words
from bigclient.sections.discounts.compiled import (
    REASONS,
    CompiledDiscounts,
    DiscountDecision,
    DiscountRequest,
    Reason,
)
from bigclient.sections.discounts.model import Approver, DiscountsSpec, Limit

__all__ = ["REASONS", "SECTION", "Approver", "CompiledDiscounts", "DiscountDecision",
           "DiscountRequest", "DiscountsSection", "DiscountsSpec", "Limit", "Reason"]

BASE: YamlPath = ("discounts",)


def _day(value: Any) -> dt.date | None:
    """A header date as the file holds it (validated before sections compile)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _reader(src: Located, part: str, lines: tuple[str, ...], prefix: str = "",
            identity: Any = ()) -> RecordReader:
    """A reader of the declared inputs (or context), as evaluation reads them."""
    data = src.data.get(part) if isinstance(src.data, Mapping) else None
    fields = {str(k): FieldSpec.model_validate(v) for k, v in dict(data or {}).items()}
    return RecordReader(fields, lines, prefix=prefix, identity=identity)


class DiscountsSection(Section):
    key = "discounts"
    stage = 7  # decides nothing per client; after derived values (an eligible: rule reads them)
    explain_rank = 9
    case_key = "discount"

    def spec_field(self) -> tuple[Any, Any]:
        return DiscountsSpec | None, Field(
            None, description="concessions to big clients and the body that approves them "
            "(资费协调领导小组, D-28)")

    def compile(self, part: DiscountsSpec | None,
                ctx: CompileContext) -> CompiledDiscounts | None:
        if part is None:
            return None
        src = ctx.src
        problems = ctx.problems
        lines: tuple[str, ...] = tuple(part.lines) if part.lines is not None else ctx.lines
        if part.lines is not None:
            seen: set[str] = set()
            for i, line in enumerate(part.lines):
                if line in seen:
                    problems.append(src.problem((*BASE, "lines", i), _(
                        "line '{line}' is listed twice").format(line=line), code="BC951"))
                seen.add(line)
                if ctx.lines and line not in ctx.lines:
                    problems.append(src.problem((*BASE, "lines", i), _(
                        "'{line}' is not a product line of this ruleset").format(line=line),
                        code="BC950", hint=_("declared lines: {lines}").format(
                            lines=", ".join(ctx.lines))))
            if not part.lines:
                problems.append(src.problem((*BASE, "lines"), _(
                    "'lines' is empty: no concession could ever be approved"), code="BC951",
                    hint=_("list the lines concessions may cover, or remove 'lines' for all")))
        limit = part.limit
        if limit is not None and limit.ratio is not None \
                and not Decimal(0) < limit.ratio <= Decimal(1):
            problems.append(src.problem((*BASE, "limit", "ratio"), _(
                "a concession limit as a ratio must be more than 0 and at most 100%, found "
                "{value}").format(value=limit.ratio), code="BC952",
                hint=_("write it like 15%")))
        if limit is not None and limit.amount is not None and limit.amount <= 0:
            problems.append(src.problem((*BASE, "limit", "amount"), _(
                "a concession limit as an amount must be above 0, found {value}").format(
                value=limit.amount), code="BC953"))
        eligible: Compiled | None = None
        read_inputs = read_context = None
        if part.eligible is not None:
            try:
                eligible = compile_expr(part.eligible, ctx.names, want="bool")
            except ExprError as exc:
                problems.append(src.problem((*BASE, "eligible"), exc.message, code=exc.code,
                                            hint=exc.hint))
            try:
                identity = src.data.get("identity") or ()
                read_inputs = _reader(src, "inputs", ctx.lines, identity=identity).read
                read_context = _reader(src, "context", ctx.lines, prefix="context.").read
            except (ValidationError, ValueError, TypeError):  # reported by the header itself
                eligible = None
        data = src.data if isinstance(src.data, Mapping) else {}
        effective = data.get("effective") or {}
        derived = ctx.compiled.get("derived")
        try:
            start = _day(effective.get("from")) or dt.date.min
            end = _day(effective.get("to"))
        except ValueError:  # the header reports a bad date
            start, end = dt.date.min, None
        return CompiledDiscounts(
            spec=part, ruleset=str(data.get("ruleset", "")), version=str(data.get("version", "")),
            effective_from=start, effective_to=end,
            lines=lines, eligible=eligible, read_inputs=read_inputs, read_context=read_context,
            derive=None if derived is None else derived.decide, line_labels=ctx.line_labels)

    def expressions(self, part: DiscountsSpec | None) -> Iterator[tuple[YamlPath, Any]]:
        if part is not None and part.eligible is not None:
            yield (*BASE, "eligible"), part.eligible

    def checks(self, part: DiscountsSpec | None, compiled: Any, src: Located,
               ranges: Ranges) -> list[Problem]:
        if part is None:
            return []
        out: list[Problem] = []
        if part.limit is None or (part.limit.ratio is None and part.limit.amount is None):
            out.append(src.problem(BASE, _(
                "no limit is declared: any concession {body} approves is valid, however "
                "large").format(body=part.approver.label.en), code="BC954", severity="info",
                hint=_("add 'limit: {ratio: 15%}' (or an amount) if the body's power is "
                       "limited")))
        elif (part.limit.ratio is None) != (part.limit.amount is None):
            out.append(src.problem((*BASE, "limit"), _(
                "the limit is set as {declared} only: a concession stated the other way is "
                "refused, since it cannot be checked").format(
                declared=_("a ratio") if part.limit.ratio is not None else _("an amount")),
                code="BC955", severity="info",
                hint=_("add the other limit too if both kinds of concession are given")))
        if not part.filed_only and part.eligible is None:
            out.append(src.problem(BASE, _(
                "any client may be given a concession: neither 'filed_only' nor 'eligible' "
                "is declared (seed 004 speaks of filed big clients, 建档大客户)"),
                code="BC956", severity="info",
                hint=_("add 'filed_only: true' to limit concessions to filed big clients")))
        return out

    def case(self, compiled: CompiledDiscounts, given: Any,
             case: Mapping[str, Any]) -> CaseOutcome:
        """A ``discount:`` case: the request's fields; ``expect`` may name ``approved`` and
        ``reasons`` (the list of reason ids, in the order they are checked)."""
        decision = compiled.approve(given if isinstance(given, Mapping) else {})
        return CaseOutcome(actual={"approved": decision.approved,
                                   "reasons": list(decision.codes)},
                           explanation=decision.explain("en"))

    def describe_early(self, path: YamlPath, old: Any, new: Any, frame: Any,
                       lines: Mapping[str, Any]) -> Words | None:
        if path[:1] != BASE:
            return None
        if len(path) == 1:
            if old is None:
                return "discounts", "Discount approval rules added", "新增优惠审批规则"
            if new is None:
                return "discounts", "Discount approval rules removed", "删除优惠审批规则"
        where = ".".join(str(p) for p in path[1:]) or "discounts"
        return "discounts", f"Discounts, {where}: {arrow(old, new, 'en')}", \
            f"优惠审批，{where}：{arrow(old, new, 'zh')}"


SECTION = DiscountsSection()

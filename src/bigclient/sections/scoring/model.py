"""Tiers by weighted band scoring (D-5, D-6, D-7) and approved overrides (D-8).

A band is ``from ≤ x < to`` (以上 includes the bound). Below every band the indicator
scores ``otherwise`` (0 by default). Total = Σ weight × score, rounded once as the
ruleset declares. Tiers are checked from the highest cut-off down.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from bigclient.errors import InputError
from bigclient.fused.gen import Gen
from bigclient.i18n import _
from bigclient.language.amounts import ROUNDING_MODES, describe_amount, format_amount
from bigclient.language.common import (
    ID_FIELD,
    LABEL_FIELD,
    NOTE_FIELD,
    RULE_FIELD,
    Amount,
    Label,
    Model,
    Slug,
)
from bigclient.language.expr import Compiled, ExprError, compile_expr
from bigclient.language.source import YamlPath
from bigclient.language.words import EXPLAIN_WORDS, shown
from bigclient.results import IndicatorResult
from bigclient.sections.base import CompileContext, CompiledSection, Decided, Verdict

HUNDRED = Decimal(100)
SCORE_RANGE: dict[str, Any] = {"minimum": 0, "maximum": 100}
"""For the JSON Schema only (editors flag a score of 120 as it is typed); the loader's own
checks and messages are unchanged."""


class Band(Model):
    """One row of a band table: ``from`` included, ``to`` excluded."""

    from_: Amount | None = Field(None, alias="from", description="lower bound, included "
                                 "(以上含本数); leave out for 'no lower bound'")
    to: Amount | None = Field(None, description="upper bound, excluded; leave out for 'and above'")
    score: Amount = Field(description="the indicator score in this band, 0-100",
                          json_schema_extra=SCORE_RANGE)

    @model_validator(mode="after")
    def _has_bound(self) -> Band:
        if self.from_ is None and self.to is None:
            raise ValueError(_("a band needs 'from', 'to' or both"))
        return self


class Indicator(Model):
    """A scored indicator (业务收入, 收入比重, 信用度 …)."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    rule: str | None = RULE_FIELD
    value: str | None = Field(None, description="expression giving the measured value")
    weight: Amount = Field(description="share of the total, e.g. 60%")
    enabled: bool = Field(True, description="false: declared but not scored (D-5 credit)")
    monotone: Literal["increasing", "decreasing", "none"] = Field(
        "increasing", description="increasing: a higher value never scores lower")
    bands: list[Band] = Field(default_factory=list, description="band table: from ≤ value < "
                              "to gives the band's score (D-6)")
    otherwise: Amount = Field(Decimal(0), description="score when the value is in no band",
                              json_schema_extra=SCORE_RANGE)
    note: str | None = NOTE_FIELD


class Tier(Model):
    """A tier (钻石, 黄金 …): reached when the total score is at least ``min`` (D-7)."""

    id: Slug = ID_FIELD
    label: Label = LABEL_FIELD
    min: Amount = Field(description="lowest total score of this tier, included",
                        json_schema_extra=SCORE_RANGE)
    rule: str | None = RULE_FIELD


class OverrideRule(Model):
    """Who may approve a manual tier (D-8)."""

    tier: Slug = Field(description="the tier id an approved override may set")
    approved_by: list[Slug] = Field(min_length=1, description="ids of the bodies (from "
                                    "scoring.authorities) that may approve it")
    rule: str | None = RULE_FIELD


class Scoring(Model):
    """Weighted band scoring and tiers (D-5 … D-8)."""

    indicators: list[Indicator] = Field(min_length=1, description="the scored indicators; "
                                        "enabled weights add up to 100%")
    tiers: list[Tier] = Field(min_length=1, description="highest first")
    overrides: list[OverrideRule] = Field(default_factory=list,
                                          description="who may approve which tier (D-8)")
    authorities: dict[Slug, Label] = Field(default_factory=dict,
                                           description="bodies that may approve overrides")


@dataclass(frozen=True)
class CompiledIndicator:
    spec: Indicator
    expr: Compiled | None
    weight: Decimal  # as a fraction: 60% -> 0.6
    lowers: tuple[Decimal, ...]  # sorted band lower bounds (-inf as None replaced)
    bands: tuple[Band, ...]  # sorted like lowers


@dataclass(frozen=True)
class Override:
    """A requested manual tier (D-8) and what became of it."""

    tier: str
    approved_by: str
    reason: str
    date: dt.date
    expires: dt.date | None
    applied: bool
    refused_because: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"tier": self.tier, "approved_by": self.approved_by, "reason": self.reason,
                "date": self.date.isoformat(),
                "expires": self.expires.isoformat() if self.expires else None,
                "applied": self.applied, "refused_because": self.refused_because}


_NEG_INF = Decimal("-Infinity")


class CompiledScoring(CompiledSection):
    def __init__(self, spec: Scoring, indicators: list[CompiledIndicator], step: Decimal,
                 mode: str) -> None:
        self.spec = spec
        self.indicators = indicators
        self.enabled = [i for i in indicators if i.spec.enabled]
        self.step = step
        self.mode = mode
        ordered = sorted(spec.tiers, key=lambda t: t.min, reverse=True)
        self.tiers = [(t.min, t.id) for t in ordered]
        self.tier_ids = {t.id for t in spec.tiers}
        self.authority: dict[str, frozenset[str]] = {
            o.tier: frozenset(o.approved_by) for o in spec.overrides}
        self._rounding = ROUNDING_MODES[mode]
        # Hot-path plan: plain tuples per enabled indicator (compiled ones only: a ruleset with
        # a missing value expression never loads).
        self._plan = [(i.spec.id, i.expr.func, i.lowers, tuple(b.to for b in i.bands),
                       tuple(b.score for b in i.bands), i.weight, i.spec.otherwise)
                      for i in self.enabled if i.expr is not None]

    def score(self, env: Mapping[str, Any]) -> tuple[Decimal, tuple[IndicatorResult, ...]]:
        total = Decimal(0)
        results = []
        for iid, func, lowers, uppers, scores, weight, otherwise in self._plan:
            value = func(env)
            band = None
            score = otherwise
            k = bisect.bisect_right(lowers, value) - 1
            if k >= 0:
                upper = uppers[k]
                if upper is None or value < upper:
                    band, score = k, scores[k]
            points = weight * score
            total += points
            results.append(IndicatorResult(iid, value, band, score, points))
        return total.quantize(self.step, rounding=self._rounding), tuple(results)

    def emit(self, gen: Gen) -> None:
        """As :meth:`score` and :meth:`tier_of`; each indicator's (value, band, score,
        points) is kept raw, its IndicatorResult made only when asked."""
        gen.line("total = Z")
        found = gen.const(bisect.bisect_right)
        done = []
        for n, ind in enumerate(i for i in self.enabled if i.expr is not None):
            _iid, _f, lowers, uppers, scores, weight, otherwise = self._plan[n]
            up = gen.const(uppers)
            gen.line(f"x{n} = {gen.expr(ind.expr)}")  # type: ignore[arg-type]
            gen.line(f"k = {found}({gen.const(lowers)}, x{n}) - 1")
            with gen.block(f"if k >= 0 and ({up}[k] is None or x{n} < {up}[k]):"):
                gen.line(f"b{n} = k")
                gen.line(f"s{n} = {gen.const(scores)}[k]")
            with gen.block("else:"):
                gen.line(f"b{n} = None")
                gen.line(f"s{n} = {gen.const(otherwise)}")
            gen.line(f"p{n} = {gen.const(weight)} * s{n}")
            gen.line(f"total += p{n}")
            done.append(f"x{n}, b{n}, s{n}, p{n}")
        gen.line(f"score = total.quantize({gen.const(self.step)}, "
                 f"rounding={gen.const(self._rounding)})")
        gen.indicators = [(p[0], d) for p, d in zip(self._plan, done, strict=True)]
        gen.line("computed = " + "".join(f"{gen.const(tid)} if score >= {gen.const(cut)} else "
                                         for cut, tid in self.tiers) + "None")

    def tier_of(self, score: Decimal) -> str | None:
        for cut, tid in self.tiers:
            if score >= cut:
                return tid
        return None

    def rank(self, tier: str | None) -> int:
        """Position from the top (0 = highest); unknown or None ranks below all."""
        for i, (_tier, tid) in enumerate(self.tiers):
            if tid == tier:
                return i
        return len(self.tiers)

    def read_override(self, raw: Mapping[str, Any] | None,
                      on: dt.date | None) -> Override | None:
        """Check an override request against the ruleset's authorities (D-8)."""
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            raise InputError(
                "override", raw, _("expected a mapping with tier, approved_by, reason and date"))
        for key in ("tier", "approved_by", "reason", "date"):
            if not raw.get(key):
                raise InputError(f"override.{key}", raw.get(key), _("is required for an override"))
        tier, by = str(raw["tier"]), str(raw["approved_by"])

        def as_date(key: str) -> dt.date | None:
            v = raw.get(key)
            if v is None or v == "":
                return None
            if isinstance(v, dt.date):
                return v
            try:
                return dt.date.fromisoformat(str(v))
            except ValueError:
                raise InputError(f"override.{key}", v, _("expected a date YYYY-MM-DD")) from None

        date, expires = as_date("date"), as_date("expires")
        assert date is not None
        refused = None
        if tier not in self.tier_ids:
            refused = f"'{tier}' is not a tier of this ruleset"
        elif by not in self.authority.get(tier, frozenset()):
            allowed = sorted(self.authority.get(tier, frozenset()))
            refused = (f"'{by}' may not approve tier '{tier}'"
                       + (f" (only {', '.join(allowed)})" if allowed else
                          " (no one may approve this tier by override)"))
        elif expires is not None and expires < date:
            refused = f"the override expires ({expires}) before it was approved ({date})"
        elif on is not None and on < date:
            refused = f"the override is dated {date}, after the evaluation date {on}"
        elif on is not None and expires is not None and on > expires:
            refused = f"the override expired on {expires}"
        return Override(tier, by, str(raw["reason"]), date, expires, refused is None, refused)

    # -- the section's part of a decision ------------------------------------------------
    def decide(self, env: dict[str, Any], verdict: Verdict) -> None:
        verdict.score, verdict.indicators = self.score(env)
        verdict.computed = self.tier_of(verdict.score)

    def settle(self, verdict: Verdict, request: Mapping[str, Any],
               on: dt.date | None) -> bool:
        ov = self.read_override(request, on)
        if ov is not None and ov.applied and not verdict.qualified:
            ov = replace(ov, applied=False, refused_because="the client is not a big "
                         "client; an override sets the tier of a big client only (D-8)")
        if ov is not None and ov.applied:
            verdict.tier = ov.tier
        elif ov is not None:
            verdict.flags += ("override_refused",)
        verdict.override = ov
        return True

    def explain(self, d: Decided, lang: str) -> list[str]:
        """English names ids beside labels; Chinese speaks in labels only (业务收入, 钻石)."""
        zh = lang == "zh"
        w = EXPLAIN_WORDS[lang]
        colon, comma = ("：", "，") if zh else (": ", ", ")
        out: list[str] = []
        if d.score is not None:
            names = {i.spec.id: i.spec.label.zh if zh else i.spec.id for i in self.indicators}
            out.append(f"{w['score']} {shown(d.score)} = " + " + ".join(
                f"{names[r.id]} {shown(r.points)}" for r in d.indicators))
            results = {r.id: r for r in d.indicators}
            for ind in self.indicators:
                rule = f" [{ind.spec.rule}]" if ind.spec.rule else ""
                name = ind.spec.label.zh if zh else f"{ind.spec.id} — {ind.spec.label(lang)}"
                head = f"  {name}{rule}{colon}"
                if not ind.spec.enabled:
                    out.append(head + w["disabled"])
                    continue
                r = results[ind.spec.id]
                out.append(head + f"x = {shown(r.value)}{comma}{_where(ind, r.band, w)} → "
                           f"{shown(r.score)} × {w['weight']} {shown(ind.weight * 100)}% = "
                           f"{shown(r.points)}")
            out.append(f"{w['computed']}{colon}{self._tier_words(d.computed_tier, lang, True)}")
            out.append(f"{w['final']}{colon}{self._tier_words(d.tier, lang, False)}")
        if d.override is not None:
            o = d.override
            state = w["applied"] if o.applied else f"{w['refused']}{colon}{o.refused_because}"
            if zh:
                out.append(f"{w['override']}：{self._tier_words(o.tier, lang, False)}，批准单位 "
                           f"{o.approved_by}，{o.date}（{o.reason}）— {state}")
            else:
                out.append(f"{w['override']}: {o.tier} by {o.approved_by} on {o.date} "
                           f"({o.reason}) — {state}")
        return out

    def _tier_words(self, tid: str | None, lang: str, with_cut: bool) -> str:
        """A tier in an explanation: its label (and cut-off); in English with its id."""
        w = EXPLAIN_WORDS[lang]
        t = next((t for t in self.spec.tiers if t.id == tid), None)
        if lang == "zh":
            return w["none"] if t is None else t.label.zh + (
                f"（≥ {shown(t.min)}）" if with_cut else "")
        if with_cut:
            return w["none"] if t is None else f"{t.id} ({t.label(lang)}, ≥ {shown(t.min)})"
        return f"{tid or w['none']} ({t.label(lang) if t is not None else w['none']})"


def compile_scoring(spec: Scoring, ctx: CompileContext) -> CompiledScoring:
    """Compile indicators and check what would make scoring ambiguous or impossible."""
    src, names, problems = ctx.src, ctx.names, ctx.problems
    step, mode = ctx.score_step, ctx.rounding_mode
    base: YamlPath = ("scoring",)
    compiled: list[CompiledIndicator] = []
    weight_sum = Decimal(0)
    problems += src.duplicate_ids((*base, "indicators"), [i.id for i in spec.indicators],
                                  "indicator")
    problems += src.duplicate_ids((*base, "tiers"), [t.id for t in spec.tiers], "tier")
    for i, ind in enumerate(spec.indicators):
        path: YamlPath = (*base, "indicators", i)
        if not ind.enabled:
            if ind.weight != 0:
                problems.append(
                    src.problem(
                        (*path, "weight"),
                        _("'{id}' is disabled but still has weight {weight}%").format(
                            id=ind.id, weight=format_amount(ind.weight * 100)),
                        code="BC212",
                        hint=_("set its weight to 0, or enable it")))
            compiled.append(CompiledIndicator(ind, None, Decimal(0), (), ()))
            continue
        weight_sum += ind.weight
        expr = None
        if ind.value is None:
            problems.append(
                src.problem(
                    path,
                    _("the enabled indicator '{id}' has no 'value'").format(id=ind.id),
                    code="BC213",
                    hint=_("write the expression it measures")))
        else:
            try:
                expr = compile_expr(ind.value, names, want="number")
            except ExprError as exc:
                problems.append(src.problem((*path, "value"), exc.message, code=exc.code,
                                            hint=exc.hint))
        if not ind.bands:
            problems.append(
                src.problem(
                    path,
                    _("the enabled indicator '{id}' has no bands").format(id=ind.id),
                    code="BC214"))
        ordered = sorted(enumerate(ind.bands),
                         key=lambda jb: jb[1].from_ if jb[1].from_ is not None else _NEG_INF)
        for j, band in ordered:
            bpath: YamlPath = (*path, "bands", j)
            if band.from_ is not None and band.to is not None and band.from_ >= band.to:
                problems.append(
                    src.problem(
                        bpath,
                        _(
                            "the band's 'from' ({describe_amount}) is "
                            "not below its 'to' ({describe_amount2})"
                        ).format(
                            describe_amount=describe_amount(band.from_),
                            describe_amount2=describe_amount(band.to)),
                        code="BC203",
                        hint=_("swap the two bounds")))
            if not (0 <= band.score <= HUNDRED):
                problems.append(
                    src.problem(
                        (*bpath, "score"),
                        _("a band score must be 0-100, found {score}").format(
                            score=format_amount(band.score)),
                        code="BC206"))
        for (ja, a), (jb, b) in itertools.pairwise(ordered):
            if any(x.from_ is not None and x.to is not None and x.from_ >= x.to for x in (a, b)):
                continue  # a band with its bounds swapped is reported once, as BC203
            if a.to is None or (b.from_ is not None and a.to > b.from_):
                problems.append(
                    src.problem(
                        (*path, "bands", jb),
                        _(
                            "this band overlaps the band at bands[{ja}] (line "
                            "{at}) of '{id}' (values from {describe_amount} "
                            "would match both)"
                        ).format(
                            ja=ja,
                            at=src.at((*path, "bands", ja))[0],
                            id=ind.id,
                            describe_amount=describe_amount(b.from_ or _NEG_INF)),
                        code="BC202",
                        hint=_("make one band's 'to' equal the next band's 'from'")))
        lowers = tuple(b.from_ if b.from_ is not None else _NEG_INF for _, b in ordered)
        compiled.append(CompiledIndicator(ind, expr, ind.weight, lowers,
                                          tuple(b for _, b in ordered)))
    if weight_sum != 1:
        problems.append(
            src.problem(
                (*base, "indicators"),
                _("the weights of enabled indicators add up to {weight_sum}%, not 100%").format(
                    weight_sum=format_amount(weight_sum * 100)),
                code="BC211",
                hint=_("adjust the weights so they total 100%")))
    tier_ids = {t.id for t in spec.tiers}
    prev: Decimal | None = None
    for i, t in enumerate(spec.tiers):
        tpath: YamlPath = (*base, "tiers", i)
        if not (0 <= t.min <= HUNDRED):
            problems.append(
                src.problem(
                    (*tpath, "min"),
                    _("a tier cut-off must be within 0-100, found {min}").format(
                        min=format_amount(t.min)),
                    code="BC221",
                    hint=_("scores run from 0 to 100")))
        if prev is not None and t.min >= prev:
            problems.append(
                src.problem(
                    (*tpath, "min"),
                    _(
                        "tiers must be listed from the "
                        "highest cut-off down, but '{id}' "
                        "({min}) is not below the tier before "
                        "it ({prev})"
                    ).format(id=t.id, min=format_amount(t.min), prev=format_amount(prev)),
                    code="BC222",
                    hint=_("reorder the tiers, highest first")))
        prev = t.min
    if spec.tiers and min(t.min for t in spec.tiers) > 0:
        last = min(spec.tiers, key=lambda t: t.min)
        problems.append(
            src.problem(
                (*base, "tiers"),
                _("no tier covers scores below {min}").format(min=format_amount(last.min)),
                code="BC223",
                hint=_("give the lowest tier min: 0")))
    for i, o in enumerate(spec.overrides):
        opath: YamlPath = (*base, "overrides", i)
        if o.tier not in tier_ids:
            problems.append(
                src.problem(
                    (*opath, "tier"),
                    _("'{tier}' is not a tier").format(tier=o.tier),
                    code="BC231",
                    hint="tiers: " + ", ".join(sorted(tier_ids))))
        for j, who in enumerate(o.approved_by):
            if spec.authorities and who not in spec.authorities:
                problems.append(
                    src.problem(
                        (*opath, "approved_by", j),
                        _("'{who}' is not listed under authorities").format(who=who),
                        code="BC232"))
    return CompiledScoring(spec, compiled, step, mode)


def _where(ind: CompiledIndicator, band: int | None, w: Mapping[str, str]) -> str:
    """'band 1,500,000 (150万) ≤ x' or 'in no band', for an explanation."""
    if band is None:
        return w["below"]
    b = ind.bands[band]
    lo = "" if b.from_ is None else f"{shown(b.from_)} ≤ "
    hi = "" if b.to is None else f" < {shown(b.to)}"
    return f"{w['band']} {lo}x{hi}"

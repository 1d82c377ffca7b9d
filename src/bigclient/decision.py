"""A decision about one client, and its explanation in Chinese or English.

The decision keeps the values it was computed from; the explanation is rendered only
when asked, so evaluation stays fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .amounts import describe_amount, format_amount

if TYPE_CHECKING:
    from ._common import Label
    from .ruleset import Ruleset
    from .scoring import IndicatorResult, Override

_WORDS = {
    "en": {"qualified": "Big client", "not_qualified": "Not a big client", "yes": "yes",
           "no": "no", "any": "any one of these criteria is enough",
           "all": "every criterion must hold", "score": "Score", "tier": "Tier",
           "computed": "computed tier", "final": "final tier", "flags": "Flags",
           "override": "Override", "refused": "refused", "applied": "applied",
           "below": "in no band", "weight": "weight", "band": "band", "none": "none",
           "values": "values used", "disabled": "not scored"},
    "zh": {"qualified": "是大客户", "not_qualified": "不是大客户", "yes": "是", "no": "否",
           "any": "满足任一条件即可", "all": "须满足全部条件", "score": "得分", "tier": "级别",
           "computed": "计算级别", "final": "最终级别", "flags": "提示", "override": "特批",
           "refused": "未采纳", "applied": "已采纳", "below": "不在任何档次",
           "weight": "权重", "band": "档次", "none": "无", "values": "所用数值",
           "disabled": "暂不计分"},
}


def _fmt(value: Any) -> str:
    if isinstance(value, Decimal):
        return describe_amount(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items() if v) + "}"
    return str(value)


class Decision:
    """What the ruleset decided for one client, and everything needed to explain it."""

    __slots__ = ("_env", "_indicators", "_notes", "_ruleset", "computed_tier", "criteria",
                 "flags", "identity", "override", "qualified", "route", "score", "tier")

    def __init__(self, ruleset: Ruleset, env: dict[str, Any], qualified: bool,
                 criteria: tuple[str, ...], score: Decimal | None, computed_tier: str | None,
                 tier: str | None, flags: tuple[str, ...],
                 indicators: tuple[IndicatorResult, ...], override: Override | None,
                 notes: tuple[str, ...]) -> None:
        self._ruleset = ruleset
        self._env = env
        self.qualified = qualified
        self.criteria = criteria
        self.score = score
        self.computed_tier = computed_tier
        self.tier = tier
        self.flags = flags
        self.route: Any = None
        self.override = override
        self._indicators = indicators
        self._notes = notes
        self.identity: Mapping[str, Any] = {}  # the ruleset's declared identity columns

    @property
    def tier_label(self) -> Label | None:
        """The final tier's label (zh/en) as policy staff name it; None without a tier."""
        return self._ruleset.tier_labels.get(self.tier) if self.tier is not None else None

    @property
    def ruleset(self) -> str:
        return f"{self._ruleset.id}@{self._ruleset.version}"

    @property
    def indicators(self) -> tuple[IndicatorResult, ...]:
        return self._indicators

    @property
    def values(self) -> Mapping[str, Any]:
        """Inputs, context and derived values as the ruleset saw them."""
        return self._env

    def __repr__(self) -> str:
        return (f"Decision(qualified={self.qualified}, criteria={self.criteria}, "
                f"score={self.score}, computed_tier={self.computed_tier!r}, tier={self.tier!r}, "
                f"flags={self.flags})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: Decimals as strings, so no precision is lost on the way out."""
        return {
            "ruleset": self.ruleset,
            "identity": dict(self.identity),
            "qualified": self.qualified,
            "criteria": list(self.criteria),
            "score": None if self.score is None else str(self.score),  # at the declared step
            "computed_tier": self.computed_tier,
            "tier": self.tier,
            "flags": list(self.flags),
            "route": self.route,
            "override": self.override.to_dict() if self.override else None,
            "indicators": {r.id: {"value": None if r.value is None else format_amount(r.value),
                                  "score": format_amount(r.score),
                                  "points": format_amount(r.points)}
                           for r in self._indicators},
        }

    def explain(self, lang: str = "en") -> str:
        """Every criterion, band, weight, cut-off and override that made this decision."""
        lang = "zh" if lang.startswith("zh") else "en"
        w = _WORDS[lang]
        rs = self._ruleset
        spec = rs.spec
        env = self._env
        out = [f"{spec.title(lang)} — {rs.id} {rs.version} ({spec.source})"]
        verdict = w["qualified"] if self.qualified else w["not_qualified"]
        out.append(f"{verdict} ({w[spec.qualification.combine]}):")
        met = set(self.criteria)
        for c in rs.qualification.criteria:
            rule = f" [{c.spec.rule}]" if c.spec.rule else ""
            if c.expr is not None:
                mark = "✓" if c.id in met else "✗"
                used = ", ".join(f"{n} = {_fmt(env[n])}" for n in sorted(c.expr.names))
                out.append(f"  {mark} {c.id} — {c.spec.label(lang)}{rule}: {c.expr.text}"
                           + (f"  ({used})" if used else ""))
                continue
            out.append(f"  {c.id} — {c.spec.label(lang)}{rule}:")
            for line, checks in c.lines:
                cid = f"{c.id}:{line}"
                mark = "✓" if cid in met else "✗"
                parts = []
                for chk in checks:
                    v = env[chk.source][line] if chk.by_line else env[chk.source]
                    op = "≥" if v >= chk.threshold else "<"
                    parts.append(f"{chk.column} {_fmt(v)} {op} {_fmt(chk.threshold)}")
                label = spec.lines[line](lang) if line in spec.lines else line
                out.append(f"    {mark} {cid} ({label}): " + "; ".join(parts))
        if spec.derived:
            out.append(f"{w['values']}: " + ", ".join(
                f"{n} = {_fmt(env[n])}" for n, _ in rs.derived))
        if rs.scoring is not None and self.score is not None:
            out.append(f"{w['score']} {_fmt(self.score)} = " + " + ".join(
                f"{r.id} {_fmt(r.points)}" for r in self._indicators))
            results = {r.id: r for r in self._indicators}
            for ind in rs.scoring.indicators:
                rule = f" [{ind.spec.rule}]" if ind.spec.rule else ""
                if not ind.spec.enabled:
                    out.append(f"  {ind.spec.id} — {ind.spec.label(lang)}{rule}: {w['disabled']}")
                    continue
                r = results[ind.spec.id]
                if r.band is None:
                    where = w["below"]
                else:
                    b = ind.bands[r.band]
                    lo = "" if b.from_ is None else f"{_fmt(b.from_)} ≤ "
                    hi = "" if b.to is None else f" < {_fmt(b.to)}"
                    where = f"{w['band']} {lo}x{hi}"
                out.append(f"  {ind.spec.id} — {ind.spec.label(lang)}{rule}: "
                           f"x = {_fmt(r.value)}, {where} → {_fmt(r.score)} × "
                           f"{w['weight']} {_fmt(ind.weight * 100)}% = {_fmt(r.points)}")
            tiers = {t.id: t for t in rs.scoring.spec.tiers}
            if self.computed_tier is not None:
                t = tiers[self.computed_tier]
                out.append(f"{w['computed']}: {t.id} ({t.label(lang)}, ≥ {_fmt(t.min)})")
            else:
                out.append(f"{w['computed']}: {w['none']}")
            final = tiers[self.tier].label(lang) if self.tier in tiers else w["none"]
            out.append(f"{w['final']}: {self.tier or w['none']} ({final})")
        if self.override is not None:
            o = self.override
            state = w["applied"] if o.applied else f"{w['refused']}: {o.refused_because}"
            out.append(f"{w['override']}: {o.tier} by {o.approved_by} on {o.date} "
                       f"({o.reason}) — {state}")
        flag_specs = {fl.id: fl for fl, _ in rs.flags}
        if self.flags:
            out.append(f"{w['flags']}:")
            for f in self.flags:
                fl = flag_specs.get(f)
                text = fl.label(lang) + (f" [{fl.rule}]" if fl.rule else "") if fl else f
                out.append(f"  ! {f} — {text}")
        out.extend(f"  ! {n}" for n in self._notes)
        return "\n".join(out)

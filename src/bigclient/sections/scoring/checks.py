"""Static checks of the scoring section: band tables and reachable tiers (D-5 … D-7).

Warnings for what is probably a mistake (a gap between bands, a score that falls as the
value rises, a bound written in the wrong unit, a tier no total can reach) and notes for
what is worth knowing (a cut-off no total equals exactly).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from bigclient.errors import Problem
from bigclient.i18n import _
from bigclient.language.amounts import ROUNDING_MODES, describe_amount, format_amount
from bigclient.language.ranges import INF, NEG_INF, TOP, ZERO, Ranges, parse
from bigclient.language.source import Located, YamlPath
from bigclient.sections.scoring.enumeration import too_many_totals
from bigclient.sections.scoring.model import Band, CompiledScoring, Indicator, Scoring

ENUMERATION_LIMIT = 100_000
"""Above this many distinct totals, tier reachability falls back to min/max intervals."""


def check_scoring(spec: Scoring, compiled: CompiledScoring, src: Located,
                  ranges: Ranges) -> list[Problem]:
    return _check_bands(spec, src) + _check_tiers(spec, compiled, src, ranges)


def _lo(b: Band) -> Decimal:
    return b.from_ if b.from_ is not None else NEG_INF


def _sorted_bands(ind: Indicator) -> list[tuple[int, Band]]:
    return sorted(enumerate(ind.bands), key=lambda jb: _lo(jb[1]))


def _check_bands(spec: Scoring, src: Located) -> list[Problem]:
    """Gaps, non-monotone scores, and a bound out of scale, per enabled indicator."""
    out: list[Problem] = []
    for i, ind in enumerate(spec.indicators):
        if not ind.enabled or not ind.bands:
            continue
        base: YamlPath = ("scoring", "indicators", i)
        ordered = _sorted_bands(ind)
        other = format_amount(ind.otherwise)
        for (_ja, a), (jb, b) in itertools.pairwise(ordered):
            if a.to is not None and b.from_ is not None and b.from_ > a.to:
                out.append(
                    src.problem(
                        (*base, "bands", jb),
                        _(
                            "values of '{id}' from {describe_amount} up to "
                            "{describe_amount2} fall in no band, so they score "
                            "'otherwise' ({other})"
                        ).format(
                            id=ind.id,
                            describe_amount=describe_amount(a.to),
                            describe_amount2=describe_amount(b.from_),
                            other=other,
                        ),
                        code="BC201",
                        severity="warning",
                        hint=_(
                            "make the band below end at {describe_amount} (to: {describe_amount}) "
                            "or this band start at {describe_amount2}, or add the missing band"
                        ).format(
                            describe_amount=describe_amount(b.from_),
                            describe_amount2=describe_amount(a.to),
                        ),
                    )
                )
        out += _monotone(src, base, ind, ordered)
        out += _band_scale(src, base, ind, ordered)
    return out


def _monotone(src: Located, base: YamlPath, ind: Indicator,
              ordered: list[tuple[int, Band]]) -> list[Problem]:
    if ind.monotone == "none":
        return []
    up = ind.monotone == "increasing"
    word = _("increasing (a higher value never scores lower)") if up else \
        _("decreasing (a higher value never scores higher)")
    out: list[Problem] = []

    def bad(lower: Decimal, higher: Decimal) -> bool:
        return higher < lower if up else higher > lower

    for (ja, a), (jb, b) in itertools.pairwise(ordered):
        if bad(a.score, b.score):
            out.append(
                src.problem(
                    (*base, "bands", jb, "score"),
                    _(
                        "'{id}' is declared monotone {word}, but values "
                        "from {describe_amount} score {score}, {value} "
                        "than the {score2} of the band below "
                        "(bands[{ja}], line {at})"
                    ).format(
                        id=ind.id,
                        word=word,
                        describe_amount=describe_amount(_lo(b)),
                        score=format_amount(b.score),
                        value=_("less") if up else _("more"),
                        score2=format_amount(a.score),
                        ja=ja,
                        at=src.at((*base, "bands", ja))[0],
                    ),
                    code="BC204",
                    severity="warning",
                    hint=_("correct the score, or declare 'monotone: none' if this is intended"),
                )
            )
    j0, first = ordered[0]
    if first.from_ is not None and bad(ind.otherwise, first.score):
        out.append(
            src.problem(
                (*base, "bands", j0, "score"),
                _(
                    "'{id}' is declared monotone {word}, but values "
                    "below {describe_amount} score 'otherwise' "
                    "({otherwise}), {value} than this lowest band's "
                    "{score}"
                ).format(
                    id=ind.id,
                    word=word,
                    describe_amount=describe_amount(first.from_),
                    otherwise=format_amount(ind.otherwise),
                    value=_("more") if up else _("less"),
                    score=format_amount(first.score),
                ),
                code="BC204",
                severity="warning",
                hint=_("correct 'otherwise' or this band's score"),
            )
        )
    jn, last = ordered[-1]
    if last.to is not None and bad(last.score, ind.otherwise):
        out.append(
            src.problem(
                (*base, "bands", jn),
                _(
                    "'{id}' is declared monotone {word}, but values of "
                    "{describe_amount} or more fall in no band and score "
                    "'otherwise' ({otherwise}), {value} than this highest band's "
                    "{score}"
                ).format(
                    id=ind.id,
                    word=word,
                    describe_amount=describe_amount(last.to),
                    otherwise=format_amount(ind.otherwise),
                    value=_("less") if up else _("more"),
                    score=format_amount(last.score),
                ),
                code="BC204",
                severity="warning",
                hint=_("leave 'to' out of the highest band ('and above')"),
            )
        )
    return out


def _band_scale(src: Located, base: YamlPath, ind: Indicator,
                ordered: list[tuple[int, Band]]) -> list[Problem]:
    """1.2 written for 1.2万: the smallest bound is a thousand times below the next."""
    bounds = sorted({x for _, b in ordered for x in (b.from_, b.to) if x is not None and x > 0})
    if len(bounds) < 2 or bounds[1] < bounds[0] * 1000:
        return []
    small = bounds[0]
    for j, b in ordered:
        for key, x in (("from", b.from_), ("to", b.to)):
            if x == small:
                return [
                    src.problem(
                        (*base, "bands", j, key),
                        _(
                            "the bound {describe_amount} of '{id}' is more "
                            "than a thousand times smaller than the next "
                            "bound ({describe_amount2}); was a unit left out "
                            "(万, ‰)?"
                        ).format(
                            describe_amount=describe_amount(small),
                            id=ind.id,
                            describe_amount2=describe_amount(bounds[1]),
                        ),
                        code="BC205",
                        severity="warning",
                        hint=_(
                            "write it with its unit, e.g. {describe_amount}万 for {small}"
                        ).format(
                            describe_amount=describe_amount(small),
                            small=format_amount(small * 10000),
                        ),
                    )
                ]
    return []  # pragma: no cover - the bound came from these bands


# -- tiers -------------------------------------------------------------------------------


def _indicator_scores(ranges: Ranges, ind: Indicator, index: int) -> list[Decimal]:
    """The scores an indicator can give: bands its value can fall in, and 'otherwise'
    when some possible value falls in no band."""
    value = TOP
    if ind.value is not None:
        e = parse(ind.value, ("scoring", "indicators", index, "value"))
        if e is not None:
            value = ranges.of(e, e.tree, {})
    scores: set[Decimal] = set()
    for b in ind.bands:
        if _lo(b) <= value.hi and (b.to is None or b.to > value.lo):
            scores.add(b.score)
    pos = value.lo
    uncovered = False
    for _bi, b in _sorted_bands(ind):
        if pos == INF or pos > value.hi:
            break
        if _lo(b) > pos:
            uncovered = True
            break
        pos = max(pos, b.to if b.to is not None else INF)
    else:
        uncovered = pos != INF and pos <= value.hi
    if uncovered:
        scores.add(ind.otherwise)
    return sorted(scores)


def _check_tiers(spec: Scoring, scoring: CompiledScoring, src: Located,
                 ranges: Ranges) -> list[Problem]:
    """A tier no total can reach (warning); a cut-off no total equals exactly (info)."""
    parts: list[tuple[str, Decimal, list[Decimal]]] = []
    for i, ind in enumerate(spec.indicators):
        if ind.enabled and ind.bands:
            parts.append((ind.id, ind.weight, _indicator_scores(ranges, ind, i)))
    if not parts or any(not s for _, _, s in parts):
        return []
    rounding = ROUNDING_MODES[scoring.mode]
    totals: dict[Decimal, tuple[tuple[str, Decimal, Decimal], ...]] | None = {ZERO: ()}
    for iid, weight, scores in parts:
        assert totals is not None
        if len(totals) * len(scores) > ENUMERATION_LIMIT:  # checked before allocating
            totals = None
            break
        nxt: dict[Decimal, tuple[tuple[str, Decimal, Decimal], ...]] = {}
        for t, how in totals.items():
            for s in scores:
                nxt.setdefault(t + weight * s, (*how, (iid, s, weight)))
        totals = nxt
    rounded: dict[Decimal, tuple[tuple[str, Decimal, Decimal], ...]] = {}
    if totals is not None:
        for t in sorted(totals):
            rounded.setdefault(t.quantize(scoring.step, rounding=rounding), totals[t])
    lo = sum((w * min(s) for _, w, s in parts), ZERO)
    hi = sum((w * max(s) for _, w, s in parts), ZERO)
    out: list[Problem] = [] if totals is not None else [too_many_totals(src, parts)]
    index = {t.id: k for k, t in enumerate(spec.tiers)}
    upper = INF
    for cut, tid in scoring.tiers:  # highest first
        path: YamlPath = ("scoring", "tiers", index[tid])
        span = (f"{format_amount(cut)} or more" if upper == INF else
                f"{format_amount(cut)} to under {format_amount(upper)}")
        if totals is not None:
            inside = sorted(t for t in rounded if cut <= t < upper)
        else:
            inside = [cut] if (cut <= hi and upper > lo) else []
        if not inside:
            near = _nearest(sorted(rounded), cut, upper) if totals is not None else \
                f"totals run from {format_amount(lo)} to {format_amount(hi)}"
            out.append(
                src.problem(
                    path,
                    _(
                        "no client can reach tier '{tid}' (scores {span}): the band scores and "
                        "weights give no total in that range ({near})"
                    ).format(tid=tid, span=span, near=near),
                    code="BC224",
                    severity="warning",
                    hint=_("check this cut-off against the band scores and weights"),
                )
            )
        elif totals is not None and cut not in rounded:
            first = inside[0]
            out.append(
                src.problem(
                    (*path, "min"),
                    _(
                        "no client can score exactly {cut}: totals are sums of weight "
                        "× band score, and the lowest total that reaches '{tid}' is "
                        "{first} ({recipe})"
                    ).format(
                        cut=format_amount(cut),
                        tid=tid,
                        first=format_amount(first),
                        recipe=_recipe(rounded[first]),
                    ),
                    code="BC225",
                    severity="info",
                    hint=_(
                        "nothing to do, unless '{tid}' is meant to start at another total"
                    ).format(tid=tid),
                )
            )
        upper = cut
    return out


def _recipe(how: tuple[tuple[str, Decimal, Decimal], ...]) -> str:
    return " + ".join(f"{iid} {format_amount(s)} × {format_amount(w * 100)}%"
                      for iid, s, w in how)


def _nearest(totals: list[Decimal], lo: Decimal, hi: Decimal) -> str:
    below = [t for t in totals if t < lo]
    above = [t for t in totals if t >= hi]
    parts = []
    if below:
        parts.append(f"nearest below: {format_amount(below[-1])}")
    if above:
        parts.append(f"nearest above: {format_amount(above[0])}")
    return "; ".join(parts) or "no totals at all"


"""Whom a revision moves (D-10): both versions decide every client of a file; the tier
migration, who qualifies newly or no longer, every mover, and the text and JSON reports."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bigclient.errors import BigClientError
from bigclient.language.words import say
from bigclient.records import for_version
from bigclient.ruleset import Ruleset
from bigclient.workflow.diff import Change, jsonable


@dataclass(frozen=True)
class Mover:
    """A client whose tier (or big-client status) differs between the two versions."""

    row: int
    client_id: str
    name: str
    old_tier: str | None
    new_tier: str | None
    old_score: Decimal | None
    new_score: Decimal | None
    old_qualified: bool
    new_qualified: bool

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "client_id": self.client_id, "name": self.name,
                "old_tier": self.old_tier, "new_tier": self.new_tier,
                "old_score": jsonable(self.old_score), "new_score": jsonable(self.new_score),
                "old_qualified": self.old_qualified, "new_qualified": self.new_qualified}


@dataclass(frozen=True)
class BadRow:
    """A row either version could not decide: counted and listed, the run goes on."""

    row: int
    client_id: str
    error: str


NOT_BIG = None
"""The 'tier' of a client that is not a big client, in the migration matrix."""


@dataclass
class Impact:
    """Who changes tier when ``new`` replaces ``old`` (D-10 re-grading)."""

    old_version: str
    new_version: str
    tiers: tuple[str | None, ...]  # matrix order: highest tier first, None (not big) last
    labels: dict[str, tuple[str, str]]  # tier id → (zh, en)
    matrix: dict[tuple[str | None, str | None], int] = field(default_factory=dict)
    evaluated: int = 0
    newly_qualified: int = 0
    no_longer_qualified: int = 0
    criteria_gained: Counter[str] = field(default_factory=Counter)
    criteria_lost: Counter[str] = field(default_factory=Counter)
    movers: list[Mover] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    old_scores: Counter[tuple[Decimal, str | None]] = field(default_factory=Counter)
    new_scores: Counter[tuple[Decimal, str | None]] = field(default_factory=Counter)
    """(score, tier) → big clients, for the score distribution."""

    @property
    def total(self) -> int:
        return self.evaluated + len(self.bad_rows)

    def count(self, old_tier: str | None, new_tier: str | None) -> int:
        return self.matrix.get((old_tier, new_tier), 0)

    def rank(self, tier: str | None) -> int:
        return self.tiers.index(tier) if tier in self.tiers else len(self.tiers)

    @property
    def up(self) -> int:
        return sum(1 for m in self.movers if self.rank(m.new_tier) < self.rank(m.old_tier))

    @property
    def down(self) -> int:
        return sum(1 for m in self.movers if self.rank(m.new_tier) > self.rank(m.old_tier))

    def label(self, tier: str | None, lang: str = "en") -> str:
        if tier is None:
            return "非大客户" if lang == "zh" else "not a big client"
        zh, en = self.labels.get(tier, (tier, tier))
        return zh if lang == "zh" else en

    def histogram_by_tier(self, width: int = 10) -> list[
            tuple[int, int, Counter[str | None], Counter[str | None]]]:
        """(from, to, before by tier, after by tier) per bin of big clients' scores; a
        score of 100 falls in the last bin."""
        out = []
        for lo in range(0, 100, width):
            hi = min(lo + width, 100)
            before: Counter[str | None] = Counter()
            after: Counter[str | None] = Counter()
            for counts, into in ((self.old_scores, before), (self.new_scores, after)):
                for (score, tier), n in counts.items():
                    if lo <= score < hi or (hi == 100 and score == 100):
                        into[tier] += n
            out.append((lo, hi, before, after))
        return out

    def histogram(self, width: int = 10) -> list[tuple[int, int, int, int]]:
        """(from, to, before, after) per bin of big clients' scores."""
        return [(lo, hi, a.total(), b.total())
                for lo, hi, a, b in self.histogram_by_tier(width)]

    def to_dict(self) -> dict[str, Any]:
        name = {t: (t if t is not None else "not_big") for t in self.tiers}
        return {
            "old_version": self.old_version, "new_version": self.new_version,
            "rows": self.total, "evaluated": self.evaluated, "bad_rows": [
                {"row": b.row, "client_id": b.client_id, "error": b.error}
                for b in self.bad_rows],
            "tiers": [name[t] for t in self.tiers],
            "matrix": {name[o]: {name[n]: self.count(o, n) for n in self.tiers}
                       for o in self.tiers},
            "newly_qualified": self.newly_qualified,
            "no_longer_qualified": self.no_longer_qualified,
            "moved_up": self.up, "moved_down": self.down,
            "criteria_gained": dict(sorted(self.criteria_gained.items())),
            "criteria_lost": dict(sorted(self.criteria_lost.items())),
            "movers": [m.to_dict() for m in self.movers],
            "histogram": [{"from": lo, "to": hi, "old": a, "new": b}
                          for lo, hi, a, b in self.histogram()],
        }


def _tier_order(old: Ruleset, new: Ruleset) -> tuple[tuple[str | None, ...],
                                                       dict[str, tuple[str, str]]]:
    order: list[str | None] = []
    labels: dict[str, tuple[str, str]] = {}
    for rs in (new, old):
        scoring = rs.section("scoring")
        if scoring is None:
            continue
        for t in sorted(scoring.spec.tiers, key=lambda t: t.min, reverse=True):
            if t.id not in order:
                order.append(t.id)
            labels.setdefault(t.id, (t.label.zh, t.label.en))
    order.append(NOT_BIG)
    return tuple(order), labels


Row = Mapping[str, Any] | tuple[int, Mapping[str, Any] | None, str]


def impact(old: Ruleset, new: Ruleset, clients: Iterable[Row],
           context: Mapping[str, Any] | None = None) -> Impact:
    """Decide every client with both versions and tally the differences.

    ``clients`` yields records, or ``(row, record or None, error)`` triples as
    ``bigclient.cli.read_records`` gives them (so row numbers match the file). A row that
    either version cannot decide is listed in ``bad_rows``; a bad ``context`` is an error.
    """
    old_ctx, new_ctx = for_version(context, old, new, "context"), for_version(
        context, new, old, "context")  # a value only one version declares is not a typo
    old.read_context(old_ctx)  # fail once, clearly, on a bad context, not once per row
    new.read_context(new_ctx)
    tiers, labels = _tier_order(old, new)
    result = Impact(old.version, new.version, tiers, labels)
    for index, item in enumerate(clients, start=1):
        if isinstance(item, tuple):
            row, record, error = item
        else:
            row, record, error = index, item, ""
        ident = str((record or {}).get("client_id", "") or "")
        if record is None or error:
            result.bad_rows.append(BadRow(row, ident, error or "no record"))
            continue
        try:
            a = old.evaluate(for_version(record, old, new), context=old_ctx)
        except BigClientError as exc:
            result.bad_rows.append(BadRow(row, ident, f"{old.version}: {exc}"))
            continue
        try:
            b = new.evaluate(for_version(record, new, old), context=new_ctx)
        except BigClientError as exc:
            result.bad_rows.append(BadRow(row, ident, f"{new.version}: {exc}"))
            continue
        result.evaluated += 1
        key = (a.tier, b.tier)
        result.matrix[key] = result.matrix.get(key, 0) + 1
        if b.qualified and not a.qualified:
            result.newly_qualified += 1
        elif a.qualified and not b.qualified:
            result.no_longer_qualified += 1
        if a.criteria != b.criteria:
            result.criteria_gained.update(set(b.criteria) - set(a.criteria))
            result.criteria_lost.update(set(a.criteria) - set(b.criteria))
        if a.qualified and a.score is not None:
            result.old_scores[(a.score, a.tier)] += 1
        if b.qualified and b.score is not None:
            result.new_scores[(b.score, b.tier)] += 1
        if a.tier != b.tier:
            result.movers.append(Mover(row, ident, str(record.get("name", "") or ""), a.tier,
                                       b.tier, a.score, b.score, a.qualified, b.qualified))
    return result


# -- reports --------------------------------------------------------------------------


def heading(old: Ruleset, new: Ruleset) -> str:
    same = old.id == new.id
    return (f"{old.id} {old.version} → {new.version}" if same else
            f"{old.id} {old.version} → {new.id} {new.version} (different rulesets)")


def render_text(old: Ruleset, new: Ruleset, changes: list[Change], imp: Impact | None,
                lang: str = "en", max_movers: int = 20, input_name: str = "") -> str:
    """The terminal report: changes, then the impact on the client file."""
    zh = lang == "zh"
    out = [heading(old, new) + (f"：{len(changes)} 项规则变更" if zh else
                                f": {len(changes)} rule change{'s' if len(changes) != 1 else ''}")]
    width = max((len(c.kind) for c in changes), default=0)
    for c in changes:
        out.append(f"  {c.kind:<{width}}  {c.text(lang)}   [{c.yaml_path}"
                   + (f", line {c.line}]" if c.line else "]"))
    if imp is None:
        return "\n".join(out)
    out.append("")
    src = f" {input_name}" if input_name else ""
    out.append(f"对{src} 的影响：{imp.evaluated:,} 个客户已评估，{len(imp.bad_rows):,} 行有错误"
               if zh else f"Impact on{src or ' the clients'}: {imp.evaluated:,} clients "
               f"evaluated, {len(imp.bad_rows):,} bad rows")
    names = [imp.label(t, lang) for t in imp.tiers]
    col = max(8, *(len(n) for n in names)) + 1
    out.append(("  级别迁移（行：" if zh else "  tier migration (rows: ") + old.version
               + ("，列：" if zh else ", columns: ") + new.version + ")")
    out.append("  " + " " * col + "".join(f"{n:>{col}}" for n in names))
    for o, name in zip(imp.tiers, names, strict=True):
        out.append("  " + f"{name:<{col}}" + "".join(f"{imp.count(o, n):>{col},}"
                                                     for n in imp.tiers))
    if zh:
        out.append(f"  新认定为大客户：{imp.newly_qualified:,}；"
                   f"不再是大客户：{imp.no_longer_qualified:,}；"
                   f"级别变动：{len(imp.movers):,}（升 {imp.up:,}，降 {imp.down:,}）")
    else:
        out.append(f"  newly qualified: {imp.newly_qualified:,}; no longer qualified: "
                   f"{imp.no_longer_qualified:,}; tier changed: {len(imp.movers):,} "
                   f"({imp.up:,} up, {imp.down:,} down)")
    for what, counts in (("gained", imp.criteria_gained), ("lost", imp.criteria_lost)):
        if counts:
            items = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
            out.append(f"  {'获得' if what == 'gained' and zh else '失去' if zh else what} "
                       f"{'条件' if zh else 'criteria'}: {items}")
    if imp.movers:
        shown = imp.movers[:max_movers]
        out.append(("  级别变动的客户" if zh else "  movers")
                   + ((f"（前 {len(shown)} 个，共 {len(imp.movers):,} 个）" if zh else
                       f" (first {len(shown)} of {len(imp.movers):,})")
                      if len(shown) < len(imp.movers) else "") + ":")
        for m in shown:
            who = " ".join(p for p in (m.client_id, m.name) if p)
            out.append(f"    row {m.row:>6}  {who:<24}  {imp.label(m.old_tier, lang)} "
                       f"({say(m.old_score, lang)}) → {imp.label(m.new_tier, lang)} "
                       f"({say(m.new_score, lang)})")
    for b in imp.bad_rows[:max_movers]:
        out.append(f"  bad row {b.row}: {b.error.splitlines()[0] if b.error else ''}")
    return "\n".join(out)


def report_dict(old: Ruleset, new: Ruleset, changes: list[Change],
                imp: Impact | None) -> dict[str, Any]:
    def head(rs: Ruleset) -> dict[str, Any]:
        return {"ruleset": rs.id, "version": rs.version, "file": rs.file,
                "effective_from": rs.effective_from.isoformat(),
                "effective_to": rs.effective_to.isoformat() if rs.effective_to else None}

    return {"old": head(old), "new": head(new), "changes": [c.to_dict() for c in changes],
            "impact": imp.to_dict() if imp is not None else None}


def dates(rs: Ruleset) -> str:
    to = rs.effective_to.isoformat() if rs.effective_to else "…"
    return f"{rs.effective_from.isoformat()} – {to}"



# -- command line ---------------------------------------------------------------------

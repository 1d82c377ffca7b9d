"""The scorecards section: assessment scorecards that score a unit or a person out of a
fixed number of points (D-26 Wanzhou's outlet KPI + GS scorecard, D-27 Jiangxi's 100-point
scorecard of a city bureau's big-client work).

A scorecard takes no part in deciding a client. It reads its own typed ``facts``; its
``parts`` add items (points, per-occurrence deductions, weighted attainments) to a start
and are clamped into declared ranges; the total maps to a grade. ``Ruleset.assess`` scores
one subject; ``bigclient assess`` a file of them; cases say ``assess:``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import Field

from bigclient.errors import InputError, Problem
from bigclient.i18n import _, language
from bigclient.language.ranges import Ranges
from bigclient.language.source import Located, YamlPath
from bigclient.sections.base import CaseOutcome, CompileContext, Element, Section
from bigclient.sections.scorecards.build import build
from bigclient.sections.scorecards.checks import check_card
from bigclient.sections.scorecards.compiled import CompiledCard, CompiledScorecards
from bigclient.sections.scorecards.model import GradeSpec, ItemSpec, PartSpec, ScorecardSpec
from bigclient.sections.scorecards.result import ItemScore, PartScore, Scorecard

__all__ = ["SECTION", "CompiledCard", "CompiledScorecards", "GradeSpec", "ItemScore",
           "ItemSpec", "PartScore", "PartSpec", "Scorecard", "ScorecardSpec",
           "ScorecardsSection"]

_CASE_KEYS = ("scorecard", "facts", "period")


class ScorecardsSection(Section):
    key = "scorecards"
    stage = 8  # decides nothing about a client; compiled late, read by nothing
    explain_rank = 9
    case_key = "assess"
    elements: ClassVar[Mapping[YamlPath, Element]] = {
        ("scorecards",): Element("scorecard", "Scorecard", "考核表"),
        ("scorecards", "parts"): Element("part", "Scorecard part", "考核部分"),
        ("scorecards", "parts", "items"): Element("item", "Scorecard item", "考核项目"),
        ("scorecards", "grades"): Element("grade", "Grade", "考核等级"),
    }

    def spec_field(self) -> tuple[Any, Any]:
        return list[ScorecardSpec], Field(
            default_factory=list, description="assessment scorecards: KPI and deduction "
            "parts, weighted 100-point scorecards, grades (D-26, D-27)")

    def compile(self, part: list[ScorecardSpec], ctx: CompileContext
                ) -> CompiledScorecards | None:
        return build(part, ctx)

    def expressions(self, part: list[ScorecardSpec]) -> Iterator[tuple[YamlPath, Any]]:
        # Expressions over a scorecard's facts, not over the ruleset's inputs: the
        # ruleset-wide division check reads inputs, so these are analysed in ``checks``.
        return iter(())

    def checks(self, part: list[ScorecardSpec], compiled: CompiledScorecards | None,
               src: Located, ranges: Ranges) -> list[Problem]:
        if compiled is None:
            return []
        out: list[Problem] = []
        lines = tuple(getattr(ranges.rs, "lines", ()))
        for ci, card in enumerate(part):
            cc = compiled.cards.get(card.id)
            if cc is not None and cc.spec is card:
                out.extend(check_card(card, cc, ("scorecards", ci), src, lines))
        return out

    def case(self, compiled: CompiledScorecards, given: Any,
             case: Mapping[str, Any]) -> CaseOutcome:
        """``assess: {scorecard: outlet, facts: {...}, period: 2014-03}``."""
        if not isinstance(given, Mapping):
            raise InputError("assess", given, _("expected a block with scorecard, facts and "
                                                "optionally period"))
        unknown = [k for k in given if k not in _CASE_KEYS]
        if unknown:
            raise InputError(f"assess.{unknown[0]}", None, _(
                "is not a key of an assess case; keys are: {keys}").format(
                    keys=", ".join(_CASE_KEYS)))
        facts = given.get("facts") or {}
        if not isinstance(facts, Mapping):
            raise InputError("assess.facts", facts, _("expected a block of facts"))
        result = compiled.assess(given.get("scorecard"), facts, given.get("period"))
        actual = {"total": result.total, "grade": result.grade,
                  "parts": {p.id: p.points for p in result.parts},
                  "items": {i.id: i.points for p in result.parts for i in p.items},
                  "clamped": list(result.clamped)}
        return CaseOutcome(actual, result.explain(language()))


SECTION = ScorecardsSection()

"""The scoring section: tiers by weighted bands (D-5 … D-7) and overrides (D-8)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import Field

from bigclient.errors import Problem
from bigclient.language.ranges import Ranges
from bigclient.language.source import Located, YamlPath
from bigclient.language.words import Frame, arrow, say
from bigclient.sections.base import CompileContext, Element, Section, Words
from bigclient.sections.scoring import wording
from bigclient.sections.scoring.checks import check_scoring
from bigclient.sections.scoring.model import CompiledScoring, Scoring, compile_scoring

_AUTHORITY = ("override", "Approving body", "批准单位")


class ScoringSection(Section):
    key = "scoring"
    stage = 2
    explain_rank = 2
    elements: ClassVar[Mapping[YamlPath, Element]] = {
        ("scoring", "indicators"): Element("indicator", "Indicator", "指标"),
        ("scoring", "tiers"): Element("tier", "Tier", "级别"),
        ("scoring", "overrides"): Element("override", "Override rule", "特批规则", key="tier"),
    }

    def spec_field(self) -> tuple[Any, Any]:
        return Scoring | None, Field(None, description="tiers by weighted bands (D-5 … D-8)")

    def compile(self, part: Scoring | None, ctx: CompileContext) -> CompiledScoring | None:
        return None if part is None else compile_scoring(part, ctx)

    def expressions(self, part: Scoring | None) -> Iterator[tuple[YamlPath, Any]]:
        for i, ind in enumerate(part.indicators if part is not None else ()):
            if ind.enabled and ind.value is not None:
                yield ("scoring", "indicators", i, "value"), ind.value

    def checks(self, part: Scoring | None, compiled: CompiledScoring | None, src: Located,
               ranges: Ranges) -> list[Problem]:
        if part is None or compiled is None:
            return []
        return check_scoring(part, compiled, src, ranges)

    def enter(self, path: YamlPath, old: Any, new: Any) -> Frame | None:
        if path[:-1] == ("scoring", "authorities") and isinstance(path[-1], str):
            element = new if isinstance(new, Mapping) else old
            return Frame(*_AUTHORITY, {"id": path[-1], "label": element}, path[-1])
        return None

    def whole(self, path: YamlPath) -> bool:
        strs = tuple(p for p in path if isinstance(p, str))
        return strs[:2] == ("scoring", "authorities") and len(path) == 3

    def describe(self, path: YamlPath, old: Any, new: Any, frame: Frame, en_name: str,
                 zh_name: str, lines: Mapping[str, Any]) -> Words | None:
        if frame.kind == "tier" and path[-1] == "min":
            return "cutoff", f"{en_name} cut-off: {arrow(old, new, 'en')}", \
                f"{zh_name}分数线：{arrow(old, new, 'zh')}"
        if frame.kind == "indicator":
            return wording.indicator(path, old, new, frame, en_name, zh_name)
        return None

    def added_detail(self, kind: str, what: Mapping[str, Any]) -> tuple[str, str] | None:
        if kind == "tier":
            return f", from {say(what.get('min'), 'en')}", f"，{say(what.get('min'), 'zh')} 分起"
        if kind == "override" and "approved_by" in what:
            return f", approved by {say(what['approved_by'], 'en')}", \
                f"，批准单位：{say(what['approved_by'], 'zh')}"
        return None


SECTION = ScoringSection()

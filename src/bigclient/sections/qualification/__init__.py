"""The qualification section: who is a big client (D-1, D-2)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import Field

from bigclient.errors import Problem
from bigclient.language.ranges import Ranges
from bigclient.language.source import Located, YamlPath
from bigclient.language.words import MISSING, Frame, when_detail
from bigclient.sections.base import CompileContext, Element, Section, Words
from bigclient.sections.qualification import wording
from bigclient.sections.qualification.checks import check_qualification
from bigclient.sections.qualification.model import (
    CompiledQualification,
    Qualification,
    compile_qualification,
)


class QualificationSection(Section):
    key = "qualification"
    stage = 1
    explain_rank = 0
    elements: ClassVar[Mapping[YamlPath, Element]] = {
        ("qualification", "criteria"): Element("criterion", "Criterion", "认定条件")}

    def spec_field(self) -> tuple[Any, Any]:
        return Qualification | None, Field(
            None, description="who is a big client (D-1, D-2); a ruleset that only pays "
            "people or scores units (scorecards) leaves it out")

    def compile(self, part: Qualification | None,
                ctx: CompileContext) -> CompiledQualification | None:
        return compile_qualification(part, ctx) if part is not None else None

    def expressions(self, part: Qualification | None) -> Iterator[tuple[YamlPath, Any]]:
        for i, c in enumerate(part.criteria if part is not None else ()):
            if c.when is not None:
                yield ("qualification", "criteria", i, "when"), c.when

    def checks(self, part: Qualification | None, compiled: CompiledQualification | None,
               src: Located, ranges: Ranges) -> list[Problem]:
        if part is None or compiled is None:
            return []
        return check_qualification(part, compiled, src, ranges)

    def describe_early(self, path: YamlPath, old: Any, new: Any, frame: Frame,
                       lines: Mapping[str, Any]) -> Words | None:
        if path == ("qualification", "combine"):
            return wording.combine(old, new)
        strs = tuple(p for p in path if isinstance(p, str))
        if (old is MISSING or new is MISSING) and strs[-2:-1] == ("thresholds",):
            added = old is MISSING
            return wording.threshold_row(frame, new if added else old, added, lines)
        return None

    def describe(self, path: YamlPath, old: Any, new: Any, frame: Frame, en_name: str,
                 zh_name: str, lines: Mapping[str, Any]) -> Words | None:
        if "thresholds" in path:
            return wording.threshold(path, old, new, frame, lines)
        return None

    def added_detail(self, kind: str, what: Mapping[str, Any]) -> tuple[str, str] | None:
        return when_detail(what) if kind == "criterion" else None


SECTION = QualificationSection()

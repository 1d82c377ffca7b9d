"""The routing section: who is responsible for a big client (D-13, D-14), with what
supporting unit, contact cadence (D-20) and manager roles (D-18), as a decision table with
a declared hit policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field

from bigclient.errors import Problem
from bigclient.language.ranges import Ranges
from bigclient.language.source import Located, YamlPath
from bigclient.language.words import Frame, arrow, field_name
from bigclient.route import Route
from bigclient.sections.base import CompileContext, Section, Words
from bigclient.sections.routing.build import compile_routing
from bigclient.sections.routing.checks import check_routing, coverage
from bigclient.sections.routing.compiled import UNROUTED, CompiledRouting
from bigclient.sections.routing.model import Routing

__all__ = ["SECTION", "UNROUTED", "CompiledRouting", "Route", "Routing", "coverage"]

_UNIT = ("unit", "Unit", "单位")
_OUTPUTS = {"unit": ("responsible unit", "责任单位"), "support": ("supporting unit", "协助单位"),
            "cadence": ("contact cadence", "联系频次"), "managers": ("client managers", "客户经理"),
            "per_line": ("one route per line", "按业务分别确定")}


class RoutingSection(Section):
    key = "routing"
    stage = 5  # compiled after contacts (cadences) and flags; routes in ``conclude``
    explain_rank = 4
    positional: ClassVar[frozenset[YamlPath]] = frozenset({("routing", "rows")})

    def spec_field(self) -> tuple[Any, Any]:
        return Routing | None, Field(
            None, description="who is responsible for a big client: a decision table "
            "(D-13, D-14, D-18)")

    def compile(self, part: Routing | None, ctx: CompileContext) -> CompiledRouting | None:
        return None if part is None else compile_routing(part, ctx)

    def checks(self, part: Routing | None, compiled: CompiledRouting | None, src: Located,
               ranges: Ranges) -> list[Problem]:
        return [] if compiled is None else check_routing(compiled, src)

    def enter(self, path: YamlPath, old: Any, new: Any) -> Frame | None:
        if path[:-1] == ("routing", "units") and isinstance(path[-1], str):
            element = new if isinstance(new, Mapping) else old
            return Frame(*_UNIT, {"id": path[-1], "label": element}, path[-1])
        return None

    def whole(self, path: YamlPath) -> bool:
        return path[:2] == ("routing", "units") and len(path) == 3

    def describe_early(self, path: YamlPath, old: Any, new: Any, frame: Any,
                       lines: Mapping[str, Any]) -> Words | None:
        if len(path) < 4 or path[:2] != ("routing", "rows") or not isinstance(path[2], int):
            return None
        n = path[2] + 1
        field = path[3]
        if field == "when" and len(path) >= 5:
            col = str(path[4])
            return ("route", f"Routing row {n}, condition on {col}: {arrow(old, new, 'en')}",
                    f"路由表第 {n} 行，{col} 的条件：{arrow(old, new, 'zh')}")
        if field in _OUTPUTS and len(path) == 4:
            en, zh = _OUTPUTS[str(field)]
            return ("route", f"Routing row {n}, {en}: {arrow(old, new, 'en')}",
                    f"路由表第 {n} 行，{zh}：{arrow(old, new, 'zh')}")
        return None

    def describe(self, path: YamlPath, old: Any, new: Any, frame: Frame, en_name: str,
                 zh_name: str, lines: Mapping[str, Any]) -> Words | None:
        if frame.kind == "unit":
            last = path[-1]
            return ("unit", f"Unit {frame.key} ({en_name}) {field_name(last, 'en')}: "
                    f"{arrow(old, new, 'en')}",
                    f"单位 {frame.key}（{zh_name}）{field_name(last, 'zh')}："
                    f"{arrow(old, new, 'zh')}")
        return None


SECTION = RoutingSection()

"""The ids section: the client ID scheme (D-11). Allocation lives in :mod:`bigclient.ledger`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from bigclient.language.source import YamlPath
from bigclient.language.words import arrow
from bigclient.sections.base import Section, Words
from bigclient.sections.ids.scheme import IdScheme


class IdsSection(Section):
    key = "ids"
    stage = 9  # nothing to decide per client
    explain_rank = 9

    def spec_field(self) -> tuple[Any, Any]:
        return IdScheme | None, Field(None, description="the client ID scheme (D-11)")

    def describe_early(self, path: YamlPath, old: Any, new: Any, frame: Any,
                       lines: Mapping[str, Any]) -> Words | None:
        if path[:1] != ("ids",):
            return None
        where = ".".join(str(p) for p in path[1:]) or "ids"
        return "ids", f"ID scheme, {where}: {arrow(old, new, 'en')}", \
            f"客户编号规则 {where}：{arrow(old, new, 'zh')}"


SECTION = IdsSection()

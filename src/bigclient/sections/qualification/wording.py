"""Changes to the qualification section in policy words (for ``bigclient diff``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bigclient.language.source import YamlPath
from bigclient.language.words import MISSING, Frame, arrow, is_label, say
from bigclient.sections.base import Words

_COMBINE = {"any": ("any one criterion", "满足任一条件"),
            "all": ("every criterion", "须满足全部条件")}


def combine(old: Any, new: Any) -> Words:
    o, n = _COMBINE.get(str(old), (old, old)), _COMBINE.get(str(new), (new, new))
    return "combine", f"How criteria combine: {o[0]} → {n[0]}", \
        f"认定条件组合方式：{o[1]} → {n[1]}"


def line_names(lines: Mapping[str, Any], line: str) -> tuple[str, str]:
    label = lines.get(line)
    if is_label(label):
        assert isinstance(label, Mapping)
        return f"{label['en']} ({label['zh']})", str(label["zh"])
    return line, line


def _columns(f: Frame) -> Mapping[str, Any]:
    per_line = (f.element or {}).get("per_line") or {}
    cols = per_line.get("columns") if isinstance(per_line, Mapping) else None
    return cols if isinstance(cols, Mapping) else {}


def threshold(path: YamlPath, old: Any, new: Any, f: Frame,
              lines: Mapping[str, Any]) -> Words:
    """'Letters (函件) specialty threshold, previous year: 12,000 → 15,000'."""
    i = path.index("thresholds")
    line = str(path[i + 1]) if len(path) > i + 1 else ""
    if len(path) == i + 2:  # the whole row (added/removed handled earlier)
        return threshold_row(f, new if new is not MISSING else old, new is not MISSING, lines)
    col = str(path[i + 2])
    col_label = _columns(f).get(col)
    col_en, col_zh = (str(col_label["en"]), str(col_label["zh"])) \
        if isinstance(col_label, Mapping) and is_label(col_label) else (col, col)
    line_en, line_zh = line_names(lines, line)
    crit = str((f.element or {}).get("id", ""))
    crit_zh = ((f.element or {}).get("label") or {}).get("zh", crit)
    return "threshold", f"{line_en} {crit} threshold, {col_en}: {arrow(old, new, 'en')}", \
        f"{line_zh}{crit_zh}门槛（{col_zh}）：{arrow(old, new, 'zh')}"


def threshold_row(f: Frame, row: Any, added: bool, lines: Mapping[str, Any]) -> Words:
    line_en, line_zh = line_names(lines, f.key)
    cols = _columns(f)

    def cells(lang: str) -> str:
        if not isinstance(row, Mapping):
            return say(row, lang)
        return ", ".join(
            f"{(cols[c][lang] if is_label(cols.get(c)) else c)} {say(v, lang)}"
            for c, v in row.items())

    crit = (f.element or {}).get("id", "")
    crit_zh = ((f.element or {}).get("label") or {}).get("zh", crit)
    en = f"{line_en} {crit} thresholds {'added' if added else 'removed'}: {cells('en')}"
    zh = f"{'新增' if added else '删除'}{line_zh}{crit_zh}门槛：{cells('zh')}"
    return "threshold", en, zh

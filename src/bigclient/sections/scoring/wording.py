"""Changes to the scoring section in policy words (for ``bigclient diff``)."""

from __future__ import annotations

from typing import Any

from bigclient.language.source import YamlPath
from bigclient.language.words import Frame, arrow, band_text, bands_text, bound_style, field_name
from bigclient.sections.base import Words


def indicator(path: YamlPath, old: Any, new: Any, f: Frame, en_name: str,
              zh_name: str) -> Words:
    last = path[-1]
    style = bound_style(f.element)
    if last == "weight":
        return "weight", f"Weight of {en_name}: {arrow(old, new, 'en', 'percent')}", \
            f"{zh_name}权重：{arrow(old, new, 'zh', 'percent')}"
    if last == "enabled":
        def scored(v: Any, lang: str) -> str:
            if lang == "zh":
                return "计分" if v else "暂不计分"
            return "scored" if v else "not scored"
        return "indicator", f"{en_name}: {scored(old, 'en')} → {scored(new, 'en')}", \
            f"{zh_name}：{scored(old, 'zh')} → {scored(new, 'zh')}"
    if last == "bands":
        return "band", f"Bands of {en_name}: {bands_text(old, style)} → " \
            f"{bands_text(new, style)}", \
            f"{zh_name}档次表：{bands_text(old, style)} → {bands_text(new, style)}"
    if "bands" in path and f.band is not None:
        st = style if last in ("from", "to") else "plain"
        band = band_text(f.band, style)
        return "band", f"{en_name} band {band}, {field_name(last, 'en')}: " \
            f"{arrow(old, new, 'en', st)}", \
            f"{zh_name}档次 {band} 的{field_name(last, 'zh')}：{arrow(old, new, 'zh', st)}"
    if last == "otherwise":
        return "band", f"{en_name} {field_name(last, 'en')}: {arrow(old, new, 'en')}", \
            f"{zh_name}{field_name(last, 'zh')}：{arrow(old, new, 'zh')}"
    return "indicator", f"{en_name} {field_name(last, 'en')}: {arrow(old, new, 'en')}", \
        f"{zh_name}{field_name(last, 'zh')}：{arrow(old, new, 'zh')}"

"""The self-contained HTML impact report of ``bigclient diff --html`` (D-10).

For people who never open a terminal: the rule changes in policy words, the tier migration
matrix, a before/after score histogram and the movers, in one file with inline CSS and SVG
(no scripts, no outside links), headings in Chinese and English.
"""

from __future__ import annotations

import html
from typing import Any

from bigclient.language.words import say
from bigclient.ruleset import Ruleset
from bigclient.workflow.diff import Change
from bigclient.workflow.impact import Impact, dates, heading

_CSS = """
body{font-family:"Noto Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
 margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1f2328;line-height:1.5}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;
 border-bottom:2px solid #d0d7de;padding-bottom:.3rem}h2 small,h1 small{color:#57606a;
 font-weight:normal}.sub{color:#57606a;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1.2rem 0}.card{border:1px solid #d0d7de;
 border-radius:8px;padding:.6rem 1rem;min-width:9rem;background:#f6f8fa}
.card b{display:block;font-size:1.6rem}.card span{font-size:.85rem;color:#57606a}
table{border-collapse:collapse;margin:.6rem 0;font-size:.92rem}
th,td{border:1px solid #d0d7de;padding:.35rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
td.kind{font-family:ui-monospace,monospace;font-size:.8rem;color:#57606a}
td.path{font-family:ui-monospace,monospace;font-size:.78rem;color:#57606a}
.matrix td{text-align:center;min-width:4.5rem;font-variant-numeric:tabular-nums}
.matrix td.same{background:#eaeef2}.matrix td.zero{color:#b1bac4}
.legend span{display:inline-block;padding:.1rem .5rem;margin-right:.5rem;border-radius:4px}
.up{color:#116329}.down{color:#a40e26}.note{color:#57606a;font-size:.9rem}
footer{margin-top:3rem;color:#57606a;font-size:.8rem}
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _cell_colour(kind: str, n: int, biggest: int) -> str:
    strength = 0.15 + 0.6 * (n / biggest if biggest else 0)
    rgb = "46,160,67" if kind == "up" else "207,34,46"
    return f"background:rgba({rgb},{strength:.2f})"


def _matrix_html(imp: Impact, old: Ruleset, new: Ruleset) -> str:
    moved = [imp.count(o, n) for o in imp.tiers for n in imp.tiers if o != n]
    biggest = max(moved, default=0)
    head = "".join(f"<th>{_e(imp.label(t, 'zh'))}<br><small>{_e(imp.label(t))}</small></th>"
                   for t in imp.tiers)
    rows = []
    for o in imp.tiers:
        cells = []
        for n in imp.tiers:
            c = imp.count(o, n)
            if o == n:
                cells.append(f'<td class="same">{c:,}</td>')
            elif c == 0:
                cells.append('<td class="zero">0</td>')
            else:
                kind = "up" if imp.rank(n) < imp.rank(o) else "down"
                arrow = "▲" if kind == "up" else "▼"
                cells.append(f'<td style="{_cell_colour(kind, c, biggest)}" title="'
                             f'{_e(imp.label(o))} → {_e(imp.label(n))}"><b>{c:,}</b> '
                             f'{arrow}</td>')
        total = sum(imp.count(o, n) for n in imp.tiers)
        rows.append(f"<tr><th>{_e(imp.label(o, 'zh'))}<br><small>{_e(imp.label(o))}</small>"
                    f"</th>{''.join(cells)}<td class=\"n\"><b>{total:,}</b></td></tr>")
    totals = "".join(f'<td class="n"><b>{sum(imp.count(o, n) for o in imp.tiers):,}</b></td>'
                     for n in imp.tiers)
    return (f'<table class="matrix"><tr><th>{_e(old.version)} ↓ \\ {_e(new.version)} →</th>'
            f"{head}<th>合计<br><small>Total</small></th></tr>{''.join(rows)}"
            f"<tr><th>合计<br><small>Total</small></th>{totals}<td class=\"n\"><b>"
            f"{imp.evaluated:,}</b></td></tr></table>"
            '<p class="legend note"><span style="background:#eaeef2">同级 unchanged</span>'
            '<span style="background:rgba(46,160,67,.45)">▲ 升级 moved up</span>'
            '<span style="background:rgba(207,34,46,.45)">▼ 降级 moved down</span>'
            "颜色越深人数越多 · the darker, the more clients</p>")


def _nice_top(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value


_TIER_COLOURS = ("#3b5bdb", "#e0a800", "#8f9ba8", "#69a86f", "#ae3ec9", "#f76707", "#0c8599")


def _cutoffs(rs: Ruleset) -> str:
    scoring = rs.section("scoring")
    if scoring is None:
        return "—"
    return " · ".join(f"{t.label.zh} {t.label.en} ≥ {say(t.min, 'en')}"
                      for t in sorted(scoring.spec.tiers, key=lambda t: -t.min))


def histogram_svg(imp: Impact, old: Ruleset, new: Ruleset, width: int = 10) -> str:
    """Big clients' scores per bin, two bars per bin (before, after), each bar stacked by
    the tier the clients get, so a moved cut-off shows as a bar changing colour."""
    bins = imp.histogram_by_tier(width)
    tiers = [t for t in imp.tiers if t is not None]
    colour = {t: _TIER_COLOURS[i % len(_TIER_COLOURS)] for i, t in enumerate(tiers)}
    w, h, left, right, top, bottom = 780, 360, 56, 16, 20, 112
    plot_w, plot_h = w - left - right, h - top - bottom
    peak = _nice_top(max([max(a.total(), b.total()) for _, _, a, b in bins] + [1]))
    slot = plot_w / len(bins)
    bar = slot * 0.38

    def y(n: int) -> float:
        return top + plot_h - plot_h * n / peak

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
             f'height="{h}" role="img" aria-label="score distribution of big clients, '
             f'{_e(old.version)} and {_e(new.version)}">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
             'stroke="#d0d7de"/>']
    for k in range(5):
        val = peak * k // 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(val):.1f}" '
                     f'y2="{y(val):.1f}" stroke="#eaeef2"/>'
                     f'<text x="{left - 6}" y="{y(val) + 4:.1f}" font-size="11" '
                     f'text-anchor="end" fill="#57606a">{val:,}</text>')
    base = top + plot_h
    for i, (lo, hi, before, after) in enumerate(bins):
        x0 = left + i * slot + slot * 0.1
        for j, (counts, version, opacity, word) in enumerate((
                (before, old.version, "0.5", "前"), (after, new.version, "1", "后"))):
            bx = x0 + j * (bar + slot * 0.04)
            level = 0
            for tier in reversed(tiers):  # the lowest tier at the bottom
                n = counts.get(tier, 0)
                if not n:
                    continue
                parts.append(f'<rect x="{bx:.1f}" y="{y(level + n):.1f}" width="{bar:.1f}" '
                             f'height="{y(level) - y(level + n):.1f}" fill="{colour[tier]}" '
                             f'fill-opacity="{opacity}" stroke="{colour[tier]}">'
                             f"<title>{_e(version)} · {lo}–{hi}: {n:,} "
                             f"{_e(imp.label(tier, 'zh'))} {_e(imp.label(tier))}</title></rect>")
                level += n
            if level:
                parts.append(f'<text x="{bx + bar / 2:.1f}" y="{y(level) - 3:.1f}" '
                             f'font-size="10" text-anchor="middle">{level:,}</text>')
                parts.append(f'<text x="{bx + bar / 2:.1f}" y="{base + 11}" font-size="9" '
                             f'text-anchor="middle" fill="#57606a">{word}</text>')
        parts.append(f'<text x="{left + i * slot + slot / 2:.1f}" y="{base + 26}" '
                     f'font-size="11" text-anchor="middle" fill="#1f2328">{lo}–{hi}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{base + 44}" font-size="12" '
                 'text-anchor="middle" fill="#1f2328">得分 score</text>')
    lx = left
    for tier in tiers:
        parts.append(f'<rect x="{lx}" y="{base + 56}" width="12" height="12" '
                     f'fill="{colour[tier]}"/><text x="{lx + 16}" y="{base + 66}" '
                     f'font-size="11">{_e(imp.label(tier, "zh"))} {_e(imp.label(tier))}</text>')
        lx += 130
    parts.append(f'<text x="{left}" y="{base + 86}" font-size="11" fill="#57606a">'
                 f"浅色“前” = {_e(old.version)} 调整前 before: {_e(_cutoffs(old))}</text>")
    parts.append(f'<text x="{left}" y="{base + 102}" font-size="11" fill="#57606a">'
                 f"深色“后” = {_e(new.version)} 调整后 after: {_e(_cutoffs(new))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def render_html(old: Ruleset, new: Ruleset, changes: list[Change], imp: Impact | None,
                input_name: str = "", generated: str = "") -> str:
    """A self-contained page (inline CSS and SVG, no scripts) for policy staff."""
    title = f"规则变更报告 Ruleset change report — {heading(old, new)}"
    body: list[str] = [
        "<h1>规则变更报告 <small>Ruleset change report</small></h1>",
        f'<p class="sub">{_e(new.title.zh)} · {_e(new.title.en)}<br>'
        f"<b>{_e(old.id)} {_e(old.version)}</b> ({_e(dates(old))}) → "
        f"<b>{_e(new.id)} {_e(new.version)}</b> ({_e(dates(new))})"
        + (f"<br>客户文件 Client file: <code>{_e(input_name)}</code>" if input_name else "")
        + "</p>"]
    cards = [(len(changes), "规则变更 rule changes")]
    if imp is not None:
        cards += [(imp.evaluated, "已评估客户 clients evaluated"),
                  (len(imp.movers), "级别变动 tier changed"),
                  (imp.newly_qualified, "新认定大客户 newly qualified"),
                  (imp.no_longer_qualified, "不再是大客户 no longer qualified"),
                  (len(imp.bad_rows), "错误行 bad rows")]
    body.append('<div class="cards">' + "".join(
        f"<div class=\"card\"><b>{n:,}</b><span>{_e(t)}</span></div>" for n, t in cards)
        + "</div>")
    body.append("<h2>规则变更 <small>What changed in the rules</small></h2>")
    if changes:
        rows = "".join(
            f"<tr><td class=\"n\">{i}</td><td>{_e(c.zh)}</td><td>{_e(c.en)}</td>"
            f"<td class=\"kind\">{_e(c.kind)}</td><td class=\"path\">{_e(c.yaml_path)}"
            + (f"<br>line {c.line}" if c.line else "") + "</td></tr>"
            for i, c in enumerate(changes, start=1))
        body.append("<table><tr><th>#</th><th>变更</th><th>Change</th><th>类别 kind</th>"
                    f"<th>位置 where</th></tr>{rows}</table>")
    else:
        body.append("<p>两个版本的规则相同。The two versions say the same thing.</p>")
    if imp is None:
        body.append('<p class="note">未提供客户文件，故无影响分析。No client file was given '
                    "(--input), so there is no impact analysis.</p>")
    else:
        body += _impact_html(imp, old, new)
    body.append(f"<footer>bigclient diff · {_e(generated)}</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def _impact_html(imp: Impact, old: Ruleset, new: Ruleset) -> list[str]:
    out = ["<h2>级别迁移 <small>Who moves between tiers</small></h2>",
           f'<p class="note">每行是 {_e(old.version)} 下的级别，每列是 {_e(new.version)} 下的级别；'
           f"格内是客户数。Rows: tier under {_e(old.version)}; columns: tier under "
           f"{_e(new.version)}; each cell counts clients.</p>",
           _matrix_html(imp, old, new),
           "<h2>大客户认定 <small>Who is a big client</small></h2>",
           f"<table><tr><th>新认定为大客户<br><small>newly qualified</small></th>"
           f"<td class=\"n\"><b>{imp.newly_qualified:,}</b></td></tr>"
           f"<tr><th>不再是大客户<br><small>no longer qualified</small></th>"
           f"<td class=\"n\"><b>{imp.no_longer_qualified:,}</b></td></tr>"
           f"<tr><th>升级<br><small>moved up a tier (or became a big client)</small></th>"
           f"<td class=\"n up\"><b>{imp.up:,}</b></td></tr>"
           f"<tr><th>降级<br><small>moved down (or stopped being one)</small></th>"
           f"<td class=\"n down\"><b>{imp.down:,}</b></td></tr></table>"]
    if imp.criteria_gained or imp.criteria_lost:
        keys = sorted(set(imp.criteria_gained) | set(imp.criteria_lost))
        rows = "".join(f"<tr><td><code>{_e(k)}</code></td><td class=\"n up\">"
                       f"{imp.criteria_gained.get(k, 0):,}</td><td class=\"n down\">"
                       f"{imp.criteria_lost.get(k, 0):,}</td></tr>" for k in keys)
        out.append('<p class="note">认定条件的变化（客户可能仍因其他条件是大客户）。Criteria met '
                   "before and after (a client may still qualify by another criterion).</p>"
                   "<table><tr><th>条件 criterion</th><th>获得 gained</th><th>失去 lost</th></tr>"
                   f"{rows}</table>")
    bins = imp.histogram()
    out += ["<h2>得分分布 <small>Score distribution, before and after</small></h2>",
            '<p class="note">大客户（已认定）的得分，每 10 分一档；每档左柱为调整前、右柱为调整后，'
            "颜色表示所得级别。Scores of big clients in 10-point bins: in each bin the left "
            "bar is before, the right bar after; colours show the tier the clients get.</p>",
            histogram_svg(imp, old, new),
            "<table><tr><th>得分 score</th>" + "".join(f"<th>{lo}–{hi}</th>"
                                                      for lo, hi, _, _ in bins) + "</tr>"
            f"<tr><th>{_e(old.version)} 调整前 before</th>"
            + "".join(f'<td class="n">{a:,}</td>' for _, _, a, _ in bins) + "</tr>"
            f"<tr><th>{_e(new.version)} 调整后 after</th>"
            + "".join(f'<td class="n">{b:,}</td>' for _, _, _, b in bins) + "</tr></table>"]
    out.append(f"<h2>级别变动的客户 <small>Clients whose tier changes "
               f"({len(imp.movers):,})</small></h2>")
    if imp.movers:
        rows = "".join(
            f"<tr><td class=\"n\">{m.row}</td><td>{_e(m.client_id)}</td><td>{_e(m.name)}</td>"
            f"<td>{_e(imp.label(m.old_tier, 'zh'))} <small>{_e(imp.label(m.old_tier))}</small>"
            f"</td><td class=\"n\">{_e(say(m.old_score, 'en'))}</td>"
            f"<td class=\"{'up' if imp.rank(m.new_tier) < imp.rank(m.old_tier) else 'down'}\">"
            f"{'▲' if imp.rank(m.new_tier) < imp.rank(m.old_tier) else '▼'} "
            f"{_e(imp.label(m.new_tier, 'zh'))} <small>{_e(imp.label(m.new_tier))}</small></td>"
            f"<td class=\"n\">{_e(say(m.new_score, 'en'))}</td></tr>" for m in imp.movers)
        out.append("<table><tr><th>行 row</th><th>客户编号 client id</th><th>名称 name</th>"
                   f"<th>原级别 tier ({_e(old.version)})</th><th>原得分 score</th>"
                   f"<th>新级别 tier ({_e(new.version)})</th><th>新得分 score</th></tr>"
                   f"{rows}</table>")
    else:
        out.append("<p>没有客户的级别发生变化。No client changes tier.</p>")
    if imp.bad_rows:
        rows = "".join(f"<tr><td class=\"n\">{b.row}</td><td>{_e(b.client_id)}</td>"
                       f"<td>{_e(b.error)}</td></tr>" for b in imp.bad_rows)
        out.append("<h2>无法评估的行 <small>Rows that could not be evaluated</small></h2>"
                   "<table><tr><th>行 row</th><th>客户编号 client id</th><th>原因 why</th></tr>"
                   f"{rows}</table>")
    return out


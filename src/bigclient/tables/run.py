"""``bigclient evaluate`` over a file: read, decide each row, write, summarise."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from bigclient.errors import BigClientError
from bigclient.i18n import _, language, ngettext
from bigclient.tables.batchrun import batch_ready, evaluate_batches
from bigclient.tables.columns import declared_identity, known_columns
from bigclient.tables.display import Progress, format_table
from bigclient.tables.read import Source, checked_plan, planned_rows
from bigclient.tables.write import Output, interruptible

DECISION_COLUMNS = ("qualified", "criteria", "score", "computed_tier", "tier", "flags", "error")
ROUTE_COLUMNS = ("unit", "support")


def route_cells(d: Any) -> dict[str, str]:
    """The responsible and supporting units; a per-line route is written unit[line]."""
    return {"unit": ";".join(r.unit + (f"[{r.line}]" if r.line else "") for r in d.routes),
            "support": ";".join(r.support or "" for r in d.routes if r.support)}


def evaluate_file(ruleset: Any, in_path: Path, out_path: Path | None, ctx: dict[str, Any], *,
                  keep: Iterable[str] = (), encoding: str = "utf-8", sheet: str | None = None,
                  err: IO[str] | None = None) -> int:
    """Decide every row of ``in_path`` into ``out_path`` (or the screen); 0 clean, 1 bad rows.

    Raises :class:`TableError` (nothing written) for a file that cannot be read or written.
    """
    err = err if err is not None else sys.stderr
    cols = known_columns(ruleset, (*declared_identity(ruleset), *keep))
    routed = ruleset.section("routing") is not None
    columns = ("row", *cols.kept, *DECISION_COLUMNS[:-1],
               *(ROUTE_COLUMNS if routed else ()), DECISION_COLUMNS[-1])
    tiers: Counter[str | None] = Counter()
    bad = total = 0
    with Source(in_path, encoding, sheet) as source:
        plan = checked_plan(source, cols)  # the header is checked here, before any row
        rows = planned_rows(source, cols, plan)
        progress = Progress(err, size=source.size, total_rows=(source.total_rows or 1) - 1
                            if source.total_rows else None)
        what = _("nothing was written") if out_path else _("the output above is incomplete")
        with interruptible(what), Output(out_path, columns, in_path,
                                         decimals={"score": score_scale(ruleset)}) as out:
            full = out.kind == "jsonl"  # the whole decision only where it is written
            if batch_ready(ruleset, source, plan, out.kind):

                def report(error: str) -> None:
                    progress.clear()
                    print(_("{file}: {error}").format(file=in_path, error=error), file=err)

                tiers, bad, total = evaluate_batches(
                    ruleset, source, cols, ctx, out, routed, report,
                    lambda rows: progress.tick(source.position if progress.enabled else None,
                                               rows))
                rows = iter(())
            for row in rows:
                total += 1
                progress.tick(source.position if progress.enabled else None)
                error = row.error
                if row.record is not None:
                    try:
                        d = ruleset.decide(row.record, ctx, row=row.n)
                    except BigClientError as exc:
                        error = str(exc)
                base = {"row": row.n, **{k: row.kept.get(k) for k in cols.kept}}
                if error:
                    bad += 1
                    progress.clear()
                    print(_("{file}: {error}").format(file=in_path, error=error), file=err)
                    out.write({**base, "error": error},
                              {"row": row.n, **row.kept, "error": error})
                    continue
                tiers[d.tier if d.qualified else None] += 1
                out.write({**base, "qualified": d.qualified, "criteria": ";".join(d.criteria),
                           "score": d.score, "computed_tier": d.computed_tier,
                           "tier": d.tier, "flags": ";".join(d.flags),
                           **(route_cells(d) if routed else {})},
                          {"row": row.n, **row.kept, **d.to_dict()} if full else {})
            progress.done()
    summary = summary_table(ruleset, tiers, bad)
    if summary:
        print(summary, file=err)
    print(_("{good:,} of {total:,} rows evaluated with {id} {version}").format(
        good=total - bad, total=total, id=ruleset.id, version=ruleset.version)
        + (ngettext("; {bad:,} row had errors (see above)", "; {bad:,} rows had errors (see "
                    "above)", bad).format(bad=bad) if bad else ""), file=err)
    return 1 if bad else 0


def score_scale(ruleset: Any) -> int:
    """Digits after the point of the declared score step (0.01 -> 2): the Parquet scale."""
    exponent = ruleset.spec.rounding.score.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 2


def summary_table(ruleset: Any, tiers: Counter[str | None], bad: int) -> str:
    """Clients per tier, labels in the reader's language, aligned for Chinese text."""
    scoring = ruleset.spec.scoring
    if scoring is None or not (sum(tiers.values()) + bad):
        return ""
    lang = language()
    rows = [[t.id, t.label(lang), f"{tiers.get(t.id, 0):,}"]
            for t in sorted(scoring.tiers, key=lambda t: t.min, reverse=True)]
    rows.append(["-", _("not a big client"), f"{tiers.get(None, 0):,}"])
    if bad:
        rows.append(["-", _("bad rows"), f"{bad:,}"])
    return format_table([_("tier"), _("label"), _("clients")], rows, right=(False, False, True))

"""Peers side by side on one core, one run: Shantou decisions per second, every one checked.

    python benchmarks/bench_peers.py [--rows 100000]

The clients (examples/generate.py) are converted once into the dicts a host service holds:
amounts already ``Decimal``, yes/no already ``bool``, per-line revenue as nested dicts. Each
engine decides every client; its decisions are compared with an exact reference (bigclient's
scalar path, itself checked against the hand-written exact function). Engines:

- hand-written exact Decimal function (the simplest exact code for the same rules);
- hand-written float function (fed the same dicts with floats, converted once; its wrong
  tiers are counted, not hidden);
- GoRules zen-engine: its decision-table graph, and the whole policy as one expression
  (zen takes no Decimal: amounts are given as text, converted once, read with number());
- simpleeval with every expression parsed once (``previously_parsed``);
- bigclient ``evaluate_many`` (scalar path);
- bigclient ``evaluate_table`` (columnar path): from the dicts (conversion to Arrow timed
  in), from an Arrow table already in memory (the process's first table), and that table
  again (what each later table of a long run costs: no imports, plan or fresh memory).

One core: the process is pinned to one CPU, OMP_NUM_THREADS=1 and pyarrow's CPU and I/O
pools have one thread.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import itertools
import json
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_evaluate import SPECIALTY, revenue_score, share_score  # noqa: E402
from generate import LINES, clients  # noqa: E402

import bigclient  # noqa: E402
from bigclient.batch import records_to_table  # noqa: E402

D = Decimal
ZERO = D(0)
CENT = D("0.01")
BUREAU = D("200000000")
CTX = {"bureau_revenue": BUREAU}
Outcome = tuple[bool, str | None]
_BOOL = {"true": True, "false": False}


def host_dicts(rows: int) -> list[dict[str, Any]]:
    """The generated CSV records as a host service holds them (parsed once)."""
    out = []
    for r in clients(rows, 7):
        d: dict[str, Any] = {"revenue_prev_year": {}, "revenue_month": {}}
        for key, value in r.items():
            head, dot, line = key.partition(".")
            if dot:
                d[head][line] = D(value)
            elif key in ("agreement_signed", "credit_warning"):
                d[key] = _BOOL[value]
            elif key.startswith("newspapers"):
                d[key] = D(value)
            else:
                d[key] = value
        out.append(d)
    return out


# -- hand-written, exact -------------------------------------------------------------------
def exact(row: dict[str, Any]) -> Outcome:
    year, month = row["revenue_prev_year"], row["revenue_month"]
    total_y = sum(year.values(), ZERO)
    ty = row.get("newspapers_turnover_prev_year", ZERO)
    tm = row.get("newspapers_turnover_month", ZERO)
    d3 = ty * row.get("newspapers_commission_rate", ZERO) / 12 + row.get(
        "newspapers_other_revenue_month", ZERO)
    total_m = sum(month.values(), ZERO) + (d3 if month.get("newspapers", ZERO) == 0 else ZERO)
    qualified = row.get("agreement_signed", False) or (total_y >= 10000 and total_m >= 1000) \
        or any(year.get(ln, ZERO) >= a and month.get(ln, ZERO) >= b
               for ln, (a, b) in SPECIALTY.items()) or (ty >= 20000 and tm >= 2000)
    if not qualified:
        return False, None
    score = (D("0.6") * revenue_score(total_y) + D("0.4") * share_score(total_y / BUREAU)
             ).quantize(CENT, rounding=ROUND_HALF_UP)
    return True, ("diamond" if score >= 90 else "gold" if score >= 75 else "silver"
                  if score >= 65 else "general")


# -- hand-written, float -------------------------------------------------------------------
F_SPECIALTY = {k: (float(a), float(b)) for k, (a, b) in SPECIALTY.items()}
F_BUREAU = float(BUREAU)


def as_floats(row: dict[str, Any]) -> dict[str, Any]:
    return {k: ({ln: float(v) for ln, v in value.items()} if isinstance(value, dict)
                else float(value) if isinstance(value, Decimal) else value)
            for k, value in row.items()}


def floats(row: dict[str, Any]) -> Outcome:
    year, month = row["revenue_prev_year"], row["revenue_month"]
    total_y = sum(year.values(), 0.0)
    ty = row.get("newspapers_turnover_prev_year", 0.0)
    tm = row.get("newspapers_turnover_month", 0.0)
    d3 = ty * row.get("newspapers_commission_rate", 0.0) / 12 + row.get(
        "newspapers_other_revenue_month", 0.0)
    total_m = sum(month.values(), 0.0) + (d3 if month.get("newspapers", 0.0) == 0 else 0.0)
    qualified = row.get("agreement_signed", False) or (total_y >= 10000 and total_m >= 1000) \
        or any(year.get(ln, 0.0) >= a and month.get(ln, 0.0) >= b
               for ln, (a, b) in F_SPECIALTY.items()) or (ty >= 20000 and tm >= 2000)
    if not qualified:
        return False, None
    s = total_y / F_BUREAU
    r = (100 if total_y >= 1_500_000 else 90 if total_y >= 1_000_000 else 80
         if total_y >= 500_000 else 70 if total_y >= 300_000 else 60 if total_y >= 100_000
         else 0)
    sh = (100 if s >= 0.003 else 80 if s >= 0.001 else 60 if s >= 0.0005 else 40
          if s >= 0.0001 else 0)
    score = round(0.6 * r + 0.4 * sh, 2)
    return True, ("diamond" if score >= 90 else "gold" if score >= 75 else "silver"
                  if score >= 65 else "general")


# -- simpleeval, parsed once -----------------------------------------------------------------
def simpleeval_runner(rs: bigclient.Ruleset) -> Callable[[dict[str, Any]], Outcome]:
    from simpleeval import EvalWithCompoundTypes

    from bigclient.language.expr import reference_functions

    ev = EvalWithCompoundTypes(functions=reference_functions())

    def parsed(expr: Any) -> tuple[str, Any, dict[str, Decimal]]:
        return expr.reference_text, ev.parse(expr.reference_text), expr.constants

    derived = [(name, *parsed(e)) for name, e in rs.derived]
    q = rs.section("qualification")
    criteria = [parsed(c.expr) for c in q.criteria if c.expr is not None]
    table = next(c for c in q.criteria if c.expr is None)
    sc = rs.section("scoring")
    indicators = [(i, *parsed(i.expr)) for i in sc.enabled if i.expr is not None]
    defaults = {"agreement_signed": False, "credit_warning": False, "scope": "comprehensive",
                "newspapers_turnover_prev_year": ZERO, "newspapers_turnover_month": ZERO,
                "newspapers_commission_rate": ZERO, "newspapers_other_revenue_month": ZERO,
                "bureau_revenue": BUREAU}

    def run(row: dict[str, Any]) -> Outcome:
        env = {**defaults, **row}
        env["revenue_prev_year"] = {ln: row["revenue_prev_year"].get(ln, ZERO) for ln in LINES}
        env["revenue_month"] = {ln: row["revenue_month"].get(ln, ZERO) for ln in LINES}
        for name, text, tree, consts in derived:
            ev.names = {**env, **consts}
            env[name] = ev.eval(text, previously_parsed=tree)
        qualified = False
        for text, tree, consts in criteria:
            ev.names = {**env, **consts}
            if ev.eval(text, previously_parsed=tree):
                qualified = True
                break
        if not qualified:
            qualified = any(all((env[c.source][line] if c.by_line else env[c.source])
                                >= c.threshold for c in checks) for line, checks in table.lines)
        if not qualified:
            return False, None
        total = ZERO
        for ind, text, tree, consts in indicators:
            ev.names = {**env, **consts}
            value = ev.eval(text, previously_parsed=tree)
            score = ind.spec.otherwise
            for band in ind.bands:
                if (band.from_ is None or value >= band.from_) and (
                        band.to is None or value < band.to):
                    score = band.score
            total += ind.weight * score
        return True, sc.tier_of(total.quantize(CENT, rounding=ROUND_HALF_UP))

    return run


# -- GoRules ZEN: decision tables ------------------------------------------------------------
def zen_engine(one_expression: bool) -> Callable[[dict[str, Any]], Outcome]:
    import zen

    def n(path: str) -> str:
        return f"({path} == null ? 0 : number({path}))"

    def table(nid: str, field: str, out: str, rules: list[tuple[str, str]]) -> dict[str, Any]:
        return {"id": nid, "type": "decisionTableNode", "name": nid,
                "position": {"x": 0, "y": 0},
                "content": {"hitPolicy": "first", "passThrough": True,
                            "inputs": [{"id": "i", "name": field, "field": field}],
                            "outputs": [{"id": "o", "name": out, "field": out}],
                            "rules": [{"_id": f"{nid}{k}", "i": cond, "o": value}
                                      for k, (cond, value) in enumerate(rules)]}}

    spec = " or ".join(
        f"({n('revenue_prev_year.' + ln)} >= {a} and {n('revenue_month.' + ln)} >= {b})"
        for ln, (a, b) in SPECIALTY.items())
    totals = {"id": "t", "type": "expressionNode", "name": "totals", "position": {"x": 0, "y": 0},
              "content": {"passThrough": True, "expressions": [
                  {"id": f"t{i}", "key": k, "value": v} for i, (k, v) in enumerate([
                      ("ty", " + ".join(n(f"revenue_prev_year.{x}") for x in LINES)),
                      ("turn_y", n("newspapers_turnover_prev_year")),
                      ("turn_m", n("newspapers_turnover_month")),
                      ("tm", " + ".join(n(f"revenue_month.{x}") for x in LINES)
                       + f" + ({n('revenue_month.newspapers')} == 0 ? $.turn_y * "
                         f"{n('newspapers_commission_rate')} / 12 + "
                         f"{n('newspapers_other_revenue_month')} : 0)"),
                      ("share", f"$.ty / {BUREAU}"),
                      ("qualified", f"agreement_signed == true or ($.ty >= 10000 and $.tm >= "
                                    f"1000) or {spec} or ($.turn_y >= 20000 and $.turn_m >= "
                                    "2000)")])]}}
    revenue = table("r", "ty", "r", [(">= 1500000", "100"), (">= 1000000", "90"),
                                      (">= 500000", "80"), (">= 300000", "70"),
                                      (">= 100000", "60"), ("", "0")])
    share = table("s", "share", "s", [(">= 0.003", "100"), (">= 0.001", "80"),
                                       (">= 0.0005", "60"), (">= 0.0001", "40"), ("", "0")])
    score = {"id": "sc", "type": "expressionNode", "name": "score", "position": {"x": 0, "y": 0},
             "content": {"passThrough": True, "expressions": [
                 {"id": "sc0", "key": "score", "value": "round(0.6 * r + 0.4 * s, 2)"}]}}
    tier = {"id": "tier", "type": "decisionTableNode", "name": "tier",
            "position": {"x": 0, "y": 0},
            "content": {"hitPolicy": "first", "passThrough": False,
                        "inputs": [{"id": "q", "name": "qualified", "field": "qualified"},
                                   {"id": "x", "name": "score", "field": "score"}],
                        "outputs": [{"id": "o", "name": "tier", "field": "tier"}],
                        "rules": [{"_id": "z0", "q": "false", "x": "", "o": "null"},
                                  {"_id": "z1", "q": "", "x": ">= 90", "o": "'diamond'"},
                                  {"_id": "z2", "q": "", "x": ">= 75", "o": "'gold'"},
                                  {"_id": "z3", "q": "", "x": ">= 65", "o": "'silver'"},
                                  {"_id": "z4", "q": "", "x": "", "o": "'general'"}]}}
    if one_expression:
        totals["content"]["expressions"] += [
            {"id": f"x{i}", "key": k, "value": v} for i, (k, v) in enumerate([
                ("r", "$.ty >= 1500000 ? 100 : $.ty >= 1000000 ? 90 : $.ty >= 500000 ? 80 : "
                      "$.ty >= 300000 ? 70 : $.ty >= 100000 ? 60 : 0"),
                ("s", "$.share >= 0.003 ? 100 : $.share >= 0.001 ? 80 : $.share >= 0.0005 ? "
                      "60 : $.share >= 0.0001 ? 40 : 0"),
                ("score", "round(0.6 * $.r + 0.4 * $.s, 2)"),
                ("tier", "not $.qualified ? null : $.score >= 90 ? 'diamond' : $.score >= 75 "
                         "? 'gold' : $.score >= 65 ? 'silver' : 'general'")])]
        totals["content"]["passThrough"] = False
        revenue, share, score, tier = [], [], [], []  # type: ignore[assignment]
    order = ["in", "t", "r", "s", "sc", "tier", "out"]
    if one_expression:
        order = ["in", "t", "out"]
    jdm = {"nodes": [{"id": "in", "type": "inputNode", "name": "in", "position": {"x": 0, "y": 0}},
                     totals, *(x for x in (revenue, share, score, tier) if x),
                     {"id": "out", "type": "outputNode", "name": "out",
                      "position": {"x": 0, "y": 0}}],
           "edges": [{"id": f"e{i}", "sourceId": a, "targetId": b, "type": "edge"}
                     for i, (a, b) in enumerate(itertools.pairwise(order))]}
    decision = zen.ZenEngine().create_decision(json.dumps(jdm))

    def run(row: dict[str, Any]) -> Outcome:
        tier: str | None = decision.evaluate(row)["result"].get("tier")
        return tier is not None, tier

    return run


def as_text(row: dict[str, Any]) -> dict[str, Any]:
    """ZEN takes no Decimal: amounts as their exact text."""
    return {k: ({ln: str(v) for ln, v in value.items()} if isinstance(value, dict)
                else str(value) if isinstance(value, Decimal) else value)
            for k, value in row.items()}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


REPEAT = 3


def cpu_timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """CPU seconds of ``fn`` (the least of ``repeat`` runs: this VM's timings wander by
    up to 2x from run to run) and its result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        result = fn()
        best = min(best, time.process_time() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=REPEAT,
                        help="runs of each fast engine, the least CPU time counted "
                        "(zen-engine and simpleeval run once)")
    args = parser.parse_args()
    n = args.repeat
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import pyarrow as pa
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)

    rs = bigclient.load(ROOT / "rulesets" / "shantou-postal" / "1.0.0.yaml")
    rows = host_dicts(args.rows)
    float_rows = [as_floats(r) for r in rows]
    text_rows = [as_text(r) for r in rows]
    print(f"{len(rows):,} Shantou clients, one core, one run (CPU time, least of {n} for "
          "the fast engines), Python "
          f"{sys.version.split()[0]}, pyarrow {pa.__version__}; load average "
          f"{os.getloadavg()[0]:.1f}\n")

    # Timed like the hand-written functions: each decision reduced to (qualified, tier).
    t_many, reference = cpu_timed(lambda: [(d.qualified, d.tier)
                                           for d in rs.evaluate_many(rows, CTX)], n)
    decisions = [  # untimed: the rest of each decision, to check evaluate_table against
        (d.qualified, d.tier, d.score, d.flags,
         ";".join(r.unit + (f"[{r.line}]" if r.line else "") for r in d.routes) or None)
        for d in rs.evaluate_many(rows, CTX)]
    results: list[tuple[str, float, int]] = []

    def check(name: str, seconds: float, got: list[Outcome]) -> None:
        results.append((name, seconds, sum(a != b for a, b in zip(got, reference, strict=True))))

    check("hand-written exact Decimal", *cpu_timed(lambda: [exact(r) for r in rows], n))
    check("hand-written float", *cpu_timed(lambda: [floats(r) for r in float_rows], n))
    try:
        zt = zen_engine(one_expression=False)
        check("zen-engine decision tables", *cpu_timed(lambda: [zt(r) for r in text_rows]))
        zx = zen_engine(one_expression=True)
        check("zen-engine one expression", *cpu_timed(lambda: [zx(r) for r in text_rows]))
    except ImportError:
        print("(zen-engine not installed: pip install 'bigclient[bench]')")
    se = simpleeval_runner(rs)
    check("simpleeval, parsed once", *cpu_timed(lambda: [se(r) for r in rows]))
    results.append(("bigclient evaluate_many", t_many, 0))

    t_conv, table = cpu_timed(lambda: records_to_table(rs, rows), n)
    t_table, out = cpu_timed(lambda: rs.evaluate_table(table, CTX))
    got = list(zip(out.column("qualified").to_pylist(), out.column("tier").to_pylist(),
                   out.column("score").to_pylist(), out.column("flags").to_pylist(),
                   out.column("unit").to_pylist(), strict=True))
    wrong = sum((q, t, s, tuple(f), u) != d for (q, t, s, f, u), d in
                zip(got, decisions, strict=True))
    meta = out.schema.metadata
    results.append(("bigclient evaluate_table, from dicts", t_conv + t_table, wrong))
    results.append(("bigclient evaluate_table, from Arrow", t_table, wrong))
    # The first call pays once per process for what later tables reuse: importing the batch
    # modules, the ruleset's batch plan, and the allocator's first touch of fresh memory
    # (mimalloc's arena: ~4 ms per 2 MB huge page on this VM). A second table is what every
    # later record batch of a large job costs.
    t_again, again = cpu_timed(lambda: rs.evaluate_table(table, CTX), n)
    results.append(("bigclient evaluate_table, Arrow, 2nd call", t_again,
                    wrong if again.equals(out) else len(rows)))

    exact_rate = len(rows) / next(t for name, t, _ in results if name.startswith("hand-written e"))
    print(f"{'engine':40} {'decisions/s':>12} {'µs/decision':>12} {'× exact fn':>11} "
          f"{'wrong':>6}")
    for name, seconds, bad in results:
        rate = len(rows) / seconds
        print(f"{name:40} {rate:>12,.0f} {1e6 / rate:>12.2f} {rate / exact_rate:>11.2f} "
              f"{bad:>6}")
    print(f"\nevaluate_table: path {meta[b'bigclient.path'].decode()}, "
          f"{meta[b'bigclient.scalar_rows'].decode()} rows by the scalar path; conversion "
          f"dicts → Arrow {t_conv:.3f} s, decisions {t_table:.3f} s (first call), "
          f"{t_again:.3f} s (second call).")
    print("'wrong': decisions differing from bigclient's scalar path (tier and qualified; "
          "for evaluate_table also score, flags and unit).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

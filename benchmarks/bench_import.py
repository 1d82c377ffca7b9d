"""``import bigclient`` + ``load`` of the Shantou ruleset, each in a fresh interpreter.

    python benchmarks/bench_import.py [--runs 15]

Three cases, best and median of ``--runs`` fresh processes each, timed inside the process
from before ``import bigclient`` to after ``load`` returns (the interpreter's own start is
printed apart):

- compiled: the compile cache off (``BIGCLIENT_CACHE=off``): YAML, pydantic, every section;
- revived: a snapshot in the cache from an earlier load (the usual case after the first);
- then one ``evaluate`` on the revived ruleset, to show deciding needs nothing more.

Python's bytecode cache is on (PYTHONDONTWRITEBYTECODE unset; one warm-up run writes the
.pyc files), as on any installed machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULESET = ROOT / "rulesets" / "shantou-postal" / "1.0.0.yaml"

PROBE = """
import time
t0 = time.perf_counter()
import bigclient
t1 = time.perf_counter()
rs = bigclient.load(RULESET)
t2 = time.perf_counter()
from decimal import Decimal
d = rs.evaluate({"region": "440507", "revenue_prev_year": {"savings": Decimal("2000000")},
                 "revenue_month": {"savings": Decimal("3000")}}, {"bureau_revenue": Decimal("2e8")})
t3 = time.perf_counter()
import json, sys
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "evaluate": t3 - t2,
                  "revived": "_revived" in rs.__dict__, "pydantic": "pydantic" in sys.modules}))
""".replace("RULESET", repr(str(RULESET)))


def run(env: dict[str, str]) -> tuple[dict[str, float], float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out), time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as cache_dir:
        cases = {"compiled (cache off)": {**base, "BIGCLIENT_CACHE": "off"},
                 "revived (snapshot)": {**base, "BIGCLIENT_CACHE_DIR": cache_dir}}
        run(cases["revived (snapshot)"])  # writes .pyc files and the snapshot
        print(f"Shantou, {args.runs} fresh interpreters per case, Python "
              f"{sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}\n")
        print(f"{'case':24} {'import+load ms':>15} {'median':>8} {'evaluate ms':>12} "
              f"{'process ms':>11} {'revived':>8} {'pydantic':>9}")
        for name, env in cases.items():
            results = [run(env) for _ in range(args.runs)]
            inner = [1000 * (r["import"] + r["load"]) for r, _ in results]
            first = results[0][0]
            print(f"{name:24} {min(inner):>15.1f} {statistics.median(inner):>8.1f} "
                  f"{1000 * min(r['evaluate'] for r, _ in results):>12.2f} "
                  f"{1000 * min(w for _, w in results):>11.1f} {first['revived']!s:>8} "
                  f"{first['pydantic']!s:>9}")
    print("\n'process ms' is the whole interpreter, start to exit; 'pydantic': whether it "
          "was imported by the end (evaluate included).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

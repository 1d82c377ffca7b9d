"""Spark local[2] against one process, on the same Parquet clients (docs/howto/spark.md).

    python benchmarks/bench_spark.py [--rows 1000000] [--files 8] [--cores 2]

Generates ``--rows`` synthetic Shantou clients (examples/generate.py) once, as a folder of
``--files`` Parquet files with exact types (decimal money, boolean flags, text regions), then
decides every client three ways and reports wall time and CPU-seconds per million rows:

- one process: Parquet read with pyarrow, rows as dicts (decimals as ``Decimal``),
  ``rs.evaluate_many`` (the reading and the deciding are also shown apart);
- one process, ``bigclient.spark.score_batches`` over the same Arrow batches: the Spark
  worker's code without Spark, so the difference to the next line is Spark's own cost;
- Spark ``local[N]``: ``bigclient.spark.evaluate`` reading the Parquet folder and writing the
  decisions as Parquet. CPU counts the driver, the JVM (all its threads) and every Python
  worker (read from /proc, so Linux only); the JVM's start is timed apart.

Every Spark decision is checked against the one-process run (tier and score, row by row).
On a machine with as many cores as Spark is given, scale-out shows its cost, not a speed-up:
read CPU-s per million rows beside the wall time. Never a timed test.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from generate import clients, columns  # noqa: E402

import bigclient  # noqa: E402
import bigclient.spark as bs  # noqa: E402

SHANTOU = ROOT / "rulesets" / "shantou-postal" / "1.0.0.yaml"
CONTEXT = {"bureau_revenue": "2亿"}
TICK = os.sysconf("SC_CLK_TCK")


def arrow_type(name: str) -> pa.DataType:
    if name in ("agreement_signed", "credit_warning"):
        return pa.bool_()
    if name == "newspapers_commission_rate":
        return pa.decimal128(9, 4)
    if "revenue" in name or "turnover" in name:
        return pa.decimal128(18, 2)
    return pa.string()


def generate(folder: Path, rows: int, files: int) -> None:
    """``rows`` clients as ``files`` Parquet files (Spark reads one task per file here)."""
    folder.mkdir(parents=True, exist_ok=True)
    cols = columns()
    schema = pa.schema([(c, arrow_type(c)) for c in cols])
    per_file = -(-rows // files)
    source = clients(rows, 2026)
    for n in range(files):
        chunk = [next(source) for _ in range(min(per_file, rows - n * per_file))]
        data = {c: [_cell(schema.field(c).type, r.get(c)) for r in chunk] for c in cols}
        pq.write_table(pa.table(data, schema=schema), folder / f"part-{n:03d}.parquet")


def _cell(t: pa.DataType, value: str | None) -> Any:
    if not value:
        return None
    if pa.types.is_boolean(t):
        return value == "true"
    return Decimal(value) if pa.types.is_decimal(t) else value


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def records(folder: Path) -> Iterator[dict[str, Any]]:
    """The Parquet clients as dicts, as pyarrow gives them (decimals as Decimal)."""
    for path in sorted(folder.glob("*.parquet")):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
            names = batch.schema.names
            for values in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                yield dict(zip(names, values, strict=True))


def one_process(rs: bigclient.Ruleset, folder: Path) -> dict[str, Any]:
    """Streamed (flat memory): reading alone first, then reading and deciding together."""
    t0, c0 = time.perf_counter(), cpu()
    for _row in records(folder):
        pass
    t1, c1 = time.perf_counter(), cpu()
    out = [(d.identity["client_id"], d.tier, d.score)
           for d in rs.evaluate_many(records(folder), CONTEXT)]
    t2, c2 = time.perf_counter(), cpu()
    read = (t1 - t0, c1 - c0)
    total = (t2 - t1, c2 - c1)
    return {"read": read, "decide": (total[0] - read[0], total[1] - read[1]),
            "total": total, "decisions": out}


def worker_code(rs: bigclient.Ruleset, folder: Path) -> tuple[float, float, int]:
    """bigclient.spark.score_batches in this process, over the same Arrow batches."""
    cols = columns()
    safe = [bs.SAFE.format(i) for i in range(len(cols))]
    job = bs.Job(text=rs.source.text, file=rs.file, context=CONTEXT,
                 inputs=tuple((s, c) for s, c in zip(safe, cols, strict=True)
                              if c not in ("client_id", "name")),
                 kept=((safe[0], "client_id"), (safe[1], "name")), errors="raise",
                 routed=rs.section("routing") is not None, score_scale=2)

    def batches() -> Iterator[pa.RecordBatch]:
        for path in sorted(folder.glob("*.parquet")):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=10_000):
                yield pa.RecordBatch.from_arrays(batch.columns, names=safe)

    t0, c0 = time.perf_counter(), cpu()
    n = sum(b.num_rows for b in bs.score_batches(job, batches()))
    return time.perf_counter() - t0, cpu() - c0, n


def tree_cpu(root: int) -> tuple[float, float]:
    """CPU-seconds of process ``root`` itself and of all its descendants (alive or reaped)."""
    parents: dict[int, int] = {}
    times: dict[int, tuple[float, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(fields[1])
        own = (int(fields[11]) + int(fields[12])) / TICK
        reaped = (int(fields[13]) + int(fields[14])) / TICK
        times[pid] = (own, reaped)
    own_root = times.get(root, (0.0, 0.0))
    descendants = 0.0 + own_root[1]

    def under(pid: int) -> bool:
        while pid in parents and pid > 1:
            pid = parents[pid]
            if pid == root:
                return True
        return False

    descendants += sum(own + reaped for pid, (own, reaped) in times.items()
                       if pid != root and under(pid))
    return own_root[0], descendants


def spark_run(folder: Path, out: Path, cores: int, rs: bigclient.Ruleset
              ) -> dict[str, Any]:
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    t0 = time.perf_counter()
    spark = (SparkSession.builder.master(f"local[{cores}]").appName("bench-spark")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", str(cores))
             .config("spark.driver.memory", "2g")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    start = time.perf_counter() - t0
    jvm = spark.sparkContext._gateway.proc.pid  # type: ignore[union-attr]
    j0, p0 = tree_cpu(jvm)
    c0 = cpu()
    t1 = time.perf_counter()
    df = spark.read.parquet(str(folder))
    bs.evaluate(df, rs, CONTEXT).write.mode("overwrite").parquet(str(out))
    wall = time.perf_counter() - t1
    j1, p1 = tree_cpu(jvm)
    driver = cpu() - c0
    spark.stop()
    return {"start": start, "wall": wall, "jvm": j1 - j0, "python": p1 - p0,
            "driver": driver}


def check(out: Path, decisions: list[tuple[str, str | None, Decimal | None]]) -> int:
    table = pq.read_table(out, columns=["client_id", "tier", "score"]).sort_by("client_id")
    want = sorted(decisions, key=lambda d: d[0])
    got = zip(table.column("client_id").to_pylist(), table.column("tier").to_pylist(),
              table.column("score").to_pylist(), strict=True)
    if table.num_rows != len(want):
        return abs(table.num_rows - len(want))
    return sum(1 for g, w in zip(got, want, strict=True) if g != w)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir())
                        / "bigclient-bench-spark")
    args = parser.parse_args()

    folder = args.data / f"clients-{args.rows}-{args.files}"
    if not folder.exists():
        t = time.perf_counter()
        generate(folder, args.rows, args.files)
        print(f"generated {args.rows:,} clients into {folder} in "
              f"{time.perf_counter() - t:.0f} s")
    rs = bigclient.load(SHANTOU)
    mrows = args.rows / 1e6
    print(f"{args.rows:,} Shantou clients, {args.files} Parquet files, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start\n")

    single = one_process(rs, folder)
    w_wall, w_cpu, n = worker_code(rs, folder)
    assert n == args.rows
    out = args.data / "decisions.parquet"
    shutil.rmtree(out, ignore_errors=True)
    sp = spark_run(folder, out, args.cores, rs)
    bad = check(out, single["decisions"])

    def line(name: str, wall: float, cpu_s: float, note: str = "") -> None:
        print(f"{name:44} {wall / mrows:>9.1f} {cpu_s / mrows:>12.1f} {args.rows / wall:>12,.0f}"
              f"  {note}")

    print(f"{'':44} {'wall s/Mrow':>9} {'CPU-s/Mrow':>12} {'rows/s':>12}")
    line("one process: read Parquet to dicts", *single["read"])
    line("one process: rs.evaluate_many (total - read)", *single["decide"])
    line("one process: total", *single["total"])
    line("one process: spark worker code, no Spark", w_wall, w_cpu)
    spark_cpu = sp["jvm"] + sp["python"] + sp["driver"]
    line(f"Spark local[{args.cores}]: evaluate + write Parquet", sp["wall"], spark_cpu,
         f"(JVM {sp['jvm']:.1f} s, Python workers {sp['python']:.1f} s, "
         f"driver {sp['driver']:.1f} s CPU)")
    print(f"\nSpark session start: {sp['start']:.1f} s (not counted above)")
    for name, (wall, cpu_s) in (("rows as dicts, evaluate_many", single["total"]),
                                ("the worker code (evaluate_table), no Spark", (w_wall, w_cpu))):
        print(f"speed-up of Spark local[{args.cores}] over one process, {name}: "
              f"{wall / sp['wall']:.2f}× (wall); CPU cost {spark_cpu / cpu_s:.2f}× its "
              "CPU-seconds")
    print(f"decisions differing from the one-process run: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

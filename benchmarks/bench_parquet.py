"""``bigclient evaluate`` over a large Parquet file: wall time, rows/s, CPU and memory.

    python benchmarks/bench_parquet.py [--rows 1000000 ...] [--out parquet|csv] [--keep DIR]

Generates synthetic Shantou clients (examples/generate.py; the same seed gives the same rows,
and a smaller file is the first rows of a larger one) into Parquet a batch at a time, as a
data warehouse exports them: money as ``decimal128(18, 2)``, yes/no as ``bool``, region and
names as text, row groups of 100,000. The largest ``--rows`` is generated once and the
smaller sizes are its first row groups. Then, for each size, runs ``bigclient evaluate`` on
it in a child process, writing decisions to Parquet (or CSV), and reports:

- wall time and rows per second (noisy on a shared machine), CPU seconds of the child;
- peak resident memory, the kernel's high-water mark of that child (``os.wait4``);
- the slope of resident memory in bytes per row: the child's RSS and CPU time are sampled
  from ``/proc`` every 0.1 s, and RSS is fitted against CPU time over the second half of
  the run (rows are taken to flow at the run's mean rate per CPU-second, which other work
  on the machine does not skew the way it skews wall time).

Flat memory means the peak does not grow with ``--rows`` and the slope is near 0: run
``--rows 1000000 3000000 10000000``. With ``--keep DIR`` the files stay in DIR and a client
file already there is reused. This is a benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

from generate import clients, columns  # noqa: E402

RULESET = ROOT / "rulesets" / "shantou-postal" / "1.0.0.yaml"
CONTEXT = ROOT / "examples" / "context.yaml"
BATCH = 100_000
BOOLS = ("agreement_signed", "credit_warning")
TEXT = ("client_id", "name", "region", "scope")


def schema() -> Any:
    import pyarrow as pa

    fields = []
    for name in columns():
        if name in BOOLS:
            fields.append(pa.field(name, pa.bool_()))
        elif name in TEXT:
            fields.append(pa.field(name, pa.string()))
        elif name == "newspapers_commission_rate":
            fields.append(pa.field(name, pa.decimal128(9, 4)))
        else:
            fields.append(pa.field(name, pa.decimal128(18, 2)))
    return pa.schema(fields)


def batches(rows: int, seed: int) -> Iterator[Any]:
    """Record batches of BATCH generated clients; amounts go in as text and are cast to
    decimal in Arrow (exact: a value that does not fit the scale raises)."""
    import pyarrow as pa

    sch = schema()
    buffer: dict[str, list[Any]] = {name: [] for name in sch.names}
    for client in clients(rows, seed):
        for name, values in buffer.items():
            value = client.get(name)
            values.append(value == "true" if name in BOOLS and value is not None else value)
        if len(buffer["client_id"]) == BATCH:
            yield _batch(pa, sch, buffer)
            buffer = {name: [] for name in sch.names}
    if buffer["client_id"]:
        yield _batch(pa, sch, buffer)


def _batch(pa: Any, sch: Any, buffer: dict[str, list[Any]]) -> Any:
    arrays = []
    for field in sch:
        values = buffer[field.name]
        if pa.types.is_decimal(field.type):
            arrays.append(pa.array(values, pa.string()).cast(field.type))
        else:
            arrays.append(pa.array(values, field.type))
    return pa.record_batch(arrays, schema=sch)


def generate(path: Path, rows: int, seed: int) -> float:
    """Write ``rows`` clients to ``path``; CPU seconds taken."""
    import pyarrow.parquet as pq

    start = time.process_time()
    part = path.with_name(path.name + ".part")
    with pq.ParquetWriter(part, schema()) as writer:
        for batch in batches(rows, seed):
            writer.write_batch(batch, row_group_size=BATCH)
    part.replace(path)
    return time.process_time() - start


def first_rows(src: Path, dst: Path, rows: int) -> None:
    """The first ``rows`` rows of ``src`` as ``dst``, row groups as they are."""
    import pyarrow.parquet as pq

    file = pq.ParquetFile(src, pre_buffer=False)
    part = dst.with_name(dst.name + ".part")
    left = rows
    with pq.ParquetWriter(part, file.schema_arrow) as writer:
        for i in range(file.num_row_groups):
            if left <= 0:
                break
            group = file.read_row_group(i).slice(0, left)
            writer.write_table(group, row_group_size=BATCH)
            left -= group.num_rows
    part.replace(dst)


@dataclass
class Run:
    wall: float
    cpu: float
    peak: int  # bytes
    slope: float  # bytes per row
    samples: list[tuple[float, int]]  # (child CPU s, RSS bytes)
    said: str


def _sample(pid: int) -> tuple[float, int] | None:
    """(CPU seconds, RSS bytes) of a running process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rpartition(")")[2].split()
        with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    if not pages:  # exiting
        return None
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK"), pages * os.sysconf("SC_PAGE_SIZE")


def _slope(samples: list[tuple[float, int]], cpu: float, rows: int) -> float:
    """Least-squares bytes per row of RSS over the second half of the CPU time (imports,
    loading the ruleset and the allocator's first batches, up to about 300,000 rows, are
    not growth)."""
    mid = [(c, r) for c, r in samples if 0.5 * cpu <= c <= 0.95 * cpu]
    if len(mid) < 3 or not rows:
        return float("nan")
    mc = sum(c for c, _r in mid) / len(mid)
    mr = sum(r for _c, r in mid) / len(mid)
    var = sum((c - mc) ** 2 for c, _r in mid)
    if not var:
        return float("nan")
    per_cpu_s = sum((c - mc) * (r - mr) for c, r in mid) / var
    return per_cpu_s * cpu / rows


def run(src: Path, out: Path, rows: int) -> Run:
    """One ``bigclient evaluate`` child, measured."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "bigclient", "evaluate", str(RULESET),
                                 str(src), "--context", str(CONTEXT), "-o", str(out)],
                                stdout=subprocess.DEVNULL, stderr=err)
        samples: list[tuple[float, int]] = []
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            got = _sample(proc.pid)
            if got is not None:
                samples.append(got)
            time.sleep(0.1)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()
    if proc.returncode not in (0, 1):
        sys.exit(f"bigclient evaluate failed ({proc.returncode}):\n{stderr}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, cpu, usage.ru_maxrss * 1024, _slope(samples, cpu, rows), samples,
               stderr.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--seed", type=int, default=2008)
    parser.add_argument("--out", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--keep", metavar="DIR", help="keep the files in DIR (and reuse a "
                        "client file found there)")
    parser.add_argument("--trace", action="store_true",
                        help="also print RSS at every tenth of each run's CPU time")
    args = parser.parse_args()
    sizes = sorted(set(args.rows))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        largest = folder / f"clients-{sizes[-1]}-{args.seed}.parquet"
        if largest.exists():
            print(f"reusing {largest}")
        else:
            made = generate(largest, sizes[-1], args.seed)
            print(f"generated {sizes[-1]:,} rows in {made:.1f} CPU-s "
                  f"({largest.stat().st_size / 2**20:.1f} MiB Parquet)")
        print(f"{'rows':>12} {'wall s':>7} {'rows/s':>9} {'CPU-s':>7} {'CPU-s/M':>7} "
              f"{'peak RSS MiB':>12} {'slope B/row':>11}")
        for rows in sizes:
            src = folder / f"clients-{rows}-{args.seed}.parquet"
            if not src.exists():
                first_rows(largest, src, rows)
            out = folder / f"decisions-{rows}.{args.out}"
            r = run(src, out, rows)
            print(f"{rows:>12,} {r.wall:>7.1f} {rows / r.wall:>9,.0f} {r.cpu:>7.1f} "
                  f"{r.cpu / rows * 1e6:>7.2f} {r.peak / 2**20:>12.0f} {r.slope:>11.1f}")
            if args.trace:
                marks = [min(r.samples, key=lambda s, t=t: abs(s[0] - t * r.cpu / 10))
                         for t in range(1, 11)] if r.samples else []
                print("    RSS MiB at each tenth of the CPU time: "
                      + " ".join(f"{m[1] / 2**20:.0f}" for m in marks))
            print(f"    {r.said}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

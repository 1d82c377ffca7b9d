"""``bigclient evaluate`` over a large Parquet file: wall time, rows/s and peak memory.

    python benchmarks/bench_parquet.py [--rows 1000000] [--out parquet|csv] [--keep DIR]

Generates ``--rows`` synthetic Shantou clients (examples/generate.py, the same seed gives the
same file) into Parquet a batch at a time, as a data warehouse exports them: money as
``decimal128(18, 2)``, yes/no as ``bool``, region and names as text, row groups of 100,000.
Then runs ``bigclient evaluate`` on it in a child process, writing decisions to Parquet
(or CSV), and reports the child's wall time, rows per second, CPU seconds and peak resident
memory (``getrusage(RUSAGE_CHILDREN).ru_maxrss``, the kernel's high-water mark of the child).
Flat memory means the peak does not grow with ``--rows``: run it at 1,000,000 and
10,000,000 and compare. This is a benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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
    import pyarrow.parquet as pq

    start = time.perf_counter()
    with pq.ParquetWriter(path, schema()) as writer:
        for batch in batches(rows, seed):
            writer.write_batch(batch, row_group_size=BATCH)
    return time.perf_counter() - start


def run(src: Path, out: Path) -> tuple[float, float, int, str]:
    """(wall s, CPU s, peak RSS KiB, stderr tail) of one ``bigclient evaluate`` child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "bigclient", "evaluate", str(RULESET),
                           str(src), "--context", str(CONTEXT), "-o", str(out)],
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        sys.exit(f"bigclient evaluate failed ({proc.returncode}):\n{proc.stderr}")
    return wall, cpu, after.ru_maxrss, proc.stderr.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2008)
    parser.add_argument("--out", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--keep", metavar="DIR", help="keep the files in DIR")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        src, out = folder / "clients.parquet", folder / f"decisions.{args.out}"
        made = generate(src, args.rows, args.seed)
        print(f"generated {args.rows:,} rows in {made:.1f} s "
              f"({src.stat().st_size / 2**20:.1f} MiB Parquet)")
        wall, cpu, peak, said = run(src, out)
        print(said)
        print(f"bigclient evaluate: {wall:.1f} s wall, {args.rows / wall:,.0f} rows/s, "
              f"{cpu:.1f} CPU-s ({cpu / args.rows * 1e6:.1f} CPU-s per million rows), "
              f"peak RSS {peak / 1024:.0f} MiB; output {out.stat().st_size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

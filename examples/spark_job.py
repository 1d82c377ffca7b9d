"""Score a client table with Spark and write the decisions (docs/howto/spark.md).

    spark-submit --master local[2] --files rulesets/shantou-postal/1.0.0.yaml \\
        examples/spark_job.py --ruleset 1.0.0.yaml --set bureau_revenue=2亿 \\
        --input clients.parquet --output decisions.parquet --errors collect

``--ruleset`` is a path the driver can read, or the name of a file shipped with
``--files`` (found with ``SparkFiles.get``). The input is Parquet (its own schema: money
should be decimal or string) or CSV, read with every column as text — the explicit
schema that gives exactly what ``bigclient evaluate`` reads from the same file. The output
is Parquet or CSV by its name, written by Spark as a folder of part files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pyspark import SparkFiles
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StringType, StructField, StructType

import bigclient.spark
from bigclient.language.source import read_file


def shipped(name: str) -> str:
    """A path the driver can read: as given, or the copy ``spark-submit --files`` made."""
    if Path(name).exists():
        return name
    return SparkFiles.get(Path(name).name)


def read_clients(spark: SparkSession, path: str, kind: str) -> DataFrame:
    """Parquet as it is; CSV with an explicit all-text schema (never inferred: inference
    reads region 001234 as the number 1234 and money as double)."""
    if kind == "parquet":
        return spark.read.parquet(path)
    header = spark.read.option("header", True).csv(path).columns  # reads the header only
    schema = StructType([StructField(name, StringType()) for name in header])
    return spark.read.csv(path, header=True, schema=schema, enforceSchema=False)


def context_of(args: argparse.Namespace) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if args.context:
        data = read_file(Path(shipped(args.context))).data  # bigclient's careful YAML reader
        if not isinstance(data, dict):
            raise SystemExit(f"{args.context}: the context file must be 'name: value' lines")
        context.update(data)
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--set expects name=value, found {item!r}")
        context[key.strip()] = value.strip()
    return context


def kind_of(path: str, given: str | None) -> str:
    return given or ("csv" if path.rstrip("/").lower().endswith(".csv") else "parquet")


def main(argv: list[str] | None = None, spark: SparkSession | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ruleset", required=True, help="ruleset file (or a --files name)")
    parser.add_argument("--context", help="context YAML file (or a --files name)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a context value, e.g. bureau_revenue=2亿")
    parser.add_argument("--input", required=True)
    parser.add_argument("--input-format", choices=("parquet", "csv"))
    parser.add_argument("--output", required=True)
    parser.add_argument("--output-format", choices=("parquet", "csv"))
    parser.add_argument("--errors", choices=("raise", "collect"), default="raise")
    parser.add_argument("--keep", action="append", default=[], metavar="COLUMN",
                        help="another column to copy to the decisions")
    args = parser.parse_args(argv)

    own = spark is None
    if spark is None:
        spark = SparkSession.builder.appName("bigclient-evaluate").getOrCreate()
    try:
        clients = read_clients(spark, args.input, kind_of(args.input, args.input_format))
        decisions = bigclient.spark.evaluate(clients, shipped(args.ruleset), context_of(args),
                                             errors=args.errors, keep=args.keep)
        writer = decisions.write.mode("overwrite")
        if kind_of(args.output, args.output_format) == "csv":
            writer.option("header", True).csv(args.output)
            written = spark.read.option("header", True).csv(args.output)
        else:
            writer.parquet(args.output)
            written = spark.read.parquet(args.output)
        counts = {r["tier"]: r["count"] for r in written.groupBy("tier").count().collect()}
        print(f"{sum(counts.values()):,} decisions written to {args.output}: "
              + ", ".join(f"{tier or '-'} {n:,}" for tier, n in sorted(
                  counts.items(), key=lambda kv: str(kv[0]))), file=sys.stderr)
    finally:
        if own:
            spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

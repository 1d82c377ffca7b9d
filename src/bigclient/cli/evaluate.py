"""``bigclient evaluate``: decide every client of a file; bad rows named, the run goes on."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from bigclient.cli.common import add_context_options, add_on_option, load_context, load_for_cli
from bigclient.errors import BigClientError, UsageError
from bigclient.tables import is_jsonl, read_records

OUTPUT_COLUMNS = ("row", "client_id", "name", "qualified", "criteria", "score", "computed_tier",
                  "tier", "flags", "error")
PASSTHROUGH = ("client_id", "name")


class _Progress:
    """A one-line progress counter on a terminal; silent when piped."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.n = 0

    def tick(self) -> None:
        self.n += 1
        if self.enabled and self.n % 500 == 0:
            print(f"\r{self.n:,} rows", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.enabled:
            print(f"\r{self.n:,} rows", file=sys.stderr)


def _decision_row(n: int, record: Mapping[str, Any], d: Any) -> dict[str, Any]:
    return {
        "row": n,
        **{k: record.get(k, "") for k in PASSTHROUGH},
        "qualified": "true" if d.qualified else "false",
        "criteria": ";".join(d.criteria),
        "score": "" if d.score is None else str(d.score),
        "computed_tier": d.computed_tier or "",
        "tier": d.tier or "",
        "flags": ";".join(d.flags),
        "error": "",
    }


def cmd_evaluate(args: argparse.Namespace) -> int:
    in_path = Path(args.input)
    if not in_path.is_file():
        raise UsageError(f"input file not found: {in_path}")
    rs = load_for_cli(args.ruleset, args.on)
    context = load_context(args, in_path)
    ctx = rs.read_context(context)
    out_path = Path(args.output) if args.output else None
    # Written beside OUT and renamed at the end: an aborted run leaves no half file behind.
    part = out_path.with_name(out_path.name + ".part") if out_path else None
    out: IO[str] = part.open("w", encoding="utf-8", newline="") if part else sys.stdout
    done = False
    as_jsonl = out_path is not None and is_jsonl(out_path)
    progress = _Progress(sys.stderr.isatty())
    bad = 0
    total = 0
    try:
        writer = None if as_jsonl else csv.DictWriter(out, fieldnames=OUTPUT_COLUMNS)
        if writer is not None:
            writer.writeheader()
        for n, record, error in read_records(in_path, args.encoding):
            total += 1
            progress.tick()
            if record is not None:
                try:
                    d = rs.decide(record, ctx, row=n)
                except BigClientError as exc:
                    error = str(exc)
            if error:
                bad += 1
                print(f"{in_path}: {error}", file=sys.stderr)  # the error names its row
                row: dict[str, Any] = {"row": n, **{k: (record or {}).get(k, "")
                                                    for k in PASSTHROUGH}, "error": error}
                if as_jsonl:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                else:
                    assert writer is not None
                    writer.writerow({c: row.get(c, "") for c in OUTPUT_COLUMNS})
                continue
            assert record is not None
            if as_jsonl:
                full = {"row": n, **{k: record[k] for k in PASSTHROUGH if k in record},
                        **d.to_dict()}
                out.write(json.dumps(full, ensure_ascii=False) + "\n")
            else:
                assert writer is not None
                writer.writerow(_decision_row(n, record, d))
        done = True
    finally:
        progress.done()
        if part is not None and out_path is not None:
            out.close()
            if done:
                part.replace(out_path)
            else:
                part.unlink(missing_ok=True)
    print(f"{total - bad:,} of {total:,} rows evaluated with {rs.id} {rs.version}"
          + (f"; {bad:,} rows had errors (see above)" if bad else ""), file=sys.stderr)
    return 1 if bad else 0




def add_command(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="decide every client of a CSV or JSON Lines file")
    p.add_argument("ruleset", metavar="RULESET", help="ruleset folder or version file")
    p.add_argument("input", metavar="INPUT", help="clients, .csv or .jsonl")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="write here (.csv or .jsonl); default: CSV to the screen")
    p.add_argument("--encoding", default="utf-8-sig",
                   help="text encoding of INPUT (default UTF-8; e.g. gbk for Excel)")
    p.set_defaults(func=cmd_evaluate)
    add_context_options(p)
    add_on_option(p)

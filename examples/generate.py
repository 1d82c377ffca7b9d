"""Deterministic synthetic clients for the shipped rulesets (no real client data).

    python examples/generate.py --rows 1000 --seed 2008 -o examples/clients.csv

The same seed always gives the same file. Revenue per client is log-normal (most clients
are small, a long tail is large), spread over one to four product lines, with a current
month near a twelfth of the year. A few clients have signed agreements, a few are on the
credit early-warning list (D-4), some are newspaper clients reporting turnover (D-2, D-3).
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TextIO

LINES = ("savings", "billing", "letters", "philately", "express", "logistics", "parcels",
         "newspapers")
SHANTOU_REGIONS = ("440507", "440511", "440512", "440513", "440514", "440515", "440523")
SCOPES = ("comprehensive", "regional", "specialty")
KINDS = ("贸易", "电子", "玩具", "食品", "物流", "纺织", "银行", "学校", "医院", "印刷")
CENT = Decimal("0.01")


def columns() -> list[str]:
    cols = ["client_id", "name", "region", "agreement_signed", "scope", "credit_warning"]
    cols += [f"revenue_prev_year.{line}" for line in LINES]
    cols += [f"revenue_month.{line}" for line in LINES]
    cols += ["newspapers_turnover_prev_year", "newspapers_turnover_month",
             "newspapers_commission_rate"]
    return cols


def money(x: float) -> Decimal:
    return Decimal(repr(round(x, 2))).quantize(CENT)


def clients(rows: int, seed: int) -> Iterator[dict[str, str]]:
    rnd = random.Random(seed)
    for i in range(1, rows + 1):
        annual = math.exp(rnd.gauss(math.log(25_000), 1.5))
        n_lines = rnd.choices((1, 2, 3, 4), weights=(45, 30, 15, 10))[0]
        active = rnd.sample(LINES[:-1], n_lines)
        weights = [rnd.random() + 0.1 for _ in active]
        row: dict[str, str] = {
            "client_id": f"C{i:05d}",
            "name": f"汕头{rnd.choice(KINDS)}客户{i:04d}",
            "region": rnd.choice(SHANTOU_REGIONS),
            "agreement_signed": "true" if rnd.random() < 0.08 else "false",
            "scope": rnd.choices(SCOPES, weights=(60, 15, 25))[0],
            "credit_warning": "true" if rnd.random() < 0.02 else "false",
        }
        for line, w in zip(active, weights, strict=True):
            year = annual * w / sum(weights)
            month = year / 12 * rnd.uniform(0.4, 1.6)
            row[f"revenue_prev_year.{line}"] = str(money(year))
            row[f"revenue_month.{line}"] = str(money(month))
        if rnd.random() < 0.06:  # a newspaper client reporting turnover (D-2, D-3)
            turnover = math.exp(rnd.gauss(math.log(30_000), 1.0))
            row["newspapers_turnover_prev_year"] = str(money(turnover))
            row["newspapers_turnover_month"] = str(money(turnover / 12 * rnd.uniform(0.5, 1.5)))
            row["newspapers_commission_rate"] = str(Decimal(rnd.choice((5, 8, 10, 12))) / 100)
        yield row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2008)
    parser.add_argument("-o", "--output", default="-")
    args = parser.parse_args()
    if args.output == "-":
        write(sys.stdout, args.rows, args.seed)
    else:
        with Path(args.output).open("w", encoding="utf-8", newline="") as out:
            write(out, args.rows, args.seed)
    return 0


def write(out: TextIO, rows: int, seed: int) -> None:
    writer = csv.DictWriter(out, fieldnames=columns())
    writer.writeheader()
    for row in clients(rows, seed):
        writer.writerow(row)


if __name__ == "__main__":
    sys.exit(main())

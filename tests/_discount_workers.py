"""Code run in other processes by the discount race tests (importable under ``spawn``)."""

from __future__ import annotations

import datetime as dt
import traceback
from typing import Any

T0 = dt.datetime(2009, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
CONTRACTS = ("HT-1", "HT-2")


def record_many(target: str, ruleset_text: str, worker: int, count: int, barrier: Any,
                results: Any) -> None:
    """Record ``count`` approved concessions per contract of one client, each with its own
    minutes reference; report the record ids the store returned."""
    from bigclient.ledger import open_ledger
    from bigclient.loading import load_text

    try:
        rs = load_text(ruleset_text)
        ledger = open_ledger(target, ruleset=rs.id)
        barrier.wait(timeout=60)
        got: list[int] = []
        for i in range(count):
            for contract in CONTRACTS:
                decision = rs.approve_discount({
                    "client": "c1", "contract": contract, "line": "express",
                    "ratio": f"{1 + (i % 10)}%", "approver": "tariff_coordination_group",
                    "approved_on": "2009-03-01", "reference": f"w{worker}-{i}", "filed": True})
                rec = ledger.record_discount(decision, by=f"worker {worker}",
                                             at=T0 + dt.timedelta(seconds=i))
                got.append(rec.record_id)
        ledger.close()
        results.put(("ok", worker, got))
    except BaseException:
        results.put(("error", worker, traceback.format_exc()))

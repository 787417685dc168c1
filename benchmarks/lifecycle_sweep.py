"""What the lifecycle sweep costs: it runs in the request path of an app run every 10 minutes per process
(Platform.catch_up), so its no-op case must stay cheap. Store only, no encoder: N published offerings and N
published scenarios in a temporary SQLite database, then

- a no-op sweep (nothing due: one read of the published listings and their terms, no write);
- a sweep that expires 1% of the offerings (one write transaction).

Usage: .venv/bin/python benchmarks/lifecycle_sweep.py [N] [--json benchmarks/lifecycle_sweep.json]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.domain.records import Side, validate_record  # noqa: E402
from matcher.storage.schema import ListingTerm  # noqa: E402
from matcher.storage.store import Store  # noqa: E402
from matcher.workflow import lifecycle  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=10_000)
    parser.add_argument("--json")
    args = parser.parse_args()
    today = dt.date.today()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/sweep.db")
        for side in Side:
            rows = [validate_record(side, dict(title=f"listing {i}", description=f"text {i}", organization=f"org {i}",
                                               industry="batteries_storage"))
                    for i in range(args.n)]
            store.add_records(side, rows, actor="bench", owner_id=None)
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            result = lifecycle.sweep(store, today, 180, 14)
            timings.append((time.perf_counter() - started) * 1000)
            assert result.expired_count == 0 and result.reminded == 0
        ids = store.list_records(Side.SUPPLY)
        with store.write() as s:   # 1% of the offerings past their last day
            for rec in ids[::100]:
                s.merge(ListingTerm(side="supply", record_id=rec["id"], valid_until=today - dt.timedelta(days=1)))
        started = time.perf_counter()
        result = lifecycle.sweep(store, today, 180, 14)
        busy_ms = (time.perf_counter() - started) * 1000
        store.engine.dispose()
    doc = {"listings": 2 * args.n, "noop_sweep_ms_median": round(statistics.median(timings), 1),
           "noop_sweep_ms_max": round(max(timings), 1), "expiring_sweep_ms": round(busy_ms, 1),
           "expired": result.expired_count, "load_average": round(os.getloadavg()[0], 1),
           "date": today.isoformat()}
    print(json.dumps(doc))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()

"""Subprocess worker for tests/test_reliability.py: one real OS process writing to the shared database.

    python tests/reliability_worker.py submit VAR_DIR WORKER N START_FILE OUT_JSON

waits until START_FILE exists (so every worker starts writing at the same moment), then submits N
records through Platform.submit (the path the web form uses) and writes a JSON report: ids saved and
every exception that reached the caller (a "database is locked" would show up here).
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ["碳纤维", "车身", "轻量化", "石墨烯", "导热", "电池", "热管理", "机器视觉", "缺陷检测", "焊缝",
         "steel", "welding", "inspection", "battery", "thermal", "vision", "AGV", "物流", "仓储", "节能"]


def record(worker: int, i: int) -> dict:
    pick = [WORDS[(worker * 7 + i * j) % len(WORDS)] for j in range(1, 6)]
    return {"title": f"w{worker} r{i} {pick[0]}{pick[1]}", "description": " ".join(pick) + f" 第{i}号",
            "organization": f"企业{worker}", "region": "常州", "keywords": ",".join(pick[2:])}


def submit(var_dir: str, worker: int, n: int, start_file: str, out: str) -> None:
    from matcher.config import Settings
    from matcher.domain.records import RecordStatus, Side
    from matcher.service import Platform

    settings = Settings(var_dir=Path(var_dir), encoder="fake", seed_demo=False)
    report: dict = {"worker": worker, "ids": [], "errors": [], "open_error": None}
    try:
        platform = Platform.open(settings)
    except Exception as exc:  # noqa: BLE001 - the test wants to see anything that reaches a user
        report["open_error"] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        Path(out).write_text(json.dumps(report), encoding="utf-8")
        return
    deadline = time.monotonic() + 60
    while not os.path.exists(start_file) and time.monotonic() < deadline:
        time.sleep(0.005)
    t0 = time.monotonic()
    for i in range(n):
        side = Side.SUPPLY if i % 2 == 0 else Side.DEMAND
        # Every third record is left pending (moderation queue); the rest go live and hit the indexes.
        status = RecordStatus.PENDING if i % 3 == 0 else RecordStatus.PUBLISHED
        try:
            rid = platform.submit(side, record(worker, i), actor=f"worker{worker}", status=status)
            report["ids"].append([side.value, rid])
        except Exception as exc:  # noqa: BLE001
            report["errors"].append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    report["seconds"] = time.monotonic() - t0
    Path(out).write_text(json.dumps(report), encoding="utf-8")


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "submit":
        submit(args[0], int(args[1]), int(args[2]), args[3], args[4])
    else:
        raise SystemExit(f"unknown command {cmd}")

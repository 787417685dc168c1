"""Sign-in flood against writers (issue 14): clients sign in with wrong passwords (real argon2 cost) while
writers submit records; reports attempts, writer latencies and errors as JSON.

    HF_HUB_OFFLINE=1 python benchmarks/signin_flood.py [--clients 16] [--attempts 10] [--writes 10] \
        [--out benchmarks/signin_flood.json]

A temporary database with the fake encoder; nothing outside the temp folder is touched.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher import auth, passwords  # noqa: E402
from matcher.config import Settings  # noqa: E402
from matcher.domain.records import Role, Side  # noqa: E402
from matcher.service import Platform  # noqa: E402


def _writes(platform: Platform, n: int, tag: str, out: list, errors: list) -> None:
    for i in range(n):
        start = time.perf_counter()
        try:
            platform.submit(Side.SUPPLY, {"title": f"{tag} record {i}", "description": "Written while clients "
                                          "sign in with wrong passwords.", "organization": "Org"}, "writer")
            out.append(time.perf_counter() - start)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--attempts", type=int, default=10)
    parser.add_argument("--writes", type=int, default=10)
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(var_dir=Path(tmp), encoder="fake", seed_demo=False)
        platform = Platform.open(settings)
        auth.create_user(platform.store, "victim@x.example", "right-password", Role.ADMIN, "Org")
        passwords.dummy_hash()  # calibrated before the flood, as the app does at start
        quiet, errors = [], []
        _writes(platform, args.writes, "quiet", quiet, errors)  # baseline, no flood
        attempts, refused, loaded = [], [], []

        def attacker(n: int) -> None:
            for i in range(args.attempts):
                email = "victim@x.example" if i % 2 else f"guess{n}-{i}@x.example"
                start = time.perf_counter()
                try:
                    auth.authenticate(platform.store, email, "wrong-guess", settings, client=f"bot{n}")
                except auth.AuthError as exc:
                    refused.append(exc.code)
                except Exception as exc:  # noqa: BLE001
                    errors.append(repr(exc))
                attempts.append(time.perf_counter() - start)

        threads = [threading.Thread(target=attacker, args=(n,)) for n in range(args.clients)]
        threads += [threading.Thread(target=_writes, args=(platform, args.writes, f"w{n}", loaded, errors))
                    for n in range(2)]
        started = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join(600)
        took = time.perf_counter() - started
        ok = auth.authenticate(platform.store, "victim@x.example", "right-password", settings, client="home")
        figures = {
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "load_average_before_after": [round(load_before[0], 1), round(os.getloadavg()[0], 1)],
            "pad_margin_s": passwords.PAD_MARGIN,
            "writers_blocked": sum("locked" in e for e in errors),
            "clients": args.clients, "attempts": len(attempts), "refused": len(refused),
            "argon2_verify_s": round(passwords.dummy_hash()[1], 3),
            "attempt_median_s": round(statistics.median(attempts), 3),
            "writes_during_flood": len(loaded), "writer_errors": len(errors), "errors": errors[:5],
            "write_median_s_quiet": round(statistics.median(quiet), 3),
            "write_median_s_flood": round(statistics.median(loaded), 3),
            "write_max_s_flood": round(max(loaded), 3), "flood_seconds": round(took, 1),
            "victim_signs_in_from_home_after": ok.email == "victim@x.example"}
        print(json.dumps(figures, indent=2))
        if args.out:
            args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

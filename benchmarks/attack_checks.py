"""Counts for SECURITY.md (issue 14): a visitor's attempts to re-enable the demo accounts, files in other
encodings, bad restore files, and web imports killed (kill -9) at each crash point, all tried for real.

    HF_HUB_OFFLINE=1 python benchmarks/attack_checks.py [--rows 1000] [--out benchmarks/attack_checks.json]

Every part runs in a temporary folder with the fake encoder; nothing outside it is touched. Prints the counts
as JSON; exit code 1 if any attempt succeeded, any file was garbled or accepted wrongly, or any crash left a
job running or pairings incomplete.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sqlalchemy import select  # noqa: E402

from matcher import auth, demo  # noqa: E402
from matcher.config import Settings, get_settings  # noqa: E402
from matcher.domain.records import RecordValidationError, Role, Side  # noqa: E402
from matcher.io.imports import UploadError, check_upload, parse_records  # noqa: E402
from matcher.service import Platform  # noqa: E402
from matcher.storage.schema import Pairing  # noqa: E402
from matcher.storage.store import Store  # noqa: E402


@contextlib.contextmanager
def _env(var: Path, **extra: str):
    """The MATCHER_* environment of a fresh app (the CLI and AppTest read it), restored afterwards."""
    values = {"MATCHER_VAR_DIR": str(var), "MATCHER_ENCODER": "fake", "MATCHER_SEED_DEMO": "false",
              "MATCHER_DEMO_ACCOUNTS": "false", "MATCHER_MIN_PAIR_SCORE": "0.05", **extra}
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield Settings()
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
        get_settings.cache_clear()


# --- demo mode -------------------------------------------------------------------------------------

def demo_attempts(tmp: Path) -> dict:
    """A visitor's ways back to a demo account once demo mode is off or an admin deactivated one."""
    from streamlit.runtime.app_session import AppSession
    from streamlit.testing.v1 import AppTest

    admin_spec = next(a for a in auth.DEMO_ACCOUNTS if a["role"] == Role.ADMIN)
    tried: dict[str, bool] = {}   # attempt -> succeeded
    with _env(tmp / "demo") as off:
        store = Store(off.database_url)
        on = off.model_copy(update={"demo_accounts": True})
        demo.ensure_demo_accounts(store, on)          # an earlier demo run
        demo.turn_off(store)                          # this start: demo mode off
        for spec in auth.DEMO_ACCOUNTS:
            try:
                auth.authenticate(store, spec["email"], spec["password"], off, client="visitor")
                tried[f"sign in as {spec['email']} with demo off"] = True
            except auth.AuthError:
                tried[f"sign in as {spec['email']} with demo off"] = False
        try:
            auth.create_user(store, admin_spec["email"], "some-password-1", Role.ENTERPRISE, "Org")
            tried["register admin@demo.local"] = True
        except auth.AuthError:
            tried["register admin@demo.local"] = False
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        shown = " ".join(e.value for e in [*at.caption, *at.markdown, *at.warning, *at.info])
        tried["find a demo password on the sign-in page"] = "demo-admin" in shown or "demo.local" in shown
        store.engine.dispose()
    with _env(tmp / "demo2", MATCHER_DEMO_ACCOUNTS="true") as on:
        from ui.resources import get_platform

        platform = get_platform()
        admin = next(u for u in auth.list_users(platform.store) if u["email"] == admin_spec["email"])
        auth.set_active(platform.store, admin["id"], False, "root@x.example")   # the admin switches it off
        AppSession._handle_clear_cache_request(mock.Mock())   # the visitor's forged clear_cache message
        tried["clear_cache message rebuilds the platform"] = get_platform() is not platform
        revived = lambda: auth.get_account(platform.store, admin["id"]) is not None  # noqa: E731
        tried["clear_cache message revives the demo admin"] = revived()
        demo.ensure_demo_accounts(platform.store, on)   # a restart
        tried["restart revives the demo admin"] = revived()
        demo.turn_off(platform.store)
        demo.ensure_demo_accounts(platform.store, on)   # demo off, then on again
        tried["demo off -> on revives the demo admin"] = revived()
        with contextlib.suppress(auth.AuthError):
            auth.authenticate(platform.store, admin_spec["email"], admin_spec["password"], on, client="visitor")
            tried["sign in as the deactivated demo admin"] = True
        tried.setdefault("sign in as the deactivated demo admin", False)
        platform.close()
    return {"tried": len(tried), "succeeded": sum(tried.values()), "attempts": tried}


# --- encodings -------------------------------------------------------------------------------------

def encoding_files() -> dict:
    """Files in other encodings (refusal expected) and in UTF-8/GB (exact import expected), at three sizes."""
    from test_import_encodings import FOREIGN, GOOD, HEADER

    files = {}
    for expected, cases in (("refused", FOREIGN), ("imported", GOOD)):
        for name, (text, encoding) in cases.items():
            for rows in (1, 5, 50):
                files[f"{name} × {rows}"] = (expected, (HEADER + text * rows).encode(encoding), text, rows)
    return files


def encodings(tmp: Path) -> dict:
    garbled, wrongly_refused, refused, imported, via_job = [], [], 0, 0, 0
    with _env(tmp / "enc") as settings:
        platform = Platform.open(settings)
        for name, (expected, data, text, rows) in encoding_files().items():
            title = text.split(",")[0]
            try:
                check_upload("x.csv", data)
                titles = [r.title for r in parse_records(Side.SUPPLY, data, "x.csv")]
            except (UploadError, RecordValidationError):
                refused += 1
                if expected == "imported":
                    wrongly_refused.append(name)
                continue
            imported += 1
            if expected == "refused" or titles != [title] * rows:
                garbled.append(name)
            if rows == 5:  # the web path too: a background job stores exactly the text
                job = platform.imports.wait(platform.imports.submit(Side.SUPPLY, data, f"{name}.csv", "bench"))
                via_job += 1
                stored = sum(r["title"] == title for r in platform.store.list_records(Side.SUPPLY))
                if job.state != "done" or stored != rows:
                    garbled.append(f"{name} (job)")
        platform.close()
    return {"files": len(encoding_files()), "refused": refused, "imported_exactly": imported - len(garbled),
            "imported_through_a_job": via_job, "silently_garbled": len(garbled), "garbled": garbled,
            "valid_files_refused": wrongly_refused}


# --- restore ---------------------------------------------------------------------------------------

def restores(tmp: Path) -> dict:
    from test_restore import TAMPERED, _corrupt_files, _tampered

    from matcher.cli import main
    from matcher.storage.store import hold_database

    wrong, refused, tried = [], 0, 0
    with _env(tmp / "restore") as settings:
        platform = Platform.open(settings)
        for i in range(40):
            platform.submit(Side.SUPPLY, {"title": f"Film {i}", "description": f"Thermal film {i}",
                                          "organization": f"Org {i}"}, "bench")
        good = tmp / "good.db"
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["backup", str(good)]) == 0
        platform.close()
        db = settings.var_dir / "matcher.db"
        with sqlite3.connect(db) as con:  # fold the WAL in, so the file's bytes are the whole database
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        bad = _corrupt_files(tmp, good) + [_tampered(tmp, good, name, *sql) for name, sql in TAMPERED.items()]
        held = hold_database(db)   # the app's lock: a restore must be refused while it is held
        cases = [(p, p.name) for p in bad] + [(good, "good backup while the app holds the database")]
        for path, name in cases:
            before = db.read_bytes()
            with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
                code = main(["restore", str(path)])
            tried += 1
            if code == 0 or db.read_bytes() != before:
                wrong.append(f"{name} (exit {code})")
            else:
                refused += 1
            if name.startswith("good backup"):
                os.close(held)
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            good_in = main(["restore", str(good)]) == 0
    return {"files_tried": tried, "refused": refused, "accepted_wrongly": len(wrong), "wrong": wrong,
            "good_backup_restored_afterwards": good_in}


# --- web import jobs killed at each crash point ---------------------------------------------------

WORKER = """
import sys, time
from matcher.config import Settings
from matcher.domain.records import Side
from matcher.service import Platform
var, path, point, at = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
platform = Platform.open(Settings(var_dir=var, encoder="fake", seed_demo=False, min_pair_score=0.05))
real = platform.import_file
def stall():
    print(point, flush=True)
    time.sleep(600)
def run(*args, progress, on_commit, **kw):
    def report(fraction, stage):
        if stage == point and fraction >= at:
            stall()
        progress(fraction, stage)
    def committed(s, ids):
        on_commit(s, ids)
        if point == "in_txn":   # the rows are written, the transaction not yet committed
            s.flush()
            stall()
    return real(*args, progress=report, on_commit=committed, **kw)
platform.import_file = run
platform.imports.submit(Side.SUPPLY, open(path, "rb").read(), "big.csv", "olga@gov.example")
time.sleep(600)
"""
CRASH_POINTS = [("parse", 0.0), ("in_txn", 0.0), ("index", 0.0), ("match", 0.3), ("match", 0.9)]


def _offerings_csv(n: int) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["编号", "标题", "描述", "单位", "关键词"])
    for i in range(n):
        w.writerow([f"O-big{i}", f"成果{i} 碳纤维车身", f"轻量化 碳纤维 复合材料 第{i}号 thermal battery {i % 97}",
                    f"企业{i % 50}", "碳纤维,车身"])
    return buf.getvalue().encode("utf-8-sig")


def _seeded(var: Path) -> Platform:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["id", "title", "description", "organization"])
    for j in range(20):
        w.writerow([f"S-k{j}", f"场景{j} 车身轻量化", f"需要 碳纤维 复合材料 减重 thermal battery {j * 5}", "主机厂"])
    platform = Platform.open(Settings(var_dir=var, encoder="fake", seed_demo=False, min_pair_score=0.05))
    platform.import_file(Side.DEMAND, buf.getvalue().encode(), "scenarios.csv", "seed")
    return platform


def _pairs(platform: Platform) -> set:
    with platform.store.read() as s:
        return set(s.execute(select(Pairing.scenario_id, Pairing.offering_id)).all())


def crash_points(tmp: Path, rows: int) -> dict:
    data = _offerings_csv(rows)
    (tmp / "big.csv").write_bytes(data)
    reference = _seeded(tmp / "reference")
    reference.imports.wait(reference.imports.submit(Side.SUPPLY, data, "big.csv", "olga"), timeout=1800)
    wanted = _pairs(reference)
    reference.close()
    runs = []
    for n, (point, at) in enumerate(CRASH_POINTS):
        var = tmp / f"kill{n}"
        _seeded(var).close()
        proc = subprocess.Popen([sys.executable, "-c", WORKER, str(var), str(tmp / "big.csv"), point, str(at)],
                                cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            reached = proc.stdout.readline().strip() == point
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        con = sqlite3.connect(var / "matcher.db")
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        con.close()
        restarted = Platform.open(Settings(var_dir=var, encoder="fake", seed_demo=False, min_pair_score=0.05))
        [job] = restarted.imports.recent()
        saved = restarted.store.count(Side.SUPPLY)
        retried = None
        if saved == 0:   # nothing committed: the same file imports cleanly now
            retried = restarted.imports.wait(restarted.imports.submit(Side.SUPPLY, data, "big.csv", "olga"),
                                             timeout=1800).state
        runs.append({"point": f"{point}@{at}", "reached": reached, "integrity": integrity, "job_state": job.state,
                     "job_committed": job.committed, "records_saved": saved, "retry": retried,
                     "pairings_complete": _pairs(restarted) == wanted,
                     "backlog_left": len(restarted.store.backlog(Side.SUPPLY))})
        restarted.close()
    return {"rows_per_import": rows, "pairings_per_full_import": len(wanted), "crash_points": len(runs),
            "killed_before_commit": sum(r["records_saved"] == 0 for r in runs),
            "killed_after_commit": sum(r["records_saved"] == rows for r in runs),
            "partial_imports": sum(r["records_saved"] not in (0, rows) for r in runs),
            "jobs_left_running": sum(r["job_state"] != "interrupted" for r in runs),
            "incomplete_pairings": sum(not r["pairings_complete"] for r in runs), "runs": runs}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000, help="rows of the file the killed imports load")
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    started, load = time.monotonic(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        figures = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "seconds_per_part": {}}
        for name, part in (("demo", demo_attempts), ("encodings", encodings), ("restore", restores),
                           ("import_crashes", lambda t: crash_points(t, args.rows))):
            at = time.monotonic()
            figures[name] = part(tmp)
            figures["seconds_per_part"][name] = round(time.monotonic() - at)
    figures["seconds"] = round(time.monotonic() - started)
    figures["load_average_before_after"] = [round(load, 1), round(os.getloadavg()[0], 1)]
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    crashes = figures["import_crashes"]
    bad = (figures["demo"]["succeeded"] + figures["encodings"]["silently_garbled"]
           + len(figures["encodings"]["valid_files_refused"]) + figures["restore"]["accepted_wrongly"]
           + crashes["partial_imports"] + crashes["jobs_left_running"] + crashes["incomplete_pairings"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""What sessions and the inbox cost: the token check and the unread count per page run, and how long a
browser reload takes to restore the signed-in review page.

    HF_HUB_OFFLINE=1 python benchmarks/session_speed.py            # writes benchmarks/session_speed.json

The per-run figures are timed on a temporary SQLite database (WAL) with 1,000 live sessions and an inbox
of 200 entries (50 unread); a page run calls verify_session once and unread_count once. The reload is
timed in headless Chromium against `streamlit run app.py` (the browser tests' server: fake encoder,
seeded records): from page.reload() until "Signed in" and the page heading are shown, five times.
"""
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def _micro(fn, n: int) -> dict:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e6)
    times.sort()
    return {"median_us": round(statistics.median(times), 1), "p95_us": round(times[int(0.95 * n)], 1), "n": n}


def per_run() -> dict:
    os.environ.update(MATCHER_VAR_DIR=tempfile.mkdtemp(prefix="matcher-session-speed-"), MATCHER_ENCODER="fake")
    from matcher.auth import create_user, get_account
    from matcher.config import Settings
    from matcher.sessions import create_session, verify_session
    from matcher.storage.store import Store
    from matcher.workflow import notifications

    store = Store(Settings().database_url)
    user = create_user(store, "bench@example.org", "password-123", "official", "Bench")
    for _ in range(999):
        create_session(store, user.id, dt.timedelta(days=7))
    token = create_session(store, user.id, dt.timedelta(days=7))
    with store.write() as s:
        notifications.notify(s, [user.id] * 1, "submission_waiting", {"title": "x", "organization": "y"})
        for i in range(199):
            notifications.notify(s, [user.id], "submission_waiting", {"title": f"t{i}", "organization": "y"})
    notifications.mark_read(store, user.id, ids=list(range(1, 151)))
    idle = dt.timedelta(hours=1)
    return {
        "verify_session": _micro(lambda: verify_session(store, token, idle), 2000),
        "unread_count": _micro(lambda: notifications.unread_count(store, user.id), 2000),
        "get_account (already done before this work, for scale)": _micro(lambda: get_account(store, user.id), 2000),
        "unread": notifications.unread_count(store, user.id),
    }


def reload_times() -> dict:
    from e2e.support import (CHROMIUM, LAUNCH_ARGS, OFFICIAL, seed_database, server_env, sign_in, start_server,
                             stop_server, wait_ready)
    from playwright.sync_api import expect, sync_playwright

    var_dir = Path(tempfile.mkdtemp(prefix="matcher-reload-")) / "var"
    env = server_env(var_dir)
    seed_database(env)
    proc, url = start_server(env, var_dir.parent / "streamlit.log")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(url)
            wait_ready(page)
            sign_in(page, OFFICIAL)
            page.wait_for_function("() => document.cookie.includes('matcher_session=')")
            times = []
            for _ in range(5):
                start = time.perf_counter()
                page.reload()
                expect(page.get_by_text(f"Signed in: {OFFICIAL}")).to_be_visible(timeout=60_000)
                expect(page.get_by_role("heading", name="Review queue").first).to_be_visible(timeout=60_000)
                times.append(time.perf_counter() - start)
            browser.close()
    finally:
        stop_server(proc)
    return {"reload_to_signed_in_page_s": [round(x, 2) for x in times],
            "median_s": round(statistics.median(times), 2)}


def main() -> None:
    results = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": f"{os.cpu_count()} cores",
               "per_page_run": per_run()}
    if "--no-browser" not in sys.argv:
        results["browser_reload"] = reload_times()
    out = ROOT / "benchmarks" / "session_speed.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

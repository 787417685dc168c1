"""The web load test's websocket client (benchmarks/webload_ws.py) against one real app process, so that a
Streamlit upgrade or a renamed widget key cannot silently break `benchmarks/webload.py --client ws`.

One short journey: the official's journey of the benchmark (sign in, dashboard, review queue, move a pairing,
apply) on the browser tests' seeded database, and the client's refusals (a key that is not on the page, an
option the select box does not offer). No timing is asserted.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "benchmarks")]

from e2e.support import OFFICIAL, PASSWORD, seed_database, server_env, start_server, stop_server  # noqa: E402

from webload_ws import AppError, Tab, WsUser  # noqa: E402

@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    env = server_env(tmp_path_factory.mktemp("webload-ws") / "var")
    seed_database(env)
    proc, url = start_server(env, tmp_path_factory.mktemp("webload-ws-log") / "server.log")
    try:
        yield url
    finally:
        stop_server(proc)

def test_official_journey_over_the_websocket(app_url):
    async def journey() -> dict:
        stats = {"times": {}, "errors": [], "journeys": 0, "conflicts": 0}
        user = WsUser(1, app_url, 0.0, stats)     # user 1: an official, the queue's first pairing
        tab = Tab(app_url, timeout=60)
        try:
            await user.step("open", tab.open())
            assert "Sign in / Register" in tab.pages and not tab.has_text("Signed in:")
            with pytest.raises(AppError, match="no widget with key"):
                tab.widget("review_pick")
            tab.type_text("login_email", OFFICIAL)
            tab.type_text("login_password", PASSWORD)
            await user.step("sign_in", tab.click("login_submit"))
            assert tab.has_text("Signed in:") and "Review queue" in tab.pages
            await user.ws_official(tab)
            with pytest.raises(AppError, match="no option"):
                await tab.select("review_action", "no such move")
        finally:
            await tab.close()
        return stats

    # In its own thread: in the full suite the browser tests' sync Playwright keeps an event loop running in
    # this one, and asyncio.run refuses to start inside a running loop.
    with ThreadPoolExecutor(1) as pool:
        stats = pool.submit(asyncio.run, journey()).result()
    assert stats["errors"] == [] and stats["conflicts"] == 0
    assert set(stats["times"]) == {"open", "sign_in", "browse", "match", "choose", "review"}
    assert all(len(v) == 1 and v[0] > 0 for v in stats["times"].values())

"""Fixtures of the browser tests (support.py says what they run against and why).

Skipping rules: without Chromium at /usr/bin/chromium (or MATCHER_E2E_CHROMIUM), or without the playwright
package, the tests skip with the reason. With MATCHER_REQUIRE_BROWSER=1 (CI sets it in .ci/run) they fail
instead, so a CI image that lost its browser cannot pass by skipping every browser test.

This folder is a package (it has __init__.py) so that this conftest is not imported under the bare name
`conftest`, which would hide tests/conftest.py from the unit tests that import helpers from it.
"""
from __future__ import annotations

import os

import pytest

from .support import (CHROMIUM, _free_port, LAUNCH_ARGS, TIMEOUT_MS, new_context, seed_database, server_env, start_server, stop_server,
                      wait_ready)


def missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set MATCHER_E2E_CHROMIUM)"
    return None


def skip_or_fail(reason: str) -> None:
    if os.environ.get("MATCHER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MATCHER_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


SERVER: dict = {}


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole session (skip or fail when there is none, see the module doc)."""
    reason = missing_browser()
    if reason:
        skip_or_fail(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback that keeps every message it accepts."""
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    class Keep:
        messages: list = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    handler = Keep()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture(scope="session")
def server(chromium, smtp_server, tmp_path_factory):
    """The app on a free port with a seeded temporary database, mailing to the test SMTP server; stopped at
    the end of the session."""
    var_dir = tmp_path_factory.mktemp("e2e") / "var"
    env = server_env(var_dir, MATCHER_SMTP_URL=f"smtp://127.0.0.1:{smtp_server[1]}",
                     MATCHER_MAIL_INTERVAL_SECONDS="1")
    seed_database(env)
    proc, url = start_server(env, var_dir.parent / "streamlit.log")
    SERVER["var_dir"] = var_dir   # tests that seed their own rows write to the server's database
    yield url
    stop_server(proc)


@pytest.fixture
def open_page(chromium, server):
    """Factory: a new browser context (its own Streamlit session) on the app, ready to sign in."""
    contexts = []

    def _open():
        context = new_context(chromium)
        contexts.append(context)
        page = context.new_page()
        page.goto(server)
        wait_ready(page)
        return page

    yield _open
    for context in contexts:
        context.close()



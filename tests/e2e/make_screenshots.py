"""Regenerate the README screenshots in docs/ (not a test; run by hand after UI changes).

    python tests/e2e/make_screenshots.py            # about 2 minutes: the demo data is encoded at first start

It starts `streamlit run app.py` with a temporary database, the demo data, the demo accounts and the real
default encoder (realistic scores, unlike the fake encoder of the tests), signs in as the demo accounts in
headless Chromium and saves 1280x800 PNGs:

    docs/suggestions-zh.png   the demo enterprise's suggestions for one of its scenarios, in Chinese
    docs/review-queue.png     the official's review queue, with a pairing's explanation
    docs/dashboard.png        the dashboard

Chinese text needs a CJK font (Debian: fonts-wqy-microhei); without one the glyphs show as empty boxes.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, so that e2e is importable as a package
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project root: ui/ (support.unlink reads it)

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from e2e.support import (CHROMIUM, LAUNCH_ARGS, ROOT, choose, click_and_wait, go_to, new_context, server_env,  # noqa: E402
                         sign_in, start_server, stop_server, wait_ready)

DOCS = ROOT / "docs"
VIEWPORT = {"width": 1280, "height": 800}
MAX_BYTES = 300_000
SEED_TIMEOUT_MS = 600_000  # first page load encodes the demo data with the real model


def _save(page, name: str) -> Path:
    """Screenshot of the viewport; reduced to a 256-colour palette if the PNG is over MAX_BYTES."""
    path = DOCS / name
    page.wait_for_timeout(800)  # let charts and fonts settle
    page.screenshot(path=str(path))
    if path.stat().st_size > MAX_BYTES:
        from PIL import Image

        Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")
    return path


def _new_page(browser, url: str):
    page = new_context(browser).new_page()   # a context whose pages count script runs (click_and_wait)
    page.set_viewport_size(VIEWPORT)
    page.set_default_timeout(60_000)
    page.goto(url)
    return page


def _wait_for_seeding(page) -> None:
    """The first page load encodes the demo data; reload now and then in case that session got lost."""
    form = page.get_by_label("E-mail", exact=True)
    deadline = time.monotonic() + SEED_TIMEOUT_MS / 1000
    while True:
        try:
            form.wait_for(timeout=120_000)
            return
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise
            print("still loading the demo data; reloading the page")
            page.reload()


def _switch_language(page, name: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(name, exact=True).click()
    wait_ready(page)


def _scroll_to(page, locator) -> None:
    """Scroll Streamlit's main container so that locator is at the top of the viewport."""
    locator.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)


def suggestions_zh(browser, url: str) -> None:
    page = _new_page(browser, url)
    _wait_for_seeding(page)
    sign_in(page, "enterprise@demo.local", "demo-enterprise")
    go_to(page, "My submissions")
    choose(page, "Choose a record", "S-0002", search="S-0002")
    _switch_language(page, "中文")
    page.get_by_role("heading", name="我的提交").wait_for()
    card = page.locator(".st-key-sug_S-0002_1")
    card.wait_for()
    _scroll_to(page, card)   # the cards, not the similar cases above them (they filled the whole shot)
    _save(page, "suggestions-zh.png")
    page.close()


def _act(page, status: str, reason: str | None = None) -> None:
    """Move the pairing shown (the best-scored open one) to status, as an official would."""
    picked = page.get_by_label("Show pairing", exact=True).input_value()
    detail = page.locator(".st-key-review_detail")   # the bulk panel has boxes with the same labels
    choose(detail, "Move to", status)
    if reason:
        choose(detail, "Reason (required)" if status == "rejected" else "Reason (optional)", reason)
    click_and_wait(page, detail.get_by_role("button", name="Apply to the pairing shown"))
    if status in ("approved", "rejected"):  # it leaves the open queue: the next pairing is shown
        page.wait_for_function("""old => {
            const box = document.querySelector('input[aria-label="Show pairing"]');
            return box && box.value !== old;
        }""", arg=picked)
    page.get_by_text("1 pairing(s) updated.").wait_for()
    wait_ready(page)


def review_queue(browser, url: str) -> None:
    page = _new_page(browser, url)
    sign_in(page, "official@demo.local", "demo-official")
    go_to(page, "Review queue")
    # a little history, so that the queue and the dashboard show more than fresh suggestions
    _act(page, "approved")
    _act(page, "approved")
    _act(page, "rejected", reason="not relevant")
    _act(page, "shortlisted")
    go_to(page, "Moderation")  # and back: a fresh page without the "updated" message
    go_to(page, "Review queue")
    page.wait_for_timeout(500)   # (the filters start folded: the list is in view)
    _save(page, "review-queue.png")
    page.close()


def dashboard(browser, url: str) -> None:
    page = _new_page(browser, url)
    sign_in(page, "admin@demo.local", "demo-admin")
    go_to(page, "Dashboard")
    page.locator("[data-testid='stVegaLiteChart'], .vega-embed").first.wait_for()
    page.wait_for_timeout(1500)
    _save(page, "dashboard.png")
    page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--var-dir", type=Path, help="reuse this folder (kept) instead of a fresh temporary one")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"no Chromium at {CHROMIUM}")
    temp = None if args.var_dir else Path(tempfile.mkdtemp(prefix="matcher-shots-"))
    var_dir = args.var_dir or temp / "var"
    var_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(var_dir, MATCHER_SEED_DEMO="true", MATCHER_DEMO_ACCOUNTS="true")
    for name in ("MATCHER_ENCODER", "MATCHER_MIN_PAIR_SCORE"):   # the configured defaults, as a deployment has them
        env.pop(name)
    proc, url = start_server(env, var_dir / "streamlit.log")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
            DOCS.mkdir(exist_ok=True)
            suggestions_zh(browser, url)
            review_queue(browser, url)
            dashboard(browser, url)
            browser.close()
    except Exception:
        log = var_dir / "streamlit.log"
        print(f"--- end of {log}:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-40:]), file=sys.stderr)
        raise
    finally:
        stop_server(proc)
        if temp:
            shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()

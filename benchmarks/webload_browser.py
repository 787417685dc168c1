"""Browser users of the web load test (`benchmarks/webload.py --client browser`): Playwright contexts in one
headless Chromium, driving the real page as a person would (clicks, typing, the sidebar)."""
from __future__ import annotations

import asyncio
import re
import time

from e2e.support import run_finished
from webload_users import PASSWORD, STEP_TIMEOUT_MS, SimulatedUser, email_of, scenario_text

READY_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && app.getAttribute('data-test-connection-state') === 'CONNECTED';
}"""


class RunWatch:
    """Counts the page runs the server finished for one page, from the websocket frames the browser receives
    (Streamlit's ForwardMsg script_finished, as the ws client reads them). The page's script-state attribute
    cannot tell: a fast run's "running" and "notRunning" reach React in one batch and the attribute never
    shows "running" (a 120 s time-out of the first version at a ~50 ms run)."""

    def __init__(self, page):
        self.finished = 0
        self.changed = asyncio.Event()
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if run_finished(payload):
            self.finished += 1
            self.changed.set()

    async def after(self, count: int) -> None:
        """Wait until more than count runs have finished."""
        while self.finished <= count:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), STEP_TIMEOUT_MS / 1000)


class BrowserUser(SimulatedUser):
    """One simulated user as Playwright contexts (a fresh one per journey) in the shared Chromium."""

    def __init__(self, i: int, url: str, deadline: float, stats: dict, browser):
        super().__init__(i, url, deadline, stats)
        self.browser = browser

    async def ready(self, page) -> None:
        await page.wait_for_function(READY_JS, timeout=STEP_TIMEOUT_MS)

    async def run(self, page, step: str, action) -> None:
        """Do action (which triggers a rerun), wait for the server to finish the run (after any st.rerun) and
        the page to show it, record the time."""
        try:
            before = self.watch.finished
            t0 = time.perf_counter()
            await action()
            await self.watch.after(before)
            await self.ready(page)
        except Exception as exc:
            raise RuntimeError(f"step {step}: {type(exc).__name__}: {str(exc)[:200]}") from exc
        self.stats["times"].setdefault(step, []).append((time.perf_counter() - t0) * 1000)
        if await page.get_by_test_id("stException").count():
            raise RuntimeError(f"{step}: exception shown: "
                               f"{(await page.get_by_test_id('stException').first.inner_text())[:300]}")

    async def go_to(self, page, title: str, step: str) -> None:
        link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=title)
        await self.run(page, step, link.click)
        await page.get_by_role("heading", name=title).first.wait_for(timeout=STEP_TIMEOUT_MS)

    async def journey(self, n: int) -> None:
        context = await self.browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(STEP_TIMEOUT_MS)
        page = await context.new_page()
        self.watch = RunWatch(page)
        try:
            t0 = time.perf_counter()
            await page.goto(f"{self.url}/?lang=en", wait_until="commit")
            await page.wait_for_selector('[data-testid="stApp"]')
            await self.ready(page)
            await page.get_by_label("E-mail", exact=True).wait_for()
            self.stats["times"].setdefault("open", []).append((time.perf_counter() - t0) * 1000)
            await page.get_by_label("E-mail", exact=True).fill(email_of(self.i))
            await page.get_by_label("Password", exact=True).fill(PASSWORD)
            await self.run(page, "sign_in", page.get_by_role("button", name="Sign in", exact=True).click)
            await page.get_by_text("Signed in:").first.wait_for()
            if self.official:
                await self.official_journey(page)
            else:
                await self.enterprise_journey(page, n)
            self.stats["journeys"] += 1
        finally:
            await context.close()

    async def enterprise_journey(self, page, n: int) -> None:
        await self.go_to(page, "My submissions", "browse")
        await self.go_to(page, "Submit a scenario", "open_form")
        title, description, keywords = scenario_text(self.i, n)
        await page.get_by_label("Title *", exact=True).fill(title)
        await page.get_by_label("Description *", exact=True).fill(description)
        await page.get_by_label("Keywords", exact=True).fill(keywords)
        await self.run(page, "match", page.get_by_role("button", name="Submit", exact=True).click)
        await page.get_by_role("heading", name="Suggested counterparts").wait_for()
        await self.go_to(page, "My submissions", "review")
        await page.get_by_role("tab", name="Pairings").click()      # tabs switch in the browser: no script run
        await page.get_by_role("tab", name="Pairings", selected=True).wait_for()

    async def official_journey(self, page) -> None:
        await self.go_to(page, "Dashboard", "browse")
        await self.go_to(page, "Review queue", "match")
        # this official's own pairing: the (i // 2)-th of the queue, so officials rarely collide
        box = page.get_by_label("Show pairing", exact=True)
        await box.scroll_into_view_if_needed()
        await box.click()
        if self.i // 2:
            for _ in range(self.i // 2):
                await box.press("ArrowDown")
            await self.run(page, "pick", lambda: box.press("Enter"))
        else:
            await box.press("Escape")     # the first pairing is shown already
        detail = page.locator(".st-key-review_detail")
        move = detail.get_by_label("Move to", exact=True)
        await move.scroll_into_view_if_needed()
        await move.click()
        options = [t.strip() for t in await page.get_by_role("option").all_inner_texts()]
        wanted = "under review" if "under review" in options else "shortlisted"
        await self.run(page, "choose", page.get_by_role("option", name=wanted, exact=True).click)
        await self.run(page, "review", page.get_by_role("button", name="Apply to the pairing shown").click)
        box_text = await detail.inner_text()
        if "pairing(s) updated" not in box_text:
            if re.search(r"changed|someone|another|已被", box_text):
                self.stats["conflicts"] += 1
            else:
                raise RuntimeError(f"review: no outcome shown: {box_text[-300:]}")


async def warm_browser(urls: list[str], browser) -> None:
    for url in urls:   # each process opens its platform (indexes, sync) at its first session: not timed
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(f"{url}/?lang=en")
        await page.wait_for_function(READY_JS, timeout=600_000)
        await page.get_by_label("E-mail", exact=True).wait_for(timeout=600_000)
        await context.close()



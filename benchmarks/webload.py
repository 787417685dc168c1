"""Web load test: 2 app processes on one database, N simulated users in a real browser, for a bounded time.

    HF_HUB_OFFLINE=1 python benchmarks/webload.py [--users 20] [--seconds 120] [--backend sqlite|postgresql]
                                                  [--encoder fake|use] [--results benchmarks]

What runs:
- one database (SQLite file, or a throwaway PostgreSQL cluster from tests/pg_cluster.py: Unix socket only) with
  the demo data (224 offerings, 92 scenarios, their pairings, organisations, cases) and one account per
  simulated user, half officials and half enterprises;
- 2 `streamlit run app.py` processes on 127.0.0.1 (two ports), both on that database, following each other's
  writes through the change feed; user i always talks to process i % 2 (sticky sessions, as behind nginx);
- N users as Playwright browser contexts in one headless Chromium (Debian's /usr/bin/chromium), each running
  journeys until the time is up, every journey in a fresh context (a new browser session):
  - enterprise: sign in -> browse "My submissions" -> match: submit a scenario, suggestions shown ->
    review: "My submissions", its pairings tab;
  - official: sign in -> browse "Dashboard" -> match: "Review queue" (the pairing shown with its explanation)
    -> review: move the user's own pairing (the i-th of the queue) to "under review" or back to "shortlisted".
- A page run is timed from the click (or the Enter) to the moment the app reports the script finished and the
  connection idle (the e2e helpers' wait_ready). An error is any step that raised (timeouts included), a
  Streamlit exception box on the page, or a traceback in a server's log. A decision refused because another
  official changed the pairing first is not an error (it is the row lock doing its job) and is counted apart.
- Peak RSS per app process is the kernel's high-water mark (VmHWM in /proc/PID/status) at the end.

Bounded: the run stops starting journeys after --seconds; a step waits at most 120 s (counted as an error then).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

# Throw-away accounts on a throw-away database: a fresh password per run, handed to the seeding process.
PASSWORD = os.environ.setdefault("MATCHER_WEBLOAD_PASSWORD", secrets.token_urlsafe(12))
WORDS = ("graphene film", "battery pack", "thermal management", "machine vision", "defect detection", "solar cells",
         "heat pump", "waste heat", "predictive maintenance", "industrial robot", "carbon fibre", "lightweighting",
         "hydrogen storage", "fuel cell", "power electronics", "motor drive", "energy storage", "smart grid",
         "water treatment", "membrane filtration", "sensor network", "edge computing", "digital twin",
         "laser welding", "3D printing", "coating", "corrosion", "noise reduction", "cold chain", "logistics",
         "medical imaging", "rehabilitation", "new materials", "semiconductor", "wafer inspection", "LED lighting")
STEP_TIMEOUT_MS = 120_000
READY_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && app.getAttribute('data-test-connection-state') === 'CONNECTED';
}"""
ARM_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    window.__ran = false;
    new MutationObserver((_, obs) => {
        if (app.getAttribute('data-test-script-state') === 'running') { window.__ran = true; obs.disconnect(); }
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def email_of(i: int) -> str:
    return f"load{i:02d}-{'official' if i % 2 else 'enterprise'}@load.test"


def seed(users: int) -> None:
    """In the servers' environment (a child process): demo data and the users' accounts."""
    from matcher.auth import create_user
    from matcher.config import Settings
    from matcher.domain.records import Role
    from matcher.service import Platform

    platform = Platform.open(Settings())
    try:
        platform.seed_demo()
        for i in range(users):
            create_user(platform.store, email_of(i), PASSWORD, Role.OFFICIAL if i % 2 else Role.ENTERPRISE,
                        f"Load Test Org {i:02d}", f"User {i:02d}")
        platform.engine.flush()
    finally:
        platform.close()


# --- one simulated user ------------------------------------------------------------------------------------

class User:
    def __init__(self, i: int, url: str, browser, deadline: float, stats: dict):
        self.i, self.url, self.browser, self.deadline, self.stats = i, url, browser, deadline, stats
        self.official = bool(i % 2)

    async def ready(self, page) -> None:
        await page.wait_for_function(READY_JS, timeout=STEP_TIMEOUT_MS)

    async def run(self, page, step: str, action) -> None:
        """Do action (which triggers a rerun), wait for the run to finish, record its time."""
        try:
            await page.evaluate(ARM_JS)
            t0 = time.perf_counter()
            await action()
            await page.wait_for_function("() => window.__ran === true", timeout=STEP_TIMEOUT_MS)
            await self.ready(page)
            await page.wait_for_timeout(300)   # a page that calls st.rerun() is idle for a moment between runs
            await self.ready(page)
        except Exception as exc:
            raise RuntimeError(f"step {step}: {type(exc).__name__}: {str(exc)[:200]}") from exc
        self.stats["times"].setdefault(step, []).append((time.perf_counter() - t0) * 1000 - 300)
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

    async def loop(self) -> None:
        n = 0
        while time.monotonic() < self.deadline:
            n += 1
            try:
                await self.journey(n)
            except Exception as exc:  # noqa: BLE001 - counted: an error a user would have met
                self.stats["errors"].append(f"user {self.i} journey {n}: {type(exc).__name__}: {str(exc)[:300]}")


def scenario_text(i: int, n: int) -> tuple[str, str, str]:
    """Title, description and keywords of user i's n-th scenario: a different text every time (near-copies of
    earlier submissions would, rightly, stop at the app's near-duplicate warning instead of saving)."""
    words = random.Random(i * 1000 + n).sample(WORDS, 9)
    return (f"{words[0]} {words[1]} needed for {words[2]}",
            f"We look for {words[3]} and {words[4]} to solve {words[5]} problems in our {words[6]} line; "
            f"{words[7]} or {words[8]} experience is welcome.", "; ".join(words[:3]))


class WsUser(User):
    """The same journeys over Streamlit's websocket protocol (benchmarks/webload_ws.py): no browser."""

    async def step(self, step: str, action) -> None:
        try:
            took = await action
        except Exception as exc:
            raise RuntimeError(f"step {step}: {type(exc).__name__}: {str(exc)[:200]}") from exc
        self.stats["times"].setdefault(step, []).append(took)

    async def journey(self, n: int) -> None:
        from webload_ws import Tab

        tab = Tab(self.url, STEP_TIMEOUT_MS / 1000)
        try:
            await self.step("open", tab.open())
            tab.type_text("login_email", email_of(self.i))
            tab.type_text("login_password", PASSWORD)
            await self.step("sign_in", tab.click("login_submit"))
            if not tab.has_text("Signed in:"):
                raise RuntimeError(f"sign_in: not signed in: {tab.texts()[:12]}")
            await (self.ws_official(tab) if self.official else self.ws_enterprise(tab, n))
            self.stats["journeys"] += 1
        finally:
            await tab.close()

    async def ws_enterprise(self, tab, n: int) -> None:
        await self.step("browse", tab.go_to("My submissions"))
        await self.step("open_form", tab.go_to("Submit a scenario"))
        title, description, keywords = scenario_text(self.i, n)
        tab.type_text("submit_demand_form_title", title)
        tab.type_text("submit_demand_form_description", description)
        tab.type_text("submit_demand_form_keywords", keywords)
        await self.step("match", tab.click("submit_demand_form_submit"))
        if not tab.has_text("Suggested counterparts"):
            raise RuntimeError(f"match: no suggestions heading: {tab.texts()[:12]}")
        await self.step("review", tab.go_to("My submissions"))
        if "Pairings" not in tab.texts():     # the tab's content came with the run; switching is client-side
            raise RuntimeError("review: no Pairings tab")

    async def ws_official(self, tab) -> None:
        await self.step("browse", tab.go_to("Dashboard"))
        await self.step("match", tab.go_to("Review queue"))
        options = list(tab.widget("review_pick").options)   # this official's own pairing, as in the browser
        if self.i // 2 and len(options) > 1:
            await self.step("pick", tab.select("review_pick", options[min(self.i // 2, len(options) - 1)]))
        moves = list(tab.widget("review_action").options)
        await self.step("choose", tab.select("review_action", "under review" if "under review" in moves
                                             else "shortlisted"))
        await self.step("review", tab.click("review_apply_one"))
        shown = " ".join(tab.texts())
        if "pairing(s) updated" not in shown:
            if re.search(r"changed .*meanwhile|someone else", shown):
                self.stats["conflicts"] += 1
            else:
                raise RuntimeError(f"review: no outcome shown: {shown[-300:]}")


async def _warm_browser(urls: list[str], browser) -> None:
    for url in urls:   # each process opens its platform (indexes, sync) at its first session: not timed
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(f"{url}/?lang=en")
        await page.wait_for_function(READY_JS, timeout=600_000)
        await page.get_by_label("E-mail", exact=True).wait_for(timeout=600_000)
        await context.close()


async def _warm_ws(urls: list[str]) -> None:
    from webload_ws import Tab

    for url in urls:
        tab = Tab(url, 600)
        await tab.open()
        await tab.close()


async def _users(make, users: int, seconds: float, ramp: float) -> float:
    """Start the users spread over `ramp` seconds, then all of them go on for `seconds` more (the steady state:
    every user busy); a journey under way at the deadline is finished and counted. Returns the elapsed s."""
    start = time.monotonic()
    deadline = start + ramp + seconds
    tasks = []
    for i in range(users):
        tasks.append(asyncio.create_task(make(i, deadline).loop()))
        await asyncio.sleep(ramp / max(users, 1))   # users arrive over the first seconds, not in one instant
    await asyncio.gather(*tasks)
    return time.monotonic() - start


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds of the process and of its children it has reaped) from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        table[int(entry.name)] = (int(fields[1]), sum(int(x) for x in fields[11:15]) / tick)
    return table


def cpu_by_group(app_pids: list[int]) -> dict[str, float]:
    """CPU seconds so far of each app process (with its children) and of the load driver: this process and
    every other descendant of it (Playwright's driver and Chromium's processes; only this one in ws mode)."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)

    def tree(root: int, skip: set[int] = frozenset()) -> float:
        total, todo = 0.0, [root]
        while todo:
            pid = todo.pop()
            if pid in skip or pid not in table:
                continue
            total += table[pid][1]
            todo.extend(children.get(pid, []))
        return total

    out = {f"app_{n}": tree(pid) for n, pid in enumerate(app_pids)}
    out["load_driver"] = tree(os.getpid(), set(app_pids))
    return out


async def drive(urls: list[str], users: int, seconds: float, client: str = "browser", ramp: float = 10,
                app_pids: list[int] = ()) -> dict:
    stats = [{"times": {}, "errors": [], "journeys": 0, "conflicts": 0} for _ in range(users)]
    if client == "ws":
        await _warm_ws(urls)
        cpu0 = cpu_by_group(list(app_pids))
        elapsed = await _users(lambda i, end: WsUser(i, urls[i % len(urls)], None, end, stats[i]), users, seconds,
                               ramp)
    else:
        from playwright.async_api import async_playwright

        from e2e.support import CHROMIUM, LAUNCH_ARGS

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
            await _warm_browser(urls, browser)
            cpu0 = cpu_by_group(list(app_pids))
            elapsed = await _users(lambda i, end: User(i, urls[i % len(urls)], browser, end, stats[i]), users,
                                   seconds, ramp)
            cpu1 = cpu_by_group(list(app_pids))   # before the browser closes and takes its processes along
            await browser.close()
    if client == "ws":
        cpu1 = cpu_by_group(list(app_pids))
    cpu = {k: round(cpu1[k] - cpu0[k], 1) for k in cpu0}
    times: dict[str, list[float]] = {}
    for s in stats:
        for step, values in s["times"].items():
            times.setdefault(step, []).extend(values)
    every = [v for values in times.values() for v in values]

    def pct(values: list[float]) -> dict:
        q = statistics.quantiles(values, n=20) if len(values) >= 2 else [values[0]] * 19 if values else [0] * 19
        return {"runs": len(values), "p50_ms": round(statistics.median(values), 0) if values else None,
                "p95_ms": round(q[18], 0) if values else None}

    return {"elapsed_s": round(elapsed, 1), "journeys": sum(s["journeys"] for s in stats),
            "cpu_s_during_load": cpu,
            "cores": os.cpu_count(),
            "cpu_share_of_all_cores": {k: round(v / ((os.cpu_count() or 1) * elapsed), 3) for k, v in cpu.items()},
            "page_runs": pct(every), "by_step": {k: pct(v) for k, v in sorted(times.items())},
            "errors": [e for s in stats for e in s["errors"]],
            "review_conflicts": sum(s["conflicts"] for s in stats)}


def peak_rss_mb(pid: int) -> float | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(r"VmHWM:\s+(\d+) kB", text)
    return round(int(m.group(1)) / 1024, 1) if m else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--encoder", default="fake", help="MATCHER_ENCODER of the app processes (fake: no model)")
    parser.add_argument("--client", choices=["browser", "ws"], default="browser",
                        help="browser: Playwright contexts in one Chromium; ws: Streamlit's websocket protocol")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the users arrive")
    parser.add_argument("--results", type=Path, default=None,
                        help="write webload_<client>_<users>_users.json into this folder")
    parser.add_argument("--results-md", type=Path, default=None,
                        help="also write the figures as a section of this Markdown file (replaced if present)")
    args = parser.parse_args()
    from e2e.support import server_env, start_server, stop_server

    work = Path(tempfile.mkdtemp(prefix="matcher-webload-"))
    cluster = None
    url = ""
    if args.backend == "postgresql":
        from pg_cluster import Cluster, find_bin_dir

        cluster = Cluster(find_bin_dir()).start()
        url = cluster.url(cluster.create_database())
    env = server_env(work / "var", MATCHER_ENCODER=args.encoder, MATCHER_DB_URL=url)
    procs = []
    try:
        t0 = time.monotonic()
        # server_env drops every MATCHER_* variable of this shell: the seeding child gets the password explicitly
        # (without it, it drew a password of its own and no simulated user could sign in)
        subprocess.run([sys.executable, __file__, "seed", str(args.users)], cwd=ROOT,
                       env={**env, "MATCHER_WEBLOAD_PASSWORD": PASSWORD}, check=True, timeout=900)
        seeded = time.monotonic() - t0
        for n in range(2):
            procs.append(start_server(env, work / f"server{n}.log", timeout=300))
        load = [round(x, 2) for x in os.getloadavg()]
        result = asyncio.run(drive([u for _, u in procs], args.users, args.seconds, args.client, args.ramp,
                                   [proc.pid for proc, _ in procs]))
        result["peak_rss_mb_per_process"] = [peak_rss_mb(proc.pid) for proc, _ in procs]
        logs = [(work / f"server{n}.log").read_text(errors="replace") for n in range(2)]
        # Streamlit logs a traceback when it had to fix a table's column types for Arrow, then shows the table:
        # a warning, not an error a user meets; counted apart.
        arrow = sum(log.count("Applying automatic fixes for column types") for log in logs)
        tracebacks = sum(log.count("Traceback") for log in logs) - arrow
        result.update(server_tracebacks=tracebacks, arrow_column_fix_warnings=arrow,
                      error_count=len(result["errors"]) + tracebacks)
    finally:
        for proc, _ in procs:
            stop_server(proc)
        if cluster is not None:
            cluster.stop()
    result = {"at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "client": args.client,
              "users": args.users, "ramp_s": args.ramp, "steady_s": args.seconds, "backend": args.backend, "encoder": args.encoder, "app_processes": 2,
              "seed_s": round(seeded, 1), "load_before_1_5_15_min": load,
              "load_after_1_5_15_min": [round(x, 2) for x in os.getloadavg()], **result}
    print(json.dumps(result, indent=1, ensure_ascii=False))
    name = f"webload_{args.client}_{args.users}_users.json"
    if args.results:
        (args.results / name).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", "utf-8")
    if args.results_md:
        from webload_report import write_section

        write_section(args.results_md, result, " ".join(["python", "benchmarks/webload.py", *sys.argv[1:]]), name)


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        seed(int(sys.argv[2]))
    else:
        main()

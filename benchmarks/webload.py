"""Web load test: 2 app processes on one database, N simulated users, for a bounded time.

    HF_HUB_OFFLINE=1 python benchmarks/webload.py [--client browser|ws] [--users 20] [--ramp 10] [--seconds 120]
                                                  [--backend sqlite|postgresql] [--encoder fake|use]
                                                  [--results benchmarks] [--results-md benchmarks/RESULTS.md]

What runs:
- one database (SQLite file, or a throwaway PostgreSQL cluster from tests/pg_cluster.py: Unix socket only) with
  the demo data (224 offerings, 92 scenarios, their pairings, organisations, cases) and one account per
  simulated user, half officials and half enterprises;
- 2 `streamlit run app.py` processes on 127.0.0.1 (two ports), both on that database, following each other's
  writes through the change feed; user i always talks to process i % 2 (sticky sessions, as behind nginx);
- N users, each running journeys until the time is up, every journey in a new session (signed out):
  - enterprise: sign in -> browse "My submissions" -> match: submit a scenario, suggestions shown ->
    review: "My submissions", its pairings tab;
  - official: sign in -> browse "Dashboard" -> match: "Review queue" (the pairing shown with its explanation)
    -> review: move the user's own pairing (the i-th of the queue) to "under review" or back to "shortlisted".
- The users, by --client:
  - browser: Playwright contexts in one headless Chromium (Debian's /usr/bin/chromium), a fresh context per
    journey. A page run is timed from the click (or the Enter) to the run's script_finished message (read from
    the page's websocket frames, after any st.rerun) and the page idle again (the e2e helpers' wait_ready).
    "open" is the page load up to the sign-in form.
  - ws: websocket clients speaking Streamlit's own protocol (benchmarks/webload_ws.py says what that does and
    does not exercise), a new websocket per journey. A page run is timed from the BackMsg sent to the
    ForwardMsg that ends the run (script_finished, after any st.rerun). "open" is the connection and the first
    run; the static files a browser loads first are not fetched.
- The users arrive one by one over --ramp seconds; then all of them go on for --seconds (the steady state, all
  N users busy); a journey under way at the end is finished and counted.
- An error is any step that raised (timeouts included), an exception shown by the app, or a traceback in a
  server's log. A decision refused because another official changed the pairing first is not an error (it is
  the row lock doing its job) and is counted apart.
- Peak RSS per app process is the kernel's high-water mark (VmHWM in /proc/PID/status) at the end. CPU seconds
  during the load are counted per process tree (each app process, and the load driver: this process with
  Playwright's driver and Chromium, or the ws clients alone), from /proc.

Bounded: no journey starts after ramp + --seconds; a step waits at most 120 s (counted as an error then).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from webload_users import PASSWORD, email_of  # noqa: E402


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
        from webload_ws import WsUser, warm_ws

        await warm_ws(urls)
        cpu0 = cpu_by_group(list(app_pids))
        elapsed = await _users(lambda i, end: WsUser(i, urls[i % len(urls)], end, stats[i]), users, seconds,
                               ramp)
    else:
        from playwright.async_api import async_playwright

        from e2e.support import CHROMIUM, LAUNCH_ARGS
        from webload_browser import BrowserUser, warm_browser

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
            await warm_browser(urls, browser)
            cpu0 = cpu_by_group(list(app_pids))
            elapsed = await _users(lambda i, end: BrowserUser(i, urls[i % len(urls)], end, stats[i], browser), users,
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

"""The web load test's figures as a section of benchmarks/RESULTS.md (`webload.py --results-md`).

Each run writes its own section, headed by the client and the number of users; a later run of the same
client and size replaces it, so the file keeps one section per kind of run.
"""
from __future__ import annotations

import re
from pathlib import Path


def _ms(step: dict) -> str:
    return f"{step['p50_ms']:.0f} ms / {step['p95_ms']:.0f} ms" if step["runs"] else "no runs"


def section(result: dict, command: str, json_name: str) -> str:
    what = {"ws": "websocket clients speaking Streamlit's protocol (benchmarks/webload_ws.py)",
            "browser": "Playwright contexts in one headless Chromium"}[result["client"]]
    cpu, share = result["cpu_s_during_load"], result["cpu_share_of_all_cores"]
    lines = [
        f"### Web load, {result['client']} client, {result['users']} users",
        "",
        f"`HF_HUB_OFFLINE=1 {command}` ({result['at']}; raw figures in `benchmarks/{json_name}`): "
        f"{result['backend']}, encoder `{result['encoder']}`, {result['app_processes']} app processes, "
        f"{result['users']} users as {what}, arriving over {result['ramp_s']:.0f} s, then all of them busy for "
        f"{result['steady_s']:.0f} s (a journey under way at the end is finished). Load average "
        f"{result['load_before_1_5_15_min']} before, {result['load_after_1_5_15_min']} after; "
        f"{result['cores']} cores.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| journeys completed / page runs timed | {result['journeys']} / {result['page_runs']['runs']} |",
        f"| page-run time, all runs: p50 / p95 | {_ms(result['page_runs'])} |",
        *(f"| {name}: p50 / p95 ({step['runs']} runs) | {_ms(step)} |" for name, step in result["by_step"].items()),
        f"| errors (steps that raised or timed out, exception boxes, server tracebacks) | {result['error_count']} |",
        f"| decisions refused because another official moved the pairing first (not errors) | "
        f"{result['review_conflicts']} |",
        f"| peak RSS per app process (VmHWM) | "
        f"{' / '.join(f'{x:.0f} MB' for x in result['peak_rss_mb_per_process'] if x is not None)} |",
        f"| CPU during the load, s (share of all cores): app processes | "
        f"{' / '.join(f'{cpu[k]:.0f} ({share[k]:.0%})' for k in cpu if k.startswith('app_'))} |",
        f"| CPU during the load, s (share of all cores): load driver | "
        f"{cpu['load_driver']:.0f} ({share['load_driver']:.0%}) |",
    ]
    if result["errors"]:
        lines += ["", "Errors as reported (first 5): " + "; ".join(e.replace("\n", " ") for e in result["errors"][:5])]
    return "\n".join(lines) + "\n"


def write_section(path: Path, result: dict, command: str, json_name: str) -> None:
    text = path.read_text("utf-8") if path.exists() else ""
    new = section(result, command, json_name)
    head = new.splitlines()[0]
    # the old section of this kind runs to the next heading of level 1 to 3
    pattern = re.compile(rf"^{re.escape(head)}\n.*?(?=^#{{1,3}} |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: new + "\n", text, count=1) if pattern.search(text) else \
        text.rstrip("\n") + "\n\n" + new
    path.write_text(text, "utf-8")

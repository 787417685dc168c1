"""Contenders timed interleaved in one process: query by query, round by round, the first-timed rotating.

The engine and txtai hybrid run side by side on the same corpus and the same vectors; each round has its
own fresh query texts (nothing a contender memoised from an earlier round is asked again), and the load
average is taken after each round. A ratio is computed per round (the other's p50 over ours), so its
spread over the rounds shows how much the machine's load moved it.
"""
from __future__ import annotations

import os
import time
from typing import Callable

import numpy as np

from matcher.bench.baselines import percentiles


def rotated(keys: list, i: int) -> list:
    """keys starting at position i (mod len): the first-timed contender changes from one query to the next."""
    k = i % len(keys)
    return keys[k:] + keys[:k]


def interleave(contenders: dict[str, Callable[[str], object]], rounds: list[list[str]]) -> dict:
    """Milliseconds per contender per round ({name: [[ms per query] per round]}) and the load after each round."""
    names = list(contenders)
    for name in names:   # warm-up (lazy builds, first-call allocations) is not a user's steady state
        contenders[name]("warm-up 预热 " + name)
    ms: dict[str, list[list[float]]] = {name: [] for name in names}
    loads = []
    for r, queries in enumerate(rounds):
        for name in names:
            ms[name].append([])
        for i, q in enumerate(queries):
            for name in rotated(names, i + r):
                t = time.perf_counter()
                contenders[name](q)
                ms[name][r].append((time.perf_counter() - t) * 1000)
        loads.append([round(x, 2) for x in os.getloadavg()])
    return {"ms": ms, "load_avg_per_round": loads}


def summary(ms_rounds: list[list[float]]) -> dict:
    """p50 / p95 over every query of every round, and the per-round p50s."""
    every = [x for r in ms_rounds for x in r]
    p50, p95 = percentiles(every)
    return {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2),
            "round_p50_ms": [round(percentiles(r)[0], 2) for r in ms_rounds]}


def ratio(ours: list[list[float]], theirs: list[list[float]]) -> dict:
    """Their p50 over ours, per round: min, median, max and the interquartile range over the rounds."""
    per = [percentiles(t)[0] / percentiles(o)[0] for o, t in zip(ours, theirs)]
    q1, med, q3 = np.percentile(per, [25, 50, 75])
    return {"per_round": [round(x, 2) for x in per], "min": round(min(per), 2), "median": round(float(med), 2),
            "max": round(max(per), 2), "iqr": [round(float(q1), 2), round(float(q3), 2)]}

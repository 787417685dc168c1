"""Per corpus size N: ingest, hybrid query latency, add-one cost and memory of the engine, and the baselines."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from matcher.bench.baselines import NumpyBM25Baseline, SklearnDense, TxtaiHybrid, percentiles, time_queries
from matcher.bench.corpus import compose, load_vocabulary
from matcher.bench.vectors import PrecomputedEncoder, VectorCache, rss_mb
from matcher.config import Settings, get_settings
from matcher.domain.records import Side, record_text, validate_record

STORED_SCENARIOS = 200   # the demand side's size; queries are new scenario texts posted as free text
TXTAI_SELF_ENCODE_MAX = 2000   # above this txtai gets the same precomputed corpus vectors (not re-encoded)


def encode_rates(encoder, texts: list[str]) -> dict:
    """texts/s of our encoder vs a plain SentenceTransformer.encode call with default arguments."""
    encoder.encode(texts[:16])
    t = time.perf_counter()
    encoder.encode(texts)
    ours = len(texts) / (time.perf_counter() - t)
    t = time.perf_counter()
    encoder.model.encode(texts)
    plain = len(texts) / (time.perf_counter() - t)
    return {"encode_texts_per_s": round(ours, 1), "encode_texts_per_s_plain": round(plain, 1)}


def bench_size(n: int, encoder, cache: VectorCache, opts: dict) -> dict:
    """Every per-size figure for a corpus of n offerings (see RESULTS.md for what each one means)."""
    from matcher.search.engine import Engine
    from matcher.storage.store import Store

    vocab = load_vocabulary()
    offers = compose(vocab, "supply", n)
    scenarios = compose(vocab, "demand", STORED_SCENARIOS)
    queries = [record_text(r) for r in compose(vocab, "demand", opts["queries"], seed=1)]
    texts = [record_text(r) for r in offers]
    vectors, n_real = cache.get(texts, opts["real_vectors"])
    row = {"n": n, "real_vectors": n_real, "perturbed_vectors": n - n_real, "queries": len(queries)}
    row.update(encode_rates(encoder, texts[:opts["encode_sample"]]))
    rss0 = rss_mb()
    with tempfile.TemporaryDirectory(prefix="matcher-bench-") as tmp:
        settings: Settings = get_settings().model_copy(update={"var_dir": Path(tmp), "db_url": ""})
        store = Store(settings.database_url)
        t = time.perf_counter()
        store.add_records(Side.SUPPLY, [validate_record(Side.SUPPLY, r) for r in offers], actor="bench")
        store.add_records(Side.DEMAND, [validate_record(Side.DEMAND, r) for r in scenarios], actor="bench")
        row["ingest_store_s"] = round(time.perf_counter() - t, 2)
        engine = Engine(settings, store, PrecomputedEncoder(encoder, dict(zip(texts, vectors))))
        t = time.perf_counter()
        engine.sync()
        row["ingest_index_s"] = round(time.perf_counter() - t, 2)  # vectors precomputed; encoding is below
        row["ingest_encode_s_est"] = round(n / row["encode_texts_per_s"], 1)
        row["ingest_total_s_est"] = round(row["ingest_store_s"] + row["ingest_index_s"] + row["ingest_encode_s_est"], 1)
        supply = engine.sides[Side.SUPPLY]
        index = supply.vectors
        row["dense_index"] = (f"IVF-Flat nlist={index._index.nlist} nprobe={index._index.nprobe}"
                              if index.approximate else "flat")
        real_encoder, engine.encoder = engine.encoder, encoder  # queries from here on are encoded for real
        engine.match({"id": None, "title": "warm-up 预热", "description": ""}, Side.DEMAND, 10)
        q_ms = time_queries(lambda q: engine.match({"id": None, "title": q, "description": ""}, Side.DEMAND, 10),
                            queries)
        row["hybrid_p50_ms"], row["hybrid_p95_ms"] = (round(x, 2) for x in percentiles(q_ms))
        enc_ms = time_queries(lambda q: encoder.encode([q]), queries)
        row["query_encode_p50_ms"] = round(percentiles(enc_ms)[0], 2)
        if index.approximate:
            row.update(ivf_agreement(engine, queries))
        if opts.get("profile"):
            row["profile"] = profile_match(engine, queries[:20])
        engine.encoder = real_encoder
        row.update(add_one(engine, store, vocab, n))
        import faiss

        row["bytes_per_vector"] = round(len(faiss.serialize_index(index._index)) / len(index), 1)
        row["bytes_floor"] = 4 * encoder.dim
        row["rss_mb"] = round(rss_mb(), 1)
        row["rss_growth_mb"] = round(row["rss_mb"] - rss0, 1)
        tokens = [supply.lexical._docs[r["id"]] for r in offers]  # same tokenize(), reused by the baseline
        del engine, supply, index
        store.engine.dispose()
    row.update(baselines(n, encoder, offers, texts, vectors, tokens, queries, opts))
    return row


def ivf_agreement(engine, queries: list[str]) -> dict:
    """Share of the engine's top-10 ids that stay the same when its IVF index is swapped for a flat one
    (the dense channel only nominates candidates; their dense scores are exact either way)."""
    import faiss

    index = engine.sides[Side.SUPPLY].vectors
    match = lambda q: [s.offering_id for s in  # noqa: E731
                       engine.match({"id": None, "title": q, "description": ""}, Side.DEMAND, 10)]
    approx = [match(q) for q in queries]
    with index.lock:
        ivf, (ints, data) = index._index, index._all()
        flat = faiss.IndexIDMap2(faiss.IndexFlatIP(index.dim))
        flat.add_with_ids(data, ints)
        index._index = flat
    try:
        exact_ms = time_queries(match, queries)
        exact = [match(q) for q in queries]
    finally:
        index._index = ivf
    same = [len(set(a) & set(b)) / max(len(b), 1) for a, b in zip(approx, exact)]
    return {"ivf_top10_agreement": round(sum(same) / len(same), 4),
            "hybrid_flat_p50_ms": round(percentiles(exact_ms)[0], 2)}


def add_one(engine, store, vocab, n: int, repeats: int = 5) -> dict:
    """Adding one record to an index of n on the real path: store, then refresh (encode one text, upsert
    the vector, add its tokens as pending BM25), `repeats` times one by one; the median counts. Proves
    nothing else is re-encoded or rebuilt, and times separately the index save that refresh() does at
    most every SAVE_EVERY_SECONDS."""
    import numpy as np

    from matcher.search.engine import SAVE_EVERY_SECONDS

    side = engine.sides[Side.SUPPLY]
    encoded_before, bm25_before = engine.encoder.encoded, side.lexical._bm25
    store_ms, total_ms, rids = [], [], []
    for rec in compose(vocab, "supply", repeats, seed=2, start=n):
        side.saved_at = time.monotonic()  # the periodic save is not due: the typical add (its cost is below)
        t = time.perf_counter()
        [rid] = store.add_records(Side.SUPPLY, [validate_record(Side.SUPPLY, rec)], actor="bench")
        t1 = time.perf_counter()
        engine.refresh(Side.SUPPLY, [rid])
        t2 = time.perf_counter()
        store_ms.append((t1 - t) * 1000)
        total_ms.append((t2 - t) * 1000)
        rids.append(rid)
    encoded, rebuilt = engine.encoder.encoded - encoded_before, side.lexical._bm25 is not bm25_before
    t2 = time.perf_counter()
    engine.match({"id": None, "title": "first query after add 新增后首个查询", "description": ""}, Side.DEMAND, 10)
    t3 = time.perf_counter()
    side.save()
    t4 = time.perf_counter()
    med = lambda xs: round(float(np.median(xs)), 2)  # noqa: E731
    return {"add_one_ms": med(total_ms), "add_one_max_ms": round(max(total_ms), 2), "add_one_repeats": repeats,
            "add_one_store_ms": med(store_ms), "add_one_refresh_ms": med([a - b for a, b in zip(total_ms, store_ms)]),
            "first_query_after_add_ms": round((t3 - t2) * 1000, 2), "periodic_save_ms": round((t4 - t3) * 1000, 2),
            "save_every_s": SAVE_EVERY_SECONDS, "add_one_texts_encoded": encoded, "add_one_bm25_rebuilt": rebuilt,
            "add_one_found": all(r in side.vectors.hashes and r in side.lexical.ids for r in rids)}


def profile_match(engine, queries: list[str]) -> list[dict]:
    """Top functions by cumulative time over these queries (cProfile), for finding the slow parts."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for q in queries:
        engine.match({"id": None, "title": q + " (profile)", "description": ""}, Side.DEMAND, 10)
    prof.disable()
    stats = pstats.Stats(prof).sort_stats("cumulative")
    rows = []
    for (file, line, func), (_cc, nc, _tt, ct, _callers) in stats.stats.items():
        rows.append({"function": f"{Path(file).name}:{line}:{func}", "calls": nc,
                     "cum_ms_per_query": round(ct * 1000 / len(queries), 2)})
    return sorted(rows, key=lambda r: -r["cum_ms_per_query"])[:25]


def baselines(n: int, encoder, offers, texts, vectors, tokens, queries, opts) -> dict:
    """numpy + rank_bm25 hybrid, sklearn brute-force dense, txtai hybrid: same corpus, same model."""
    ids = [r["id"] for r in offers]
    model = encoder.model
    few = queries[: opts["baseline_queries"]] if n >= 50_000 else queries
    out = {}
    base = NumpyBM25Baseline(model, ids, texts, vectors, tokens)
    out["baseline_build_s"] = round(base.build_s, 2)
    out["baseline_queries"] = len(few)
    p50, p95 = percentiles(time_queries(base.search, few))
    out["baseline_p50_ms"], out["baseline_p95_ms"] = round(p50, 2), round(p95, 2)
    del base
    sk = SklearnDense(model, ids, vectors)
    out["sklearn_dense_p50_ms"] = round(percentiles(time_queries(sk.search, queries))[0], 2)
    del sk
    if opts.get("txtai"):
        from matcher.search.encoders import resolve_model_path

        precomputed = vectors if n > min(opts["txtai_encode_max"], TXTAI_SELF_ENCODE_MAX) else None
        tx = TxtaiHybrid(resolve_model_path(opts["model"]), ids, texts, precomputed, model)
        out["txtai_build_s"] = round(tx.build_s, 2)
        out["txtai_vectors"] = "same precomputed vectors" if precomputed is not None else "txtai encodes"
        p50, p95 = percentiles(time_queries(tx.search, queries))
        out["txtai_p50_ms"], out["txtai_p95_ms"] = round(p50, 2), round(p95, 2)
        del tx
    else:
        out["txtai_p50_ms"] = None
    return out

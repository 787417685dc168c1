"""Per corpus size N and encoder backend: ingest, hybrid query latency, add-one cost, memory, the baselines."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from matcher.bench.baselines import NumpyBM25Baseline, SklearnDense, TxtaiHybrid, percentiles, time_queries
from matcher.bench.corpus import compose, load_vocabulary
from matcher.bench.fair import interleave, ratio, summary
from matcher.bench.vectors import PrecomputedEncoder, VectorCache, rss_mb, settled_rss_mb
from matcher.config import Settings, get_settings
from matcher.domain.records import Side, record_text, validate_record

STORED_SCENARIOS = 200   # the demand side's size; queries are new scenario texts posted as free text


def _build(n: int, encoder, cache: VectorCache, offers, scenarios, texts, var_dir: Path, opts: dict) -> tuple:
    """A store and an engine of n offerings on this encoder's vectors (precomputed: encoding is timed apart)."""
    from matcher.search.engine import Engine
    from matcher.storage.store import Store

    vectors, n_real = cache.get(texts, opts["real_vectors"])
    row = {"n": n, "model": encoder.name, "real_vectors": n_real, "perturbed_vectors": n - n_real}
    ingest = PrecomputedEncoder(encoder, dict(zip(texts, vectors)))   # the bench's lookup, not the engine's memory
    rss0 = settled_rss_mb()
    settings: Settings = get_settings().model_copy(update={"var_dir": var_dir, "db_url": ""})
    store = Store(settings.database_url)
    t = time.perf_counter()
    store.add_records(Side.SUPPLY, [validate_record(Side.SUPPLY, r) for r in offers], actor="bench")
    store.add_records(Side.DEMAND, [validate_record(Side.DEMAND, r) for r in scenarios], actor="bench")
    row["ingest_store_s"] = round(time.perf_counter() - t, 2)
    rss1 = settled_rss_mb()
    engine = Engine(settings, store, ingest)
    t = time.perf_counter()
    engine.sync()
    for side in engine.sides.values():   # bm25s builds its matrix at the first query: counted in the index time
        side.lexical.top("warm-up", 1)
    row["ingest_index_s"] = round(time.perf_counter() - t, 2)
    rss2 = settled_rss_mb()
    # RSS growth after a full collection and malloc_trim: of the whole build (store handle and inserts too), and
    # of the engine's sync alone. Both still hold allocator fragmentation left by the build's temporary rows.
    row["rss_growth_mb"], row["rss_engine_mb"] = round(rss2 - rss0, 1), round(rss2 - rss1, 1)
    held: dict[str, int] = {}
    for side in engine.sides.values():   # what the engine's structures hold (vectors included), per record
        for part, size in side.nbytes().items():
            held[part] = held.get(part, 0) + size
    row["engine_bytes_per_record"] = round(sum(held.values()) / n)
    row["engine_bytes_by_part"] = {part: round(size / n) for part, size in held.items()}
    index = engine.sides[Side.SUPPLY].vectors
    row["dense_index"] = (f"IVF-Flat nlist={index._index.nlist} nprobe={index._index.nprobe}"
                          if index.approximate else "flat")
    return row, engine, store, vectors


def bench_size(n: int, encoders: dict, caches: dict[str, VectorCache], opts: dict, rates: dict) -> dict[str, dict]:
    """Every per-size figure for a corpus of n offerings, per encoder backend (see RESULTS.md).

    Each backend gets its own store and engine over the same records, and txtai hybrid its own index on the
    same vectors; all are alive at once and queried in turn, query by query (the first-timed contender
    rotates), over opts["rounds"] rounds of fresh queries, so load drift hits all alike.
    """
    from matcher.bench.encoding import plain_encode

    vocab = load_vocabulary()
    offers = compose(vocab, "supply", n)
    scenarios = compose(vocab, "demand", STORED_SCENARIOS)
    queries = [record_text(r) for r in compose(vocab, "demand", opts["queries"], seed=1)]
    texts = [record_text(r) for r in offers]
    keys, rows, engines, vectors = list(encoders), {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="matcher-bench-") as tmp:
        stores = {}
        for k in keys:
            rows[k], engines[k], stores[k], vectors[k] = _build(n, encoders[k], caches[k], offers, scenarios, texts,
                                                                 Path(tmp) / k, opts)
            rows[k]["queries"] = len(queries)
            rate = rates[k]["encode_texts_per_s"]
            rows[k]["ingest_encode_s_est"] = round(n / rate, 1)
            rows[k]["ingest_total_s_est"] = round(rows[k]["ingest_store_s"] + rows[k]["ingest_index_s"] + n / rate, 1)
        precomputed = {k: e.encoder for k, e in engines.items()}
        for k, e in engines.items():
            e.encoder = encoders[k]   # queries from here on are encoded for real
        rounds = [queries] + [[record_text(r) for r in compose(vocab, "demand", opts["queries"], seed=1 + r)]
                              for r in range(1, opts.get("rounds", 1))]
        contenders, txtai = _contenders(keys, engines, encoders, offers, texts, vectors, opts)
        for k in txtai:
            rows[k]["txtai_build_s"], rows[k]["txtai_vectors"] = round(txtai[k].build_s, 2), "same precomputed vectors"
        timed = interleave(contenders, rounds)
        del contenders, txtai
        for k in keys:
            ours = timed["ms"][f"engine {k}"]
            rows[k]["hybrid_p50_ms"], rows[k]["hybrid_p95_ms"] = summary(ours)["p50_ms"], summary(ours)["p95_ms"]
            rows[k]["hybrid_round_p50_ms"] = summary(ours)["round_p50_ms"]
            rows[k]["query_encode_p50_ms"] = summary(timed["ms"][f"encode {k}"])["p50_ms"]
            rows[k]["rounds"], rows[k]["load_avg_per_round"] = len(rounds), timed["load_avg_per_round"]
            if theirs := timed["ms"].get(f"txtai {k}"):
                rows[k]["txtai_p50_ms"], rows[k]["txtai_p95_ms"] = summary(theirs)["p50_ms"], summary(theirs)["p95_ms"]
                rows[k]["txtai_round_p50_ms"] = summary(theirs)["round_p50_ms"]
                rows[k]["vs_txtai"] = ratio(ours, theirs)
                rows[k]["speedup_vs_txtai"] = rows[k]["vs_txtai"]["median"]
        # The same model as each ships: our ONNX int8 encoder against txtai with its sentence-transformers
        # (torch) encoder, from the same interleaved timings.
        if (ours := timed["ms"].get("engine onnx")) and (theirs := timed["ms"].get("txtai sentence-transformers")):
            rows["onnx"]["vs_txtai_torch"] = ratio(ours, theirs)
        tokens = None
        for k in keys:
            row, engine = rows[k], engines[k]
            supply = engine.sides[Side.SUPPLY]
            if supply.vectors.approximate:
                row.update(ivf_agreement(engine, queries))
            if opts.get("profile"):
                row["profile"] = profile_match(engine, queries[:20])
            engine.encoder = precomputed[k]
            row.update(add_one(engine, stores[k], vocab, n))
            import faiss

            row["bytes_per_vector"] = round(len(faiss.serialize_index(supply.vectors._index)) / len(supply.vectors), 1)
            row["bytes_floor"] = 4 * encoders[k].dim
            if tokens is None:   # same tokenize() for every backend, reused by the baseline
                tokens = [supply.lexical.tokens_of(r["id"]) for r in offers]
        for k in keys:
            del engines[k]
            stores[k].engine.dispose()
        del engine, supply
        rss = round(rss_mb(), 1)
    for k in keys:
        rows[k]["rss_mb_all_engines"] = rss
        plain = plain_encode(encoders[k])
        encode = plain[1] if plain else encoders[k].encode
        rows[k].update(baselines(n, encode, offers, texts, vectors[k], tokens, queries, {**opts, "txtai": False}))
        rows[k]["baseline_encode"] = plain[0] if plain else "our encoder"
        rows[k].setdefault("txtai_p50_ms", None)
        rows[k]["speedup_vs_baseline"] = round(rows[k]["baseline_p50_ms"] / rows[k]["hybrid_p50_ms"], 2)
    return rows


def _contenders(keys, engines, encoders, offers, texts, vectors, opts) -> tuple[dict, dict]:
    """What is timed interleaved: each engine's match, its encoder's single-query encode, and txtai hybrid
    on the same corpus and the same vectors (queries encoded by the backend's own encode call)."""
    from matcher.bench.encoding import plain_encode

    out, txtai = {}, {}
    for k in keys:
        out[f"engine {k}"] = (lambda e: lambda q: e.match({"id": None, "title": q, "description": ""},
                                                         Side.DEMAND, 10))(engines[k])
        out[f"encode {k}"] = (lambda enc: lambda q: enc.encode([q]))(encoders[k])
        if opts.get("txtai"):
            plain = plain_encode(encoders[k])
            txtai[k] = TxtaiHybrid(None, [r["id"] for r in offers], texts, vectors[k],
                                   plain[1] if plain else encoders[k].encode)
            out[f"txtai {k}"] = txtai[k].search
    return out, txtai


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


def baselines(n: int, encode, offers, texts, vectors, tokens, queries, opts) -> dict:
    """numpy + rank_bm25 hybrid and sklearn brute-force dense, each timed in its own block after the engines
    are gone (too slow to interleave at 100k: ~6 s a query): same corpus, same vectors, queries encoded by
    `encode`. txtai is timed interleaved with the engine instead (_contenders)."""
    ids = [r["id"] for r in offers]
    few = queries[: opts["baseline_queries"]] if n >= 50_000 else queries
    out = {}
    base = NumpyBM25Baseline(encode, ids, texts, vectors, tokens)
    out["baseline_build_s"] = round(base.build_s, 2)
    out["baseline_queries"] = len(few)
    p50, p95 = percentiles(time_queries(base.search, few))
    out["baseline_p50_ms"], out["baseline_p95_ms"] = round(p50, 2), round(p95, 2)
    del base
    sk = SklearnDense(encode, ids, vectors)
    out["sklearn_dense_p50_ms"] = round(percentiles(time_queries(sk.search, queries))[0], 2)
    del sk
    return out

"""The whole benchmark run: every size, then quality, ONNX and the approximate index, then the targets."""
from __future__ import annotations

import os
import platform
import time
from pathlib import Path

from matcher.bench.corpus import compose, load_vocabulary
from matcher.bench.scaling import bench_size
from matcher.bench.vectors import VectorCache
from matcher.config import get_settings
from matcher.domain.records import record_text


def run(sizes: list[int], opts: dict) -> dict:
    """The JSON document of one run (RESULTS.md is rendered from it by matcher.bench.report)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    from matcher.search.encoders import SentenceTransformerEncoder

    load_start, started = os.getloadavg(), time.perf_counter()
    settings = get_settings()
    opts = {"model": settings.model, **opts}
    encoder = SentenceTransformerEncoder(settings.model)
    cache = VectorCache(Path(opts.get("cache_file") or settings.var_dir / "bench" / "vectors.npz"), encoder)
    doc = {"machine": {"cores": os.cpu_count(), "cpu": _cpu_model(), "python": platform.python_version(),
                       "torch_threads": torch.get_num_threads(), "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
                       "load_avg_start": [round(x, 2) for x in load_start]},
           "date": time.strftime("%Y-%m-%d %H:%M"), "ann_threshold": settings.ann_threshold,
           "options": {k: v for k, v in opts.items() if k not in ("model", "cache_dir", "cache_file")},
           "sizes": {}}
    for n in sizes:
        doc["sizes"][str(n)] = row = bench_size(n, encoder, cache, opts)
        if row.get("txtai_p50_ms") is not None:
            row["speedup_vs_txtai"] = round(row["txtai_p50_ms"] / row["hybrid_p50_ms"], 2)
        row["speedup_vs_baseline"] = round(row["baseline_p50_ms"] / row["hybrid_p50_ms"], 2)
    if opts.get("quality"):
        from matcher.bench.quality import quality_bench

        doc["quality"] = quality_bench(encoder, settings, opts)
    if opts.get("onnx"):
        from matcher.bench.quality import onnx_bench

        torch_ndcg = ({lang: {"hybrid": r["engine_hybrid_ndcg10"], "dense": r["engine_dense_ndcg10"]}
                       for lang, r in doc["quality"].items()} if doc.get("quality") else None)
        doc["onnx"] = onnx_bench(encoder, settings, opts, torch_ndcg)
        # The JSON key: ONNX figures under "onnx" for each size measured (one measurement per run).
        for row in doc["sizes"].values():
            row["onnx"] = {k: doc["onnx"][k]["texts_per_s"] for k in ("fp32", "int8")}
    if opts.get("ann_sizes"):
        from matcher.bench.ann import ann_bench

        queries = [record_text(r) for r in compose(load_vocabulary(), "demand", 200, seed=1)]
        real = cache.real() if cache.vecs else encoder.encode(queries)
        doc["ann"] = ann_bench(opts["ann_sizes"], real, encoder.encode(queries), opts)
    doc["machine"]["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    doc["machine"]["run_minutes"] = round((time.perf_counter() - started) / 60, 1)
    doc["targets"] = targets(doc)
    return doc


def targets(doc: dict) -> list[dict]:
    """The issue's targets, each with the measured figure and whether it is met (None: not measured)."""
    big = doc["sizes"].get(str(max(map(int, doc["sizes"])))) if doc["sizes"] else None
    out = []

    def add(name, value, ok):
        out.append({"target": name, "measured": value, "met": ok})
    if big:
        n = f"N={big['n']:,}"
        add(f"hybrid p50 <= 30 ms at {n}", f"{big['hybrid_p50_ms']} ms", big["hybrid_p50_ms"] <= 30)
        add(f">= 10x the rank_bm25 + numpy baseline at {n}", f"{big['speedup_vs_baseline']}x",
            big["speedup_vs_baseline"] >= 10)
        if big.get("speedup_vs_txtai") is not None:
            add(f"faster than txtai hybrid at {n}", f"{big['speedup_vs_txtai']}x", big["speedup_vs_txtai"] > 1)
        add(f"add one record <= 200 ms at {n}", f"{big['add_one_ms']} ms", big["add_one_ms"] <= 200)
        add("dense index <= 2x the float32 floor", f"{big['bytes_per_vector']} B/vector",
            big["bytes_per_vector"] <= 2 * big["bytes_floor"])
    if q := doc.get("quality"):
        ok = all(r.get("txtai_hybrid_ndcg10") is None or r["engine_hybrid_ndcg10"] >= r["txtai_hybrid_ndcg10"]
                 for r in q.values())
        add("nDCG@10 equal or better than txtai hybrid",
            ", ".join(f"{lang} {r['engine_hybrid_ndcg10']} vs {r.get('txtai_hybrid_ndcg10')}" for lang, r in q.items()), ok)
    if o := doc.get("onnx"):
        i8 = o["int8"]
        loss = max([-i8.get(f"{lang}_hybrid_ndcg10_delta", 0) for lang in ("zh", "en")], default=0)
        add("ONNX int8 >= 2x torch throughput", f"{i8['speedup_vs_torch']}x", i8["speedup_vs_torch"] >= 2)
        add("ONNX int8 nDCG@10 loss <= 0.01", f"{loss:.4f}", loss <= 0.01)
    if a := doc.get("ann"):
        for kind, rows in a["kinds"].items():
            if kind == "real":
                continue
            n = max(rows, key=int)
            best = rows[n]["best"]
            add(f"ANN at N={int(n):,} ({kind} vectors): p50 <= 10 ms at recall@10 >= 0.95",
                f"nprobe {best['nprobe']}: recall {best['recall10']}, {best['p50_ms']} ms",
                best["recall10"] >= 0.95 and best["p50_ms"] <= 10)
    return out


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "unknown")
    except OSError:
        return "unknown"

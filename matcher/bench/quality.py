"""nDCG@10 on the labelled sets: the engine against txtai hybrid, and the ONNX encoders against torch."""
from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Callable

import numpy as np

from matcher.bench.baselines import TxtaiHybrid
from matcher.bench.corpus import compose, load_vocabulary
from matcher.config import PROJECT_ROOT
from matcher.domain.records import record_text

LABELLED = PROJECT_ROOT.parent / "shared" / "benchmarks" / "sts-retrieval"
ONNX_SETS = ("zh", "en")   # MiniLM's ONNX variants are compared on the monolingual sets


def labelled_sets(opts, langs=("zh", "en", "zh2en", "en2zh")) -> list[tuple[str, Path]]:
    root = Path(opts.get("labelled") or LABELLED)
    return [(lang, root / lang) for lang in langs if (root / lang / "qrels.csv").exists()]


def engine_ndcg(encoder, settings, folder: Path) -> dict:
    from matcher.search.evaluate import evaluate_dir

    report = evaluate_dir(folder, settings, encoder, modes=("dense", "hybrid"))
    return {m: round(v["ndcg@10"], 4) for m, v in report["modes"].items()}


def quality_runs(folder: Path, searchers: dict[str, Callable[[list[str], list[str]], Callable[[str], list[str]]]]) -> dict:
    """nDCG@10 etc. of each searcher factory (ids, texts) -> search(text) on a labelled folder."""
    from matcher.search.metrics import evaluate_run
    from matcher.service import read_qrels

    def rows(name):
        with open(folder / name, encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))
    offers, scen, qrels = rows("offerings.csv"), rows("scenarios.csv"), read_qrels(folder / "qrels.csv")
    queries = {r["id"]: record_text(r) for r in scen if any(g > 0 for g in qrels.get(r["id"], {}).values())}
    ids, texts = [r["id"] for r in offers], [record_text(r) for r in offers]
    out = {}
    for name, factory in searchers.items():
        search = factory(ids, texts)
        out[name] = evaluate_run({qid: search(t) for qid, t in queries.items()}, qrels, k=10)
    return out


def _txtai(encoder, opts, ids: list[str], texts: list[str]) -> TxtaiHybrid:
    """txtai hybrid on the same model: a sentence-transformers model from its path (txtai encodes), any other
    backend through txtai's external-vectors hook with the backend's own encode call."""
    from matcher.bench.encoding import plain_encode
    from matcher.search.encoders import resolve_model_path

    if type(getattr(encoder, "model", None)).__name__ == "SentenceTransformer":
        return TxtaiHybrid(resolve_model_path(opts["model"]), ids, texts)
    plain = plain_encode(encoder)
    encode = plain[1] if plain else encoder.encode
    return TxtaiHybrid(None, ids, texts, encode(texts), encode)


def quality_bench(encoder, settings, opts) -> dict:
    """nDCG@10 on the labelled sets: the engine's hybrid (and dense) against txtai hybrid, same model."""
    out = {}
    for lang, folder in labelled_sets(opts):
        ours = engine_ndcg(encoder, settings, folder)
        row = {"engine_hybrid_ndcg10": ours["hybrid"], "engine_dense_ndcg10": ours["dense"]}
        if opts.get("txtai") and lang in ("zh", "en"):   # the issue-4 comparison sets
            runs = quality_runs(folder, {"txtai": lambda ids, texts: _txtai(encoder, opts, ids, texts).search})
            row["txtai_hybrid_ndcg10"] = round(runs["txtai"]["ndcg@10"], 4)
        out[lang] = row
    return out


def onnx_bench(encoder, settings, opts, torch_ndcg: dict | None = None) -> dict:
    """texts/s of ONNX fp32 and int8 against the torch encoder, and their nDCG@10 change.

    Args:
        torch_ndcg: {lang: {"hybrid", "dense"}} of the torch encoder if already measured (quality_bench).
    """
    from matcher.search.encoders.onnx import OnnxEncoder, export_onnx

    files = export_onnx(Path(opts.get("cache_dir") or settings.var_dir / "bench") / "onnx", opts["model"])
    texts = [record_text(r) for r in compose(load_vocabulary(), "supply", opts["encode_sample"], seed=3)]

    def rate(enc) -> float:
        enc.encode(texts[:16])
        t = time.perf_counter()
        enc.encode(texts)
        return len(texts) / (time.perf_counter() - t)
    torch_rate = rate(encoder)
    ref = encoder.encode(texts[:128])
    base = torch_ndcg or {lang: engine_ndcg(encoder, settings, f) for lang, f in labelled_sets(opts, ONNX_SETS)}
    out = {"torch_texts_per_s": round(torch_rate, 1),
           "export": "torch.onnx (opset 17) + onnxruntime quantize_dynamic (QInt8 weights)",
           "torch_ndcg10": base}
    for kind, path in files.items():
        enc = OnnxEncoder(path, opts["model"])
        r = rate(enc)
        row = {"texts_per_s": round(r, 1), "speedup_vs_torch": round(r / torch_rate, 2),
               "mean_cosine_to_torch": round(float(np.mean(np.sum(enc.encode(texts[:128]) * ref, axis=1))), 4)}
        for lang, folder in labelled_sets(opts, ONNX_SETS):
            q = engine_ndcg(enc, settings, folder)
            row[f"{lang}_hybrid_ndcg10"] = q["hybrid"]
            row[f"{lang}_hybrid_ndcg10_delta"] = round(q["hybrid"] - base[lang]["hybrid"], 4)
            row[f"{lang}_dense_ndcg10_delta"] = round(q["dense"] - base[lang]["dense"], 4)
        out[kind] = row
    return out

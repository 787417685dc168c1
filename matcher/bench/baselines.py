"""What a competent user would write instead of the engine: numpy + rank_bm25, sklearn, txtai hybrid.

Each baseline gets the same corpus texts, the same vectors (precomputed by the same model) and encodes
each query itself through `encode` (texts -> L2-normalised vectors: the backend's own encode call where
it has one), so its latency includes query encoding like the engine's.
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from matcher.search.fusion import DENSE_WEIGHT_MAX
from matcher.search.lexical import tokenize


def percentiles(ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def time_queries(fn: Callable[[str], object], queries: list[str]) -> list[float]:
    fn(queries[0])  # warm-up (lazy builds, caches of the library) is not a user's steady state
    out = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


class NumpyBM25Baseline:
    """Brute-force cosine in numpy + rank_bm25 (Okapi) on the same tokens, fused 0.85/0.15 after max-scaling."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], ids: list[str], texts: list[str],
                 vectors: np.ndarray, tokens: list[list[str]] | None = None):
        """tokens: the texts already tokenised by matcher.search.lexical.tokenize (saves a pass at 100k)."""
        from rank_bm25 import BM25Okapi

        t = time.perf_counter()
        self.bm25 = BM25Okapi([toks or [""] for toks in (tokens or [tokenize(x) for x in texts])])
        self.build_s = time.perf_counter() - t
        self.encode, self.ids, self.vectors = encode, ids, vectors

    def search(self, text: str, k: int = 10) -> list[str]:
        q = np.asarray(self.encode([text])[0], dtype=np.float32)
        dense = self.vectors @ q
        lex = self.bm25.get_scores(tokenize(text))
        lex = lex / lex.max() if lex.max() > 0 else lex
        fused = DENSE_WEIGHT_MAX * np.clip(dense, 0, 1) + (1 - DENSE_WEIGHT_MAX) * lex
        top = np.argpartition(-fused, min(k, len(fused) - 1))[:k]
        return [self.ids[i] for i in top[np.argsort(-fused[top])]]


class SklearnDense:
    """sklearn NearestNeighbors(brute, cosine): the dense channel alone."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], ids: list[str], vectors: np.ndarray):
        from sklearn.neighbors import NearestNeighbors

        self.nn = NearestNeighbors(algorithm="brute", metric="cosine").fit(vectors)
        self.encode, self.ids = encode, ids

    def search(self, text: str, k: int = 10) -> list[str]:
        q = np.asarray(self.encode([text]), dtype=np.float32)
        _, idx = self.nn.kneighbors(q, n_neighbors=k)
        return [self.ids[i] for i in idx[0]]


class TxtaiHybrid:
    """txtai Embeddings(hybrid=True) on the bundled model's local path (nothing is downloaded).

    With `vectors` given, corpus vectors come from them through txtai's external-vectors hook (the same
    model made them) and only unseen texts (the queries) are encoded, so large corpora are not re-encoded.
    """

    def __init__(self, model_path: str, ids: list[str], texts: list[str], vectors: np.ndarray | None = None,
                 encode: Callable[[list[str]], np.ndarray] | None = None):
        from txtai import Embeddings

        if vectors is None:
            self.emb = Embeddings(path=model_path, hybrid=True, content=False)
        else:
            known = dict(zip(texts, vectors))

            def transform(batch):
                missing = [t for t in batch if t not in known]
                fresh = dict(zip(missing, encode(missing))) if missing else {}
                return np.stack([known[t] if t in known else fresh[t] for t in batch])
            self.emb = Embeddings(method="external", transform=transform, hybrid=True, content=False)
        t = time.perf_counter()
        self.emb.index([(i, x, None) for i, x in zip(ids, texts)])
        self.build_s = time.perf_counter() - t

    def search(self, text: str, k: int = 10) -> list[str]:
        return [str(r[0]) for r in self.emb.search(text, k)]

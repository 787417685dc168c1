"""Fuse dense (cosine) and lexical (BM25) scores of one query's candidates into absolute scores in [0, 1].

The constants below are the defaults for a model without a fitted profile (they were fitted to
all-MiniLM-L6-v2). A model's own values live in its profile (matcher/search/encoders/base.py), fitted
by `python -m matcher calibrate`.
"""
from __future__ import annotations

import numpy as np

# Dense share of the fused score when the model reads all of both texts. English STS nDCG@10 is
# 0.960-0.961 for 0.7-0.9 (dense alone 0.959; single queries flip, e.g. 0.958 at 0.75); the demo set
# is flat at 0.816-0.818 for 0.8-0.95. 0.85 sits in the middle.
DENSE_WEIGHT_MAX = 0.85
# Below this tokenizer coverage the dense channel gets no weight. MiniLM reads only the commonest
# CJK characters (一 人 的 。), so a Chinese sentence at coverage 0.5 still has all its content words
# as [UNK]; its cosine then measures the shared [UNK] share, not meaning (Chinese STS: dense 0.55 vs
# BM25 0.86 nDCG@10, and dense loses in every coverage bucket up to 0.6+).
COVERAGE_FLOOR = 0.5
# Cosine that unrelated texts reach with MiniLM: 95th percentile of all readable query-document
# pairs is 0.23 on English STS and 0.33 on the demo set (which includes related pairs).
DENSE_COSINE_FLOOR = 0.3


def normalise_dense(cosine: np.ndarray, floor: float = DENSE_COSINE_FLOOR) -> np.ndarray:
    """Cosine mapped linearly from [floor, 1] to [0, 1] (clipped): 0 = no more alike than unrelated texts.

    Kept absolute on purpose: min-max over the candidate list would call the best of a bad list 1.0.
    The floor puts the channels on one scale: lexical 0 means "no shared term", and unrelated texts
    must score about 0 here too, or every record the model can read would out-rank records it
    cannot (which are scored by words alone) by the background cosine.
    """
    return np.clip((np.asarray(cosine, dtype=np.float64) - floor) / (1.0 - floor), 0.0, 1.0)


def normalise_lexical(bm25: np.ndarray, reference: float | None = None) -> np.ndarray:
    """Raw BM25 divided by a reference score, clipped to [0, 1].

    Args:
        reference: the query's BM25 score against itself (LexicalIndex.self_score), so 1.0 means the
            candidate contains every query term as often as the query does. The best candidate's
            score is used instead when it is higher (or when no reference is given: the ranking is the
            same, but the top score is then always 1.0 and no longer means "matches the whole query").
    """
    bm25 = np.asarray(bm25, dtype=np.float64)
    # Never below the best candidate: a long record that repeats the query's words (or also matches
    # synonyms) can out-score the query itself, and clipping those at 1.0 would erase their order.
    reference = max(reference or 0.0, float(bm25.max(initial=0.0)))
    if reference <= 0:
        return np.zeros_like(bm25)
    return np.clip(bm25 / reference, 0.0, 1.0)


def readability(coverage: np.ndarray | float, floor: float = COVERAGE_FLOOR,
                full: float = 1.0) -> np.ndarray | float:
    """Coverage rescaled so `floor` and below are 0 and `full` and above are 1 (linear in between).

    `full` below 1 suits a model that reads nearly everything (a multilingual sentencepiece vocabulary
    misses only rare characters): one unknown character in a short sentence should not halve its weight.
    """
    r = np.clip((np.asarray(coverage, dtype=np.float64) - floor) / max(full - floor, 1e-9), 0.0, 1.0)
    return float(r) if r.ndim == 0 else r


def language_pair(query_language: str, doc_language: str) -> str:
    """The calibration key of a (query, document) pair: its language when both agree, else "cross"."""
    return query_language if query_language == doc_language else "cross"


def dense_weight(query_coverage: float, doc_coverage: np.ndarray | float = 1.0,
                 w_max: np.ndarray | float = DENSE_WEIGHT_MAX, floor: float = COVERAGE_FLOOR,
                 full: float = 1.0) -> np.ndarray | float:
    """Dense share of the fused score for each (query, candidate) pair, in [0, w_max].

    A pair is only as readable as its less readable side, hence the minimum of the two coverages.
    w_max may differ per candidate: a profile fits one weight per language pair (zh, en, cross).
    """
    return w_max * readability(np.minimum(query_coverage, doc_coverage), floor, full)


def fuse(dense: np.ndarray, lexical: np.ndarray, query_coverage: float,
         doc_coverage: np.ndarray | None = None, lexical_ref: float | None = None,
         w_max: np.ndarray | float = DENSE_WEIGHT_MAX, floor: float = COVERAGE_FLOOR,
         dense_floor: float = DENSE_COSINE_FLOOR, full: float = 1.0) -> np.ndarray:
    """Convex combination w * calibrated cosine + (1 - w) * BM25/self-score per candidate, in [0, 1].

    Args:
        dense: cosine similarity of each candidate to the query.
        lexical: raw BM25 score of each candidate (same order).
        query_coverage / doc_coverage: share of each text the dense model can read (1.0 if unknown).
        lexical_ref: LexicalIndex.self_score(query); strongly recommended (see normalise_lexical).
        w_max, floor, full, dense_floor: the model's calibration (dense weight per candidate, coverage
            floor and full-readability coverage, cosine floor).

    Both channels are normalised on absolute scales, so a fused 0.35 means the same in every list.
    Monotone: raising either channel's score of a candidate never lowers its fused score.
    """
    dense, lexical = np.asarray(dense, dtype=np.float64), np.asarray(lexical, dtype=np.float64)
    if dense.shape != lexical.shape:
        raise ValueError(f"dense {dense.shape} and lexical {lexical.shape} must align")
    doc_cov = np.ones_like(dense) if doc_coverage is None else np.asarray(doc_coverage, dtype=np.float64)
    w = dense_weight(query_coverage, doc_cov, w_max, floor, full)
    return w * normalise_dense(dense, dense_floor) + (1.0 - w) * normalise_lexical(lexical, lexical_ref)

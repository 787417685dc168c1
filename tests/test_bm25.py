"""The BM25 score matrix (search/bm25.py): its dense rows for common tokens give bm25s's scores to the bit."""
from __future__ import annotations

import bm25s
import numpy as np
import pytest

from matcher.search.bm25 import ScoreMatrix


def _corpus(n_docs: int = 400, vocab: int = 300, seed: int = 0) -> list[list[int]]:
    """Zipf-like documents: low ids are common (in most documents), high ids rare, as characters and words are."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, vocab + 1)
    weights /= weights.sum()
    return [rng.choice(vocab, size=int(rng.integers(1, 40)), p=weights).tolist() for _ in range(n_docs)]


def _reference(corpus, vocab_size):
    bm = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    bm.index((corpus, {str(i): i for i in range(vocab_size)}), show_progress=False)
    return bm


@pytest.mark.parametrize("share", [0.0, 0.05, 0.2, 1.0])
def test_scores_equal_bm25s_bit_for_bit_whatever_tokens_are_dense(share):
    corpus = _corpus()
    ref = _reference(corpus, 300)
    s = ref.scores
    matrix = ScoreMatrix(s["data"], s["indices"], s["indptr"], s["num_docs"], dense_share=share)
    assert np.array_equal(matrix.df, np.diff(s["indptr"]))
    if share == 0.2:   # the default threshold: the test corpus has common tokens above it, and rare ones below
        assert 0 < len(matrix.dense) < 300
    rng = np.random.default_rng(1)
    for _ in range(50):
        query = rng.integers(0, 300, size=int(rng.integers(1, 30))).tolist()   # repeats included
        assert np.array_equal(matrix.scores(query), ref.get_scores_from_ids(query))


def test_build_is_bm25s_lucene_and_common_postings_leave_the_sparse_part():
    corpus = _corpus(seed=2)
    ref = _reference(corpus, 300)
    matrix = ScoreMatrix.build(corpus, {str(i): i for i in range(300)}, 1.5, 0.75)
    dense_postings = sum(int(matrix.df[t]) for t in matrix._row)
    assert dense_postings > 0
    assert len(matrix.data) == len(ref.scores["data"]) - dense_postings
    assert np.array_equal(matrix.scores([0, 0, 5, 299]), ref.get_scores_from_ids([0, 0, 5, 299]))

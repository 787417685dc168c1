"""The BM25 score matrix the lexical channel queries: bm25s computes it, this keeps it in two layouts.

bm25s precomputes each (token, document) score and stores them by token (CSC: per token, the documents
holding it and their scores), and scores a query with one `np.add.at` per query token: a scattered add over
every posting. Common tokens (single Chinese characters above all) hold most postings: at 100k composed
records, the 2 % of query tokens found in more than 20 % of documents held 76 % of a query's 837k postings.
Their scores are kept here as dense rows instead (one float32 per document), which a query adds with one
contiguous, vectorised pass. The result is the same to the bit: each token is added in the same order, and
a document without the token adds 0.0.

Memory: a posting costs 8 bytes (score and document number), a dense row 4 bytes per document, so a row
costs 4 / (8 x share) times its postings: 2.5x at the 20 % threshold (+130 B per composed record at 100k).
"""
from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np

DENSE_SHARE = 0.2     # tokens in more than this share of documents get a dense row


class ScoreMatrix:
    """Per-token BM25 scores of every document: sparse postings, dense rows for the commonest tokens."""

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n_docs: int,
                 dense_share: float = DENSE_SHARE):
        self.n_docs = n_docs
        self.df = np.diff(indptr).astype(np.int32)             # document frequency per token id
        common = np.flatnonzero(self.df > dense_share * n_docs)
        self._row = {int(t): i for i, t in enumerate(common)}  # token id -> dense row
        self.dense = np.zeros((len(common), n_docs), dtype=np.float32)
        for i, t in enumerate(common):
            self.dense[i, indices[indptr[t]:indptr[t + 1]]] = data[indptr[t]:indptr[t + 1]]
        keep = np.ones(len(data), dtype=bool)
        for t in common:
            keep[indptr[t]:indptr[t + 1]] = False
        self.data, self.indices = data[keep], indices[keep]
        lengths = self.df.astype(np.int64)
        lengths[common] = 0
        self.indptr = np.concatenate([[0], np.cumsum(lengths)])

    @classmethod
    def build(cls, corpus: Sequence[Sequence[int]], vocab: dict[str, int], k1: float, b: float) -> "ScoreMatrix":
        """bm25s (Lucene variant) over documents given as token ids into vocab."""
        bm = bm25s.BM25(k1=k1, b=b, method="lucene")   # lucene: no non-occurrence score to add back
        bm.index((list(corpus), vocab), show_progress=False)
        s = bm.scores
        return cls(s["data"], s["indices"], s["indptr"], s["num_docs"])

    def scores(self, token_ids: Sequence[int]) -> np.ndarray:
        """Sum of the given tokens' scores per document (a repeated id counts once per repetition)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        data, indices, indptr, row = self.data, self.indices, self.indptr, self._row
        for t in token_ids:
            r = row.get(t)
            if r is not None:
                out += self.dense[r]
            else:
                np.add.at(out, indices[indptr[t]:indptr[t + 1]], data[indptr[t]:indptr[t + 1]])
        return out

    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.data, self.indices, self.indptr, self.df, self.dense)) + 64 * len(self._row)

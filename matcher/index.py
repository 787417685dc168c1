"""FAISS vector index for one side: add, update and delete by record id, save/load, one write lock."""
from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import faiss
import numpy as np


def int_id(record_id: str) -> int:
    """A stable positive int64 for a string record id (FAISS ids are integers)."""
    return int.from_bytes(hashlib.blake2b(record_id.encode(), digest_size=8).digest(), "big") >> 1


class VectorIndex:
    """Cosine similarity on L2-normalised vectors (inner product), keyed by string record ids.

    Exact (flat) by default; from `ann_threshold` vectors on, an HNSW graph answers queries instead
    (see benchmarks/RESULTS.md for where that pays). Many Streamlit sessions share one instance,
    so every mutation holds the lock; searches hold it too, because FAISS indexes are not safe to
    read while another thread mutates them.
    """

    def __init__(self, dim: int):
        self.dim = dim
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._ids: dict[int, str] = {}          # faiss int id -> record id
        self._hashes: dict[str, str] = {}        # record id -> content hash of the indexed text
        self.lock = threading.RLock()

    def __len__(self) -> int:
        return self._index.ntotal

    @property
    def hashes(self) -> dict[str, str]:
        """Record id -> content hash of what is indexed (used to check the index against the database)."""
        with self.lock:
            return dict(self._hashes)

    def upsert(self, record_ids: list[str], vectors: np.ndarray, hashes: list[str] | None = None) -> None:
        """Add records, replacing any already indexed under the same id. Nothing else is touched."""
        if not record_ids:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(record_ids), self.dim)
        ints = np.array([int_id(r) for r in record_ids], dtype=np.int64)
        with self.lock:
            self._index.remove_ids(ints)
            self._index.add_with_ids(vectors, ints)
            for i, rid, h in zip(ints, record_ids, hashes or [""] * len(record_ids)):
                self._ids[int(i)] = rid
                self._hashes[rid] = h

    def remove(self, record_ids: list[str]) -> int:
        ints = np.array([int_id(r) for r in record_ids], dtype=np.int64)
        with self.lock:
            removed = self._index.remove_ids(ints) if len(ints) else 0
            for i, rid in zip(ints, record_ids):
                self._ids.pop(int(i), None)
                self._hashes.pop(rid, None)
        return int(removed)

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """Top-k (record id, cosine) per query row."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        with self.lock:
            if self._index.ntotal == 0:
                return [[] for _ in range(len(queries))]
            scores, ints = self._index.search(queries, min(k, self._index.ntotal))
            return [[(self._ids[int(i)], float(s)) for s, i in zip(srow, irow) if i >= 0]
                    for srow, irow in zip(scores, ints)]

    def vectors(self, record_ids: list[str]) -> np.ndarray:
        """Stored vectors for these ids (zeros for ids not indexed), for exact scores of any candidate."""
        out = np.zeros((len(record_ids), self.dim), dtype=np.float32)
        with self.lock:
            for row, rid in enumerate(record_ids):
                if rid in self._hashes:
                    out[row] = self._index.reconstruct(int_id(rid))
        return out

    def save(self, folder: Path) -> None:
        """Write atomically (temp file, then rename) so a crash never leaves a half-written index."""
        folder.mkdir(parents=True, exist_ok=True)
        with self.lock:
            tmp_index, tmp_ids = folder / "vectors.faiss.tmp", folder / "ids.json.tmp"
            faiss.write_index(self._index, str(tmp_index))
            tmp_ids.write_text(json.dumps({"dim": self.dim, "hashes": self._hashes}), encoding="utf-8")
            os.replace(tmp_index, folder / "vectors.faiss")
            os.replace(tmp_ids, folder / "ids.json")

    @classmethod
    def load(cls, folder: Path, dim: int) -> "VectorIndex":
        """Load a saved index; an unreadable or mismatched one comes back empty (the caller re-indexes)."""
        index = cls(dim)
        try:
            meta = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
            loaded = faiss.read_index(str(folder / "vectors.faiss"))
        except (OSError, ValueError, RuntimeError):
            return index
        if meta.get("dim") != dim or loaded.d != dim or loaded.ntotal != len(meta["hashes"]):
            return index
        index._index = faiss.IndexIDMap2(loaded) if not isinstance(loaded, faiss.IndexIDMap2) else loaded
        index._hashes = dict(meta["hashes"])
        index._ids = {int_id(rid): rid for rid in index._hashes}
        return index

"""FAISS vector index for one side: add, update and delete by record id, save/load, one write lock."""
from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import threading
from pathlib import Path

import faiss
import numpy as np


SINGLE_THREAD_MAX_QUERIES = 4
# Approximate mode (IVF-Flat), measured in benchmarks/RESULTS.md ("Approximate dense index"): with
# sqrt(N) lists, probing IVF_NPROBE of them keeps recall@10 >= 0.95 against flat on embedding-like data.
IVF_NPROBE = 16
IVF_TRAIN_PER_LIST = 40        # k-means sample: 40 points per list (FAISS warns below 39)
IVF_REBUILD_GROWTH = 4         # re-cluster once the index has grown 4x past the size it was trained at
# Stored vector precision. float16 halves the index (512-d: 2,056 -> 1,032 B per record); nDCG@10 was the
# same to 4 decimals on every labelled set (benchmarks/RESULTS.md, "Vector precision").
PRECISIONS = ("float16", "float32")


def int_id(record_id: str) -> int:
    """A stable positive int64 for a string record id (FAISS ids are integers)."""
    return int.from_bytes(hashlib.blake2b(record_id.encode(), digest_size=8).digest(), "big") >> 1


def ivf_lists(n: int) -> int:
    """Number of IVF lists for n vectors: sqrt(n), the usual balance of centroid scan and list scan."""
    return max(1, int(math.sqrt(n)))


def _precision_of(index: faiss.Index) -> str:
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else index
    return "float16" if isinstance(inner, (faiss.IndexScalarQuantizer, faiss.IndexIVFScalarQuantizer)) else "float32"


class VectorIndex:
    """Cosine similarity on L2-normalised vectors (inner product), keyed by string record ids.

    Exact (flat) search below `ann_threshold` vectors; from there on an IVF index (faiss) answers: it keeps
    the full vectors (float32, or float16 with `precision`), so `vectors()` still returns them and the
    engine's dense scores stay exact: only which candidates get nominated is approximate. IVF rather than HNSW because
    IVF can delete by id (HNSW cannot), which edits and withdrawals need. None means always exact.

    Many Streamlit sessions share one instance, so every mutation holds the lock; searches hold it too,
    because FAISS indexes are not safe to read while another thread mutates them.
    """

    def __init__(self, dim: int, ann_threshold: int | None = None, precision: str = "float32",
                 nprobe: int = IVF_NPROBE):
        if precision not in PRECISIONS:
            raise ValueError(f"vector precision {precision!r}: expected one of {PRECISIONS}")
        self.dim, self.ann_threshold, self.precision, self.nprobe = dim, ann_threshold, precision, nprobe
        self._index: faiss.Index = faiss.IndexIDMap2(self._exact())
        self._trained_at = 0                     # size the IVF was clustered at (0: exact mode)
        self._ids: dict[int, str] = {}          # faiss int id -> record id
        self._hashes: dict[str, str] = {}        # record id -> content hash of the indexed text
        self.lock = threading.RLock()

    def __len__(self) -> int:
        return self._index.ntotal

    @property
    def approximate(self) -> bool:
        return self._trained_at > 0

    @property
    def hashes(self) -> dict[str, str]:
        """Record id -> content hash of what is indexed (used to check the index against the database)."""
        with self.lock:
            return dict(self._hashes)

    def hash_of(self, record_id: str) -> str | None:
        """Content hash of one indexed record (None if absent), without copying the whole map."""
        with self.lock:
            return self._hashes.get(record_id)

    def upsert(self, record_ids: list[str], vectors: np.ndarray, hashes: list[str] | None = None) -> None:
        """Add records, replacing any already indexed under the same id. Nothing else is touched."""
        if not record_ids:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(record_ids), self.dim)
        ints = np.array([int_id(r) for r in record_ids], dtype=np.int64)
        with self.lock:
            # remove_ids scans the whole index (O(N): ~80 ms at 100k flat), so only ids already stored
            # are removed: adding a new record stays O(1) whatever the index size.
            present = np.array([i for i, rid in zip(ints, record_ids) if rid in self._hashes], dtype=np.int64)
            if len(present):
                self._index.remove_ids(present)
            self._index.add_with_ids(vectors, ints)
            for i, rid, h in zip(ints, record_ids, hashes or [""] * len(record_ids)):
                self._ids[int(i)] = rid
                self._hashes[rid] = h
            self._fit_mode()

    def remove(self, record_ids: list[str]) -> int:
        ints = np.array([int_id(r) for r in record_ids], dtype=np.int64)
        with self.lock:
            removed = self._index.remove_ids(ints) if len(ints) else 0
            for i, rid in zip(ints, record_ids):
                self._ids.pop(int(i), None)
                self._hashes.pop(rid, None)
            self._fit_mode()
        return int(removed)

    def _fit_mode(self) -> None:
        """Switch to IVF at the threshold, back to flat below half of it (hysteresis, so a record going
        back and forth at the boundary does not re-cluster each time), and re-cluster after much growth."""
        n, limit = self._index.ntotal, self.ann_threshold
        if not limit:
            return
        if not self.approximate and n >= limit:
            self._rebuild(approximate=True)
        elif self.approximate and n < limit // 2:
            self._rebuild(approximate=False)
        elif self.approximate and n >= IVF_REBUILD_GROWTH * self._trained_at:
            self._rebuild(approximate=True)

    def _exact(self) -> faiss.Index:
        if self.precision == "float16":
            return faiss.IndexScalarQuantizer(self.dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        return faiss.IndexFlatIP(self.dim)

    def _approximate(self, nlist: int) -> faiss.IndexIVF:
        if self.precision == "float16":
            return faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(self.dim), self.dim, nlist,
                                                 faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        return faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, nlist, faiss.METRIC_INNER_PRODUCT)

    def _rebuild(self, approximate: bool) -> None:
        """Move every stored vector into a new flat or IVF index (one k-means: seconds at 0.1-1M vectors)."""
        ints, data = self._all()
        if approximate:
            nlist = ivf_lists(len(ints))
            index = self._approximate(nlist)
            rng = np.random.default_rng(0)
            index.train(data[rng.choice(len(data), min(len(data), IVF_TRAIN_PER_LIST * nlist), replace=False)])
            index.set_direct_map_type(faiss.DirectMap.Hashtable)   # reconstruct() and remove_ids() by id
            index.nprobe = self.nprobe
            self._trained_at = len(ints)
        else:
            index, self._trained_at = faiss.IndexIDMap2(self._exact()), 0
        if len(ints):
            index.add_with_ids(data, ints)
        self._index = index

    def _all(self) -> tuple[np.ndarray, np.ndarray]:
        """(faiss ids, vectors) of everything stored."""
        n = self._index.ntotal
        if isinstance(self._index, faiss.IndexIDMap2):
            return faiss.vector_to_array(self._index.id_map).astype(np.int64), self._index.index.reconstruct_n(0, n)
        ints = np.array(list(self._ids), dtype=np.int64)
        return ints, (self._index.reconstruct_batch(ints) if n else np.zeros((0, self.dim), np.float32))

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """Top-k (record id, cosine) per query row."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        with self.lock:
            if self._index.ntotal == 0:
                return [[] for _ in range(len(queries))]
            # One query is answered on one thread: OpenMP's fork/join costs more than it saves for a
            # single scan, and with several sessions querying at once (2 cores) the spinning threads
            # made a 100k flat search ~3x slower (benchmarks/RESULTS.md). Batches keep all threads.
            threads = faiss.omp_get_max_threads()
            if len(queries) <= SINGLE_THREAD_MAX_QUERIES:
                faiss.omp_set_num_threads(1)
            try:
                scores, ints = self._index.search(queries, min(k, self._index.ntotal))
            finally:
                faiss.omp_set_num_threads(threads)
            return [[(self._ids[int(i)], float(s)) for s, i in zip(srow, irow) if i >= 0]
                    for srow, irow in zip(scores, ints)]

    def vectors(self, record_ids: list[str]) -> np.ndarray:
        """Stored vectors for these ids (zeros for ids not indexed), for exact scores of any candidate."""
        out = np.zeros((len(record_ids), self.dim), dtype=np.float32)
        with self.lock:
            rows = [row for row, rid in enumerate(record_ids) if rid in self._hashes]
            if rows:   # one call for all of them: ~150 reconstruct() calls cost ~1 ms of Python per match
                keys = np.array([int_id(record_ids[row]) for row in rows], dtype=np.int64)
                out[rows] = self._index.reconstruct_batch(keys)
        return out

    def nbytes(self) -> int:
        """Bytes this index holds: faiss's own storage (its serialised size: the vectors, ids and lists; it
        copies the index once, so this is for benchmarks and reports, not the hot path) and the id maps."""
        with self.lock:
            total = len(faiss.serialize_index(self._index))
            total += sys.getsizeof(self._ids) + sum(sys.getsizeof(i) for i in self._ids)
            total += sys.getsizeof(self._hashes) + sum(sys.getsizeof(h) for h in self._hashes.values())
        return total

    def save(self, folder: Path) -> None:
        """Write atomically (temp file, then rename) so a crash never leaves a half-written index."""
        self.write(folder, self.snapshot())

    def snapshot(self) -> tuple[np.ndarray, dict]:
        """The index as bytes in memory plus its id map: a memory copy under the lock (~0.1 s at 100k),
        so the slow disk write can happen without blocking searches."""
        with self.lock:
            return faiss.serialize_index(self._index), {"dim": self.dim, "hashes": dict(self._hashes),
                                                        "trained_at": self._trained_at}

    @staticmethod
    def write(folder: Path, snapshot: tuple[np.ndarray, dict]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        data, meta = snapshot
        tmp_index, tmp_ids = folder / "vectors.faiss.tmp", folder / "ids.json.tmp"
        data.tofile(tmp_index)
        tmp_ids.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp_index, folder / "vectors.faiss")
        os.replace(tmp_ids, folder / "ids.json")

    @classmethod
    def load(cls, folder: Path, dim: int, ann_threshold: int | None = None,
             precision: str = "float32", nprobe: int = IVF_NPROBE) -> "VectorIndex":
        """Load a saved index; an unreadable or mismatched one comes back empty (the caller re-indexes).

        The mode and precision follow the arguments, not the file: a flat file past the threshold comes back
        as IVF, and a file of the other precision is converted (its vectors are kept, not re-encoded)."""
        index = cls(dim, ann_threshold, precision, nprobe)
        try:
            meta = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
            loaded = faiss.read_index(str(folder / "vectors.faiss"))
        except (OSError, ValueError, RuntimeError):
            return index
        if meta.get("dim") != dim or loaded.d != dim or loaded.ntotal != len(meta["hashes"]):
            return index
        if isinstance(loaded, faiss.IndexIVF):
            loaded.nprobe = nprobe
            index._trained_at = int(meta.get("trained_at") or loaded.ntotal or 1)
        elif not isinstance(loaded, faiss.IndexIDMap2):
            loaded = faiss.IndexIDMap2(loaded)
        index._index = loaded
        index._hashes = dict(meta["hashes"])
        index._ids = {int_id(rid): rid for rid in index._hashes}
        if index.approximate and not ann_threshold:
            index._rebuild(approximate=False)
        elif _precision_of(loaded) != precision:
            index._rebuild(approximate=index.approximate)
        index._fit_mode()
        return index

"""FAISS index: add, update and delete by id without a rebuild; save and load round trip."""
import threading

import numpy as np

from matcher.index import VectorIndex


def _unit(rows, dim=8, seed=0):
    x = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_upsert_replaces_and_remove_deletes():
    idx = VectorIndex(8)
    vecs = _unit(3)
    idx.upsert(["a", "b", "c"], vecs, ["h1", "h2", "h3"])
    assert idx.search(vecs[1:2], 1)[0][0][0] == "b"
    idx.upsert(["b"], vecs[0:1], ["h2b"])          # b now looks like a
    assert len(idx) == 3 and idx.hashes["b"] == "h2b"
    assert {rid for rid, _ in idx.search(vecs[0:1], 2)[0]} == {"a", "b"}
    assert idx.remove(["a", "zzz"]) == 1
    assert len(idx) == 2 and "a" not in idx.hashes
    assert np.allclose(idx.vectors(["c", "a"])[0], vecs[2]) and not idx.vectors(["a"]).any()


def test_save_load_round_trip_and_mismatch_comes_back_empty(tmp_path):
    idx = VectorIndex(8)
    vecs = _unit(5)
    idx.upsert(list("abcde"), vecs, list("12345"))
    idx.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, 8)
    assert loaded.hashes == idx.hashes
    assert loaded.search(vecs[3:4], 1)[0][0][0] == "d"
    assert len(VectorIndex.load(tmp_path, 16)) == 0          # other model dimension: re-index
    assert len(VectorIndex.load(tmp_path / "missing", 8)) == 0


def test_concurrent_writes_and_searches_stay_consistent():
    idx = VectorIndex(8)
    vecs = _unit(400, seed=1)
    errors = []

    def writer(start):
        for i in range(start, 400, 4):
            idx.upsert([f"r{i}"], vecs[i:i + 1], [str(i)])

    def reader():
        try:
            for _ in range(200):
                for rid, score in idx.search(vecs[:1], 5)[0]:
                    assert rid.startswith("r") and -1.01 <= score <= 1.01
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(s,)) for s in range(4)] + [threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(idx) == 400

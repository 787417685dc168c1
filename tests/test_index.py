"""FAISS index: add, update and delete by id without a rebuild; save and load round trip."""
import threading

import faiss
import numpy as np
import pytest

from matcher.search.index import PRECISIONS, VectorIndex


def _close(a, b):
    return np.allclose(a, b, atol=1e-3)   # float16 keeps ~3 significant digits of a unit vector's entries


def _unit(rows, dim=8, seed=0):
    x = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_upsert_replaces_and_remove_deletes(precision):
    idx = VectorIndex(8, precision=precision)
    vecs = _unit(3)
    idx.upsert(["a", "b", "c"], vecs, ["h1", "h2", "h3"])
    assert idx.search(vecs[1:2], 1)[0][0][0] == "b"
    idx.upsert(["b"], vecs[0:1], ["h2b"])          # b now looks like a
    assert len(idx) == 3 and idx.hashes["b"] == "h2b"
    assert {rid for rid, _ in idx.search(vecs[0:1], 2)[0]} == {"a", "b"}
    assert idx.remove(["a", "zzz"]) == 1
    assert len(idx) == 2 and "a" not in idx.hashes
    assert _close(idx.vectors(["c", "a"])[0], vecs[2]) and not idx.vectors(["a"]).any()


@pytest.mark.parametrize("precision", PRECISIONS)
def test_save_load_round_trip_and_mismatch_comes_back_empty(tmp_path, precision):
    idx = VectorIndex(8, precision=precision)
    vecs = _unit(5)
    idx.upsert(list("abcde"), vecs, list("12345"))
    idx.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, 8, precision=precision)
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


def _clustered(rows, dim=16, centres=20, seed=2):
    """Unit vectors around a few centres: embedding-like neighbourhoods, unlike uniform random vectors."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, dim))
    x = c[rng.integers(0, centres, rows)] + rng.normal(scale=0.3, size=(rows, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_approximate_mode_switches_on_at_threshold_and_keeps_the_api(precision):
    idx = VectorIndex(16, ann_threshold=500, precision=precision)
    vecs = _clustered(800)
    idx.upsert([f"r{i}" for i in range(499)], vecs[:499], [str(i) for i in range(499)])
    assert not idx.approximate
    idx.upsert([f"r{i}" for i in range(499, 800)], vecs[499:], [str(i) for i in range(499, 800)])
    assert idx.approximate and len(idx) == 800
    assert idx.search(vecs[7:8], 1)[0][0][0] == "r7"
    assert _close(idx.vectors(["r5", "nope"])[0], vecs[5]) and not idx.vectors(["nope"]).any()
    idx.upsert(["r5"], vecs[6:7], ["new"])                     # replace in place
    assert len(idx) == 800 and idx.hashes["r5"] == "new" and _close(idx.vectors(["r5"])[0], vecs[6])
    assert idx.remove(["r7", "zzz"]) == 1 and len(idx) == 799
    assert "r7" not in {rid for rid, _ in idx.search(vecs[7:8], 10)[0]}


@pytest.mark.parametrize("precision", PRECISIONS)
def test_approximate_recall_against_flat(precision):
    vecs = _clustered(3000, seed=3)
    ids = [f"r{i}" for i in range(3000)]
    flat, ivf = VectorIndex(16), VectorIndex(16, ann_threshold=1000, precision=precision)
    flat.upsert(ids, vecs)
    ivf.upsert(ids, vecs)
    queries = _clustered(50, seed=4)
    hits = [len({r for r, _ in a} & {r for r, _ in b}) / 10
            for a, b in zip(flat.search(queries, 10), ivf.search(queries, 10))]
    assert ivf.approximate and np.mean(hits) >= 0.9


@pytest.mark.parametrize("precision", PRECISIONS)
def test_approximate_save_load_and_fall_back_to_flat(tmp_path, precision):
    idx = VectorIndex(16, ann_threshold=300, precision=precision)
    vecs = _clustered(400)
    idx.upsert([f"r{i}" for i in range(400)], vecs, [str(i) for i in range(400)])
    idx.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, 16, ann_threshold=300, precision=precision)
    assert loaded.approximate and loaded.hashes == idx.hashes
    assert loaded.search(vecs[3:4], 1)[0][0][0] == "r3"
    exact = VectorIndex.load(tmp_path, 16, precision=precision)  # no threshold: exact search again
    assert not exact.approximate and exact.search(vecs[3:4], 1)[0][0][0] == "r3"
    loaded.remove([f"r{i}" for i in range(260)])             # below half the threshold: back to flat
    assert not loaded.approximate and len(loaded) == 140
    assert _close(loaded.vectors(["r399"])[0], vecs[399])


def test_float16_halves_the_index_and_a_float32_file_converts_on_load(tmp_path):
    """Before: float32 only, 4 B per dimension (2,056 B per 512-d record). A saved float32 index loaded with
    float16 keeps its vectors (no re-encoding) and its answers."""
    vecs, ids = _clustered(600, dim=64), [f"r{i}" for i in range(600)]
    full = VectorIndex(64)
    full.upsert(ids, vecs, ids)
    full.save(tmp_path)
    half = VectorIndex.load(tmp_path, 64, precision="float16")
    assert half.hashes == full.hashes and half.precision == "float16"
    size = {p: len(faiss.serialize_index(i._index)) / 600 for p, i in (("32", full), ("16", half))}
    assert size["16"] < 0.6 * size["32"], size
    assert _close(half.vectors(ids[:50]), vecs[:50])
    queries = _clustered(20, dim=64, seed=5)
    assert [[r for r, _ in row] for row in half.search(queries, 10)] == \
        [[r for r, _ in row] for row in full.search(queries, 10)]
    with pytest.raises(ValueError):
        VectorIndex(8, precision="int4")

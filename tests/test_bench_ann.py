"""The approximate index's probe setting and the bench's IVF fit (matcher/bench/ann.py), on small data."""
from pathlib import Path

import numpy as np

from matcher.bench.ann import measure
from matcher.config import Settings
from matcher.search.index import VectorIndex


def _clustered(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dim))
    x = centres[rng.integers(0, 20, n)] + 0.3 * rng.standard_normal((n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_nprobe_setting_reaches_the_ivf_index_and_survives_a_reload(tmp_path: Path):
    assert Settings().ann_nprobe == 16   # the default the benchmark's tables call "engine"
    x = _clustered(2000)
    index = VectorIndex(16, ann_threshold=1000, nprobe=5)
    index.upsert([f"r{i}" for i in range(len(x))], x)
    assert index.approximate and index._index.nprobe == 5
    index.save(tmp_path)
    assert VectorIndex.load(tmp_path, 16, ann_threshold=1000, nprobe=7)._index.nprobe == 7


def test_ivf_fit_sweeps_list_counts_against_exact_search():
    x, q = _clustered(3000), _clustered(50, seed=1)
    row = measure(x, q, nprobes=(1, 4, 16), timed=5, nlist_scales=(0.5, 2.0))
    assert [f["nlist"] for f in row["nlist_fit"]] == [row["nlist"] // 2, row["nlist"] * 2]
    for sweep in [row["sweep"], *(f["sweep"] for f in row["nlist_fit"])]:
        recalls = [s["recall10"] for s in sweep]
        assert all(0 <= r <= 1 for r in recalls) and recalls == sorted(recalls)   # more lists probed: no worse
    assert row["engine"]["nprobe"] == 16 and row["engine"]["recall10"] > row["sweep"][0]["recall10"]

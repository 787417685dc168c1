"""Calibration is a procedure: it reproduces the engine's ranking exactly, fits what the labels say,
never leaves the hybrid below a single channel, and reports only held-out figures as cross-validated."""
from pathlib import Path

import numpy as np
import pytest

from matcher.config import Settings
from matcher.search import calibrate
from matcher.search.calibrate import Case, Pools
from matcher.search.encoders import FakeEncoder
from matcher.search.encoders.base import PAIRS, Calibration
from matcher.search.evaluate import evaluate_dir

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"


def test_pools_reproduce_the_engines_hybrid_ranking(tmp_path):
    encoder = FakeEncoder()
    settings = Settings(var_dir=tmp_path, encoder="fake")
    engine_ndcg = evaluate_dir(DEMO, settings, encoder, modes=("hybrid",))["modes"]["hybrid"]["ndcg@10"]
    pools = Pools(calibrate.collect(DEMO, settings, encoder, "demo"))
    assert pools.ndcg(encoder.profile.calibration).mean() == pytest.approx(engine_ndcg, abs=1e-9)


def synthetic(name: str, informative: str, n: int = 60, width: int = 40, seed: int = 0) -> list[Case]:
    """Queries whose one relevant candidate (index 0) is found by one channel; the other channel is noise."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n):
        signal = np.r_[1.0, np.zeros(width - 1)]
        dense = 0.3 + 0.05 * rng.standard_normal(width) + (0.4 * signal if informative == "dense" else 0)
        lexical = rng.uniform(0, 3, width) + (4.0 * signal if informative == "bm25" else 0)
        gains = signal.copy()
        cases.append(Case(name, dense, lexical, np.ones(width), 1.0, 8.0, np.full(width, PAIRS.index("en")),
                          np.ones(width), gains, 1.0))
    return cases


def test_fit_follows_the_informative_channel():
    for informative in ("dense", "bm25"):
        pools = Pools(synthetic("a", informative))
        cal = calibrate.fit(pools)
        assert calibrate.objective(pools, cal) > 0.95
        assert calibrate.objective(pools, cal) >= calibrate.objective(pools, Calibration())
        if informative == "dense":
            assert cal.weight_for("en") > 0.5            # noisy words are weighed down
        else:   # the cosines carry nothing: they get little weight, or a floor above all of them
            assert cal.weight_for("en") < 0.5 or cal.cosine_floor > 0.4


def test_fitted_hybrid_never_falls_below_either_channel():
    pools = Pools(synthetic("a", "dense") + synthetic("b", "bm25", seed=1))
    cal = calibrate.fit(pools)
    scores, bars = calibrate.per_set(pools, cal), pools.bars
    assert all(scores[name] >= bars[name] - 1e-9 for name in bars), (scores, bars)


def test_cross_validation_scores_only_held_out_queries():
    pools = Pools(synthetic("a", "dense") + synthetic("b", "dense", seed=2))
    cv = calibrate.cross_validate(pools, folds=3)
    assert set(cv) == {"leave_one_set_out", "3_fold"}
    assert set(cv["leave_one_set_out"]) == set(cv["3_fold"]) == {"a", "b"}
    # A set left out is scored with weights fitted on the other set alone: still the informative channel.
    assert cv["leave_one_set_out"]["a"] > 0.9


def test_structured_signals_stay_bounded():
    pools = Pools(synthetic("a", "dense"))
    assert np.allclose(pools.without_signals().factor[pools.valid], 1.0)
    assert calibrate.per_set(pools, Calibration()) == calibrate.per_set(pools.without_signals(), Calibration())

"""The learner on simulated decision histories (matcher/bench/replay.py): recovers a planted policy, does not
move on shuffled reasons, needs minimum evidence, and starts from today's ranking."""
import pytest

from matcher.bench import replay
from matcher.search import signals


@pytest.fixture(scope="module")
def history():
    return replay.simulate(replay.shown_pairs(), seed=11)


def test_learner_recovers_the_planted_policy(history):
    learned = replay.learn_on(history)
    for industry in replay.MATURITY_POLICY:
        w = learned[industry]
        assert w["maturity"] > signals.DEFAULT_PARAMS["maturity"]
        assert w["maturity_step"] > signals.DEFAULT_PARAMS["maturity_step"]
        assert w["region"] == signals.DEFAULT_PARAMS["region"]
    for industry in replay.REGION_POLICY:
        assert learned[industry]["region"] > signals.DEFAULT_PARAMS["region"]
        assert learned[industry]["maturity"] == signals.DEFAULT_PARAMS["maturity"]
    assert set(learned) <= replay.MATURITY_POLICY | replay.REGION_POLICY    # nothing else moves
    for w in learned.values():                                              # within the documented bounds
        assert all(lo <= w[k] <= hi for k, (lo, hi) in signals.LEARNED_BOUNDS.items())


def test_learner_does_not_move_on_shuffled_reasons(history):
    for seed in (1, 2, 3):
        assert replay.learn_on(replay.shuffled(history, seed)) == {}


def test_minimum_evidence_and_cold_start(history):
    assert replay.learn_on(history, min_decisions=10_000) == {}
    assert signals.params_for("biomedicine", {}) == signals.DEFAULT_PARAMS
    assert signals.params_for("biomedicine", {"biomedicine": {"maturity": 9.0}})["maturity"] == 0.32  # clipped
    late = history[:200]
    assert replay.pairwise_accuracy(late, {}) == replay.pairwise_accuracy(late, None)



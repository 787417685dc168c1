"""The learner on simulated decision histories (matcher/bench/replay.py): recovers a planted policy (gates with
the right requirement, in exactly the policy industries), does not move on shuffled reasons, needs minimum
evidence, stays within its bounds, and starts from today's ranking."""
import pytest

from matcher.bench import replay
from matcher.search import signals


@pytest.fixture(scope="module")
def history():
    return replay.simulate(replay.shown_pairs(), seed=11)


def test_learner_recovers_the_planted_policy(history):
    learned = replay.learn_on(history)
    default = signals.DEFAULT_PARAMS
    for industry in ("biomedicine", "batteries_storage"):   # a floor of small batch, beyond the scenario's need
        assert learned[industry]["maturity_gate"] < 1.0 and learned[industry]["maturity_floor"] == 2.0
    for industry in set(learned) & set(replay.MATURITY_POLICY):
        w = learned[industry]
        assert w["maturity"] > default["maturity"] and w["maturity_step"] > default["maturity_step"]
        assert w["region"] == default["region"] and w["region_gate"] == 1.0
    for industry in replay.REGION_POLICY:                   # the same district, not just the same city
        w = learned[industry]
        assert w["region_gate"] < 1.0 and w["region_need"] == 1.0 and w["region"] > default["region"]
        assert w["maturity_gate"] == 1.0 and w["maturity"] == default["maturity"]
    assert set(learned) <= set(replay.MATURITY_POLICY) | replay.REGION_POLICY   # nothing else moves
    for w in learned.values():                                                 # within the documented bounds
        assert w["industry_gate"] == 1.0
        assert all(lo <= w[k] <= hi for k, (lo, hi) in signals.LEARNED_BOUNDS.items())
        assert signals.gate(["maturity", "region", "industry"], w) >= signals.GATE_MIN
    late = [h for h in history if h["industry"] in replay.MATURITY_POLICY]
    assert replay.pairwise_accuracy(late, learned, policy_only=True) > replay.pairwise_accuracy(late, None, True)


def test_learner_does_not_move_on_shuffled_reasons(history):
    for seed in (1, 2, 3):
        assert replay.learn_on(replay.shuffled(history, seed)) == {}


def test_minimum_evidence_cold_start_and_bounds(history):
    assert replay.learn_on(history, min_decisions=10_000) == {}
    assert signals.params_for("biomedicine", {}) == signals.DEFAULT_PARAMS
    clipped = signals.params_for("biomedicine", {"biomedicine": {"maturity": 9.0, "maturity_gate": 0.01}})
    assert clipped["maturity"] == 0.32 and clipped["maturity_gate"] == signals.GATE_MIN
    assert signals.gate(["maturity", "region"], {"maturity_gate": 0.6, "region_gate": 0.6}) == signals.GATE_MIN
    every_gate = {**signals.DEFAULT_PARAMS, "maturity_gate": 0.5, "region_gate": 0.5, "industry_gate": 0.5,
                  "region_need": 1.0, "maturity_floor": 3.0}
    assert signals.violated(None, 3, {"region": 0.5, "industry": 0.5}, every_gate) == []   # unknowns break nothing
    assert signals.violated(0, 1, {"region": 0.8, "industry": 0.2}, every_gate) == ["maturity", "region", "industry"]
    h = history[0]
    fits = replay.structured_signals(h["scenario"], h["offering"], replay.Side.DEMAND)
    assert replay._score(h["text"], h["scenario"], h["offering"], {}) == signals.combine(h["text"], fits,
                                                                                          signals.DEFAULT_PARAMS)
    late = history[:200]
    assert replay.pairwise_accuracy(late, {}) == replay.pairwise_accuracy(late, None)

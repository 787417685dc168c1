"""The learner on simulated decision histories (matcher/bench/replay.py): recovers a planted policy (gates with
the right requirement, in exactly the policy's industries), does not move on shuffled reasons, needs minimum
evidence, stays within its bounds, and starts from today's ranking; the limits (replay_limits.py) hold together."""
import pytest

from matcher.bench import replay, replay_limits
from matcher.search import signals
from matcher.workflow import learning


@pytest.fixture(scope="module")
def pairs():
    return replay.shown_pairs()


@pytest.fixture(scope="module")
def history(pairs):
    return replay.simulate(pairs, seed=11)


def _within_bounds(learned):
    for w in learned.values():
        assert all(lo <= w[k] <= hi for k, (lo, hi) in signals.LEARNED_BOUNDS.items())
        assert signals.gate(["maturity", "region", "industry"], w) >= signals.GATE_MIN


def test_the_programme_policy_rules():
    p, fits = replay.PROGRAMME, {"region": 1.0, "industry": 1.0}
    assert p.breaks("biomedicine", fits, have=2, need=1) == "maturity_too_low"     # safety: mass production only
    assert p.breaks("biomedicine", fits, have=3, need=1) is None
    assert p.breaks("photovoltaics", fits, have=2, need=2) is None                 # elsewhere: the scenario's need
    assert p.breaks("photovoltaics", fits, have=1, need=2) == "maturity_too_low"
    assert p.breaks("photovoltaics", {**fits, "region": 0.3}, 3, 1) == "region"    # outside the city
    assert p.breaks("photovoltaics", {**fits, "region": 0.8}, 3, 1) is None        # another district is fine
    assert p.breaks("biomedicine", {"region": signals.NEUTRAL, "industry": 0.2}, None, 3) is None   # unknowns
    assert replay.oracle()["biomedicine"] == {"maturity_gate": 0.5, "maturity_floor": 3.0, "region_gate": 0.5,
                                              "region_need": 0.8}


def test_learner_recovers_the_planted_policy(history):
    learned = replay.learn_on(history)
    for industry in replay.SAFETY_CRITICAL:               # the mass-production floor, beyond the scenario's need
        assert learned[industry]["maturity_gate"] < 1.0 and learned[industry]["maturity_floor"] == 3.0
    for industry, w in learned.items():
        if w["maturity_gate"] < 1.0 and industry not in replay.SAFETY_CRITICAL:
            assert w["maturity_floor"] == 0.0              # elsewhere the scenario's own need, no invented floor
        if w["region_gate"] < 1.0:
            assert w["region_need"] == 0.8                 # the same city, not the same district
        assert w["industry_gate"] == 1.0 and w["industry"] == signals.DEFAULT_PARAMS["industry"]
    assert sum(w["maturity_gate"] < 1.0 for w in learned.values()) >= 8
    _within_bounds(learned)
    assert replay.pairwise_accuracy(history, learned, policy_only=True) > replay.pairwise_accuracy(history, None, True)


def test_learner_recovers_the_round1_district_policy(pairs):
    learned = replay.learn_on(replay.simulate(pairs, seed=11, policy=replay.ROUND1))
    for industry in ("biomedicine", "batteries_storage"):   # a floor of small batch, beyond the scenario's need
        assert learned[industry]["maturity_gate"] < 1.0 and learned[industry]["maturity_floor"] == 2.0
    for industry in replay.ROUND1.region:                   # the same district, not just the same city
        w = learned[industry]
        assert w["region_gate"] < 1.0 and w["region_need"] == 1.0 and w["maturity_gate"] == 1.0
    assert set(learned) <= set(replay.ROUND1.maturity) | set(replay.ROUND1.region)   # nothing else moves
    _within_bounds(learned)


def test_learner_does_not_move_on_shuffled_reasons(history):
    for seed in (1, 2, 3):
        assert replay.learn_on(replay.shuffled(history, seed)) == {}


def test_limits_hold_together(pairs, history):
    bound, room = replay.binding(history)
    assert 0.0 < room < bound < 1.0 and room <= replay_limits.ceiling(pairs) < 0.2
    fixed = replay.pairwise_accuracy(history, None)
    at_bound = replay.pairwise_accuracy(history, None, score=replay_limits._gated(replay.POLICY, signals.GATE_MIN))
    industries = {h["industry"] for h in history}
    assert at_bound == pytest.approx(replay.pairwise_accuracy(history, replay.oracle(industries=industries)))
    assert replay.pairwise_accuracy(history, None, score=replay_limits._gated(replay.POLICY, 0.0)) >= at_bound > fixed


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


def test_a_run_over_many_industries_needs_stronger_evidence():
    """Bonferroni over the industries a run tests: evidence enough for one industry alone (Fisher p 0.0007 over
    4 floors) moves nothing when 14 industries are tested at once, so noise in one of many does not move it."""
    fits_low = {"industry": 1.0, "region": 1.0, "maturity": 0.6}
    fits_ok = {**fits_low, "maturity": 1.0}
    one = ([learning.Decision(i, "hospitals", False, "maturity_too_low", fits_low, 1, 2) for i in range(8)]
           + [learning.Decision(8, "hospitals", False, "not_relevant", fits_low, 1, 2)]
           + [learning.Decision(9 + i, "hospitals", False, "not_relevant", fits_ok, 3, 2) for i in range(7)])
    assert learning.learn_gate(one, "maturity")[0]["maturity_gate"] < 1.0
    assert learning.learn_gate(one, "maturity", industries=14)[0] == {}
    assert [p.industry for p in learning.propose(one, {}, 10)] == ["hospitals"]
    others = [learning.Decision(100 + 20 * k + i, f"other_{k}", i % 2 == 0, None, fits_ok, 3, 2)
              for k in range(13) for i in range(10)]
    assert learning.propose(one + others, {}, 10) == []

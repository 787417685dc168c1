"""Indicator checks in the ranking: carried by each suggestion in order; unmet lowers the score, bounded."""
import numpy as np
import pytest

from matcher.search import signals
from matcher.search.ranking import rank_candidates
from matcher.domain.records import Side

SCENARIO = {"id": "S-1", "indicators": "单程配送时间≤15分钟;全程温度可追溯;每日配送≥20架次"}
STATES_MET = {"id": "O-met", "title": "配送无人机", "description": "单程约11分钟，单机日均配送30架次。"}
STATES_UNMET = {"id": "O-unmet", "title": "配送无人机", "description": "单程约25分钟，每天可完成12架次。"}
SAYS_NOTHING = {"id": "O-quiet", "title": "配送无人机", "description": "载重5公斤，支持自动返航。"}
CANDS = [STATES_UNMET, STATES_MET, SAYS_NOTHING]


def _rank(query=SCENARIO, cands=CANDS, side=Side.DEMAND, k=10):
    n = len(cands)
    return rank_candidates(query, side, cands, np.full(n, 0.6), np.full(n, 3.0), 1.0, np.ones(n),
                           [[] for _ in cands], k=k)


def test_each_suggestion_carries_the_checklist_in_the_scenarios_order():
    by_id = {s.offering_id: s for s in _rank()}
    met = by_id["O-met"].indicators
    assert [c["indicator"] for c in met] == ["单程配送时间≤15分钟", "全程温度可追溯", "每日配送≥20架次"]
    assert [c["status"] for c in met] == ["met", "unknown", "met"]
    assert met[0]["evidence"] == "单程约11分钟" and met[1]["evidence"] is None
    assert [c["status"] for c in by_id["O-unmet"].indicators] == ["unmet", "unknown", "unmet"]
    assert by_id["O-met"].to_dict()["indicators"] == met
    assert "indicators" in [r.code for r in by_id["O-met"].reasons]


def test_unmet_lowers_the_score_by_a_bounded_amount_and_unknown_does_not():
    out = _rank()
    by_id = {s.offering_id: s for s in out}
    assert by_id["O-met"].score == by_id["O-quiet"].score          # unknown costs nothing
    assert by_id["O-unmet"].score == pytest.approx(by_id["O-met"].score * 0.90, abs=1e-4)
    assert out[-1].offering_id == "O-unmet"
    assert by_id["O-unmet"].channels["indicators_unmet"] == 2
    assert by_id["O-unmet"].channels["indicator_factor"] == 0.9
    assert signals.indicator_factor(0) == 1.0 and signals.indicator_factor(10) == pytest.approx(0.85)


def test_top_k_is_exact_after_the_penalty():
    # with k=1 the unmet candidate listed first must still lose to the one that meets the indicators
    assert [s.offering_id for s in _rank(k=1)] in (["O-met"], ["O-quiet"])


def test_offering_query_checks_each_scenario_against_the_offering():
    scenarios = [dict(SCENARIO, id="S-1"), {"id": "S-2", "indicators": None}]
    out = rank_candidates(STATES_UNMET, Side.SUPPLY, scenarios, np.full(2, 0.6), np.full(2, 3.0), 1.0,
                          np.ones(2), [[], []])
    by_id = {s.scenario_id: s for s in out}
    assert [c["status"] for c in by_id["S-1"].indicators] == ["unmet", "unknown", "unmet"]
    assert by_id["S-2"].indicators == [] and by_id["S-2"].channels["indicator_factor"] == 1.0
    assert out[0].scenario_id == "S-2"

"""Ranking over arrays: fused order, soft structured signals, hard filters only on request, reasons."""
import numpy as np

from matcher.search.ranking import Filters, rank_candidates
from matcher.domain.records import Side

QUERY = {"id": "S-1", "industry": "photovoltaics", "region": "武进区", "required_maturity": "small_batch"}
CANDS = [
    {"id": "O-a", "industry": "carbon_materials", "region": "武进区", "maturity": "mass_production"},
    {"id": "O-b", "industry": "photovoltaics", "region": "苏州", "maturity": "lab"},
    {"id": "O-c", "industry": "photovoltaics", "region": "新北区", "maturity": "small_batch"},
]


def _rank(dense, lexical, **kw):
    return rank_candidates(QUERY, Side.DEMAND, CANDS, np.array(dense), np.array(lexical), 1.0,
                           np.ones(3), [["散热"], [], []], **kw)


def test_text_relevance_dominates_structured_signals():
    # O-a is in another industry but is by far the best text match: it must stay first (soft signal).
    out = _rank([0.9, 0.3, 0.35], [8.0, 1.0, 1.0])
    assert [s.offering_id for s in out] == ["O-a", "O-c", "O-b"]
    assert out[0].scenario_id == "S-1" and 0 <= out[-1].score <= out[0].score <= 1
    codes = [r.code for r in out[0].reasons]
    assert codes[:2] == ["text", "terms"] and "industry_cross" in codes and "region" in codes


def test_an_inferred_industry_is_explained_as_a_guess():
    # The score leaves a guessed industry out (industry fit unknown): the reason must not say "same industry".
    cands = [{**CANDS[1], "industry_inferred": True}]
    [out] = rank_candidates(QUERY, Side.DEMAND, cands, np.array([0.5]), np.array([2.0]), 1.0, np.ones(1), [[]])
    [reason] = [r for r in out.reasons if r.code.startswith("industry")]
    assert reason.code == "industry_inferred" and out.channels["industry"] == 0.5
    assert reason.text("en").startswith("Probably the same industry (inferred from the text)")
    assert reason.text("zh").startswith("可能同属行业（由文本推断）")


def test_structured_signals_break_near_ties():
    out = _rank([0.5, 0.5, 0.5], [2.0, 2.0, 2.0])
    assert out[-1].offering_id == "O-b"            # lab maturity and another city
    assert "maturity_low" in [r.code for r in out[-1].reasons]


def test_hard_filters_apply_only_when_asked():
    assert len(_rank([0.9, 0.3, 0.35], [8.0, 1.0, 1.0])) == 3
    only_pv = _rank([0.9, 0.3, 0.35], [8.0, 1.0, 1.0], filters=Filters(industry="photovoltaics"))
    assert {s.offering_id for s in only_pv} == {"O-b", "O-c"}
    mature = _rank([0.9, 0.3, 0.35], [8.0, 1.0, 1.0], filters=Filters(min_maturity="small_batch"))
    assert {s.offering_id for s in mature} == {"O-a", "O-c"}


def test_reasons_in_both_languages_without_mixing():
    out = _rank([0.9, 0.3, 0.35], [8.0, 1.0, 1.0])
    for reason in out[0].reasons:
        assert reason.en and reason.zh
    maturity = next(r for r in out[0].reasons if r.code == "maturity")
    assert "量产" in maturity.zh and "mass_production" not in maturity.zh


def test_top_k_and_empty():
    assert len(_rank([0.9, 0.3, 0.35], [8.0, 1.0, 1.0], k=1)) == 1
    assert rank_candidates(QUERY, Side.DEMAND, [], np.array([]), np.array([]), 1.0, np.array([]), []) == []


def test_reason_says_shared_wording_when_the_model_cannot_read_the_text():
    # in users' words, without telling them about the language model (issue 15)
    out = rank_candidates(QUERY, Side.DEMAND, CANDS, np.array([0.9, 0.3, 0.35]), np.array([8.0, 1.0, 1.0]),
                          0.1, np.full(3, 0.2), [[], [], []])
    assert out[0].channels["dense_weight"] == 0
    assert "按共同用词" in out[0].reasons[0].zh and "shared wording" in out[0].reasons[0].en
    assert "model" not in out[0].reasons[0].en and "模型" not in out[0].reasons[0].zh
    readable = _rank([0.9, 0.3, 0.35], [8.0, 1.0, 1.0])
    assert readable[0].channels["dense_weight"] > 0 and "meaning" in readable[0].reasons[0].en


def test_stopping_early_gives_exactly_the_full_passs_top_k():
    """rank_candidates stops once a candidate's best possible score is below the k-th best final score; with k
    = every candidate it never stops, so its first 10 are the full pass's. Random candidates with industries,
    regions, maturities, indicators (unmet ones lower a score), lifts, learned gates, ties and filters."""
    from matcher.search.ranking import Lift

    rng = np.random.default_rng(7)
    industries, regions = ["photovoltaics", "carbon_materials", "batteries_storage", None], ["武进区", "新北区", "苏州", None]
    maturities = ["lab", "pilot", "small_batch", "mass_production", None]
    learned = {"photovoltaics": {"maturity_gate": 0.6, "maturity_floor": 2.0, "industry": 0.3, "region_gate": 0.7}}
    for trial in range(40):
        n = int(rng.integers(15, 60))
        cands = [{"id": f"O-{i:03d}", "industry": industries[rng.integers(4)], "region": regions[rng.integers(4)],
                  "maturity": maturities[rng.integers(5)], "title": "graphene film",
                  "description": "thermal conductivity 1500 W/mK" if i % 3 else "thermal conductivity 300 W/mK"}
                 for i in range(n)]
        query = {**QUERY, "indicators": "thermal conductivity >= 1000 W/mK" if trial % 2 else None}
        dense = np.round(rng.uniform(0.2, 0.9, n), 2 if trial % 4 == 0 else 6)   # rounded: many exact ties
        lexical = np.round(rng.uniform(0, 6, n), 1 if trial % 4 == 0 else 6)
        lifts = {c["id"]: [Lift("tag", float(rng.uniform(0, 0.2)), "t", "t")] for c in cands[::5]}
        filters = Filters(min_score=0.1) if trial % 5 == 0 else None
        args = (query, Side.DEMAND, cands, dense, lexical, 1.0, np.ones(n), lambda i: [])
        kw = {"filters": filters, "lifts": lifts if trial % 2 else None, "learned": learned if trial % 3 else None}
        top = rank_candidates(*args, k=10, **kw)
        full = rank_candidates(*args, k=n, **kw)
        assert top == full[:10], trial

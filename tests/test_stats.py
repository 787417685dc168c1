"""Dashboard figures on a small real database (fake encoder)."""
from matcher.workflow import review, stats
from matcher.domain.records import PairingStatus, Side


def test_counts_by_industry_and_status(platform, seeded):
    df = stats.records_by_industry(platform.store, "zh")
    assert df["count"].sum() == 4
    assert set(df["side"]) == {"supply", "demand"}
    assert "新型碳材料" in set(df["industry_name"])
    by_status = stats.pairings_by_status(platform.store)
    assert list(by_status["status"]) == [s.value for s in PairingStatus]
    assert by_status["count"].sum() == len(review.list_pairings(platform.store))


def test_score_distribution_and_time(platform, seeded):
    scores = stats.score_distribution(platform.store)
    assert len(scores) == len(review.list_pairings(platform.store)) > 0
    assert scores["score"].between(0, 1).all()
    over_time = stats.pairings_over_time(platform.store)
    assert over_time["count"].sum() == len(scores)
    assert stats.totals(platform.store)["offerings"] == 2


def test_gap_lists_follow_the_threshold(platform, seeded):
    assert stats.gap_scenarios(platform.store, gap_score=1.01).shape[0] == 2  # nothing reaches 1.01
    assert stats.gap_scenarios(platform.store, gap_score=0.0).empty
    best = max(p["score"] for p in review.list_pairings(platform.store))
    gaps = stats.gap_offerings(platform.store, gap_score=best)
    assert best > 0 and len(gaps) == 1 and gaps["best_score"].iloc[0] < best


def test_rejected_pairings_do_not_close_a_gap(platform, seeded):
    sid = seeded[Side.DEMAND][0]
    for p in review.list_pairings(platform.store, review.PairingQuery(scenario_ids=(sid,))):
        review.transition(platform.store, p["id"], PairingStatus.REJECTED, "o", p["version"], reason_code="other")
    gaps = stats.gap_scenarios(platform.store, gap_score=0.0)
    assert list(gaps["id"]) == [sid] and gaps["best_score"].isna().all()


def test_empty_database(platform):
    assert stats.pairings_over_time(platform.store).empty
    assert stats.gap_scenarios(platform.store, 0.5).empty
    assert stats.records_by_industry(platform.store).empty


def test_funnel_counts_every_stage_a_pairing_passed(platform, seeded):
    from matcher.domain.records import ReasonCode
    pairings = review.list_pairings(platform.store)
    assert len(pairings) >= 2
    a, b = pairings[0], pairings[1]
    p = review.transition(platform.store, a["id"], PairingStatus.APPROVED, "o", a["version"], ReasonCode.STRONG_FIT)
    review.transition(platform.store, a["id"], PairingStatus.CONTACTED, "o", p["version"])
    p = review.transition(platform.store, b["id"], PairingStatus.UNDER_REVIEW, "o", b["version"])
    review.transition(platform.store, b["id"], PairingStatus.REJECTED, "o", p["version"], ReasonCode.OTHER)
    df = stats.funnel(platform.store).set_index("stage")
    total = len(pairings)
    assert list(df["reached"]) == [total, 2, 1, 1, 0, 0]
    assert df.loc["under_review", "rate"] == 2 / total and df.loc["approved", "rate"] == 0.5
    assert df.loc["contacted", "rate"] == 1.0 and df.loc["piloting", "overall"] == 0.0
    assert stats.time_span_days(platform.store) == 0

"""Indicator checks where officials see them: queue counts, the all-met filter, the met order, the detail
checklist and the suggestion cards (AppTest, both languages)."""
from conftest import open_app
from matcher.domain.records import RecordStatus, Side
from matcher.workflow import indicator_queue, review

SCENARIO = dict(title="Drone delivery of medicines", description="Deliver medicines by drone between the "
                "hospital campuses.", organization="City Hospital", region="Changzhou",
                indicators="One-way delivery time ≤15 minutes;Temperature traceable;≥20 delivery sorties per day")
GOOD = dict(title="Medical delivery drone", description="Drone delivery of medicines: one-way delivery takes "
            "about 11 minutes. At least 24 delivery sorties per day.", organization="Fly Co", maturity="small_batch")
POOR = dict(title="Medical delivery drone, long range", description="Drone delivery of medicines: one-way "
            "delivery takes 25 minutes. 12 delivery sorties per day.", organization="Slow Co", maturity="pilot")
QUIET = dict(title="Medical delivery drone kit", description="Drone delivery of medicines between hospitals.",
             organization="Quiet Co", maturity="pilot")


def _publish(platform):
    offers = {name: platform.submit(Side.SUPPLY, rec, "test", status=RecordStatus.PUBLISHED)
              for name, rec in (("good", GOOD), ("poor", POOR), ("quiet", QUIET))}
    sid = platform.submit(Side.DEMAND, SCENARIO, "test", status=RecordStatus.PUBLISHED)
    return sid, offers


def test_queue_counts_filter_and_order(platform):
    sid, offers = _publish(platform)
    rows = indicator_queue.with_indicator_counts(platform.store, review.list_pairings(
        platform.store, review.PairingQuery(scenario_ids=(sid,))))
    by_offer = {r["offering_id"]: r for r in rows}
    assert set(by_offer) == set(offers.values())
    good, poor, quiet = (by_offer[offers[n]] for n in ("good", "poor", "quiet"))
    assert (good["indicators_met"], good["indicators_unmet"], good["indicators_total"]) == (2, 0, 3)
    assert (poor["indicators_met"], poor["indicators_unmet"]) == (0, 2)
    assert indicator_queue.summary_label(poor) == "0/3 ✗2" and indicator_queue.summary_label(good) == "2/3"
    # "all met" means every stated indicator: none here (temperature traceability is never measurable)
    assert indicator_queue.arrange(rows, only_all_met=True) == []
    ordered = indicator_queue.arrange(rows, by_met=True)
    assert ordered[0]["offering_id"] == offers["good"] and ordered[-1]["offering_id"] == offers["poor"]
    # the unmet indicators cost the poor offering its place in the score order too
    assert poor["score"] < good["score"]


def test_all_met_filter_and_rows_saved_before_the_counts_existed(platform):
    sid, offers = _publish(platform)
    rows = review.list_pairings(platform.store, review.PairingQuery(scenario_ids=(sid,)))
    for r in rows:    # a pairing saved by an older version carries no counts: they are computed
        r["channels"] = {k: v for k, v in r["channels"].items() if not k.startswith("indicator")}
    rows = indicator_queue.with_indicator_counts(platform.store, rows)
    assert {r["offering_id"]: r["indicators_unmet"] for r in rows}[offers["poor"]] == 2
    fake = [dict(rows[0], indicators_total=2, indicators_met=2, indicators_unmet=0)]
    assert indicator_queue.arrange(fake + rows, only_all_met=True) == fake


def test_review_page_shows_checklist_and_filters(platform, accounts):
    sid, offers = _publish(platform)
    at = open_app("ui/review.py", accounts["official"]).run()
    at.slider(key="review_min_score").set_value(0.0).run()
    at.checkbox(key="review_by_met").check().run()
    assert not at.exception
    first = at.selectbox(key="review_pick").value
    assert review.get_pairing(platform.store, first)["offering_id"] == offers["good"]
    text = "\n".join(m.value for m in at.markdown)
    assert "Indicator check" in text and ":material/cancel:" not in text              # the best has no unmet
    assert "sorties per day · met — evidence: At least 24 delivery sorties per day" in text
    at.checkbox(key="review_all_met").check().run()
    assert [i.value for i in at.info] == ["No pairings match the filters."]


def test_suggestion_cards_show_the_checklist_in_chinese(platform, accounts):
    sid = platform.submit(Side.DEMAND, dict(SCENARIO, indicators="单程配送时间≤15分钟;每日配送≥20架次"), "e",
                          owner_id=accounts["enterprise"].id, status=RecordStatus.PUBLISHED)
    platform.submit(Side.SUPPLY, dict(GOOD, description="Drone delivery of medicines. 单程配送时间约11分钟，"
                                      "每日配送12架次。"), "test", status=RecordStatus.PUBLISHED)
    at = open_app("ui/my_submissions.py", accounts["enterprise"], lang="zh").run()
    assert not at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert "指标核对" in text and "满足" in text and "未满足" in text

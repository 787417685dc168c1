"""Demonstration projects and the case library: a deployed pairing applies, is reviewed within budget, reports
the scenario's indicators, completes, becomes a case; similar scenarios find the case; its supplier is lifted."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from matcher.domain.records import PairingStatus as P
from matcher.domain.records import RecordStatus, RecordValidationError, Side
from matcher.storage.schema import AuditLog, CaseRow, DemonstrationProject
from matcher.workflow import cases, demonstration as demo, review
from matcher.workflow.review import ReviewError

INDICATORS = "Cell temperature spread ≤ 3 °C;No thermal runaway in 1 year"
APPLICATION = {"title": "Graphene film for pack cooling", "plan": "Fit the film to 2,000 packs and measure.",
               "requested_wan": 120, "milestones": [{"title": "Pilot line", "due": "2027-03-31"},
                                                    {"title": "Full line", "due": "2027-09-30"}]}
RESULTS = [{"indicator": "Cell temperature spread ≤ 3 °C", "measured": "2.4 °C", "met": True},
           {"indicator": "No thermal runaway in 1 year", "measured": "none in 14 months", "met": True}]


def _audit_count(store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(AuditLog))


@pytest.fixture
def deployed(platform, seeded):
    """The battery scenario (with two indicators) paired with the graphene offering, moved to deployed."""
    scenario, offering = seeded[Side.DEMAND][0], seeded[Side.SUPPLY][0]
    data = {k: v for k, v in platform.store.get_record(Side.DEMAND, scenario).items()
            if k in ("title", "description", "organization", "industry", "region", "keywords", "budget_wan")}
    platform.update(Side.DEMAND, scenario, {**data, "indicators": INDICATORS}, actor="test")
    [pairing] = review.list_pairings(platform.store, review.PairingQuery(scenario_ids=(scenario,),
                                                                         offering_ids=(offering,)))
    for status in (P.APPROVED, P.CONTACTED, P.PILOTING, P.DEPLOYED):
        pairing = review.transition(platform.store, pairing["id"], status, "official@x", pairing["version"])
    return pairing


def _approved(platform, deployed, support=100.0):
    pid = demo.propose(platform.store, deployed["id"], APPLICATION, actor="ent@x")
    demo.review_project(platform.store, pid, True, "official@x", budget_wan=3000, support_wan=support)
    return pid


def test_only_deployed_pairings_apply_and_bad_applications_save_nothing(platform, seeded, deployed):
    [other] = [p for p in review.list_pairings(platform.store) if p["id"] != deployed["id"]][:1]
    with pytest.raises(ReviewError) as err:
        demo.propose(platform.store, other["id"], APPLICATION, actor="ent@x")
    assert "已落地" in err.value.zh
    before = _audit_count(platform.store)
    with pytest.raises(RecordValidationError) as err:
        demo.propose(platform.store, deployed["id"], {**APPLICATION, "requested_wan": -5, "milestones": [
            {"title": "", "due": "soon"}]}, actor="ent@x")
    assert {e.field for e in err.value.errors} == {"requested_wan", "milestones.0.title", "milestones.0.due"}
    assert all(e.zh for e in err.value.errors)
    assert _audit_count(platform.store) == before and demo.list_projects(platform.store) == []


def test_support_over_budget_or_request_is_refused(platform, deployed):
    pid = demo.propose(platform.store, deployed["id"], APPLICATION, actor="ent@x")
    for amount, words in ((150, ("requested", "申请")), (90, ("over the budget", "超出预算"))):
        with pytest.raises(RecordValidationError) as err:
            demo.review_project(platform.store, pid, True, "official@x", budget_wan=80, support_wan=amount)
        [e] = err.value.errors
        assert e.field == "support_wan" and words[0] in e.en and words[1] in e.zh
    assert demo.get_project(platform.store, pid)["status"] == "applied"
    with pytest.raises(RecordValidationError):
        demo.review_project(platform.store, pid, False, "official@x", budget_wan=80)      # reject needs a note
    demo.review_project(platform.store, pid, True, "official@x", budget_wan=3000, support_wan=100)
    assert demo.budget_left(platform.store, dt.date.today().year, 3000) == 2900


def test_outcome_report_must_measure_every_indicator_and_finish_milestones(platform, deployed):
    pid = _approved(platform, deployed)
    with pytest.raises(RecordValidationError) as err:
        demo.report_outcome(platform.store, pid, {"results": RESULTS[:1], "summary": "done"}, actor="ent@x")
    assert [e.field for e in err.value.errors] == ["results"] and "No thermal runaway" in err.value.errors[0].en
    with pytest.raises(RecordValidationError) as err:
        demo.report_outcome(platform.store, pid, {"results": RESULTS, "summary": "done"}, actor="ent@x")
    assert {e.field for e in err.value.errors} == {"milestones"}
    for m in demo.get_project(platform.store, pid)["milestones"]:
        demo.complete_milestone(platform.store, m["id"], actor="ent@x")
    demo.report_outcome(platform.store, pid, {"results": RESULTS, "summary": "Works."}, actor="ent@x")
    with pytest.raises(ReviewError):
        demo.publish_case(platform.store, pid, actor="official@x")        # not completed yet
    demo.accept(platform.store, pid, actor="official@x")
    case_id = demo.publish_case(platform.store, pid, actor="official@x", contact="Bo, bo@pack.example")
    case = cases.get_case(platform.store, case_id)
    assert case["results"] == RESULTS and case["supplier"] == "Carbon Co" and "lithium" in case["problem"]
    assert cases.public(case)["contact"] is None                          # until both parties agree
    cases.set_consent(platform.store, case_id, "supply", True, actor="ann@carbon")
    cases.set_consent(platform.store, case_id, "demand", True, actor="bo@pack")
    assert cases.public(cases.get_case(platform.store, case_id))["contact"] == "Bo, bo@pack.example"
    with platform.store.read() as s:
        trail = s.execute(select(AuditLog.actor, AuditLog.action, AuditLog.to_status)
                          .where(AuditLog.entity == "demonstration").order_by(AuditLog.id)).all()
    assert [a for _, a, _ in trail] == ["apply", "approve", "milestone", "milestone", "report", "complete"]
    assert trail[1][0] == "official@x" and trail[1][2] == "approved"


def test_case_without_results_is_refused(platform):
    with pytest.raises(RecordValidationError) as err:
        cases.add_case(platform.store, {"title": "t", "problem": "p", "solution": "s", "supplier": "X",
                                        "results": []}, actor="o")
    [e] = err.value.errors
    assert e.field == "results" and "required" in e.en and "成效" in e.zh
    with platform.store.read() as s:
        assert s.scalar(select(func.count()).select_from(CaseRow)) == 0


def test_similar_scenario_shows_the_case_and_lifts_its_supplier(platform, seeded):
    carbon = seeded[Side.SUPPLY][0]
    scenario = platform.submit(Side.DEMAND, {
        "title": "Battery modules run hot", "description": "Our lithium battery modules overheat in summer; "
        "we want a heat spreading film.", "organization": "New Pack Co"}, actor="t", status=RecordStatus.PUBLISHED)
    before = {s.offering_id: s for s in platform.suggestions(Side.DEMAND, scenario)}
    case_id = cases.add_case(platform.store, {
        "title": "Graphene film cools battery packs", "problem": "Lithium battery packs overheated in summer.",
        "solution": "A graphene thermal film spreads the heat.", "supplier": "Carbon Co", "results": RESULTS},
        actor="official@x")
    unrelated = cases.add_case(platform.store, {
        "title": "Vertiport for eVTOL", "problem": "Tourist flights need a landing site.",
        "solution": "Modular vertiport.", "supplier": "Sky Co", "results": RESULTS[:1]}, actor="official@x")
    hits = platform.similar_cases(platform.store.get_record(Side.DEMAND, scenario))
    assert hits and hits[0].id == case_id and unrelated not in [h.id for h in hits]
    after = {s.offering_id: s for s in platform.suggestions(Side.DEMAND, scenario)}
    lift = after[carbon].channels["lift"]
    assert 0 < lift <= platform.settings.case_lift_max
    assert after[carbon].score == pytest.approx(min(1.0, before[carbon].score * (1 + lift)), abs=1e-3)
    reason = next(r for r in after[carbon].reasons if r.code == "case")
    assert case_id in reason.en and case_id in reason.zh and "相似" in reason.zh
    other = seeded[Side.SUPPLY][1]
    if other in after:
        assert "lift" not in after[other].channels

"""Diagnosis campaigns: validation (every bad field named, nothing saved), matching service offers with the
engine's ranking, answers, assignments, diagnoses, findings turned into a scenario; all audited."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from matcher.domain.records import RecordStatus, RecordValidationError, Side
from matcher.storage.schema import AuditLog, CampaignProvider, CampaignRow
from matcher.workflow import campaigns as cp
from matcher.workflow import diagnoses

TODAY = dt.date.today()
CAMPAIGN = {"title": "Smart manufacturing diagnosis for machinery makers", "park": "Wujin Hi-tech Zone",
            "district": "Wujin, Changzhou", "industries": ["robotics_equipment"], "enterprise_count": 20,
            "needs": "Machine tool makers need a diagnosis of production lines: MES, equipment networking, "
                     "machine vision quality inspection.",
            "start_date": TODAY - dt.timedelta(days=10), "end_date": TODAY + dt.timedelta(days=60)}
DIAG_OFFER = {"title": "Smart manufacturing diagnosis service", "organization": "Changzhou Institute of Technology",
              "description": "On-site diagnosis of production lines: MES, equipment networking, machine vision "
                             "quality inspection and a transformation roadmap.", "region": "Wujin, Changzhou"}
OTHER_OFFER = {"title": "Organic fertiliser advisory", "organization": "Farm Services Ltd",
               "description": "Soil testing and organic fertiliser plans for vegetable farms."}


def _audits(store, entity: str = "campaign") -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.entity == entity))


def _count(store, table) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(table))


@pytest.fixture
def campaign(platform, seeded):
    return cp.create_campaign(platform.store, CAMPAIGN, "official@x")


@pytest.fixture
def offers(platform, seeded):
    good = cp.submit_service_offer(platform, DIAG_OFFER, "university", "diagnosis", "prov@x",
                                   status=RecordStatus.PUBLISHED)
    other = cp.submit_service_offer(platform, OTHER_OFFER, "service_firm", "transformation", "farm@x",
                                    status=RecordStatus.PUBLISHED)
    return good, other


def test_bad_campaign_names_every_field_and_saves_nothing(platform):
    bad = {**CAMPAIGN, "enterprise_count": 0, "start_date": TODAY, "end_date": TODAY - dt.timedelta(days=1),
           "industries": ["robotics_equipment", "no_such_industry"], "park": " "}
    with pytest.raises(RecordValidationError) as err:
        cp.create_campaign(platform.store, bad, "official@x")
    assert {e.field for e in err.value.errors} == {"park"}   # a blank required field comes first
    # the cross-field checks run once every field has the right type
    with pytest.raises(RecordValidationError) as err:
        cp.create_campaign(platform.store, {**bad, "park": "Wujin"}, "official@x")
    by_field = {e.field: e for e in err.value.errors}
    assert set(by_field) == {"end_date", "enterprise_count", "industries"}
    assert "before" in by_field["end_date"].en and "早于" in by_field["end_date"].zh
    assert "企业数量" in by_field["enterprise_count"].zh
    assert _count(platform.store, CampaignRow) == 0 and _audits(platform.store) == 0


def test_industry_names_are_accepted_and_the_campaign_is_audited(platform):
    cid = cp.create_campaign(platform.store, {**CAMPAIGN, "industries": "机器人与智能装备"}, "official@x")
    assert cp.get_campaign(platform.store, cid)["industries"] == ["robotics_equipment"]
    assert _audits(platform.store) == 1


def test_engine_ranks_the_relevant_service_offer_first_and_only_service_offers(platform, campaign, offers):
    good, other = offers
    found = cp.match_providers(platform, campaign)
    assert [s.offering_id for s in found][:2] == [good, other]
    assert found[0].score > found[1].score and found[0].reasons   # explained like any suggestion
    plain = {r["id"] for r in platform.store.list_records(Side.SUPPLY)} - {good, other}
    assert not plain & {s.offering_id for s in found}           # ordinary offerings are not providers
    ranked = cp.campaigns_for_offer(platform, good)
    assert ranked[0][0]["id"] == campaign and ranked[0][1] == pytest.approx(found[0].score)


def test_apply_assign_unassign_with_clear_errors(platform, campaign, offers):
    good, other = offers
    store = platform.store
    with pytest.raises(RecordValidationError) as err:
        cp.apply(store, campaign, good, "  ", "prov@x")
    assert err.value.errors[0].field == "message"
    cp.apply(store, campaign, good, "We can diagnose 10 firms in March.", "prov@x")
    with pytest.raises(RecordValidationError, match="already answered"):
        cp.apply(store, campaign, good, "again", "prov@x")
    with pytest.raises(RecordValidationError, match="not yours"):
        cp.apply(store, campaign, other, "hello", "x@x", owner_id=999)
    cp.assign(store, campaign, good, "official@x", score=0.7)
    with pytest.raises(RecordValidationError) as err:
        cp.assign(store, campaign, good, "official@x")
    assert err.value.errors[0].field == "provider" and "重复分配" in err.value.errors[0].zh
    with pytest.raises(RecordValidationError, match="not a service offer"):
        cp.assign(store, campaign, platform.store.list_records(Side.SUPPLY)[0]["id"], "official@x")
    with pytest.raises(RecordValidationError) as err:
        cp.unassign(store, campaign, good, "official@x", "")
    assert err.value.errors[0].field == "note"
    cp.unassign(store, campaign, good, "official@x", "provider fully booked")
    cp.assign(store, campaign, good, "official@x")           # may come back
    [row] = cp.providers(store, campaign)
    assert row["status"] == "assigned" and row["message"].startswith("We can")
    with store.read() as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.entity == "campaign").order_by(AuditLog.id)).all()
    assert actions == ["create", "apply", "assign", "unassign", "assign"]


def test_a_closed_campaign_takes_no_answers(platform, campaign, offers):
    with pytest.raises(RecordValidationError, match="ended"):
        cp.apply(platform.store, campaign, offers[0], "late", "prov@x", today=TODAY + dt.timedelta(days=61))


def test_diagnosis_then_findings_become_a_pending_scenario_in_one_step(platform, campaign, offers):
    store, good = platform.store, offers[0]
    cp.assign(store, campaign, good, "official@x")
    base = {"enterprise": "Jintan Gearbox Co", "diagnosed_on": TODAY, "findings": "Manual quality inspection of "
            "gear teeth misses 3% of defects.\nNo equipment data is collected.", "offering_id": good}
    with pytest.raises(RecordValidationError) as err:
        diagnoses.record_diagnosis(store, campaign, {**base, "diagnosed_on": TODAY - dt.timedelta(days=30),
                                                     "offering_id": offers[1]}, "official@x")
    assert {e.field for e in err.value.errors} == {"diagnosed_on", "offering_id"}
    did = diagnoses.record_diagnosis(store, campaign, base, "official@x")
    with pytest.raises(RecordValidationError, match="already diagnosed"):
        diagnoses.record_diagnosis(store, campaign, {**base, "enterprise": "jintan gearbox co "}, "official@x")
    draft = diagnoses.scenario_draft(cp.get_campaign(store, campaign), diagnoses.get_diagnosis(store, did))
    assert draft["organization"] == "Jintan Gearbox Co" and draft["industry"] == "robotics_equipment"
    assert draft["title"].startswith("Jintan Gearbox Co：Manual quality inspection")
    with pytest.raises(RecordValidationError):
        diagnoses.create_scenario(platform, did, {**draft, "title": ""}, "official@x")
    assert diagnoses.get_diagnosis(store, did)["scenario_id"] is None
    sid = diagnoses.create_scenario(platform, did, draft, "official@x")
    scenario = store.get_record(Side.DEMAND, sid)
    assert scenario["status"] == RecordStatus.PENDING and scenario["description"] == base["findings"]
    assert diagnoses.get_diagnosis(store, did)["scenario_id"] == sid
    with pytest.raises(RecordValidationError, match="already has scenario"):
        diagnoses.create_scenario(platform, did, draft, "official@x")
    assert _count(store, CampaignProvider) == 1


def test_demo_campaigns_seed_providers_parks_answers_and_a_scenario(platform, settings):
    from matcher.workflow import programme_demo

    programme_demo.seed_campaigns(platform, settings.demo_dir)
    offers = cp.service_offers(platform.store, published_only=True)
    assert {o["provider_kind"] for o in offers} == {"university", "service_firm"} and len(offers) == 5
    first, second = sorted(cp.list_campaigns(platform.store), key=lambda c: c["id"])
    assert first["park"] != second["park"]
    assert sorted(p["status"] for p in cp.providers(platform.store, first["id"])) == ["applied", "assigned", "assigned"]
    found = diagnoses.list_diagnoses(platform.store, first["id"])
    [sid] = [d["scenario_id"] for d in found if d["scenario_id"]]
    assert len(found) == 3 and platform.store.get_record(Side.DEMAND, sid)["status"] == RecordStatus.PUBLISHED
    assert [p["status"] for p in cp.providers(platform.store, second["id"])] == ["applied"]

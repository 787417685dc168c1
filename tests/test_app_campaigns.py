"""AppTest: the campaigns page. An official's bad campaign shows every field's error (zh and en) and saves
nothing; a provider publishes a service, answers a campaign; the official assigns it, records a diagnosis and
turns the findings into a pending scenario. The reports page shows the campaign and offers the downloads."""
import datetime as dt

from conftest import open_app
from matcher.domain.records import RecordStatus, Side
from matcher.workflow import campaigns as cp
from matcher.workflow import diagnoses

TODAY = dt.date.today()


def _campaign(platform) -> int:
    return cp.create_campaign(platform.store, {
        "title": "Diagnosis for machinery makers", "park": "Wujin Hi-tech Zone", "district": "Wujin",
        "industries": ["robotics_equipment"], "enterprise_count": 12,
        "needs": "Production line diagnosis: MES, equipment networking, machine vision inspection.",
        "start_date": TODAY - dt.timedelta(days=5), "end_date": TODAY + dt.timedelta(days=30)}, "official@x")


def test_bad_campaign_is_refused_with_every_field_named_in_both_languages(platform, accounts):
    official = accounts["official"]
    for lang, words in (("en", ("before start_date", "enterprise_count must be more than 0")),
                        ("zh", ("早于开始日期", "企业数量必须大于 0"))):
        at = open_app("ui/campaigns.py", official, lang=lang).run()
        at.text_input(key="camp_new_title").input("Spring diagnosis")
        at.text_input(key="camp_new_park").input("Xixiashu town")
        at.text_area(key="camp_new_needs").input("Line diagnosis")
        at.date_input(key="camp_new_end").set_value(TODAY - dt.timedelta(days=3))
        at.button(key="FormSubmitter:camp_new-" + ("发布活动" if lang == "zh" else "Publish the campaign")).click().run()
        errors = " ".join(e.value for e in at.error)
        assert all(w in errors for w in words), errors
    assert cp.list_campaigns(platform.store) == []


def test_provider_answers_official_assigns_diagnoses_and_makes_a_scenario(platform, accounts, seeded):
    ent, official = accounts["enterprise"], accounts["official"]
    cid = _campaign(platform)
    at = open_app("ui/campaigns.py", ent).run()
    at.text_input(key="camp_offer_title").input("Smart manufacturing diagnosis")
    at.text_area(key="camp_offer_desc").input("On-site diagnosis of production lines, MES and machine vision.")
    at.button(key="FormSubmitter:camp_offer-Submit the service").click().run()
    assert not at.exception and "once moderated" in at.success[0].value
    [offer] = cp.service_offers(platform.store, owner_id=ent.id)
    assert offer["status"] == RecordStatus.PENDING and offer["provider_kind"] == "university"
    platform.set_status(Side.SUPPLY, offer["id"], RecordStatus.PUBLISHED, official.email)
    at = open_app("ui/campaigns.py", ent).run()
    at.button(key="FormSubmitter:camp_answer-Answer the campaign").click().run()
    assert "message is required" in " ".join(e.value for e in at.error)
    at.text_area(key="camp_answer_message").input("We can diagnose ten firms in March.")
    at.button(key="FormSubmitter:camp_answer-Answer the campaign").click().run()
    assert not at.exception and [p["status"] for p in cp.providers(platform.store, cid)] == ["applied"]

    at = open_app("ui/campaigns.py", official).run()
    at.button(key=f"camp_assign_{offer['id']}").click().run()
    assert not at.exception and [p["status"] for p in cp.providers(platform.store, cid)] == ["assigned"]
    at.text_input(key="camp_diag_name").input("Jintan Gearbox Co")
    at.text_area(key="camp_diag_findings").input("Gear inspection is manual and misses defects.")
    at.button(key="FormSubmitter:camp_diag-Record").click().run()
    [diag] = diagnoses.list_diagnoses(platform.store, cid)
    at.button(key=f"FormSubmitter:camp_scen_{diag['id']}-Create the scenario (goes to moderation)").click().run()
    assert not at.exception, at.exception
    sid = diagnoses.get_diagnosis(platform.store, diag["id"])["scenario_id"]
    assert platform.store.get_record(Side.DEMAND, sid)["status"] == RecordStatus.PENDING
    at = open_app("ui/reports.py", official).run()
    assert not at.exception and at.metric and at.subheader[0].value.startswith("Report for")
    at.radio(key="rep_kind").set_value("campaign").run()
    assert not at.exception and at.subheader[0].value == "Campaign report: Diagnosis for machinery makers"
    shown = {m.label: m.value for m in at.metric}
    assert shown["Enterprises diagnosed"] == "1" and shown["Providers assigned"] == "1"

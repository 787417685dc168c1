"""Reports: a campaign's and a year's figures from real workflow steps (a diagnosis turned scenario, its pairing
deployed, a demonstration project granted support, a tagged enterprise), labelled in zh and en, as a workbook
with the house styles and as a print-ready page with every cell escaped."""
import datetime as dt
import io

import openpyxl
import pytest

from matcher.domain.records import PairingStatus as P
from matcher.domain.records import RecordStatus, Side
from matcher.io.organisations import import_organisations
from matcher.io import report_workbook as rw
from matcher.workflow import campaigns as cp
from matcher.workflow import demonstration as demo
from matcher.workflow import diagnoses, review
from matcher.workflow.reports import CallScope, CampaignScope, YearScope, build_report

TODAY = dt.date.today()
ORGS = "企业名称,统一社会信用代码,认定类型,级别,认定年份\nPack <Maker> Ltd,91320413MAUHUXQEEA,专精特新小巨人,国家级,2024\n"


@pytest.fixture
def worked(platform, seeded):
    """A campaign whose diagnosis became a scenario, paired, deployed, and a project granted 80 (10k CNY)."""
    store = platform.store
    import_organisations(store, ORGS.encode(), "orgs.csv", "test", verified=True)
    offer = cp.submit_service_offer(platform, {"title": "Line diagnosis", "organization": "Institute",
                                               "description": "Production line diagnosis and MES."},
                                    "university", "diagnosis", "prov@x", status=RecordStatus.PUBLISHED)
    cid = cp.create_campaign(store, {"title": "Battery park diagnosis", "park": "Wujin Park", "industries": [],
                                     "enterprise_count": 5, "needs": "Battery makers: pack thermal problems.",
                                     "start_date": TODAY - dt.timedelta(days=9), "end_date": TODAY}, "off@x")
    cp.assign(store, cid, offer, "off@x")
    did = diagnoses.record_diagnosis(store, cid, {"enterprise": "Pack <Maker> Ltd", "diagnosed_on": TODAY,
                                                  "findings": "Lithium battery packs overheat; need a graphene "
                                                              "thermal film for heat spreading."}, "off@x")
    draft = diagnoses.scenario_draft(cp.get_campaign(store, cid), diagnoses.get_diagnosis(store, did))
    sid = diagnoses.create_scenario(platform, did, draft, "off@x")
    platform.set_status(Side.DEMAND, sid, RecordStatus.PUBLISHED, "off@x")
    [pairing] = review.list_pairings(store, review.PairingQuery(scenario_ids=(sid,),
                                                                offering_ids=(seeded[Side.SUPPLY][0],)))
    for status in (P.APPROVED, P.CONTACTED, P.PILOTING, P.DEPLOYED):
        pairing = review.transition(store, pairing["id"], status, "off@x", pairing["version"])
    pid = demo.propose(store, pairing["id"], {"title": "Film <pilot>", "plan": "Fit it.", "requested_wan": 100,
                                              "milestones": [{"title": "Pilot", "due": "2027-03-31"}]}, "ent@x")
    demo.review_project(store, pid, True, "off@x", 3000, 80)
    return cid


def test_campaign_report_counts_only_the_campaign(platform, worked):
    report = build_report(platform.store, CampaignScope(worked))
    s = report.summary
    assert (s["offerings"], s["scenarios"], s["deployed"], s["projects"], s["support"]) == (1, 1, 1, 1, 80.0)
    assert (s["planned"], s["diagnosed"], s["providers"], s["scenarios_out"], s["tagged"]) == (5, 1, 1, 1, 1)
    # the seeded scenarios' pairings are city-wide, not this campaign's
    assert sum(r["count"] for r in report.pairings) == s["pairings"] < len(review.list_pairings(platform.store))
    [org] = report.tagged
    assert org["name"] == "Pack <Maker> Ltd" and org["roles"] == ["demand", "diagnosed"]
    assert org["tags"] == [("little_giant", "national", 2024)]


def test_year_report_and_its_workbook_and_print_page_in_both_languages(platform, worked):
    report = build_report(platform.store, YearScope(TODAY.year))
    assert report.summary["scenarios"] == 3 and report.summary["support"] == 80.0 and report.campaign is None
    assert build_report(platform.store, YearScope(TODAY.year - 1)).summary["pairings"] == 0
    for lang, words in (("zh", ("概要", "已落地", "国家级小巨人（2024）", "需求方、诊断企业")),
                        ("en", ("Summary", "deployed", "national little giant (2024)", "adopter, diagnosed"))):
        book = openpyxl.load_workbook(io.BytesIO(rw.report_xlsx(build_report(platform.store, CampaignScope(worked)),
                                                                lang)))
        assert book.sheetnames[0] == rw.w("summary", lang) and book.worksheets[0].freeze_panes == "A2"
        cells = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row)
        assert all(word in cells for word in words[1:]), lang
        page = rw.report_html(build_report(platform.store, CampaignScope(worked)), lang)
        assert "<Maker>" not in page and "Pack &lt;Maker&gt; Ltd" in page and "@page" in page
        assert all(word in page for word in words), lang


def test_call_report_covers_the_calls_scenarios_and_both_sides_of_their_pairings(platform, worked):
    from matcher.workflow import calls

    store = platform.store
    [scenario] = [p["scenario_id"] for p in review.list_pairings(store) if p["status"] == P.DEPLOYED.value]
    cid = calls.create_call(store, {"title_zh": "储能场景征集", "title_en": "Storage scenarios call",
                                    "opens_on": TODAY - dt.timedelta(days=1), "closes_on": TODAY + dt.timedelta(days=30),
                                    "industries": []}, "off@x")
    calls.attach(store, scenario, cid, "off@x")
    report = build_report(store, CallScope(cid))
    s = report.summary
    assert (s["offerings"], s["scenarios"], s["deployed"], s["projects"], s["support"]) == (0, 1, 1, 1, 80.0)
    assert s["pairings"] == len(review.list_pairings(store, review.PairingQuery(scenario_ids=(scenario,))))
    assert [org["roles"] for org in report.tagged] == [["demand"]]
    assert rw.title(report, "zh") == "征集批次报告：储能场景征集"
    assert rw.title(report, "en") == "Call report: Storage scenarios call"
    empty = calls.create_call(store, {"title_en": "Empty call", "opens_on": TODAY, "closes_on": TODAY,
                                      "industries": []}, "off@x")
    assert build_report(store, CallScope(empty)).summary["pairings"] == 0

"""Calls for scenarios: bad input named per field in zh and en (nothing saved), open/close audited, a closed
call takes no scenarios, the sweep closes calls past their date, and the report with its Excel export."""
import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from conftest import OFFERINGS, SCENARIOS
from matcher.domain.records import RecordStatus, RecordValidationError, Side
from matcher.search.ranking import Suggestion
from matcher.storage.schema import AuditLog, CallRow
from matcher.workflow import calls, review

TODAY = dt.date(2026, 12, 1)
GOOD = dict(title_zh="2027年第一批应用场景征集", title_en="", opens_on=TODAY, closes_on=TODAY + dt.timedelta(days=30),
            industries=["batteries_storage"])


def _count(platform):
    with platform.store.read() as s:
        return s.scalar(select(func.count()).select_from(CallRow))


def test_bad_calls_name_each_field_in_both_languages_and_save_nothing(platform):
    bad = dict(title_zh=" ", title_en=None, opens_on=TODAY, closes_on=TODAY - dt.timedelta(days=1),
               industries=["batteries_storage", "no_such_industry"])
    with pytest.raises(RecordValidationError) as err:
        calls.create_call(platform.store, bad, "o@x")
    fields = {e.field: e for e in err.value.errors}
    assert set(fields) == {"title", "closes_on", "industries"}
    assert "before the opening date" in fields["closes_on"].en and "早于开始日期" in fields["closes_on"].zh
    assert "no_such_industry" in fields["industries"].en and "未知的行业" in fields["industries"].zh
    with pytest.raises(RecordValidationError) as err:
        calls.create_call(platform.store, dict(title_en="Call", opens_on=None, closes_on="soon"), "o@x")
    assert {e.field for e in err.value.errors} == {"opens_on", "closes_on"}
    assert _count(platform) == 0


def test_open_close_are_audited_and_a_closed_call_takes_no_scenarios(platform):
    cid = calls.create_call(platform.store, GOOD, "o@x")
    assert calls.accepting(platform.store, TODAY) == []                    # a draft takes nothing yet
    with pytest.raises(RecordValidationError):
        calls.check_accepting(platform.store, cid, TODAY)
    calls.set_status(platform.store, cid, calls.OPEN, "o@x", TODAY)
    assert [c["id"] for c in calls.accepting(platform.store, TODAY)] == [cid]
    assert calls.title(calls.accepting(platform.store, TODAY)[0], "en") == GOOD["title_zh"]   # the one title
    calls.check_accepting(platform.store, cid, TODAY, "batteries_storage")
    with pytest.raises(RecordValidationError) as err:                       # not one of the call's industries
        calls.check_accepting(platform.store, cid, TODAY, "biomedicine")
    assert err.value.errors[0].field == "call" and "Batter" in err.value.errors[0].en
    calls.set_status(platform.store, cid, calls.CLOSED, "o@x", TODAY, note="enough")
    with pytest.raises(RecordValidationError) as err:
        calls.check_accepting(platform.store, cid, TODAY)
    assert "takes no new scenarios" in err.value.errors[0].en and "不再接受" in err.value.errors[0].zh
    with pytest.raises(RecordValidationError):                              # closed -> closed is no move
        calls.set_status(platform.store, cid, calls.CLOSED, "o@x", TODAY)
    with pytest.raises(RecordValidationError, match="has passed"):          # reopened after its date: refused
        calls.set_status(platform.store, cid, calls.OPEN, "o@x", TODAY + dt.timedelta(days=31))
    with platform.store.read() as s:
        trail = [(a.action, a.from_status, a.to_status) for a in
                 s.scalars(select(AuditLog).where(AuditLog.entity == "call").order_by(AuditLog.id))]
    assert trail == [("create", None, "draft"), ("status", "draft", "open"), ("status", "open", "closed")]


def test_the_sweep_closes_calls_after_their_closing_day(platform):
    cid = calls.create_call(platform.store, GOOD, "o@x")
    calls.set_status(platform.store, cid, calls.OPEN, "o@x", TODAY)
    assert platform.expire_listings(GOOD["closes_on"]).calls_closed == 0
    assert platform.expire_listings(GOOD["closes_on"] + dt.timedelta(days=1)).calls_closed == 1
    assert calls.list_calls(platform.store)[0]["status"] == calls.CLOSED


def test_report_counts_listings_and_pairings_by_stage_and_exports_labels(platform, accounts):
    cid = calls.create_call(platform.store, {**GOOD, "industries": []}, "o@x")
    calls.set_status(platform.store, cid, calls.OPEN, "o@x", TODAY)
    oid = platform.submit(Side.SUPPLY, OFFERINGS[0], "t", status=RecordStatus.PUBLISHED)
    sids = [platform.submit(Side.DEMAND, s, "t", status=RecordStatus.PUBLISHED) for s in SCENARIOS]
    for sid in sids:
        calls.attach(platform.store, sid, cid, "t")
    platform.submit(Side.DEMAND, {**SCENARIOS[0], "title": "not in the call"}, "t", status=RecordStatus.PUBLISHED)
    review.save_suggestions(platform.store, [Suggestion(sids[0], oid, 0.9, {"text": 0.9}, [], [])], 0.0)
    [p] = review.list_pairings(platform.store, review.PairingQuery(scenario_ids=(sids[0],)))
    review.transition(platform.store, p["id"], "approved", "o@x", p["version"])
    platform.set_status(Side.DEMAND, sids[1], RecordStatus.WITHDRAWN, "t")
    assert calls.call_of(platform.store, sids[0])["id"] == cid

    rep = calls.report(platform.store, cid)
    assert [r["id"] for r in rep.listings] == sids
    assert rep.by_status == {"published": 1, "withdrawn": 1}
    assert rep.by_stage["approved"] >= 1 and set(rep.by_stage) >= {"suggested", "deployed", "rejected"}
    book = openpyxl.load_workbook(io.BytesIO(calls.report_xlsx(rep, "zh")))
    assert book.sheetnames == ["场景", "按阶段", "对接"]
    listing = book["场景"]
    assert [c.value for c in listing[1]] == ["编号", "标题", "单位", "行业", "状态", "截止日期"]
    assert {r[4].value for r in listing.iter_rows(min_row=2)} == {"已发布", "已撤回"}
    stages = {r[0].value: r[1].value for r in book["按阶段"].iter_rows(min_row=2)}
    assert stages["已批准"] >= 1 and listing.freeze_panes == "A2"
    en = openpyxl.load_workbook(io.BytesIO(calls.report_xlsx(rep, "en")))
    assert en.sheetnames == ["Scenarios", "By stage", "Pairings"]

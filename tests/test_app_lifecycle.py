"""AppTest: an owner renews an expired listing from My submissions (bad deadline named, nothing saved);
officials create (bad input per field, nothing saved), open and close calls and read the report; a scenario
is submitted to an open call."""
import datetime as dt

from conftest import OFFERINGS, SCENARIOS, open_app
from matcher.domain.records import RecordStatus, Side
from matcher.workflow import calls

TODAY = dt.date.today()


def test_owner_renews_an_expired_scenario_with_a_valid_deadline(platform, accounts):
    ent = accounts["enterprise"]
    sid = platform.submit(Side.DEMAND, {**SCENARIOS[0], "deadline": TODAY + dt.timedelta(days=3)}, ent.email,
                          owner_id=ent.id, status=RecordStatus.PUBLISHED)
    platform.expire_listings(TODAY + dt.timedelta(days=4))
    at = open_app("ui/my_submissions.py", ent).run()
    assert any("expired after" in w.value for w in at.warning)
    key = f"mine_renew_{sid}"
    at.date_input(key=f"{key}_deadline").set_value(TODAY - dt.timedelta(days=1))
    at.button(key=f"{key}_submit").click().run()
    assert any("deadline must be later than today" in e.value for e in at.error)
    assert platform.store.get_record(Side.DEMAND, sid)["status"] == RecordStatus.EXPIRED
    new = TODAY + dt.timedelta(days=60)
    at.date_input(key=f"{key}_deadline").set_value(new)
    at.button(key=f"{key}_submit").click().run()
    assert not at.exception
    record = platform.store.get_record(Side.DEMAND, sid)
    assert record["status"] == RecordStatus.PUBLISHED and record["deadline"] == new
    assert any("Renewed" in s.value for s in at.success)


def test_owner_sees_the_coming_expiry_of_an_offering_and_renews_it(platform, accounts):
    ent = accounts["enterprise"]
    oid = platform.submit(Side.SUPPLY, OFFERINGS[0], ent.email, owner_id=ent.id, status=RecordStatus.PUBLISHED)
    platform.renew(Side.SUPPLY, oid, ent.email, today=TODAY - dt.timedelta(days=platform.settings.offering_valid_days - 5))
    at = open_app("ui/my_submissions.py", ent).run()
    assert any("expires after" in w.value and "5 days left" in w.value for w in at.warning)
    at.button(key=f"mine_renew_{oid}_submit").click().run()
    end = platform.listing_end(Side.SUPPLY, platform.store.get_record(Side.SUPPLY, oid))
    assert end == TODAY + dt.timedelta(days=platform.settings.offering_valid_days)


def test_official_creates_opens_and_reports_on_a_call(platform, accounts):
    at = open_app("ui/calls.py", accounts["official"], lang="zh").run()
    assert any("还没有征集批次" in i.value for i in at.info)
    at.date_input(key="calls_new_closes").set_value(TODAY - dt.timedelta(days=1))
    at.button(key="calls_new_submit").click().run()
    errors = [e.value for e in at.error]
    assert "标题为必填项（中文、英文或两者）" in errors and "截止日期早于开始日期" in errors
    assert calls.list_calls(platform.store) == []
    # (in English from here: AppTest formats a multiselect's options outside the page's run, in English)
    at = open_app("ui/calls.py", accounts["official"]).run()
    at.text_input(key="calls_new_title_zh").input("2027年第一批场景征集")
    at.date_input(key="calls_new_closes").set_value(TODAY + dt.timedelta(days=30))
    at.multiselect(key="calls_new_industries").set_value(["batteries_storage"])
    at.button(key="calls_new_submit").click().run()
    [call] = calls.list_calls(platform.store)
    assert call["status"] == calls.DRAFT and call["industries"] == ["batteries_storage"]
    at.button(key=f"calls_open_{call['id']}").click().run()
    assert calls.list_calls(platform.store)[0]["status"] == calls.OPEN
    assert any("is now open" in s.value for s in at.success)
    assert at.get("download_button")

    # an enterprise submits a scenario to the open call
    sub = open_app("ui/submit_scenario.py", accounts["enterprise"]).run()
    sub.selectbox(key="submit_demand_call").set_value(call["id"])
    sub.text_input(key="submit_demand_form_title").input("Cooling for bus battery packs")
    sub.text_area(key="submit_demand_form_description").input("Bus battery packs overheat in summer.")
    sub.selectbox(key="submit_demand_form_industry").set_value("biomedicine")
    sub.button(key="submit_demand_form_submit").click().run()
    assert any("this call is for" in e.value for e in sub.error)            # not one of its industries
    assert platform.store.count(Side.DEMAND) == 0
    sub.selectbox(key="submit_demand_form_industry").set_value("batteries_storage")
    sub.button(key="submit_demand_form_submit").click().run()
    assert not sub.exception
    [sid] = [r["id"] for r in platform.store.list_records(Side.DEMAND)]
    assert calls.call_of(platform.store, sid)["id"] == call["id"]

    at.button(key=f"calls_closed_{call['id']}").click().run()
    assert calls.list_calls(platform.store)[0]["status"] == calls.CLOSED
    assert any("1 scenarios in this call" in m.value for m in at.markdown)
    sub = open_app("ui/submit_scenario.py", accounts["enterprise"]).run()
    assert not [s for s in sub.selectbox if s.key == "submit_demand_call"]   # a closed call is not offered


def test_calls_report_and_an_expired_listing_show_no_words_of_the_other_language(platform, accounts):
    from test_app_language import _leaks, _strings, _user_data

    ent = accounts["enterprise"]
    cid = calls.create_call(platform.store, dict(title_zh="第一批场景征集", title_en="First call for scenarios",
                                                 opens_on=TODAY, closes_on=TODAY + dt.timedelta(days=9),
                                                 industries=["batteries_storage"]), "o@x")
    calls.set_status(platform.store, cid, calls.OPEN, "o@x", TODAY)
    sid = platform.submit(Side.DEMAND, {**SCENARIOS[0], "deadline": TODAY + dt.timedelta(days=2)}, ent.email,
                          owner_id=ent.id, status=RecordStatus.PUBLISHED)
    calls.attach(platform.store, sid, cid, ent.email)
    platform.expire_listings(TODAY + dt.timedelta(days=3))
    for lang in ("zh", "en"):
        texts: list[str] = []
        for page, who in (("ui/calls.py", accounts["official"]), ("ui/my_submissions.py", ent),
                          ("ui/submit_scenario.py", ent), ("ui/inbox.py", ent)):
            at = open_app(page, who, lang=lang).run()
            assert not at.exception, (page, at.exception)
            _strings(at._tree, texts)
        user = _user_data(platform.store) + ["第一批场景征集", "First call for scenarios"]
        assert not _leaks(texts, user, lang), (lang, _leaks(texts, user, lang))

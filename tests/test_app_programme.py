"""AppTest: the programme pages: organisation profile (bad credit code and tag without level shown, nothing
saved), tag verification and the signal switch, a demonstration project from application to case, the case
library search, and the similar cases beside a scenario's suggestions. Both languages."""
import re

from sqlalchemy import select

from conftest import open_app
from matcher.domain.records import PairingStatus as P
from matcher.domain.records import RecordStatus, Side
from matcher.storage.schema import AuditLog, OrganisationRow
from matcher.workflow import cases, demonstration as demo, organisations as orgs, review

GOOD_CODE = "91320413MAUHUXQEEA"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _texts(at) -> str:
    parts = [e.value for e in (*at.title, *at.subheader, *at.error, *at.info, *at.caption, *at.success)]
    parts += [w.label for w in (*at.button, *at.text_input, *at.selectbox, *at.checkbox)]
    return "\n".join(str(p) for p in parts)


def test_profile_errors_in_both_languages_then_saved(platform, accounts):
    ent = accounts["enterprise"]
    for lang, words in (("en", ("check character", "level is required")), ("zh", ("校验位", "级别为必填项"))):
        at = open_app("ui/org_profile.py", ent, lang=lang).run()
        at.text_input(key="org_credit_code").input(GOOD_CODE[:-1] + "B")
        at.checkbox(key="org_tag_little_giant").check()
        at.number_input(key="org_year_little_giant").set_value(2024)
        at.button(key="FormSubmitter:org-" + ("保存档案" if lang == "zh" else "Save profile")).click().run()
        errors = " ".join(e.value for e in at.error)
        assert all(w in errors for w in words), errors
        if lang == "en":
            assert not CJK.search(_texts(at).replace(ent.organization, ""))
    with platform.store.read() as s:
        assert s.scalar(select(OrganisationRow).where(OrganisationRow.owner_id == ent.id)) is None
    at = open_app("ui/org_profile.py", ent).run()   # AppTest formats options in the test's language (en)
    at.text_input(key="org_credit_code").input(GOOD_CODE)
    at.checkbox(key="org_tag_little_giant").check()
    at.number_input(key="org_year_little_giant").set_value(2024)
    at.selectbox(key="org_level_little_giant").set_value("national")
    at.button(key="FormSubmitter:org-Save profile").click().run()
    assert not at.exception
    profile = orgs.profile_of(platform.store, ent.id)
    assert profile["credit_code"] == GOOD_CODE and profile["tags"][0]["status"] == "pending"


def test_official_verifies_tag_and_switches_signal(platform, accounts):
    ent, off = accounts["enterprise"], accounts["official"]
    orgs.save_profile(platform.store, ent.id, {"name": "Acme", "tags": [
        {"tag": "gazelle", "level": "municipal", "year": 2025}]}, actor=ent.email)
    at = open_app("ui/organisations.py", off).run()
    assert not at.exception and "Acme" in at.dataframe[0].value.to_string()
    at.button(key="orgs_tag_reject").click().run()
    assert "note" in " ".join(e.value for e in at.error)                    # a rejection needs a note
    at.button(key="orgs_tag_verify").click().run()
    assert orgs.list_tags(platform.store)[0]["status"] == "verified"
    at.toggle(key="orgs_signal").set_value(False)
    at.text_input(key="orgs_signal_note").input("pilot without tags")
    at.button(key="FormSubmitter:orgs_signal_form-Save setting").click().run()
    assert not orgs.tag_signal_on(platform.store)
    zh = open_app("ui/organisations.py", off, lang="zh").run()
    assert not zh.exception and "企业库与资质核验" in zh.title[0].value


def _deployed(platform, seeded, owner_id):
    scenario, offering = seeded[Side.DEMAND][0], seeded[Side.SUPPLY][0]
    with platform.store.write() as s:
        from matcher.storage.schema import ScenarioRow
        row = s.get(ScenarioRow, scenario)
        row.owner_id, row.indicators = owner_id, "Temperature spread ≤ 3 °C"
    [pairing] = review.list_pairings(platform.store, review.PairingQuery(scenario_ids=(scenario,),
                                                                         offering_ids=(offering,)))
    for status in (P.APPROVED, P.CONTACTED, P.PILOTING, P.DEPLOYED):
        pairing = review.transition(platform.store, pairing["id"], status, "o", pairing["version"])
    return pairing


def test_demonstration_pages_from_application_to_case(platform, accounts, seeded):
    ent, off = accounts["enterprise"], accounts["official"]
    _deployed(platform, seeded, ent.id)
    at = open_app("ui/demonstration.py", ent).run()
    at.text_input(key="demo_apply_title").input("Graphene film demonstration")
    at.text_area(key="demo_apply_plan").input("Fit 2,000 packs.")
    at.number_input(key="demo_apply_req").set_value(100.0)
    at.text_input(key="demo_apply_ms_1").input("Pilot line")
    at.button(key="FormSubmitter:demo_apply-Apply").click().run()
    assert any("due" in e.value for e in at.error)                         # a milestone without a date
    assert demo.list_projects(platform.store) == []
    import datetime as dt
    at.date_input(key="demo_apply_due_1").set_value(dt.date(2027, 3, 31))
    at.button(key="FormSubmitter:demo_apply-Apply").click().run()
    [project] = demo.list_projects(platform.store)
    ot = open_app("ui/demonstration.py", off).run()
    ot.number_input(key=f"demo_support_{project['id']}").set_value(99999.0)
    ot.button(key=f"demo_approve_{project['id']}").click().run()
    assert any("requested" in e.value for e in ot.error)
    ot.number_input(key=f"demo_support_{project['id']}").set_value(80.0)
    ot.button(key=f"demo_approve_{project['id']}").click().run()
    assert demo.get_project(platform.store, project["id"])["support_wan"] == 80.0
    at = open_app("ui/demonstration.py", ent).run()
    [ms] = demo.get_project(platform.store, project["id"])["milestones"]
    at.button(key=f"demo_ms_{ms['id']}").click().run()
    at.text_input(key=f"demo_m_{project['id']}_0").input("2.4 °C")
    at.checkbox(key=f"demo_met_{project['id']}_0").check()
    at.text_area(key=f"demo_summary_{project['id']}").input("Cooler packs.")
    at.button(key=f"FormSubmitter:demo_report_{project['id']}-Send the report").click().run()
    assert demo.get_project(platform.store, project["id"])["status"] == "reported"
    ot = open_app("ui/demonstration.py", off, lang="zh").run()
    ot.button(key=f"demo_accept_{project['id']}").click().run()
    ot.button(key=f"demo_publish_{project['id']}").click().run()
    [case] = cases.list_cases(platform.store)
    assert case["project_id"] == project["id"] and case["results"][0]["measured"] == "2.4 °C"
    with platform.store.read() as s:
        actions = s.scalars(select(AuditLog.action).where(AuditLog.entity == "demonstration")).all()
    assert actions == ["apply", "approve", "milestone", "report", "complete"]
    lib = open_app("ui/case_library.py", ent).run()
    lib.text_input(key="cases_query").input("graphene battery").run()
    assert not lib.exception and "Graphene film demonstration" in " ".join(m.value for m in lib.markdown)


def test_similar_case_shows_beside_a_new_scenario(platform, accounts, seeded):
    ent = accounts["enterprise"]
    case_id = cases.add_case(platform.store, {
        "title": "Graphene film cools battery packs", "problem": "Lithium battery packs overheated in summer.",
        "solution": "Graphene thermal film.", "supplier": "Carbon Co",
        "results": [{"indicator": "spread", "measured": "2 °C", "met": True}]}, actor="o")
    sid = platform.submit(Side.DEMAND, {"title": "Battery packs overheat", "description": "Our lithium battery "
                                        "packs overheat in summer.", "organization": "P"}, ent.email,
                          owner_id=ent.id, status=RecordStatus.PUBLISHED)
    at = open_app("ui/my_submissions.py", ent).run()
    at.selectbox(key="mine_pick").set_value(sid).run()
    assert not at.exception
    assert any(case_id in e.label for e in at.expander) or case_id in " ".join(c.value for c in at.caption)

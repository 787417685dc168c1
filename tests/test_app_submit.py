"""AppTest: enterprise forms (errors per field, nothing saved; good input saved with suggestions), near-duplicate
warning, my submissions (edit, withdraw, interest, contact after approval)."""
from conftest import OFFERINGS, open_app
from matcher.workflow import review
from matcher.domain.records import PairingStatus, RecordStatus, Side


def _fill(at, prefix: str, **values) -> None:
    for field, value in values.items():
        widget = at.text_area(key=f"{prefix}_{field}") if field in ("description", "indicators") \
            else at.text_input(key=f"{prefix}_{field}")
        widget.input(value)


def test_bad_offering_shows_errors_next_to_fields_and_saves_nothing(platform, accounts):
    at = open_app("ui/submit_offering.py", accounts["enterprise"]).run()
    _fill(at, "submit_supply_form", title="", description="x", contact_email="not-an-email",
          contact_phone="abc")
    at.button(key="submit_supply_form_submit").click().run()
    errors = [e.value for e in at.error]
    assert "Please correct the fields marked below. Nothing has been saved." in errors
    assert "title is required" in errors
    assert "contact_email is not a valid e-mail address" in errors
    assert "contact_phone is not a valid phone number" in errors
    assert platform.store.count(Side.SUPPLY) == 0


def test_errors_are_in_the_users_language(platform, accounts):
    at = open_app("ui/submit_scenario.py", accounts["enterprise"], lang="zh").run()
    _fill(at, "submit_demand_form", title="", description="需要解决电池包过热问题")
    at.button(key="submit_demand_form_submit").click().run()
    assert "标题为必填项" in [e.value for e in at.error]
    assert platform.store.count(Side.DEMAND) == 0


def test_good_scenario_is_saved_and_suggestions_appear(platform, accounts, seeded):
    at = open_app("ui/submit_scenario.py", accounts["enterprise"]).run()
    _fill(at, "submit_demand_form", title="Cooling for battery packs in buses",
          description="Electric bus battery packs overheat in summer; looking for graphene thermal film.",
          indicators="cell temperature below 45 C", keywords="graphene, battery pack", region="Wujin")
    at.number_input(key="submit_demand_form_budget_wan").set_value(150.0)
    at.button(key="submit_demand_form_submit").click().run()
    assert not at.exception
    mine = platform.store.list_records(Side.DEMAND, owner_id=accounts["enterprise"].id)
    assert len(mine) == 1 and mine[0]["status"] == RecordStatus.PENDING and mine[0]["budget_wan"] == 150.0
    assert mine[0]["id"] in at.success[0].value
    assert at.subheader[0].value == "Suggested counterparts"
    assert any("Graphene thermal film" in m.value for m in at.markdown)
    assert any(m.label == "Score" for m in at.metric)
    assert any(":orange-background[" in m.value for m in at.markdown)  # matched terms highlighted


def test_near_duplicate_is_flagged_before_saving(platform, accounts, seeded):
    at = open_app("ui/submit_offering.py", accounts["enterprise"]).run()
    first = OFFERINGS[0]
    _fill(at, "submit_supply_form", title=first["title"], description=first["description"],
          keywords=first["keywords"])
    at.button(key="submit_supply_form_submit").click().run()
    assert at.warning and "Very similar records already exist" in at.warning[0].value
    assert platform.store.count(Side.SUPPLY) == 2  # the two seeded ones only
    at.button(key="submit_supply_dup_confirm").click().run()
    assert platform.store.count(Side.SUPPLY) == 3


def test_user_text_is_rendered_inert(platform, accounts, seeded):
    platform.submit(Side.SUPPLY, dict(OFFERINGS[0], title="<img src=x onerror=alert(1)> [click](http://evil)",
                                      organization=":red[fake] $x$"), "test", status=RecordStatus.PUBLISHED)
    _own(platform, Side.DEMAND, seeded[Side.DEMAND][0], accounts["enterprise"])
    at = open_app("ui/my_submissions.py", accounts["enterprise"]).run()
    shown = "\n".join(m.value for m in at.markdown)
    # every markup character of the user's text arrives backslash-escaped, so Markdown shows it literally
    # (and a word joiner after the URL scheme keeps it from becoming a bare link, issue 14)
    assert "\\<img src\\=x onerror\\=alert\\(1\\)\\> \\[click\\]\\(http\u2060\\:\\/\\/evil\\)" in shown
    assert r"\:red\[fake\] \$x\$" in shown
    assert "<img" not in shown.replace("\\<img", "")


def _own(platform, side, record_id, account):
    from matcher.storage.store import ROW_FOR_SIDE
    with platform.store.write() as s:
        s.get(ROW_FOR_SIDE[side], record_id).owner_id = account.id


def test_my_submissions_interest_status_and_contact_after_approval(platform, accounts, seeded):
    sid = seeded[Side.DEMAND][0]
    _own(platform, Side.DEMAND, sid, accounts["enterprise"])
    at = open_app("ui/my_submissions.py", accounts["enterprise"]).run()
    assert not at.exception
    top = platform.suggestions(Side.DEMAND, sid)[0]
    at.button(key=f"interest_{sid}_{top.offering_id}").click().run()
    [pairing] = [p for p in review.list_pairings(platform.store, review.PairingQuery(scenario_ids=(sid,)))
                 if p["offering_id"] == top.offering_id]
    assert pairing["interest_demand"]
    assert "Contact details are shown once an official approves the pairing." in [c.value for c in at.caption]
    assert not any("ann@carbon.example" in x.value for x in at.text)
    review.transition(platform.store, pairing["id"], PairingStatus.APPROVED, "official@test.example",
                      pairing["version"])
    at.run()
    assert any("Pairing status: approved" in c.value for c in at.caption)
    assert any("ann@carbon.example" in x.value for x in at.text)


def test_edit_and_withdraw(platform, accounts, seeded):
    oid = seeded[Side.SUPPLY][0]
    _own(platform, Side.SUPPLY, oid, accounts["enterprise"])
    at = open_app("ui/my_submissions.py", accounts["enterprise"]).run()
    key = f"mine_edit_{oid}"
    at.text_input(key=f"{key}_title").input("")
    at.button(key=f"{key}_submit").click().run()
    assert "title is required" in [e.value for e in at.error]
    assert platform.store.get_record(Side.SUPPLY, oid)["title"] == OFFERINGS[0]["title"]
    at.text_input(key=f"{key}_title").input("Graphene film, second generation")
    at.button(key=f"{key}_submit").click().run()
    record = platform.store.get_record(Side.SUPPLY, oid)
    assert record["title"] == "Graphene film, second generation" and record["status"] == RecordStatus.PENDING
    at.checkbox(key=f"mine_withdraw_sure_{oid}").check().run()
    at.button(key=f"mine_withdraw_{oid}").click().run()
    assert platform.store.get_record(Side.SUPPLY, oid)["status"] == RecordStatus.WITHDRAWN


def test_coming_back_to_the_submit_page_shows_a_new_form(platform, accounts, seeded):
    at = open_app("app.py", accounts["enterprise"]).run()
    at.switch_page("ui/submit_scenario.py").run()
    _fill(at, "submit_demand_form", title="Cooling for battery packs in buses",
          description="Electric bus battery packs overheat in summer; looking for graphene thermal film.")
    at.button(key="submit_demand_form_submit").click().run()
    assert [s.value for s in at.subheader] == ["Suggested counterparts"]
    at.run()   # a rerun on the page itself keeps the results
    assert [s.value for s in at.subheader] == ["Suggested counterparts"]
    at.switch_page("ui/my_submissions.py").run()
    at.switch_page("ui/submit_scenario.py").run()
    assert not at.subheader and at.text_input(key="submit_demand_form_title").value == ""

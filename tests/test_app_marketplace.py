"""AppTest: the marketplace page (filters, keyword, pages, links to listings) and the listing page (public
summary without contacts, organisation, siblings, express interest with a message, refusals)."""
from conftest import open_app
from matcher.auth import create_user
from matcher.domain.records import RecordStatus, Side
from matcher.workflow import review

PUB = RecordStatus.PUBLISHED


def _text(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info])


def test_browse_filters_keyword_and_pages(platform, accounts, seeded):
    for n in range(23):
        platform.submit(Side.DEMAND, dict(title=f"Kiln heat recovery {n}", description="Hot flue gas from kilns.",
                                          organization=f"Kiln {n}", budget_wan=10 + n), "test", status=PUB)
    at = open_app("ui/marketplace.py", accounts["enterprise"]).run()
    assert not at.exception
    assert "1–20 of 27" in _text(at)
    at.button(key="mkt_next").click().run()
    assert "21–27 of 27" in _text(at) and len(at.session_state["mkt_shown"]) == 7
    at.text_input(key="mkt_text").input("graphene").run()   # a new search starts at page 1
    assert at.session_state["mkt_shown"] == [("supply", seeded[Side.SUPPLY][0])]
    assert "1–1 of 1" in _text(at)
    assert "ann@carbon.example" not in _text(at) and "0519-1234567" not in _text(at)
    at.text_input(key="mkt_text").input("").run()
    at.segmented_control(key="mkt_side").set_value("demand").run()
    at.number_input(key="mkt_budget_min").set_value(30).run()
    assert "1–4 of 4" in _text(at)    # budgets 30..32 of the kilns and 200 of the battery scenario
    at.number_input(key="mkt_budget_min").set_value(None).run()
    at.text_input(key="mkt_text").input("无此词").run()
    assert at.info[0].value == "No published listing matches. Loosen the filters or try other words."


def test_listing_page_interest_with_message(platform, accounts, seeded):
    ent = accounts["enterprise"]
    scen = seeded[Side.DEMAND][0]
    at = open_app("ui/listing.py", ent)
    at.query_params["record"] = scen
    at.run()
    assert not at.exception
    assert at.title[0].value == "Battery pack overheating"
    assert "bo@pack.example" not in _text(at) and "Contact details show once an official approves" in _text(at)
    assert "first submit an offering" in _text(at)   # no offering of their own yet
    mine = platform.submit(Side.SUPPLY, dict(title="Heat spreader", description="Graphite heat spreader sheets.",
                                             organization=ent.organization), ent.email, owner_id=ent.id, status=PUB)
    at.run()
    at.text_area(key="lst_message").input("We can ship samples next week.")
    at.button(key="lst_send").click().run()
    assert not at.exception and at.success, _text(at)
    [pairing] = [p for p in review.list_pairings(platform.store) if (p["scenario_id"], p["offering_id"]) == (scen, mine)]
    assert pairing["interest_supply"]
    assert review.history(platform.store, pairing["id"])[-1]["note"] == "We can ship samples next week."
    assert "Heat spreader" in _text(at) and "(interest sent)" in _text(at)
    assert "bo@pack.example" not in _text(at)   # still hidden: not approved
    second = platform.submit(Side.SUPPLY, dict(title="Cooling fins", description="Aluminium fins.",
                                               organization=ent.organization), ent.email, owner_id=ent.id, status=PUB)
    at.run()
    assert at.selectbox(key="lst_with").options == ["Heat spreader", "Cooling fins"]   # which record to pair
    assert at.selectbox(key="lst_with").value == mine and second != mine
    review.transition(platform.store, pairing["id"], "approved", "official@test.example", pairing["version"])
    at.run()
    assert "bo@pack.example" in "\n".join(x.value for x in at.text)   # approved: the contact shows, as today


def test_listing_page_own_listing_missing_and_officials(platform, accounts):
    owner = create_user(platform.store, "own@test.example", "password-123", "enterprise", "Own Co", "O")
    scen = platform.submit(Side.DEMAND, dict(title="Own scenario", description="Needs a sensor.", organization="Own Co"),
                           owner.email, owner_id=owner.id, status=PUB)
    sibling = platform.submit(Side.SUPPLY, dict(title="Own sensor", description="A sensor.", organization="Own Co"),
                              owner.email, owner_id=owner.id, status=PUB)
    at = open_app("ui/listing.py", owner)
    at.query_params["record"] = scen
    at.run()
    assert "belongs to your own organisation" in _text(at)
    assert not [b for b in at.button if b.key == "lst_send"]
    assert "Own sensor" in _text(at)   # the organisation's other listing, linked
    official = open_app("ui/listing.py", accounts["official"])
    official.query_params["record"] = sibling
    official.run()
    assert "officials handle it in the review queue" in _text(official)
    gone = open_app("ui/listing.py", accounts["official"])
    gone.query_params["record"] = "S-doesnotexist"
    gone.run()
    assert gone.warning[0].value == "This listing does not exist or is no longer published."


def test_listing_in_chinese_shows_no_english(platform, accounts, seeded):
    """The language walk (test_app_language.py) opens the listing page without a record; here with one, with a
    verified tag and the interest form. (The marketplace in zh is walked there and in the browser journey:
    AppTest maps selectbox values through str(), so it cannot rerun a zh page whose selectboxes show labels.)"""
    from test_app_language import _leaks, _strings, _user_data

    from matcher.workflow import organisations as orgs

    ent = accounts["enterprise"]
    orgs.save_profile(platform.store, ent.id, {"name": "Pack Maker", "tags": [
        {"tag": "little_giant", "level": "national", "year": 2024}]}, actor=ent.email)   # claims the scenario's org
    orgs.decide_tag(platform.store, orgs.list_tags(platform.store)[0]["id"], verify=True, actor="official")
    other = create_user(platform.store, "zh@test.example", "password-123", "enterprise", "Other Co", "Z")
    platform.submit(Side.SUPPLY, dict(title="导热膜", description="石墨烯导热膜。", organization="Other Co"),
                    other.email, owner_id=other.id, status=PUB)
    texts: list[str] = []
    at = open_app("ui/listing.py", other, lang="zh")
    at.query_params["record"] = seeded[Side.DEMAND][0]
    at.run()
    assert not at.exception, at.exception
    _strings(at._tree, texts)
    assert any("小巨人" in x for x in texts) and any("提交意向" in x for x in texts)
    assert not _leaks(texts, _user_data(platform.store), "zh")

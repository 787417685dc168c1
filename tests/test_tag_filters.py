"""Verified organisation tags as hard filters: the review queue (either side, optional level), the service's
suggestions (a tagged counterpart outside the channels' candidates is still found), `match --tag`, and the
review page. Unverified tags never count; the bounded tag lift is tested in test_organisations.py."""
import json

import pytest

from conftest import open_app
from matcher.cli import main
from matcher.domain.records import Side
from matcher.io.organisations import import_organisations
from matcher.search import engine as engine_module
from matcher.workflow import queue, review

VERIFIED = ("name,credit_code,tag,level,year\n"
            "Carbon Co,91320413MAUHUXQEEA,single_champion,national,2024\n"
            "PV Plant,91320402MAUJ65RGFR,high_tech,provincial,2023\n")
CLAIMED = "name,tag,level,year\nVision Co,gazelle,municipal,2025\n"


@pytest.fixture
def tagged(platform, seeded):
    import_organisations(platform.store, VERIFIED.encode(), "list.csv", actor="official@x")
    import_organisations(platform.store, CLAIMED.encode(), "claims.csv", actor="official@x", verified=False)
    return seeded


def _ids(store, **query):
    return {r["id"] for r in queue.search(store, queue.QueueQuery(view="all", page_size=100, **query)).rows}


def test_queue_filters_on_either_sides_verified_tags_and_level(platform, tagged):
    store = platform.store
    carbon, vision = tagged[Side.SUPPLY]
    pv_plant = tagged[Side.DEMAND][1]
    pairings = review.list_pairings(store)
    with_carbon = {p["id"] for p in pairings if p["offering_id"] == carbon}
    with_pv = {p["id"] for p in pairings if p["scenario_id"] == pv_plant}
    assert with_carbon and with_pv and len(pairings) > len(with_carbon | with_pv) - 1
    assert _ids(store, tags=("single_champion",)) == with_carbon
    assert _ids(store, tags=("high_tech",)) == with_pv                      # the demand side's organisation
    assert _ids(store, tags=("single_champion", "high_tech")) == with_carbon | with_pv
    assert _ids(store, tag_level="national") == with_carbon                 # any verified tag at that level
    assert _ids(store, tags=("single_champion",), tag_level="provincial") == set()
    assert _ids(store, tags=("gazelle",)) == set()                          # claimed, not verified
    assert _ids(store) == {p["id"] for p in pairings}
    total = queue.search(store, queue.QueueQuery(view="all", tags=("single_champion",), page_size=1))
    assert total.total == len(with_carbon)                                  # the count honours the filter


def test_suggestions_take_a_tag_filter_beyond_the_channels_candidates(platform, tagged, monkeypatch):
    carbon, vision = tagged[Side.SUPPLY]
    scenario = tagged[Side.DEMAND][1]   # solar defects: the vision offering is the channels' first choice
    assert platform.suggestions(Side.DEMAND, scenario, tags=["gazelle"]) == []
    monkeypatch.setattr(engine_module, "CANDIDATES_PER_CHANNEL", 1)
    nominated = {s.offering_id for s in platform.suggestions(Side.DEMAND, scenario)}
    assert nominated == {vision}
    only = platform.suggestions(Side.DEMAND, scenario, tags=["single_champion"])
    assert [s.offering_id for s in only] == [carbon]
    assert platform.suggestions(Side.DEMAND, scenario, tags=["single_champion"], tag_level="municipal") == []
    back = platform.suggestions(Side.SUPPLY, carbon, tag_level="provincial")
    assert {s.scenario_id for s in back} <= {scenario}


def test_cli_match_tag_in_chinese_with_level_and_a_bad_tag(platform, tagged, capsys):
    carbon = tagged[Side.SUPPLY][0]
    scenario = tagged[Side.DEMAND][0]
    assert main(["match", "--scenario", scenario, "--json", "--tag", "单项冠军", "--tag-level", "国家级"]) == 0
    found = json.loads(capsys.readouterr().out)["suggestions"]
    assert [s["offering_id"] for s in found] == [carbon]
    assert main(["match", "--scenario", scenario, "--json", "--tag", "single_champion", "--tag-level",
                 "municipal"]) == 0
    assert json.loads(capsys.readouterr().out)["suggestions"] == []
    assert main(["match", "--text", "battery thermal film", "--side", "demand", "--json", "--tag", "瞪羚"]) == 0
    assert json.loads(capsys.readouterr().out)["suggestions"] == []       # Vision Co's gazelle tag is unverified
    with pytest.raises(SystemExit) as exc:
        main(["match", "--scenario", scenario, "--tag", "giant"])
    assert exc.value.code == 2 and "unknown tag 'giant'" in capsys.readouterr().err


def test_review_page_tag_filter(platform, accounts, tagged):
    carbon = tagged[Side.SUPPLY][0]
    at = open_app("ui/review.py", accounts["official"]).run()
    at.slider(key="review_min_score").set_value(0.0).run()
    assert at.multiselect(key="review_tags").options[:2] == ["specialised SME", "little giant"]
    at.multiselect(key="review_tags").set_value(["single_champion"]).run()
    assert not at.exception
    shown = at.session_state["review_order"]
    assert shown and all(review.get_pairing(platform.store, i)["offering_id"] == carbon for i in shown)
    at.selectbox(key="review_tag_level").set_value("municipal").run()
    assert at.session_state["review_order"] == [] and at.info

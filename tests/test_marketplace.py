"""The marketplace query (matcher/workflow/marketplace.py) and the listing view (matcher/workflow/listing.py):
published only, every filter, keywords in Chinese and English, verified tags only, pages and counts."""
import datetime as dt

import pytest

from matcher.auth import create_user
from matcher.domain.records import RecordStatus, Side
from matcher.workflow import listing
from matcher.workflow import organisations as orgs
from matcher.workflow.marketplace import BrowseQuery, browse, query_words

PUB = RecordStatus.PUBLISHED


@pytest.fixture
def market(platform):
    """Published offerings and scenarios in both languages, one pending and one withdrawn record, and an
    organisation with one verified and one pending tag."""
    p = platform
    ent = create_user(p.store, "tagged@test.example", "password-123", "enterprise", "石墨烯科技", "Li")
    ids = {}
    ids["film"] = p.submit(Side.SUPPLY, dict(
        title="石墨烯导热膜", description="高导热石墨烯膜，用于锂电池包散热。", organization="石墨烯科技",
        industry="carbon_materials", region="武进区", maturity="small_batch", keywords="石墨烯; 导热膜"),
        ent.email, owner_id=ent.id, status=PUB)
    ids["vision"] = p.submit(Side.SUPPLY, dict(
        title="Machine vision defect inspection", description="Cameras and deep learning find surface defects "
        "on solar cells.", organization="Vision Co", region="Xinbei, Changzhou", maturity="mass_production",
        keywords="machine vision"), "test", status=PUB)
    ids["battery"] = p.submit(Side.DEMAND, dict(
        title="Battery pack overheating", description="Our lithium batteries overheat in summer.",
        organization="Pack Maker", industry="batteries_storage", region="Wujin, Changzhou", budget_wan=200,
        deadline="2027-03-31", required_maturity="pilot"), "test", status=PUB)
    ids["kiln"] = p.submit(Side.DEMAND, dict(
        title="窑炉余热回收", description="陶瓷窑炉排烟温度高，需要余热回收装置。", organization="某陶瓷厂",
        region="金坛区", budget_wan=50, deadline="2027-01-15"), "test", status=PUB)
    ids["pending"] = p.submit(Side.DEMAND, dict(
        title="Battery recycling line", description="Recycle battery packs.", organization="Pending Co"), "test")
    ids["gone"] = p.submit(Side.SUPPLY, dict(
        title="Battery swap station", description="Battery swapping for scooters.", organization="Gone Co"),
        "test", status=PUB)
    p.set_status(Side.SUPPLY, ids["gone"], RecordStatus.WITHDRAWN, "test")
    orgs.save_profile(p.store, ent.id, {"name": "石墨烯科技", "tags": [
        {"tag": "little_giant", "level": "national", "year": 2024},
        {"tag": "gazelle", "level": "municipal", "year": 2023}]}, actor=ent.email)
    giant = next(t for t in orgs.list_tags(p.store) if t["tag"] == "little_giant")
    orgs.decide_tag(p.store, giant["id"], verify=True, actor="official@test.example")
    return ids


def _ids(page) -> set[str]:
    return {r["id"] for r in page.rows}


def test_only_published_listings_and_no_contacts(platform, market):
    page = browse(platform.store, BrowseQuery(page_size=50))
    assert _ids(page) == {market[k] for k in ("film", "vision", "battery", "kiln")}
    assert page.total == 4 and page.pages == 1 and page.first == 1
    assert not any(k.startswith("contact") for r in page.rows for k in r)
    platform.set_status(Side.SUPPLY, market["vision"], RecordStatus.REJECTED, "official", note="x")
    assert market["vision"] not in _ids(browse(platform.store, BrowseQuery()))


@pytest.mark.backends("sqlite", "postgresql")   # ILIKE, the window count and the typed NULLs on both
def test_filters(platform, market):
    store = platform.store
    assert _ids(browse(store, BrowseQuery(side=Side.SUPPLY))) == {market["film"], market["vision"]}
    assert _ids(browse(store, BrowseQuery(side=Side.DEMAND))) == {market["battery"], market["kiln"]}
    assert _ids(browse(store, BrowseQuery(industry="carbon_materials"))) == {market["film"]}
    assert _ids(browse(store, BrowseQuery(region="changzhou"))) == {market["vision"], market["battery"]}
    # maturity: an offering's own, a scenario's required one
    assert _ids(browse(store, BrowseQuery(maturity=("pilot", "small_batch")))) == {market["film"], market["battery"]}
    # budget and deadline exist on scenarios only: setting one leaves offerings out
    assert _ids(browse(store, BrowseQuery(budget_min=100))) == {market["battery"]}
    assert _ids(browse(store, BrowseQuery(budget_max=100))) == {market["kiln"]}
    assert _ids(browse(store, BrowseQuery(deadline_from=dt.date(2027, 2, 1)))) == {market["battery"]}
    assert _ids(browse(store, BrowseQuery(deadline_to=dt.date(2027, 2, 1)))) == {market["kiln"]}
    assert _ids(browse(store, BrowseQuery(side=Side.SUPPLY, budget_min=1))) == set()
    deadline_first = browse(store, BrowseQuery(sort="deadline"))
    assert [r["id"] for r in deadline_first.rows][:2] == [market["kiln"], market["battery"]]


def test_tag_filter_counts_verified_tags_only(platform, market):
    store = platform.store
    page = browse(store, BrowseQuery(tags=("little_giant",)))
    assert _ids(page) == {market["film"]}
    assert page.rows[0]["tags"] == [("little_giant", "national", 2024)]   # the pending gazelle tag is not shown
    assert _ids(browse(store, BrowseQuery(tags=("gazelle",)))) == set()   # claimed, not verified
    assert _ids(browse(store, BrowseQuery(tags=("gazelle", "little_giant")))) == {market["film"]}


@pytest.mark.backends("sqlite", "postgresql")
def test_keywords_in_chinese_and_english(platform, market):
    store = platform.store
    assert query_words("锂电池包的散热") == ["锂电池", "包", "散热"]   # jieba words, stopword dropped, no stray characters
    # Chinese without spaces is segmented, and each word may occur anywhere in the text
    assert _ids(browse(store, BrowseQuery(text="石墨烯散热"))) == {market["film"]}
    assert _ids(browse(store, BrowseQuery(text="余热回收"))) == {market["kiln"]}
    # every word must occur: "石墨烯 窑炉" is in no single listing
    assert _ids(browse(store, BrowseQuery(text="石墨烯 窑炉"))) == set()
    # English: case-insensitive, plurals ("batteries"), organisation names; the taxonomy's synonyms cross
    # languages ("battery" is in the group of 电池, so the Chinese film for 锂电池包 is found too)
    assert _ids(browse(store, BrowseQuery(text="BATTERY"))) == {market["battery"], market["film"]}
    assert _ids(browse(store, BrowseQuery(text="batteries summer"))) == {market["battery"]}
    assert _ids(browse(store, BrowseQuery(text="defect cameras"))) == {market["vision"]}
    assert _ids(browse(store, BrowseQuery(text="vision co"))) == {market["vision"]}
    assert _ids(browse(store, BrowseQuery(text="overheating"))) == {market["battery"], market["film"]}  # 散热
    # a title hit ranks first
    ranked = browse(store, BrowseQuery(text="battery lithium"))
    assert ranked.rows[0]["id"] == market["battery"]
    assert _ids(browse(store, BrowseQuery(text="100%_"))) == set()   # LIKE wildcards are plain text


def test_pages_and_counts(platform, market):
    store = platform.store
    first = browse(store, BrowseQuery(page_size=3, sort="newest"))
    second = browse(store, BrowseQuery(page_size=3, page=2, sort="newest"))
    assert (first.total, first.pages, len(first.rows), second.first, len(second.rows)) == (4, 2, 3, 4, 1)
    assert not _ids(first) & _ids(second)
    assert browse(store, BrowseQuery(page_size=3, page=99)).page == 2       # clamped to the last page
    assert browse(store, BrowseQuery(text="nothing-like-this")).rows == []


def test_listing_public_summary_organisation_and_siblings(platform, market):
    store = platform.store
    film = listing.public_listing(store, Side.SUPPLY, market["film"])
    assert film["title"] == "石墨烯导热膜" and not any(k.startswith("contact") for k in film)
    assert film["organisation"]["name"] == "石墨烯科技"
    assert film["organisation"]["tags"] == [("little_giant", "national", 2024)]
    assert listing.side_of(store, market["kiln"]) == Side.DEMAND and listing.side_of(store, "X" * 99) is None
    assert listing.public_listing(store, Side.DEMAND, market["pending"]) is None
    sibling = platform.submit(Side.DEMAND, dict(title="石墨烯产线检测", description="石墨烯膜产线需要在线检测。",
                                                organization="石墨烯科技"), "test", status=PUB)
    others = listing.same_organisation(store, film)
    assert [(r["side"], r["id"]) for r in others] == [("demand", sibling)]

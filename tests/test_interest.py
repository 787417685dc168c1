"""Express interest from a marketplace listing (matcher/workflow/interest.py): the pairing is found or created,
the message is in its audited history, officials and the other side are notified; refusals save nothing."""
import pytest
from sqlalchemy import func, select

from matcher.auth import create_user
from matcher.domain.records import PairingStatus, RecordStatus, Side
from matcher.storage.schema import AuditLog, Notification, Pairing
from matcher.workflow import interest, listing, review
from matcher.workflow.notifications import render

PUB = RecordStatus.PUBLISHED
SCENARIO = dict(title="Kiln heat recovery", description="Hot flue gas from ceramic kilns needs heat recovery.",
                organization="Kiln Works", contact_email="kiln@works.example")
OFFERING = dict(title="Zeolite waste heat boiler", description="Boiler that recovers heat from kiln flue gas.",
                organization="Heat Co")


@pytest.fixture
def parties(platform, accounts):
    ent = accounts["enterprise"]
    owner = create_user(platform.store, "kiln@test.example", "password-123", "enterprise", "Kiln Works", "K")
    scen = platform.submit(Side.DEMAND, SCENARIO, owner.email, owner_id=owner.id, status=PUB)
    return dict(ent=ent, owner=owner, scen=scen, official=accounts["official"],
                listing=listing.public_listing(platform.store, Side.DEMAND, scen))


def _count(store, model, *where) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_no_record_on_the_other_side_then_pending_then_interest_creates_the_pairing(platform, parties):
    ent, store = parties["ent"], platform.store
    assert interest.options(store, ent, parties["listing"]).refused == "no_records"
    with pytest.raises(interest.InterestError) as err:
        interest.express(platform, ent, parties["listing"], "O-nope", "hello")
    assert err.value.key == "no_records" and "提交" in err.value.zh
    mine = platform.submit(Side.SUPPLY, {**OFFERING, "organization": ent.organization}, ent.email, owner_id=ent.id)
    assert interest.options(store, ent, parties["listing"]).refused == "none_published"
    platform.set_status(Side.SUPPLY, mine, PUB, parties["official"].email)
    with store.write() as s:   # start from no pairing at all: the interest must create it
        s.query(Pairing).delete()
    found = interest.options(store, ent, parties["listing"])
    assert found.refused is None and [r["id"] for r in found.records] == [mine]

    done = interest.express(platform, ent, parties["listing"], mine, "  We built three of these\nfor kilns.  ")
    assert done.created and done.status == PairingStatus.SUGGESTED
    pairing = review.get_pairing(store, done.pairing_id)
    assert (pairing["scenario_id"], pairing["offering_id"]) == (parties["scen"], mine)
    assert pairing["interest_supply"] and not pairing["interest_demand"]
    last = review.history(store, done.pairing_id)[-1]
    assert (last["actor"], last["action"], last["note"]) == (ent.email, "interest_supply",
                                                             "We built three of these for kilns.")
    assert last["at"] is not None
    with store.read() as s:
        to_official = s.scalar(select(Notification).where(Notification.user_id == parties["official"].id,
                                                          Notification.event == "interest_message"))
        to_owner = s.scalar(select(Notification).where(Notification.user_id == parties["owner"].id,
                                                       Notification.event == "interest_received",
                                                       Notification.params["pairing"].as_integer() == done.pairing_id))
    assert "We built three of these for kilns." in render("interest_message", to_official.params, "en")
    assert "留言" in render("interest_message", to_official.params, "zh")
    assert to_owner is not None
    # again: the same pairing, no second one
    again = interest.express(platform, ent, parties["listing"], mine, "")
    assert (again.pairing_id, again.created) == (done.pairing_id, False)
    assert _count(store, Pairing) == 1


def test_refusals_save_nothing(platform, parties):
    ent, store = parties["ent"], platform.store
    mine = platform.submit(Side.SUPPLY, OFFERING, ent.email, owner_id=ent.id, status=PUB)
    before = (_count(store, AuditLog), _count(store, Notification))
    with pytest.raises(interest.InterestError) as err:
        interest.express(platform, ent, parties["listing"], mine, "x" * 1001)
    assert err.value.key == "message_too_long"
    with pytest.raises(interest.InterestError) as err:   # someone else's record
        interest.express(platform, ent, parties["listing"], parties["scen"], "")
    assert err.value.key == "not_yours"
    with pytest.raises(interest.InterestError) as err:   # officials broker, they do not express interest
        interest.express(platform, parties["official"], parties["listing"], mine, "")
    assert err.value.key == "not_enterprise"
    assert (_count(store, AuditLog), _count(store, Notification)) == before
    platform.set_status(Side.DEMAND, parties["scen"], RecordStatus.WITHDRAWN, parties["owner"].email)
    with pytest.raises(interest.InterestError) as err:   # withdrawn since the page was shown
        interest.express(platform, ent, parties["listing"], mine, "")
    assert err.value.key == "unavailable"


def test_never_on_a_listing_of_the_own_organisation(platform, parties):
    owner, store = parties["owner"], platform.store
    platform.submit(Side.SUPPLY, {**OFFERING, "organization": "Kiln Works"}, owner.email, owner_id=owner.id,
                    status=PUB)
    assert interest.options(store, owner, parties["listing"]).refused == "own_listing"
    # a colleague's account of the same organisation (same name, another account) is refused too
    colleague = create_user(store, "colleague@test.example", "password-123", "enterprise", "kiln  works", "C")
    assert interest.options(store, colleague, parties["listing"]).refused == "own_listing"

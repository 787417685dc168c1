"""AppTest: the review queue page: views, keyword search, paging, decisions with reasons (single and bulk),
errors next to the action, the detail view with labelled history, and state kept across actions."""
from conftest import open_app
from matcher.domain.records import PairingStatus, Side
from matcher.workflow import queue, review


def _open(accounts, lang="en"):
    at = open_app("ui/review.py", accounts["official"], lang=lang).run()
    at.slider(key="review_min_score").set_value(0.0).run()
    return at


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_find_by_keyword_approve_with_reason_then_find_under_in_pipeline(platform, accounts, seeded):
    at = _open(accounts)
    at.text_input(key="review_text").input("graphene").run()
    everything = review.list_pairings(platform.store)
    found = at.session_state["review_order"]
    assert found and len(found) < len(everything)
    for p in everything:
        texts = [platform.store.get_record(Side.DEMAND, p["scenario_id"]), platform.store.get_record(Side.SUPPLY, p["offering_id"])]
        hit = any("graphene" in (r[f] or "").lower() for r in texts for f in ("title", "description", "organization"))
        assert hit == (p["id"] in found)
    target = at.session_state["review_pick"]
    assert "Graphene" in _markdown(at)
    at.selectbox(key="review_action").set_value(PairingStatus.APPROVED).run()
    assert at.selectbox(key="review_reason").options == ["strong fit", "enterprise interest",
                                                         "capability verified", "policy priority", "other"]
    at.selectbox(key="review_reason").set_value("strong_fit")
    at.text_input(key="review_note").input("both keen")
    at.button(key="review_apply_one").click().run()
    assert not at.exception
    assert at.success[0].value == "1 pairing(s) updated."
    assert review.get_pairing(platform.store, target)["status"] == PairingStatus.APPROVED
    last = review.history(platform.store, target)[-1]
    assert (last["to_status"], last["reason_code"], last["note"], last["actor"]) == \
        ("approved", "strong_fit", "both keen", "official@test.example")
    assert at.text_input(key="review_text").value == "graphene"   # the search survives the action
    at.segmented_control(key="review_view").set_value("in_pipeline").run()
    assert at.session_state["review_pick"] == target
    table = at.table[0].value.to_string()   # the history, with labels rather than codes
    assert "Status change" in table and "approved" in table and "strong fit" in table and "strong_fit" not in table
    at.selectbox(key="review_action").set_value(PairingStatus.CONTACTED)
    at.button(key="review_apply_one").click().run()
    assert review.get_pairing(platform.store, target)["status"] == PairingStatus.CONTACTED
    assert at.session_state["review_pick"] == target   # still in the pipeline view


def test_errors_show_next_to_the_action_with_labels(platform, accounts, seeded):
    # (the zh wording is walked in the browser tests: AppTest maps selectbox values through str(), so it cannot
    # rerun a zh page whose selectboxes show labels)
    at = _open(accounts)
    target = at.session_state["review_pick"]
    version = review.get_pairing(platform.store, target)["version"]
    review.transition(platform.store, target, PairingStatus.SHORTLISTED, "someone", version)
    at.selectbox(key="review_action").set_value(PairingStatus.APPROVED)
    at.button(key="review_apply_one").click().run()
    [error] = at.error
    assert error.value == f"Pairing {target}: Pairing {target} was changed by someone meanwhile (now: shortlisted); " \
        "reload and try again."
    assert review.get_pairing(platform.store, target)["status"] == PairingStatus.SHORTLISTED
    at.selectbox(key="review_action").set_value(PairingStatus.REJECTED)
    at.button(key="review_apply_one").click().run()
    assert [e.value for e in at.error] == [f"Pairing {target}: A rejection needs a reason."]


def test_bulk_reject_ticked_rows_clears_them(platform, accounts, seeded):
    at = _open(accounts)
    ids = at.session_state["review_order"]
    assert len(ids) >= 2
    for pairing_id in ids[:2]:
        at.checkbox(key=f"review_sel_{pairing_id}").check()
    at.run()
    at.selectbox(key="review_bulk_action").set_value(PairingStatus.REJECTED).run()
    at.selectbox(key="review_bulk_reason").set_value("not_relevant")
    at.button(key="review_apply_selected").click().run()
    assert not at.exception
    for pairing_id in ids[:2]:
        assert review.get_pairing(platform.store, pairing_id)["status"] == PairingStatus.REJECTED
        assert review.history(platform.store, pairing_id)[-1]["reason_code"] == "not_relevant"
    assert "2 pairing(s) updated." in [s.value for s in at.success]
    assert ids[0] not in at.session_state["review_order"]   # left the "to decide" view


def test_paging_shows_every_pairing_once(platform, accounts):
    for i in range(23):
        platform.submit(Side.SUPPLY, {"title": f"Laser welding head {i}", "description": "Laser welding of thin "
                                      f"aluminium sheets, variant {i}", "organization": "Weld Co"}, "t",
                        status="published")
    for j in range(3):  # each scenario keeps its top_k (10) suggestions
        platform.submit(Side.DEMAND, {"title": f"Thin aluminium welding {j}", "description": "We need laser "
                                      f"welding for thin aluminium sheets, line {j}", "organization": "Car Co"}, "t",
                        status="published")
    total = queue.search(platform.store, queue.QueueQuery(page_size=1000)).total
    assert total > 10
    at = _open(accounts)
    at.selectbox(key="review_page_size").set_value(10).run()
    seen = []
    for page in range(1, (total + 9) // 10 + 1):
        assert at.number_input(key="review_page").value == page
        seen += at.session_state["review_order"]
        assert f"of {total}, best score first" in _markdown(at)
        if page * 10 < total:
            at.button(key="review_next").click().run()
    assert len(seen) == len(set(seen)) == total


def test_bulk_moderation_publishes_several_and_rejection_needs_a_reason(platform, accounts):
    from matcher.domain.records import RecordStatus
    ids = [platform.submit(Side.SUPPLY, {"title": f"Pending {i}", "description": "Laser welding head",
                                         "organization": "Weld Co"}, "e") for i in range(3)]
    at = open_app("ui/moderation.py", accounts["official"]).run()
    at.multiselect(key="mod_bulk_ids").set_value(ids[:2]).run()
    at.button(key="mod_bulk_reject").click().run()
    assert "A rejection needs a reason." in [e.value for e in at.error]
    assert {platform.store.get_record(Side.SUPPLY, i)["status"] for i in ids} == {RecordStatus.PENDING}
    at.button(key="mod_bulk_publish").click().run()
    assert [platform.store.get_record(Side.SUPPLY, i)["status"] for i in ids] == ["published", "published", "pending"]
    assert at.success[0].value == "2 record(s) done."

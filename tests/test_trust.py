"""Suggestions that earn trust: no own-organisation counterparts, near-duplicates among pending and own
records, highlighting that never splits words or numbers, plain explanations, and the score floor."""
from conftest import OFFERINGS, SCENARIOS, open_app
from matcher.domain.records import RecordStatus, Side
from matcher.search.ranking import same_organisation


def test_an_organisation_is_never_offered_its_own_records(platform, accounts, seeded):
    own = accounts["enterprise"]
    offering = platform.submit(Side.SUPPLY, dict(OFFERINGS[0], organization="Pack  MAKER"), "t",
                               status=RecordStatus.PUBLISHED)
    by_owner = platform.submit(Side.SUPPLY, dict(OFFERINGS[0], organization="Other name Co"), "t", owner_id=own.id,
                               status=RecordStatus.PUBLISHED)
    scenario = platform.submit(Side.DEMAND, dict(SCENARIOS[0], organization="Pack Maker"), "t", owner_id=own.id,
                               status=RecordStatus.PUBLISHED)
    found = {s.offering_id for s in platform.suggestions(Side.DEMAND, scenario)}
    assert found and offering not in found and by_owner not in found
    assert seeded[Side.SUPPLY][0] in found
    from matcher.workflow import review
    paired = {p["offering_id"] for p in review.list_pairings(platform.store, review.PairingQuery(scenario_ids=(scenario,)))}
    assert offering not in paired and by_owner not in paired
    assert same_organisation({"organization": "Ｐａｃｋ Maker"}, {"organization": "pack maker"})
    assert not same_organisation({"organization": ""}, {"organization": ""})


def test_near_duplicates_cover_pending_records_and_own_submissions(platform, accounts):
    me, other = accounts["enterprise"], accounts["official"]
    draft = dict(OFFERINGS[1])
    pending = platform.submit(Side.SUPPLY, dict(draft), "someone", owner_id=other.id)          # pending, not mine
    assert [d.record_id for d in platform.near_duplicates(Side.SUPPLY, draft, owner_id=me.id)] == [pending]
    platform.set_status(Side.SUPPLY, pending, RecordStatus.REJECTED, "o", reason_code="other")
    assert platform.near_duplicates(Side.SUPPLY, draft, owner_id=me.id) == []                 # rejected, not mine
    mine = platform.submit(Side.SUPPLY, dict(draft, title=draft["title"] + "!"), "me", owner_id=me.id)
    platform.set_status(Side.SUPPLY, mine, RecordStatus.REJECTED, "o", reason_code="other")
    [dup] = platform.near_duplicates(Side.SUPPLY, draft, owner_id=me.id)                      # my own, rejected
    assert dup.record_id == mine and dup.status == "rejected" and dup.similarity > 0.9
    platform.set_status(Side.SUPPLY, mine, RecordStatus.WITHDRAWN, "me")
    assert platform.near_duplicates(Side.SUPPLY, draft, owner_id=me.id) == []
    # three identical pending submissions: the second and the third are warned
    for n in range(3):
        found = platform.near_duplicates(Side.DEMAND, SCENARIOS[1], owner_id=me.id)
        assert len(found) == n
        platform.submit(Side.DEMAND, dict(SCENARIOS[1]), "me", owner_id=me.id)


def test_highlight_never_splits_numbers_or_words():
    from ui.widgets import highlight
    out = highlight("Handles 1,200 prescriptions, 3.05 mm films and 0 errors; 石墨烯导热膜", ["0", "film", "5", "导热膜"])
    assert "1\\,200" in out and "3\\.05" in out            # untouched numbers
    assert ":orange-background[**0**] errors" in out
    assert "films" in out and "**film**" not in out      # "film" is not marked inside "films"
    assert ":orange-background[**导热膜**]" in out          # Chinese terms match inside a run of characters


def test_explanations_carry_no_internal_notes(platform, seeded):
    scenario = platform.submit(Side.DEMAND, dict(title="电池包过热", description="我们的锂电池包夏季过热，需要石墨烯导热膜",
                                                 organization="常州某厂"), "t", status=RecordStatus.PUBLISHED)
    for sug in platform.suggestions(Side.DEMAND, scenario):
        for reason in sug.reasons:
            assert "model" not in reason.en and "模型" not in reason.zh


def test_suggestions_below_the_floor_are_hidden_until_asked_for(platform, accounts, seeded, monkeypatch):
    from matcher.storage.store import ROW_FOR_SIDE
    scenario = seeded[Side.DEMAND][0]
    with platform.store.write() as s:
        s.get(ROW_FOR_SIDE[Side.DEMAND], scenario).owner_id = accounts["enterprise"].id
    scores = sorted(s.score for s in platform.suggestions(Side.DEMAND, scenario))
    monkeypatch.setenv("MATCHER_SUGGESTION_FLOOR", str((scores[0] + scores[-1]) / 2))
    at = open_app("ui/my_submissions.py", accounts["enterprise"]).run()
    shown = lambda: [c for c in at.caption if c.value in ("Strong match", "Possible match, worth a look", "Weak match")]
    assert 0 < len(shown()) < len(scores)
    assert "Scores run from 0 to 1" in " ".join(c.value for c in at.caption)
    at.toggle(key=f"sug_weak_{scenario}").set_value(True).run()
    assert len(shown()) == len(scores) and "Weak match" in [c.value for c in shown()]

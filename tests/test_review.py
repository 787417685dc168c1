"""Pairing workflow: transitions, optimistic versioning, audit trail, suggestions saved once."""
import pytest

from matcher.workflow import review
from matcher.search.ranking import Reason, Suggestion
from matcher.domain.records import PairingStatus as P
from matcher.domain.records import ReasonCode, Side, validate_record
from matcher.storage.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'm.db'}")
    base = {"title": "t", "description": "d", "organization": "o"}
    s.add_records(Side.SUPPLY, [validate_record(Side.SUPPLY, {**base, "id": "O-1"})])
    s.add_records(Side.DEMAND, [validate_record(Side.DEMAND, {**base, "id": "S-1"})])
    return s


def _suggest(store, score=0.8):
    sug = Suggestion("S-1", "O-1", score, {"text": score}, ["碳纤维"], [Reason("text", "x", "x")])
    return review.save_suggestions(store, [sug], min_score=0.35)


def test_suggestions_saved_once_and_below_threshold_skipped(store):
    assert _suggest(store, 0.2) == 0
    assert _suggest(store) == 1
    assert _suggest(store, 0.9) == 0
    [pairing] = review.list_pairings(store)
    assert pairing["score"] == 0.9 and pairing["status"] == P.SUGGESTED
    assert pairing["scenario_title"] == "t"


def test_pipeline_with_audit_history(store):
    _suggest(store)
    pid = review.list_pairings(store)[0]["id"]
    p = review.transition(store, pid, P.UNDER_REVIEW, "alice", 1)
    p = review.transition(store, pid, P.APPROVED, "alice", p["version"], ReasonCode.OTHER, "good fit")
    for status in (P.CONTACTED, P.PILOTING, P.DEPLOYED):
        p = review.transition(store, pid, status, "bob", p["version"])
    hist = review.history(store, pid)
    assert [(h["from_status"], h["to_status"]) for h in hist] == [
        (None, "suggested"), ("suggested", "under_review"), ("under_review", "approved"),
        ("approved", "contacted"), ("contacted", "piloting"), ("piloting", "deployed")]
    assert hist[2]["actor"] == "alice" and hist[2]["note"] == "good fit"


def test_second_official_on_stale_version_gets_clear_message(store):
    _suggest(store)
    pid = review.list_pairings(store)[0]["id"]
    review.transition(store, pid, P.APPROVED, "alice", 1, ReasonCode.OTHER)
    with pytest.raises(review.ConcurrentChangeError) as exc:
        review.transition(store, pid, P.REJECTED, "bob", 1, ReasonCode.NOT_RELEVANT)
    assert "alice" in exc.value.en and "alice" in exc.value.zh
    assert review.get_pairing(store, pid)["status"] == P.APPROVED
    assert len(review.history(store, pid)) == 2


def test_illegal_transition_and_reject_without_reason(store):
    _suggest(store)
    pid = review.list_pairings(store)[0]["id"]
    with pytest.raises(review.ReviewError):
        review.transition(store, pid, P.DEPLOYED, "alice", 1)
    with pytest.raises(review.ReviewError):
        review.transition(store, pid, P.REJECTED, "alice", 1)
    assert review.get_pairing(store, pid)["version"] == 1


def test_filters(store):
    _suggest(store)
    assert review.list_pairings(store, review.PairingQuery(min_score=0.9)) == []
    assert len(review.list_pairings(store, review.PairingQuery(statuses=("suggested",)))) == 1
    assert review.list_pairings(store, review.PairingQuery(statuses=("approved",))) == []

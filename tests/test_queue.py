"""Review queue query: saved views, keyword search (Chinese included), filters, paging with a true total;
reason codes per decision."""
import pytest

from matcher.domain.records import PairingStatus as P
from matcher.domain.records import ReasonCode, Side, validate_record
from matcher.search.ranking import Suggestion
from matcher.storage.store import Store
from matcher.workflow import queue, review


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'q.db'}")
    offerings = [dict(id="O-1", title="石墨烯导热膜", description="用于动力电池包散热", organization="碳材料公司"),
                 dict(id="O-2", title="Machine vision inspection", description="finds 100% of defects",
                      organization="Vision_Co")]
    scenarios = [dict(id=f"S-{i}", title=f"Scenario {i}", description="need help", organization=f"Plant {i}")
                 for i in range(25)]
    s.add_records(Side.SUPPLY, [validate_record(Side.SUPPLY, o) for o in offerings])
    s.add_records(Side.DEMAND, [validate_record(Side.DEMAND, x) for x in scenarios])
    sugs = [Suggestion(f"S-{i}", f"O-{1 + i % 2}", 0.9 - i * 0.01, {}, [], []) for i in range(25)]
    review.save_suggestions(s, sugs, min_score=0.0)
    return s


def test_paging_has_the_true_total_and_every_row_once(store):
    first = queue.search(store, queue.QueueQuery(page_size=10))
    assert (first.total, first.pages, first.first, len(first.rows)) == (25, 3, 1, 10)
    rows = [r["id"] for page in (1, 2, 3) for r in queue.search(store, queue.QueueQuery(page=page, page_size=10)).rows]
    assert len(rows) == len(set(rows)) == 25
    scores = [r["score"] for page in (1, 2, 3) for r in queue.search(store, queue.QueueQuery(page=page, page_size=10)).rows]
    assert scores == sorted(scores, reverse=True)
    past = queue.search(store, queue.QueueQuery(page=99, page_size=10))
    assert (past.page, len(past.rows), past.first) == (3, 5, 21)


def test_views_follow_the_pipeline(store):
    pid = queue.search(store, queue.QueueQuery()).rows[0]["id"]
    p = review.transition(store, pid, P.APPROVED, "amy", 1, ReasonCode.STRONG_FIT)
    assert pid not in [r["id"] for r in queue.search(store, queue.QueueQuery(view="to_decide", page_size=100)).rows]
    pipeline = queue.search(store, queue.QueueQuery(view="in_pipeline"))
    assert [r["id"] for r in pipeline.rows] == [pid]
    review.transition(store, pid, P.CONTACTED, "amy", p["version"])
    assert [r["id"] for r in queue.search(store, queue.QueueQuery(view="in_pipeline")).rows] == [pid]
    assert queue.search(store, queue.QueueQuery(view="all")).total == 25
    # a status filter narrows the view and never widens it
    assert queue.search(store, queue.QueueQuery(view="in_pipeline", statuses=("contacted",))).total == 1
    assert queue.search(store, queue.QueueQuery(view="in_pipeline", statuses=("suggested",))).total == 0


def test_keyword_search_over_both_sides_chinese_and_literal_characters(store):
    assert queue.search(store, queue.QueueQuery(text="石墨烯")).total == 13          # offering title
    assert queue.search(store, queue.QueueQuery(text="电池包 碳材料")).total == 13   # description and organisation
    assert queue.search(store, queue.QueueQuery(text="VISION")).total == 12          # case-insensitive
    assert queue.search(store, queue.QueueQuery(text="Plant 3")).total == 3          # Plant 3, 13, 23: substrings, every word
    assert queue.search(store, queue.QueueQuery(text="100%")).total == 12            # % is a character, not a wildcard
    assert queue.search(store, queue.QueueQuery(text="n_Co")).total == 12
    assert queue.search(store, queue.QueueQuery(text="_")).total == 12               # only Vision_Co has one
    assert queue.search(store, queue.QueueQuery(text="石墨烯 vision")).total == 0


def test_reason_codes_fit_their_decision(store):
    pid = queue.search(store, queue.QueueQuery()).rows[0]["id"]
    with pytest.raises(review.ReviewError) as exc:
        review.transition(store, pid, P.APPROVED, "amy", 1, ReasonCode.DUPLICATE)
    assert exc.value.key == "reason_misfit" and exc.value.params == {"reason": "duplicate", "to_status": "approved"}
    with pytest.raises(review.ReviewError):
        review.transition(store, pid, P.UNDER_REVIEW, "amy", 1, ReasonCode.STRONG_FIT)
    p = review.transition(store, pid, P.SHORTLISTED, "amy", 1, ReasonCode.PROMISING)
    assert review.history(store, pid)[-1]["reason_code"] == "promising"
    review.transition(store, pid, P.REJECTED, "amy", p["version"], ReasonCode.BUDGET_MISMATCH)

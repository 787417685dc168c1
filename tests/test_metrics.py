import math

import pytest

from matcher.search.metrics import evaluate_run, mrr, ndcg_at_k, recall_at_k


def test_ndcg_single_relevant_at_rank_two():
    # DCG = 1/log2(3); IDCG = 1
    assert ndcg_at_k(["x", "a"], {"a": 1}) == pytest.approx(1 / math.log2(3))


def test_ndcg_graded_hand_computed():
    gains = {"a": 3, "b": 2, "c": 0, "d": 1}
    dcg = 0 / 1 + 3 / math.log2(3) + 1 / math.log2(4)          # ranking: c, a, d (b missing)
    idcg = 3 / 1 + 2 / math.log2(3) + 1 / math.log2(4)          # ideal from every judged gain
    assert ndcg_at_k(["c", "a", "d"], gains) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["a", "b", "d"], gains) == pytest.approx(1.0)


def test_ndcg_cutoff_and_duplicates():
    assert ndcg_at_k(["x", "y", "a"], {"a": 1}, k=2) == 0.0
    # a duplicated relevant id must not earn its gain twice
    assert ndcg_at_k(["a", "a"], {"a": 1, "b": 1}) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_ndcg_no_relevant_is_zero():
    assert ndcg_at_k(["a"], {"a": 0}) == 0.0


def test_recall_and_mrr():
    gains = {"a": 1, "b": 2, "c": 0}
    assert recall_at_k(["c", "a", "x"], gains, k=2) == pytest.approx(0.5)
    assert recall_at_k(["c", "a", "b"], gains, k=3) == pytest.approx(1.0)
    assert mrr(["c", "x", "b"], gains) == pytest.approx(1 / 3)   # hard negative c (0) does not count
    assert mrr(["c"], gains) == 0.0


def test_evaluate_run_averages_over_queries_with_relevant_docs():
    qrels = {"q1": {"a": 1}, "q2": {"b": 2}, "q3": {"c": 0}}    # q3 has no relevant doc: skipped
    run = {"q1": ["a"], "q2": ["x", "b"], "q3": ["c"]}
    m = evaluate_run(run, qrels)
    assert m["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 2)
    assert m["recall@10"] == pytest.approx(1.0)
    assert m["mrr"] == pytest.approx(0.75)


def test_evaluate_run_counts_missing_query_as_zero():
    m = evaluate_run({"q1": ["a"]}, {"q1": {"a": 1}, "q2": {"b": 1}})
    assert m["mrr"] == pytest.approx(0.5)

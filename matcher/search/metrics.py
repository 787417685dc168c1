"""Ranking metrics over graded relevance labels: nDCG@k, Recall@k, MRR and a per-run average."""
from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence

Id = Hashable


def dcg(gains: Sequence[float]) -> float:
    """Discounted cumulative gain with the standard log2(rank + 1) discount (rank from 1)."""
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(ranked_ids: Sequence[Id], gains: Mapping[Id, int], k: int = 10) -> float:
    """nDCG@k with graded gains; the ideal ranking is built from every judged gain, not only retrieved ones.

    Returns 0.0 when no judged document has a positive gain (the query cannot be ranked well or badly).
    """
    ideal = dcg(sorted((g for g in gains.values() if g > 0), reverse=True)[:k])
    if ideal <= 0:
        return 0.0
    # Graded gains are used linearly (rel, not 2^rel - 1): labels are 0-3, and the linear form keeps a
    # 3 and a 1 in the same order of magnitude, which suits "is this worth reviewing" judgements.
    return dcg([max(gains.get(d, 0), 0) for d in _dedup(ranked_ids)[:k]]) / ideal


def recall_at_k(ranked_ids: Sequence[Id], gains: Mapping[Id, int], k: int = 10) -> float:
    """Share of the relevant documents (gain >= 1) found in the top k; 0.0 when none is relevant."""
    relevant = {d for d, g in gains.items() if g >= 1}
    if not relevant:
        return 0.0
    return len(relevant.intersection(_dedup(ranked_ids)[:k])) / len(relevant)


def mrr(ranked_ids: Sequence[Id], gains: Mapping[Id, int]) -> float:
    """Reciprocal rank of the first relevant document (gain >= 1); 0.0 if none is retrieved."""
    for rank, d in enumerate(_dedup(ranked_ids), start=1):
        if gains.get(d, 0) >= 1:
            return 1.0 / rank
    return 0.0


def evaluate_run(run: Mapping[Id, Sequence[Id]], qrels: Mapping[Id, Mapping[Id, int]],
                 k: int = 10) -> dict[str, float]:
    """Mean nDCG@k, Recall@k and MRR over the queries that have at least one relevant document.

    A query with relevant labels but missing from the run counts as a zero, so a system cannot look
    better by skipping hard queries.
    """
    qids = [q for q, g in qrels.items() if any(v >= 1 for v in g.values())]
    if not qids:
        return {f"ndcg@{k}": 0.0, f"recall@{k}": 0.0, "mrr": 0.0}
    totals = [0.0, 0.0, 0.0]
    for q in qids:
        ranked, gains = run.get(q, []), qrels[q]
        totals[0] += ndcg_at_k(ranked, gains, k)
        totals[1] += recall_at_k(ranked, gains, k)
        totals[2] += mrr(ranked, gains)
    n = len(qids)
    return {f"ndcg@{k}": totals[0] / n, f"recall@{k}": totals[1] / n, "mrr": totals[2] / n}


def _dedup(ranked_ids: Sequence[Id]) -> list[Id]:
    # A document listed twice must not collect its gain twice.
    seen: set[Id] = set()
    return [d for d in ranked_ids if not (d in seen or seen.add(d))]

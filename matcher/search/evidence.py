"""Bounded lifts from evidence beside the texts: verified organisation tags and past cases. Pure functions.

Both take plain data the caller reads from the store, so search never reads workflow tables itself.

- Tags: a candidate whose organisation holds a verified tag is lifted by tag_lift_max × the weight of its
  best tag's level (national 1.0, provincial 0.6, municipal 0.3). With the default 0.05 that is at most +5%.
- Cases: a supplier that solved a similar scenario (a case in the library) is lifted by case_lift_max × the
  case's similarity to the query. With the default 0.08 and a similarity of 0.5 that is +4%.
Lifts multiply the score (see ranking.Lift), so they reorder near-equal candidates and never create a match.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from matcher.domain.organisations import LEVEL_ZH, TAG_EN, TAG_ZH, TagKind, TagLevel
from matcher.search.ranking import Lift

LEVEL_WEIGHT = {TagLevel.NATIONAL: 1.0, TagLevel.PROVINCIAL: 0.6, TagLevel.MUNICIPAL: 0.3}


def tag_lifts(tags_by_record: Mapping[str, Iterable[tuple[str, str, int]]], max_lift: float) -> dict[str, list[Lift]]:
    """record id -> [Lift] for its organisation's best verified tag. max_lift 0 turns the signal off."""
    if max_lift <= 0:
        return {}
    out = {}
    for rid, tags in tags_by_record.items():
        best = max(tags, key=lambda t: (LEVEL_WEIGHT[TagLevel(t[1])], t[2]), default=None)
        if best is None:
            continue
        kind, level, year = TagKind(best[0]), TagLevel(best[1]), best[2]
        amount = round(max_lift * LEVEL_WEIGHT[level], 4)
        out[rid] = [Lift("tag", amount,
                         f"Verified {level.value} {TAG_EN[kind]} ({year}): +{amount:.1%}",
                         f"已核验{LEVEL_ZH[level]}{TAG_ZH[kind]}（{year}）：+{amount:.1%}")]
    return out


def case_lifts(similar: Iterable[tuple[str, float]], records_by_case: Mapping[str, Iterable[str]],
               max_lift: float) -> dict[str, list[Lift]]:
    """record id -> [Lift] when the record's organisation supplied a similar past case (the most similar
    one counts). similar: (case id, similarity in [0, 1]); records_by_case: case id -> supplier's records."""
    if max_lift <= 0:
        return {}
    out: dict[str, list[Lift]] = {}
    for case_id, score in sorted(similar, key=lambda cs: -cs[1]):
        amount = round(max_lift * max(0.0, min(1.0, score)), 4)
        for rid in records_by_case.get(case_id, ()):
            if rid not in out and amount > 0:
                out[rid] = [Lift("case", amount,
                                 f"Solved a similar scenario: case {case_id} (similarity {score:.2f}): +{amount:.1%}",
                                 f"解决过相似场景：案例 {case_id}（相似度 {score:.2f}）：+{amount:.1%}")]
    return out


def merge(*sources: Mapping[str, list[Lift]]) -> dict[str, list[Lift]]:
    out: dict[str, list[Lift]] = {}
    for src in sources:
        for rid, lifts in src.items():
            out.setdefault(rid, []).extend(lifts)
    return out

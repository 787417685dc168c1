"""Ranking: fuse text channels with structured signals, apply requested filters, explain each suggestion.

Pure functions over arrays and record dicts: testable without a model or a database.
"""
from __future__ import annotations

import heapq
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np

from matcher.search import fusion, signals
from matcher.domain.indicators import MET, UNMET, check_all
from matcher.domain.records import MATURITY_ZH, Maturity, Side, detect_language, record_text
from matcher.domain.taxonomy import load_taxonomy
from matcher.search.encoders.base import Calibration


@dataclass(frozen=True)
class Reason:
    code: str
    en: str
    zh: str

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Lift:
    """Evidence outside the two texts that raises a candidate's score by a bounded relative amount.

    The caller computes lifts from plain data (verified organisation tags, past cases) and passes them in;
    ranking applies them as score × (1 + amount), so a text-irrelevant record (score 0) is never lifted."""
    code: str
    amount: float
    en: str
    zh: str


# The sum of all lifts on one candidate never exceeds this (each source has its own smaller cap).
MAX_TOTAL_LIFT = 0.15
# Final scores are rounded to 6 decimals: a bound this far below the k-th best can still not tie with it.
SCORE_SLACK = 1e-6


@dataclass(frozen=True)
class Suggestion:
    scenario_id: str | None      # None when the query is free text on the demand side
    offering_id: str | None
    score: float
    channels: dict[str, float]
    matched_terms: list[str] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    # the scenario's indicators checked against the offering, in the scenario's order:
    # [{"indicator": "...", "status": "met|unmet|unknown", "evidence": "..." or None}]
    indicators: list[dict] = field(default_factory=list)

    def counterpart_id(self, query_side: Side) -> str | None:
        return self.offering_id if query_side == Side.DEMAND else self.scenario_id

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Filters:
    """Hard filters, applied only when the user asks for them."""
    industry: str | None = None
    region: str | None = None
    min_maturity: str | None = None
    min_score: float = 0.0
    only_ids: frozenset[str] | None = None   # e.g. records of organisations holding a verified tag

    def keep(self, cand: dict, score: float) -> bool:
        if score < self.min_score:
            return False
        if self.only_ids is not None and cand["id"] not in self.only_ids:
            return False
        if self.industry and cand.get("industry") != self.industry:
            return False
        if self.region and signals.region_fit(self.region, cand.get("region")) < 0.8:
            return False
        if self.min_maturity and signals.maturity_fit(cand.get("maturity"), self.min_maturity) < 1.0:
            return False
        return True


def same_organisation(a: dict, b: dict) -> bool:
    """Records of one organisation: the same owning account, or the same organisation name (case, width and
    spacing ignored). An organisation is never offered its own records as counterparts."""
    if a.get("owner_id") is not None and a.get("owner_id") == b.get("owner_id"):
        return True
    name_a = organisation_key(a.get("organization"))
    return bool(name_a) and name_a == organisation_key(b.get("organization"))


@lru_cache(maxsize=65536)   # every match compares the query's organisation with ~150 candidates' names
def organisation_key(name: str | None) -> str:
    """An organisation name with case, width and spacing ignored."""
    return unicodedata.normalize("NFKC", "".join(str(name or "").split())).casefold()


def stated_industry(record: dict) -> str | None:
    """The industry the submitter chose. An inferred one is a guess from the same text the text channels
    already score, so counting it again would double-count that evidence."""
    return None if record.get("industry_inferred") else record.get("industry")


def structured_signals(query: dict, cand: dict, query_side: Side,
                       params: dict[str, float] | None = None) -> dict[str, float]:
    offering, scenario = (cand, query) if query_side == Side.DEMAND else (query, cand)
    step = (params or signals.DEFAULT_PARAMS)["maturity_step"]
    return {
        "industry": signals.industry_fit(stated_industry(query), stated_industry(cand)),
        "region": signals.region_fit(query.get("region"), cand.get("region")),
        "maturity": signals.maturity_fit(offering.get("maturity"), scenario.get("required_maturity"), step),
    }


def broken_requirements(query: dict, cand: dict, query_side: Side, fits: dict[str, float],
                        params: dict[str, float]) -> list[str]:
    """The learned industry requirements (signals.violated) the pair breaks; none on today's defaults."""
    offering, scenario = (cand, query) if query_side == Side.DEMAND else (query, cand)
    have, need = signals.maturity_ranks(offering.get("maturity"), scenario.get("required_maturity"))
    return signals.violated(have, need, fits, params)


def gate_reason(broken: list[str], params: dict[str, float], value: float) -> Reason:
    """Why a learned gate lowered the score, in the users' words."""
    floor = int(round(params["maturity_floor"]))
    en_parts, zh_parts = [], []
    if "maturity" in broken:
        if floor:
            stage = list(Maturity)[floor]
            en_parts.append(f"below {stage.replace('_', ' ')} maturity or the need")
            zh_parts.append(f"成熟度低于{MATURITY_ZH[stage]}或低于要求")
        else:
            en_parts.append("below the maturity needed")
            zh_parts.append("成熟度低于要求")
    if "region" in broken:
        district = params["region_need"] >= 1.0
        en_parts.append("from another district" if district else "from another city")
        zh_parts.append("来自其他区县" if district else "来自其他城市")
    if "industry" in broken:
        en_parts.append("from another industry")
        zh_parts.append("来自其他行业")
    return Reason("learned_gate", f"Officials of this industry reject offerings {' and '.join(en_parts)}: "
                                  f"score ×{value:.2f} (learned from their decisions)",
                  f"本行业主管部门通常否决{'且'.join(zh_parts)}的成果：分数 ×{value:.2f}（从审核决定中学习）")


def scenario_industry(query: dict, cand: dict, query_side: Side) -> str | None:
    return (query if query_side == Side.DEMAND else cand).get("industry")


def indicator_checks(query: dict, cand: dict, query_side: Side) -> list[dict]:
    """The scenario's indicators checked against the offering's text (either side may be the query)."""
    offering, scenario = (cand, query) if query_side == Side.DEMAND else (query, cand)
    if not scenario.get("indicators"):
        return []
    return [c.to_dict() for c in check_all(scenario["indicators"], record_text(offering))]


def indicator_reason(checks: list[dict]) -> Reason | None:
    if not checks:
        return None
    met = sum(c["status"] == MET for c in checks)
    unmet = sum(c["status"] == UNMET for c in checks)
    unknown = len(checks) - met - unmet
    return Reason("indicators", f"Indicators: {met} met, {unmet} not met, {unknown} not stated",
                  f"指标：{met} 项满足，{unmet} 项未满足，{unknown} 项未说明")


# (same industry, either side's industry inferred) -> reason code and its label in en and zh
INDUSTRY_REASONS = {
    (True, False): ("industry", "Same industry", "同属行业"),
    (False, False): ("industry_cross", "Cross-industry", "跨行业"),
    (True, True): ("industry_inferred", "Probably the same industry (inferred from the text)", "可能同属行业（由文本推断）"),
    (False, True): ("industry_inferred", "Probably cross-industry (inferred from the text)", "可能跨行业（由文本推断）"),
}


def explain(query: dict, cand: dict, chans: dict[str, float], terms: list[str], query_side: Side) -> list[Reason]:
    """Short bilingual reasons, strongest evidence first."""
    tax = load_taxonomy()
    if chans["dense_weight"] > 0:
        out = [Reason("text", f"Text relevance {chans['text']:.2f} (meaning {chans['dense']:.2f}, "
                              f"words {chans['lexical']:.2f})",
                      f"文本相关度 {chans['text']:.2f}（语义 {chans['dense']:.2f}，词语 {chans['lexical']:.2f}）")]
    else:  # the model cannot read this pair (e.g. Chinese with the default model): words alone decide
        # (said in users' words: which model reads what is an internal matter, not a reason to show)
        out = [Reason("text", f"Text relevance {chans['text']:.2f} (shared wording)",
                      f"文本相关度 {chans['text']:.2f}（按共同用词）")]
    if chans.get("cross_language"):
        out.append(Reason("cross_language", "Matched across languages (Chinese ↔ English) by meaning",
                          "跨语言匹配（中文 ↔ 英文），按语义"))
    if terms:
        shown = ", ".join(terms[:8])
        out.append(Reason("terms", f"Shared terms: {shown}", f"共同词语：{shown}"))
    qi, ci = query.get("industry"), cand.get("industry")
    if qi and ci and qi in tax.industries and ci in tax.industries:
        a, b = tax.industries[qi], tax.industries[ci]
        # A guessed industry is not scored (stated_industry), so its reason says it is a guess: beside an
        # "industry fit: unknown" a plain "same industry" would contradict the score.
        guessed = bool(query.get("industry_inferred") or cand.get("industry_inferred"))
        code, en_label, zh_label = INDUSTRY_REASONS[(qi == ci, guessed)]
        en_what, zh_what = ((a.name_en, a.name_zh) if qi == ci
                            else (f"{b.name_en} for {a.name_en}", f"{b.name_zh} 服务于 {a.name_zh}"))
        out.append(Reason(code, f"{en_label}: {en_what}", f"{zh_label}：{zh_what}"))
    if chans["region"] >= 1.0:
        out.append(Reason("region", f"Same district: {cand.get('region')}", f"同一区县：{cand.get('region')}"))
    elif chans["region"] >= 0.8:
        out.append(Reason("region_city", f"Same city: {cand.get('region')}", f"同一城市：{cand.get('region')}"))
    if query_side == Side.DEMAND or query.get("required_maturity"):
        offering, scenario = (cand, query) if query_side == Side.DEMAND else (query, cand)
        have, need = offering.get("maturity"), scenario.get("required_maturity") or Maturity.PILOT
        if have:
            en_have, zh_have = have.replace("_", " "), MATURITY_ZH[Maturity(have)]
            en_need, zh_need = need.replace("_", " "), MATURITY_ZH[Maturity(need)]
            out.append(Reason("maturity", f"Maturity {en_have} meets the need ({en_need})",
                              f"成熟度{zh_have}满足要求（{zh_need}）") if chans["maturity"] >= 1.0 else
                       Reason("maturity_low", f"Maturity {en_have} is below the need ({en_need})",
                              f"成熟度{zh_have}低于要求（{zh_need}）"))
    return out


def language_of(record: dict) -> str:
    return record.get("language") or detect_language(record_text(record))


def language_pairs(query: dict, candidates: list[dict]) -> list[str]:
    """zh, en or cross per candidate: the key of the dense weight in the model's calibration."""
    q = language_of(query)
    return [fusion.language_pair(q, language_of(c)) for c in candidates]


def rank_candidates(query: dict, query_side: Side, candidates: list[dict], dense: np.ndarray,
                    lexical: np.ndarray, query_coverage: float, doc_coverage: np.ndarray,
                    matched_terms: Sequence[list[str]] | Callable[[int], list[str]], k: int = 10,
                    filters: Filters | None = None, lexical_ref: float | None = None,
                    calibration: Calibration | None = None,
                    lifts: Mapping[str, Sequence[Lift]] | None = None,
                    learned: dict[str, dict[str, float]] | None = None) -> list[Suggestion]:
    """Score every candidate (the counterpart side), keep the top k that pass the filters.

    Args:
        query: the query record's fields (free-text queries pass only what they know).
        candidates: counterpart records, aligned with dense/lexical/doc_coverage/matched_terms.
        matched_terms: per candidate, or a function of the candidate's position (called for the top k only).
        dense: cosine similarities; lexical: raw BM25 scores.
        lexical_ref: the query's BM25 score against itself, so lexical 1.0 means "says all the query says".
        calibration: the encoder profile's calibration (cosine floor, dense weight per language pair).
        lifts: candidate id -> bounded lifts (see Lift); their sum is capped at MAX_TOTAL_LIFT.
        learned: per scenario industry, structured-signal parameters learned from officials' decisions
            (plain data; see signals.params_for). None or missing industries: today's fixed weights.
    """
    if not candidates:
        return []
    cal = calibration or Calibration()
    pairs = language_pairs(query, candidates)
    w_max = np.array([cal.weight_for(p) for p in pairs])
    text = fusion.fuse(dense, lexical, query_coverage, doc_coverage, lexical_ref=lexical_ref, w_max=w_max,
                       floor=cal.coverage_floor, dense_floor=cal.cosine_floor, full=cal.coverage_full)
    lex_norm = fusion.normalise_lexical(lexical, lexical_ref)
    filters = filters or Filters()
    # Ties (common when only words count) go to the stronger word evidence, then to the dense evidence as
    # far as the model can read the pair (none for Chinese with the default model), then a stable id.
    weight = np.broadcast_to(fusion.dense_weight(query_coverage, doc_coverage, w_max, cal.coverage_floor,
                                                 cal.coverage_full), np.shape(dense))
    readable_dense = weight * np.asarray(dense)
    order = lambda t: (-t[0], -float(lexical[t[1]]), -float(readable_dense[t[1]]),  # noqa: E731
                       candidates[t[1]]["id"])
    params_of: dict[str | None, dict[str, float]] = {}   # per scenario industry: a few per query, ~150 candidates
    industries = [scenario_industry(query, cand, query_side) for cand in candidates]
    for industry in set(industries):
        params_of[industry] = signals.params_for(industry, learned)
    lift_of = {rid: round(min(MAX_TOTAL_LIFT, sum(x.amount for x in mine)), 4)
               for rid, mine in (lifts or {}).items() if mine}
    # The most a candidate can score: its text score under its industry fit (one comparison), the most
    # favourable region and maturity fits, and its lifts (gates and indicator checks only lower a score).
    # Walking down this bound, we stop once it falls below the k-th best final score: nothing further can
    # reach the top k, so only some of ~150 candidates get their signals, gates and indicator checks
    # computed, and the top k is exactly the full pass's.
    q_industry = stated_industry(query)
    best = {ind: signals.factor(signals.BEST, p) for ind, p in params_of.items()}
    bound = np.minimum(1.0, np.asarray(text) * np.array([   # the factor is linear in the industry fit
        (best[ind] - params_of[ind]["industry"] * (1.0 - signals.industry_fit(q_industry, stated_industry(c))))
        * (1.0 + lift_of.get(c["id"], 0.0)) for ind, c in zip(industries, candidates)]))
    gates: dict[int, tuple[list[str], dict[str, float], float]] = {}
    checked: list[tuple[float, int, dict, list[dict]]] = []
    kth: list[float] = []   # min-heap of the k best final scores so far
    for i in np.argsort(-bound, kind="stable").tolist():
        if len(kth) >= k and bound[i] + SCORE_SLACK < kth[0]:
            break
        cand, params = candidates[i], params_of[industries[i]]
        sig = structured_signals(query, cand, query_side, params)
        score = signals.combine(float(text[i]), sig, params)
        if broken := broken_requirements(query, cand, query_side, sig, params):   # learned gates (cold start: none)
            gates[i] = (broken, params, signals.gate(broken, params))
            sig = {**sig, "gate": round(gates[i][2], 4)}
            score *= gates[i][2]
        if cand["id"] in lift_of:
            sig = {**sig, "lift": lift_of[cand["id"]]}
            score = min(1.0, score * (1.0 + sig["lift"]))
        if not filters.keep(cand, score) or (len(kth) >= k and score + SCORE_SLACK < kth[0]):
            continue
        checks = indicator_checks(query, cand, query_side)
        unmet = sum(c["status"] == UNMET for c in checks)
        final = round(score * signals.indicator_factor(unmet), 6)
        checked.append((final, i, sig, checks))
        if len(kth) < k:
            heapq.heappush(kth, final)
        elif final > kth[0]:
            heapq.heapreplace(kth, final)
    checked.sort(key=lambda t: order(t[:2]))
    terms_of = matched_terms if callable(matched_terms) else matched_terms.__getitem__
    out = []
    for score, i, sig, checks in checked[:k]:
        cand = candidates[i]
        met = sum(c["status"] == MET for c in checks)
        unmet = sum(c["status"] == UNMET for c in checks)
        chans = {"text": round(float(text[i]), 4), "dense": round(float(dense[i]), 4),
                 "dense_weight": round(float(weight[i]), 3),
                 "lexical": round(float(lex_norm[i]), 4), "bm25": round(float(lexical[i]), 4),
                 "cross_language": pairs[i] == "cross",
                 **{key: round(v, 3) for key, v in sig.items()},
                 "indicators_total": len(checks), "indicators_met": met, "indicators_unmet": unmet,
                 "indicator_factor": round(signals.indicator_factor(unmet), 3)}
        ids = (query.get("id"), cand["id"]) if query_side == Side.DEMAND else (cand["id"], query.get("id"))
        terms = terms_of(i)
        reasons = explain(query, cand, chans, terms, query_side)
        if (extra := indicator_reason(checks)) is not None:
            reasons.append(extra)
        if i in gates:
            reasons.append(gate_reason(*gates[i]))
        reasons += [Reason(x.code, x.en, x.zh) for x in (lifts or {}).get(cand["id"], ()) if "lift" in sig]
        out.append(Suggestion(ids[0], ids[1], round(score, 4), chans, terms, reasons, checks))
    return out

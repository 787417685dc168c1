"""Learning from officials' decisions: reason codes become per-industry structured-signal parameters.

Two kinds of parameter move, each only in an industry with at least `min_decisions` decisions (today's ranking
until then, and after a rollback):
- soft weights: rejections with `maturity_too_low` whose maturity fit is lower than that of rejections for other
  reasons raise the maturity weight and strictness (the penalty per missing stage); `region` raises the region
  weight, `wrong_industry` the industry penalty; approvals naming the reason ("approved although another region")
  and worse on its signal lower that weight. One-sided Mann-Whitney (scipy, permutation p) at ALPHA, Bonferroni
  over the signals and over the industries the run tests (a run over 14 industries must not move one by chance);
  bounds signals.LEARNED_BOUNDS (weights half to double today's, strictness 0.4-1.0 per missing stage);
- gates, for a reason used as a hard requirement ("hospitals: nothing below small batch"): when the rejections
  naming it break one requirement far more often than the other rejections (one-sided Fisher exact test,
  Bonferroni over the candidate requirements and the industries), the industry learns that requirement (for
  maturity an industry floor: the scenario's own need, or at least pilot / small batch / mass production; for
  region: the same city or the same district) and a gate: offerings breaking it have their score multiplied by
  1.0 down to signals.GATE_MIN = 0.5 (all gates together never below 0.5, never a lift). The depth follows the
  difference in the shares breaking it (GATE_FULL_EFFECT for the full depth) and shrinks with approvals that name
  the reason on pairs breaking it. Unknown facts (no maturity, region or industry stated) never break a gate.
Reasons attached at random (shuffled) differ on nothing, so nothing moves; the outcomes alone never move anything.
Parameters are recomputed from today's defaults each time. Every change is a new audited version (who, which
decisions, before and after) that admins can freeze (no further learning) or roll back; the ranking reads the
versions in force (`current`) through Engine.learned.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from scipy.stats import PermutationMethod, fisher_exact, mannwhitneyu
from sqlalchemy import func, select

from matcher.domain.records import PairingStatus as P
from matcher.domain.records import Maturity, ReasonCode, Side
from matcher.search import signals
from matcher.search.ranking import structured_signals
from matcher.storage.schema import LearnedWeights, OfferingRow, Pairing, ScenarioRow
from matcher.storage.store import Store, row_to_dict

ALPHA = 0.01
MIN_PER_GROUP = 5           # decisions on each side of a comparison
FULL_EFFECT = 0.4           # a mean-fit difference this large moves a weight to its bound
# the smallest permutation p is 1/5000: with Bonferroni over 3 signals and the industries, soft weights can move
# while a run tests up to 16 industries (the taxonomy has 14; gates use Fisher's exact p, with no such floor)
PERMUTATION = PermutationMethod(n_resamples=4999, random_state=0)
GATE_FULL_EFFECT = 0.5      # a difference this large in the share breaking a requirement: gate at GATE_MIN
SIGNAL_REASONS = {"maturity": ReasonCode.MATURITY_TOO_LOW.value, "region": ReasonCode.REGION.value,
                  "industry": ReasonCode.WRONG_INDUSTRY.value}
APPROVED = {P.APPROVED, P.CONTACTED, P.PILOTING, P.DEPLOYED}


class LearningError(ValueError):
    def __init__(self, en: str, zh: str):
        self.en, self.zh = en, zh
        super().__init__(en)

    def message(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Decision:
    pairing_id: int
    industry: str | None
    approved: bool
    reason: str | None
    fits: dict[str, float]     # structured signals under today's parameters
    have: int | None = None    # the offering's maturity stage (None: not stated)
    need: int = 1              # the stage the scenario needs (pilot when it says nothing)


@dataclass
class Proposal:
    industry: str
    before: dict[str, float]
    after: dict[str, float]
    decision_ids: list[int]
    evidence: dict[str, dict] = field(default_factory=dict)


def _compare(a: list[float], b: list[float]) -> tuple[float, float] | None:
    """(mean(b) - mean(a), one-sided p that a is lower), or None with too few decisions."""
    if len(a) < MIN_PER_GROUP or len(b) < MIN_PER_GROUP:
        return None
    effect = sum(b) / len(b) - sum(a) / len(a)
    if effect <= 0:
        return effect, 1.0
    # a permutation null (fixed seed: the same decisions always give the same answer): fits take few distinct
    # values, and the normal approximation with that many ties is too ready to call chance a difference
    return effect, float(mannwhitneyu(a, b, alternative="less", method=PERMUTATION).pvalue)


def learn_params(decisions: list[Decision], industries: int = 1) -> tuple[dict[str, float], dict[str, dict]]:
    """One industry's parameters from its decisions, starting from today's defaults. `industries`: how many
    industries this learning run tests (Bonferroni: a run over many industries must not move one by chance)."""
    params, evidence = dict(signals.DEFAULT_PARAMS), {}
    lo_hi = signals.LEARNED_BOUNDS
    for sig, reason in SIGNAL_REASONS.items():
        default = signals.DEFAULT_PARAMS[sig]
        notes: dict = {"reason": reason}
        for kind, approved in (("rejected", False), ("approved", True)):
            group = [d for d in decisions if d.approved == approved]
            named = [d.fits[sig] for d in group if d.reason == reason]
            other = [d.fits[sig] for d in group if d.reason != reason]
            result = _compare(named, other)
            notes[kind] = {"named": len(named), "other": len(other),
                           **({"effect": round(result[0], 4), "p": round(result[1], 6)} if result else {})}
            if result is None or result[1] * len(SIGNAL_REASONS) * industries >= ALPHA:   # Bonferroni
                continue
            strength = min(1.0, result[0] / FULL_EFFECT)
            if not approved:   # rejected for this reason and worse on it: the signal matters more here
                params[sig] = default + strength * (lo_hi[sig][1] - default)
                if sig == "maturity":
                    step = signals.DEFAULT_PARAMS["maturity_step"]
                    params["maturity_step"] = step + strength * (lo_hi["maturity_step"][1] - step)
            else:              # approved although worse on it: the signal matters less here
                params[sig] = default - strength * (default - lo_hi[sig][0])
        change, notes["gate"] = learn_gate(decisions, sig, industries)
        params.update(change)
        evidence[sig] = notes
    return {k: round(v, 4) for k, v in params.items()}, evidence


def _gate_options(sig: str) -> list[dict[str, float]]:
    """The requirements a gate may learn for a signal, least strict first (ties go to the least strict)."""
    if sig == "maturity":   # the scenario's own need, or an industry floor of pilot / small batch / mass production
        return [{"maturity_floor": float(f)} for f in range(len(Maturity))]
    if sig == "region":     # another city, or another district
        return [{"region_need": 0.8}, {"region_need": 1.0}]
    return [{}]


def _breaks(d: Decision, sig: str, option: dict[str, float]) -> bool:
    params = {**signals.DEFAULT_PARAMS, **option, f"{sig}_gate": signals.GATE_MIN}
    return sig in signals.violated(d.have, d.need, d.fits, params)


def learn_gate(decisions: list[Decision], sig: str, industries: int = 1) -> tuple[dict[str, float], dict]:
    """A hard requirement behind a reason code: the rejections naming it break one requirement (for maturity
    an industry floor, for region a district or city scope) far more often than the other rejections do
    (one-sided Fisher exact test, Bonferroni over the options and the run's industries, at ALPHA). The gate's
    depth follows the difference in those shares, and approvals naming the same reason on pairs breaking it
    weaken it.
    Returns the parameters to change (none when nothing is shown) and the evidence."""
    reason = SIGNAL_REASONS[sig]
    rejected = [d for d in decisions if not d.approved]
    named = [d for d in rejected if d.reason == reason]
    other = [d for d in rejected if d.reason != reason]
    waived = [d for d in decisions if d.approved and d.reason == reason]
    notes: dict = {"reason": reason, "named": len(named), "other": len(other)}
    if len(named) < MIN_PER_GROUP or len(other) < MIN_PER_GROUP:
        return {}, notes
    options = _gate_options(sig)
    best = None
    for option in options:
        a = sum(_breaks(d, sig, option) for d in named)
        b = sum(_breaks(d, sig, option) for d in other)
        p = float(fisher_exact([[a, len(named) - a], [b, len(other) - b]], alternative="greater")[1])
        if best is None or p < best[0] * (1 - 1e-9):   # relative: p-values of large sets are tiny
            best = (p, option, a / len(named) - b / len(other), a)
    p, option, effect, broke = best
    notes.update({"p": round(p, 6), "effect": round(effect, 4), **option})
    if p * len(options) * industries >= ALPHA or effect <= 0:
        return {}, notes
    kept = broke / (broke + sum(_breaks(d, sig, option) for d in waived))
    depth = min(1.0, effect / GATE_FULL_EFFECT) * kept
    notes["waived"] = len(waived)
    return {**option, f"{sig}_gate": 1.0 - depth * (1.0 - signals.GATE_MIN)}, notes


def propose(decisions: list[Decision], current: dict[str, dict[str, float]], min_decisions: int,
            frozen: set[str] = frozenset()) -> list[Proposal]:
    """Changes for every industry with at least min_decisions decisions whose learned parameters differ from
    the ones in force. Frozen industries are left alone."""
    by_industry: dict[str, list[Decision]] = {}
    for d in decisions:
        if d.industry:
            by_industry.setdefault(d.industry, []).append(d)
    # every industry with enough evidence is tested (frozen ones too, so freezing one does not loosen the rest)
    tested = sum(len(group) >= min_decisions for group in by_industry.values())
    out = []
    for industry, group in sorted(by_industry.items()):
        if industry in frozen or len(group) < min_decisions:
            continue
        after, evidence = learn_params(group, tested)
        before = signals.params_for(industry, current)
        if any(abs(after[k] - before[k]) > 1e-4 for k in after):
            out.append(Proposal(industry, before, after, sorted(d.pairing_id for d in group), evidence))
    return out


# --- the store: decisions in, audited versions out ------------------------------------------------------

def decisions(store: Store) -> list[Decision]:
    """Every decided pairing (approved onwards, or rejected), with its scenario's industry and signals."""
    decided = [s.value for s in APPROVED | {P.REJECTED}]
    stmt = (select(Pairing, ScenarioRow, OfferingRow).join(ScenarioRow, ScenarioRow.id == Pairing.scenario_id)
            .join(OfferingRow, OfferingRow.id == Pairing.offering_id).where(Pairing.status.in_(decided)))
    out = []
    with store.read() as s:
        for pairing, scen, off in s.execute(stmt):
            fits = structured_signals(row_to_dict(scen), row_to_dict(off), Side.DEMAND, signals.DEFAULT_PARAMS)
            have, need = signals.maturity_ranks(off.maturity, scen.required_maturity)
            out.append(Decision(pairing.id, scen.industry, P(pairing.status) in APPROVED, pairing.reason_code, fits,
                                have, need))
    return out


def _newest(s, industry: str) -> LearnedWeights | None:
    return s.scalar(select(LearnedWeights).where(LearnedWeights.industry == industry)
                    .order_by(LearnedWeights.version.desc()).limit(1))


def current(store: Store) -> dict[str, dict[str, float]]:
    """The parameters in force per industry (the newest version of each); plain data for the ranking."""
    with store.read() as s:
        newest = select(LearnedWeights.industry, func.max(LearnedWeights.version)).group_by(LearnedWeights.industry)
        pairs = set(s.execute(newest).all())
        rows = [r for r in s.scalars(select(LearnedWeights)) if (r.industry, r.version) in pairs]
        return {r.industry: dict(r.params) for r in rows}


def frozen(store: Store) -> set[str]:
    with store.read() as s:
        return {i for i in s.scalars(select(LearnedWeights.industry).distinct())
                if (row := _newest(s, i)) is not None and row.frozen}


def _add_version(store: Store, s, industry: str, params: dict, before: dict, action: str, actor: str,
                 decision_ids: list[int], evidence: dict, is_frozen: bool = False) -> LearnedWeights:
    last = _newest(s, industry)
    row = LearnedWeights(industry=industry, version=(last.version + 1) if last else 1, params=params,
                         before=before, action=action, decision_ids=decision_ids, evidence=evidence,
                         frozen=is_frozen, actor=actor)
    s.add(row)
    store.audit(s, actor, "learning", industry, f"weights_{action}", note=json.dumps(
        {"version": row.version, "before": before, "after": params, "decisions": len(decision_ids),
         "decision_ids": decision_ids[:200]}, ensure_ascii=False))
    return row


def learn(store: Store, actor: str, min_decisions: int) -> list[Proposal]:
    """Learn from every decision so far and store each industry's change as a new audited version."""
    proposals = propose(decisions(store), current(store), min_decisions, frozen(store))
    with store.write() as s:
        for p in proposals:
            _add_version(store, s, p.industry, p.after, p.before, "learn", actor, p.decision_ids, p.evidence)
    return proposals


def set_frozen(store: Store, industry: str, is_frozen: bool, actor: str) -> None:
    """Freeze (no further learning) or unfreeze an industry's parameters; audited."""
    with store.write() as s:
        row = _newest(s, industry)
        if row is None:   # freezing today's defaults before anything was learned
            params = signals.params_for(industry, None)
            _add_version(store, s, industry, params, params, "freeze", actor, [], {}, is_frozen)
            return
        row.frozen = is_frozen
        store.audit(s, actor, "learning", industry, "weights_freeze" if is_frozen else "weights_unfreeze",
                    note=json.dumps({"version": row.version}))


def rollback(store: Store, industry: str, actor: str) -> dict[str, float]:
    """Put the parameters in force before the newest version back, as a new audited version (kept frozen
    if the industry was frozen). Returns the parameters now in force."""
    with store.write() as s:
        row = _newest(s, industry)
        if row is None or row.action == "freeze" and row.before == row.params:
            raise LearningError(f"Nothing learned for {industry} to roll back",
                                f"行业 {industry} 没有可回退的学习结果")
        restored = dict(row.before)
        _add_version(store, s, industry, restored, dict(row.params), "rollback", actor, [], {}, row.frozen)
    return restored


def versions(store: Store) -> list[dict]:
    """Every version, newest first, for the admins' review."""
    with store.read() as s:
        return [row_to_dict(r) for r in s.scalars(select(LearnedWeights).order_by(
            LearnedWeights.created_at.desc(), LearnedWeights.id.desc()))]

"""Learning from officials' decisions: reason codes become per-industry structured-signal parameters.

A signal moves only when the decisions that name its reason code differ on that signal from the other
decisions of the same kind, in one industry with enough decisions:
- rejections with `maturity_too_low` whose maturity fit is lower than that of rejections for other reasons
  raise the maturity weight and strictness (the penalty per missing stage); `region` raises the region weight,
  `wrong_industry` the industry penalty;
- approvals that name the reason ("approved although another region") and are worse on its signal than the
  other approvals lower that weight.
The test is one-sided Mann-Whitney (scipy) at ALPHA; the size of the move follows the difference in mean fit
and stays within signals.LEARNED_BOUNDS. Reasons attached at random (shuffled) differ on nothing, so nothing
moves. Parameters are recomputed from today's defaults each time (cold start = today's ranking). Every change
is a new audited version that admins can freeze (no further learning) or roll back.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from scipy.stats import mannwhitneyu
from sqlalchemy import func, select

from matcher.domain.records import PairingStatus as P
from matcher.domain.records import ReasonCode, Side
from matcher.search import signals
from matcher.search.ranking import structured_signals
from matcher.storage.schema import LearnedWeights, OfferingRow, Pairing, ScenarioRow
from matcher.storage.store import Store, row_to_dict

ALPHA = 0.01
MIN_PER_GROUP = 5           # decisions on each side of a comparison
FULL_EFFECT = 0.4           # a mean-fit difference this large moves a weight to its bound
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
    return effect, float(mannwhitneyu(a, b, alternative="less").pvalue)


def learn_params(decisions: list[Decision]) -> tuple[dict[str, float], dict[str, dict]]:
    """One industry's parameters from its decisions, starting from today's defaults."""
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
            if result is None or result[1] >= ALPHA:
                continue
            strength = min(1.0, result[0] / FULL_EFFECT)
            if not approved:   # rejected for this reason and worse on it: the signal matters more here
                params[sig] = default + strength * (lo_hi[sig][1] - default)
                if sig == "maturity":
                    step = signals.DEFAULT_PARAMS["maturity_step"]
                    params["maturity_step"] = step + strength * (lo_hi["maturity_step"][1] - step)
            else:              # approved although worse on it: the signal matters less here
                params[sig] = default - strength * (default - lo_hi[sig][0])
        evidence[sig] = notes
    return {k: round(v, 4) for k, v in params.items()}, evidence


def propose(decisions: list[Decision], current: dict[str, dict[str, float]], min_decisions: int,
            frozen: set[str] = frozenset()) -> list[Proposal]:
    """Changes for every industry with at least min_decisions decisions whose learned parameters differ from
    the ones in force. Frozen industries are left alone."""
    by_industry: dict[str, list[Decision]] = {}
    for d in decisions:
        if d.industry:
            by_industry.setdefault(d.industry, []).append(d)
    out = []
    for industry, group in sorted(by_industry.items()):
        if industry in frozen or len(group) < min_decisions:
            continue
        after, evidence = learn_params(group)
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
            out.append(Decision(pairing.id, scen.industry, P(pairing.status) in APPROVED, pairing.reason_code, fits))
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

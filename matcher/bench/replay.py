"""Replay benchmark for learning from decisions, on SIMULATED decision histories built from the demo data.

The history is simulated, not recorded: the demo has no officials. Each demo scenario is shown its top
SHOWN offerings under today's ranking (words channel only, as for Chinese text with the default model), and a
simulated official decides each one by a documented planted policy, checked first as a hard rule:
- MATURITY_POLICY industries: an offering below the scenario's required maturity, or below the industry's floor
  (biomedicine, i.e. hospitals, and batteries: nothing below small batch), is rejected with `maturity_too_low`,
  whatever its relevance;
- REGION_POLICY industries (rail transit, traditional upgrade): an offering from another district is rejected
  with `region` (an unstated region is not rejected for it);
- otherwise relevant by the demo labels (qrels relevance >= 1) -> approve, else reject with `not_relevant`;
- NOISE of the decisions are flipped at random (reason `other` when the flip is a rejection).
Decisions get random days; the learner sees the earlier LEARN_SHARE and is measured on the rest: pairwise
accuracy = share of (approved, rejected) pairs of the same scenario where the approved one scores higher,
scored as the live ranking scores (signals.combine, then the learned gates). The oracle applies the planted
policy itself as gates at signals.GATE_MIN: what a learner that knew the policy exactly would reach; `headroom`
is the share of test pairs where a policy rejection outranks an approval under today's weights (the most any
gate can fix). The shuffled control keeps every outcome and permutes the reason codes among each industry's
rejections.
"""
from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np

from matcher.config import DATA_DIR
from matcher.domain.records import MATURITY_RANK, Maturity, Side, record_text
from matcher.search import fusion, signals
from matcher.search.lexical import LexicalIndex
from matcher.search.ranking import broken_requirements, structured_signals
from matcher.workflow.learning import Decision, propose

SHOWN = 10                  # each scenario's top 10, as the app shows them (MATCHER_TOP_K)
NOISE = 0.03
LEARN_SHARE = 0.6
SEEDS = (11, 23, 37, 41, 53)
# industry -> the least maturity its officials accept beyond the scenario's own need (None: the scenario's need)
MATURITY_POLICY = {"biomedicine": "small_batch", "batteries_storage": "small_batch", "semiconductors": None,
                   "power_equipment": None}
REGION_POLICY = {"rail_transit", "traditional_upgrade"}   # suppliers from the scenario's own district only


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [{k: (v or None) for k, v in row.items()} for row in csv.DictReader(f)]


def shown_pairs(demo_dir: Path = DATA_DIR / "demo", shown: int = SHOWN) -> list[dict]:
    """Per scenario, the top `shown` offerings by today's ranking, with text score and records."""
    scenarios, offerings = _read(demo_dir / "scenarios.csv"), _read(demo_dir / "offerings.csv")
    qrels = {(r["scenario_id"], r["offering_id"]): int(r["relevance"]) for r in _read(demo_dir / "qrels.csv")}
    index = LexicalIndex()
    index.add([o["id"] for o in offerings], [record_text(o) for o in offerings])
    by_id = {o["id"]: o for o in offerings}
    pairs = []
    for scen in scenarios:
        text = record_text(scen)
        found = index.search(text, 60)
        ids = [rid for rid, _ in found.top]
        if not ids:
            continue
        raw = found.scores_for(ids)
        scores = fusion.fuse(np.zeros(len(ids)), raw, 0.0, np.zeros(len(ids)), lexical_ref=found.self_score)
        ranked = sorted(zip(ids, scores), key=lambda t: -_score(float(t[1]), scen, by_id[t[0]], None))[:shown]
        for rid, s in ranked:
            pairs.append({"scenario": scen, "offering": by_id[rid], "text": float(s),
                          "relevance": qrels.get((scen["id"], rid), 0)})
    return pairs


def _score(text: float, scen: dict, off: dict, learned: dict | None) -> float:
    """The live ranking's score of a pair (signals.combine, then the learned gates)."""
    params = signals.params_for(scen.get("industry"), learned)
    fits = structured_signals(scen, off, Side.DEMAND, params)
    broken = broken_requirements(scen, off, Side.DEMAND, fits, params)
    return signals.combine(text, fits, params) * signals.gate(broken, params)


def _facts(scen: dict, off: dict) -> tuple[dict[str, float], int | None, int]:
    have, need = signals.maturity_ranks(off.get("maturity"), scen.get("required_maturity"))
    return structured_signals(scen, off, Side.DEMAND, signals.DEFAULT_PARAMS), have, need


def breaks_policy(industry: str | None, fits: dict[str, float], have: int | None, need: int) -> str | None:
    """The planted policy's reason for rejecting a pair, or None when the pair satisfies it."""
    if industry in MATURITY_POLICY and have is not None:
        floor = MATURITY_POLICY[industry]
        if have < max(need, MATURITY_RANK[Maturity(floor)] if floor else 0):
            return "maturity_too_low"
    if industry in REGION_POLICY and fits["region"] not in (signals.NEUTRAL, 1.0):
        return "region"
    return None


def oracle() -> dict[str, dict[str, float]]:
    """The planted policy itself as learned parameters at the deepest gate: the most a learner could reach."""
    out = {i: {"maturity_gate": signals.GATE_MIN, "maturity_floor": float(MATURITY_RANK[Maturity(f)] if f else 0)}
           for i, f in MATURITY_POLICY.items()}
    return {**out, **{i: {"region_gate": signals.GATE_MIN, "region_need": 1.0} for i in REGION_POLICY}}


def simulate(pairs: list[dict], seed: int = 11, noise: float = NOISE) -> list[dict]:
    """The planted-policy history (see the module docstring): one decision per shown pair, with a day."""
    rng = random.Random(seed)
    out = []
    for n, p in enumerate(pairs):
        scen, off = p["scenario"], p["offering"]
        industry = scen.get("industry")
        fits, have, need = _facts(scen, off)
        approved, reason = p["relevance"] >= 1, None if p["relevance"] >= 1 else "not_relevant"
        if (policy := breaks_policy(industry, fits, have, need)) is not None:   # checked first: a hard rule
            approved, reason = False, policy
        if rng.random() < noise:
            approved = not approved
            reason = None if approved else "other"
        out.append({**p, "id": n, "industry": industry, "approved": approved, "reason": reason, "fits": fits,
                    "have": have, "need": need, "day": rng.randrange(90)})
    return out


def shuffled(history: list[dict], seed: int = 12) -> list[dict]:
    """Same outcomes, reason codes permuted among each industry's rejections: reasons carry no information."""
    rng = random.Random(seed)
    out = [dict(h) for h in history]
    by_industry: dict[str, list[dict]] = {}
    for h in out:
        if not h["approved"]:
            by_industry.setdefault(h["industry"], []).append(h)
    for group in by_industry.values():
        reasons = [h["reason"] for h in group]
        rng.shuffle(reasons)
        for h, r in zip(group, reasons):
            h["reason"] = r
    return out


POLICY_REASONS = {"maturity_too_low", "region"}


def pairwise_accuracy(history: list[dict], learned: dict | None, policy_only: bool = False) -> float:
    """Share of (approved, rejected) pairs of one scenario where the approved one scores higher (ties 1/2).
    policy_only: only the rejections the planted policy decided."""
    by_scenario: dict[str, list[tuple[float, dict]]] = {}
    for h in history:
        by_scenario.setdefault(h["scenario"]["id"], []).append(
            (_score(h["text"], h["scenario"], h["offering"], learned), h))
    good = total = 0.0
    for items in by_scenario.values():
        for sa, a in items:
            if not a["approved"]:
                continue
            for sr, r in items:
                if r["approved"] or (policy_only and r["reason"] not in POLICY_REASONS):
                    continue
                total += 1
                good += 1.0 if sa > sr else 0.5 if sa == sr else 0.0
    return good / total if total else float("nan")


def headroom(history: list[dict]) -> float:
    """Share of (approved, rejected) pairs of one scenario where a rejection the planted policy made outranks
    the approval under today's weights: the most that gating those rejections down could fix."""
    by_scenario: dict[str, list[tuple[float, dict]]] = {}
    for h in history:
        score = _score(h["text"], h["scenario"], h["offering"], None)
        by_scenario.setdefault(h["scenario"]["id"], []).append((score, h))
    fixable = total = 0
    for items in by_scenario.values():
        for sa, a in items:
            for sr, r in items if a["approved"] else ():
                if not r["approved"]:
                    total += 1
                    fixable += r["reason"] in POLICY_REASONS and sr >= sa
    return fixable / total if total else float("nan")


def learn_on(history: list[dict], min_decisions: int = 20) -> dict[str, dict[str, float]]:
    decisions = [Decision(h["id"], h["industry"], h["approved"], h["reason"], h["fits"], h["have"], h["need"])
                 for h in history]
    return {p.industry: p.after for p in propose(decisions, {}, min_decisions)}


def replay(history: list[dict], min_decisions: int = 20) -> dict:
    """Learn on the earlier decisions, measure both weightings on the later ones."""
    days = sorted(h["day"] for h in history)
    cut = days[int(LEARN_SHARE * len(days))]
    early, late = [h for h in history if h["day"] < cut], [h for h in history if h["day"] >= cut]
    learned = learn_on(early, min_decisions)
    policy = [h for h in late if h["industry"] in set(MATURITY_POLICY) | REGION_POLICY]
    out = {"learn_decisions": len(early), "test_decisions": len(late), "weights": learned,
           "headroom": round(headroom(late), 4)}
    for name, rows, only in (("all", late, False), ("policy_industries", policy, False),
                             ("policy_decided", late, True)):
        fixed, tuned = pairwise_accuracy(rows, None, only), pairwise_accuracy(rows, learned, only)
        best = pairwise_accuracy(rows, oracle(), only)
        out[name] = {"fixed": round(fixed, 4), "learned": round(tuned, 4), "gain": round(tuned - fixed, 4),
                     "oracle_gain": round(best - fixed, 4)}
    return out


def run(demo_dir: Path = DATA_DIR / "demo", seeds: tuple[int, ...] = SEEDS, shown: int = SHOWN,
        noise: float = NOISE) -> dict:
    pairs = shown_pairs(demo_dir, shown)
    out = {"shown": shown, "noise": noise, "pairs_shown": len(pairs), "seeds": list(seeds),
           "planted": [], "shuffled": []}
    for seed in seeds:
        history = simulate(pairs, seed, noise)
        out["planted"].append(replay(history))
        out["shuffled"].append(replay(shuffled(history, seed + 1)))
    return out


def _moved(weights: dict[str, dict[str, float]]) -> str:
    """The learned changes, compactly: gates with their requirement, then the soft weights that moved."""
    out = []
    for industry, w in sorted(weights.items()):
        parts = []
        if w["maturity_gate"] < 1.0:
            floor = int(round(w["maturity_floor"]))
            parts.append(f"maturity gate ×{w['maturity_gate']:.2f} below "
                         + (f"{list(Maturity)[floor]} or need" if floor else "need"))
        if w["region_gate"] < 1.0:
            parts.append(f"region gate ×{w['region_gate']:.2f} outside "
                         + ("district" if w["region_need"] >= 1.0 else "city"))
        if w["industry_gate"] < 1.0:
            parts.append(f"industry gate ×{w['industry_gate']:.2f}")
        parts += [f"{k} {w[k]}" for k in ("industry", "region", "maturity", "maturity_step")
                  if abs(w[k] - signals.DEFAULT_PARAMS[k]) > 1e-4]
        out.append(f"{industry}: {', '.join(parts)}")
    return "; ".join(out) or "none"


def render(doc: dict, command: str) -> str:
    """The RESULTS.md section for one run."""
    floors = ", ".join(f"{i}: {f or 'scenario need'}" for i, f in sorted(MATURITY_POLICY.items()))
    lines = [f"### Shown top {doc['shown']} per scenario, {doc['noise']:.0%} noise", "",
             f"`{command}` — **simulated histories** (see above). Planted policy: maturity ({floors}); region "
             f"(same district) in {', '.join(sorted(REGION_POLICY))}; {doc['noise']:.0%} of decisions flipped; "
             f"learn on the earliest {LEARN_SHARE:.0%}. Shown pairs: {doc['pairs_shown']}; seeds {doc['seeds']}.", "",
             "| history | seed | learn / test | all: fixed → learned (gain) [oracle gain] | policy industries | "
             "pairs the policy decided | headroom | learned |", "|---|---|---|---|---|---|---|---|"]
    for kind in ("planted", "shuffled"):
        for seed, r in zip(doc["seeds"], doc[kind]):
            cells = [f"{r[k]['fixed']} → {r[k]['learned']} ({r[k]['gain']:+.4f}) [{r[k]['oracle_gain']:+.4f}]"
                     for k in ("all", "policy_industries", "policy_decided")]
            lines.append(f"| {kind} | {seed} | {r['learn_decisions']} / {r['test_decisions']} | "
                         + " | ".join(cells) + f" | {r['headroom']} | {_moved(r['weights'])} |")
    gains = [r["all"]["gain"] for r in doc["planted"]]
    policy = [r["policy_industries"]["gain"] for r in doc["planted"]]
    noise = [r["all"]["gain"] for r in doc["shuffled"]]
    lines += ["", f"Planted policy, all test decisions: gains {gains} (mean {sum(gains) / len(gains):+.4f}; target "
              f"+0.10: {'met' if min(gains) >= 0.10 else 'missed'}); policy industries only: gains {policy}. "
              f"Shuffled reasons: gains {noise} (target within ±0.01: "
              f"{'met' if max(map(abs, noise)) <= 0.01 else 'missed'}).", ""]
    return "\n".join(lines)

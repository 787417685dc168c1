"""Replay benchmark for learning from decisions, on SIMULATED decision histories built from the demo data.

The history is simulated, not recorded: the demo has no officials. Each demo scenario is shown its top
SHOWN offerings under today's ranking (words channel only, as for Chinese text with the default model), and a
simulated official decides each one by a documented planted policy:
- MATURITY_POLICY industries (hospitals' biomedicine, batteries, semiconductors, power equipment): any shown
  offering below the scenario's required maturity is rejected with `maturity_too_low`, whatever its relevance;
- REGION_POLICY industries (rail transit, traditional upgrade): any shown offering from another district is
  rejected with `region`;
- otherwise relevant by the demo labels (qrels relevance >= 1) -> approve, else reject with `not_relevant`;
- NOISE of the decisions are flipped at random (reason `other`).
Decisions get random days; the learner sees the earlier LEARN_SHARE and is measured on the rest: pairwise
accuracy = share of (approved, rejected) pairs of the same scenario where the approved one scores higher.
The shuffled control keeps every outcome and permutes the reason codes among each industry's rejections.
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
from matcher.search.ranking import structured_signals
from matcher.workflow.learning import Decision, propose

SHOWN = 15
NOISE = 0.03
LEARN_SHARE = 0.6
MATURITY_POLICY = {"biomedicine", "batteries_storage", "semiconductors", "power_equipment"}
REGION_POLICY = {"rail_transit", "traditional_upgrade"}


def _read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [{k: (v or None) for k, v in row.items()} for row in csv.DictReader(f)]


def shown_pairs(demo_dir: Path = DATA_DIR / "demo") -> list[dict]:
    """Per scenario, the top SHOWN offerings by today's ranking, with text score and records."""
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
        ranked = sorted(zip(ids, scores), key=lambda t: -_score(float(t[1]), scen, by_id[t[0]], None))[:SHOWN]
        for rid, s in ranked:
            pairs.append({"scenario": scen, "offering": by_id[rid], "text": float(s),
                          "relevance": qrels.get((scen["id"], rid), 0)})
    return pairs


def _score(text: float, scen: dict, off: dict, learned: dict | None) -> float:
    params = signals.params_for(scen.get("industry"), learned)
    return signals.combine(text, structured_signals(scen, off, Side.DEMAND, params), params)


def simulate(pairs: list[dict], seed: int = 11) -> list[dict]:
    """The planted-policy history (see the module docstring): one decision per shown pair, with a day."""
    rng = random.Random(seed)
    out = []
    for n, p in enumerate(pairs):
        scen, off = p["scenario"], p["offering"]
        industry = scen.get("industry")
        fits = structured_signals(scen, off, Side.DEMAND, signals.DEFAULT_PARAMS)
        approved, reason = p["relevance"] >= 1, None if p["relevance"] >= 1 else "not_relevant"
        need = scen.get("required_maturity") or "pilot"
        have = off.get("maturity")
        if industry in MATURITY_POLICY and have and MATURITY_RANK[Maturity(have)] < MATURITY_RANK[Maturity(need)]:
            approved, reason = False, "maturity_too_low"
        elif industry in REGION_POLICY and fits["region"] < 1.0:
            approved, reason = False, "region"
        if rng.random() < NOISE:
            approved = not approved
            reason = None if approved else "other"
        out.append({**p, "id": n, "industry": industry, "approved": approved, "reason": reason, "fits": fits,
                    "day": rng.randrange(90)})
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


def learn_on(history: list[dict], min_decisions: int = 20) -> dict[str, dict[str, float]]:
    decisions = [Decision(h["id"], h["industry"], h["approved"], h["reason"], h["fits"]) for h in history]
    return {p.industry: p.after for p in propose(decisions, {}, min_decisions)}


def replay(history: list[dict], min_decisions: int = 20) -> dict:
    """Learn on the earlier decisions, measure both weightings on the later ones."""
    days = sorted(h["day"] for h in history)
    cut = days[int(LEARN_SHARE * len(days))]
    early, late = [h for h in history if h["day"] < cut], [h for h in history if h["day"] >= cut]
    learned = learn_on(early, min_decisions)
    policy = [h for h in late if h["industry"] in MATURITY_POLICY | REGION_POLICY]
    out = {"learn_decisions": len(early), "test_decisions": len(late), "weights": learned}
    for name, rows, only in (("all", late, False), ("policy_industries", policy, False),
                             ("policy_decided", late, True)):
        fixed, tuned = pairwise_accuracy(rows, None, only), pairwise_accuracy(rows, learned, only)
        out[name] = {"fixed": round(fixed, 4), "learned": round(tuned, 4), "gain": round(tuned - fixed, 4)}
    return out


def run(demo_dir: Path = DATA_DIR / "demo", seeds: tuple[int, ...] = (11, 23, 37)) -> dict:
    pairs = shown_pairs(demo_dir)
    out = {"pairs_shown": len(pairs), "seeds": list(seeds), "planted": [], "shuffled": []}
    for seed in seeds:
        history = simulate(pairs, seed)
        out["planted"].append(replay(history))
        out["shuffled"].append(replay(shuffled(history, seed + 1)))
    return out


def render(doc: dict, command: str) -> str:
    """The RESULTS.md section."""
    lines = ["## Learning from decisions: replay on simulated histories", "",
             f"`{command}` — `matcher/bench/replay.py`, learner `matcher/workflow/learning.py`. **The decision "
             "histories are simulated** from the demo data (the demo has no officials): each scenario is shown "
             f"its top {SHOWN} offerings under today's ranking (words channel); a simulated official approves "
             "what the demo labels call relevant (qrels ≥ 1) and rejects the rest as `not_relevant`, except that "
             f"in {', '.join(sorted(MATURITY_POLICY))} any offering below the scenario's required maturity is "
             f"rejected with `maturity_too_low`, and in {', '.join(sorted(REGION_POLICY))} any offering from "
             f"another district with `region`; {NOISE:.0%} of decisions are flipped at random. Decisions get "
             f"random days; the learner sees the earliest {LEARN_SHARE:.0%} and is measured on the rest. The "
             "shuffled control keeps every outcome and permutes the reason codes among each industry's "
             "rejections.", "",
             f"Shown pairs: {doc['pairs_shown']}; seeds {doc['seeds']}. Pairwise accuracy = share of (approved, "
             "rejected) pairs of one scenario with the approved one scored higher; `fixed` = today's weights.", "",
             "| history | seed | learn / test decisions | all: fixed → learned (gain) | policy industries | "
             "pairs the policy decided | industries moved |", "|---|---|---|---|---|---|---|"]
    for kind in ("planted", "shuffled"):
        for seed, r in zip(doc["seeds"], doc[kind]):
            cells = [f"{r[k]['fixed']} → {r[k]['learned']} ({r[k]['gain']:+.4f})"
                     for k in ("all", "policy_industries", "policy_decided")]
            moved = ", ".join(f"{i}: maturity {w['maturity']}, step {w['maturity_step']}, region {w['region']}"
                              for i, w in sorted(r["weights"].items())) or "none"
            lines.append(f"| {kind} | {seed} | {r['learn_decisions']} / {r['test_decisions']} | "
                         + " | ".join(cells) + f" | {moved} |")
    gains = [r["all"]["gain"] for r in doc["planted"]]
    noise = [r["all"]["gain"] for r in doc["shuffled"]]
    lines += ["", f"Planted policy: mean gain {sum(gains) / len(gains):+.4f} (target +0.10: "
              f"{'met' if min(gains) >= 0.10 else 'missed'}); shuffled reasons: gains {noise} (target within "
              f"±0.01: {'met' if max(map(abs, noise)) <= 0.01 else 'missed'}).", ""]
    return "\n".join(lines)

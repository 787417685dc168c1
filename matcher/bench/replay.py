"""Replay benchmark for learning from decisions, on SIMULATED decision histories built from the demo data.

The history is simulated, not recorded: the demo has no officials. Each demo scenario is shown its top
SHOWN offerings under today's ranking (words channel only, as for Chinese text with the default model), and a
simulated official decides each one by a planted POLICY, checked first as a hard rule, then by relevance.

The planted policy (PROGRAMME), chosen before the replay was judged, is what a municipal scenario-opening
programme (Changzhou's, whose districts the demo uses) plausibly enforces:
- safety-critical industries accept only products in regular production (`mass_production`), whatever the
  scenario asked for: hospitals (biomedicine: a device needs its registration certificate, which requires
  production under a quality system), rail transit (operator safety acceptance and product certification),
  power equipment (grid network-access testing), battery storage (certified cells and systems; storage-station
  fires made the fire authorities strict) and low-altitude aircraft (airworthiness). Below it: `maturity_too_low`;
- every other industry holds the scenario to the maturity it stated itself (pilot when it stated none);
- the city funds its own supply chain: an offering from outside the scenario's city is rejected with `region`
  (an unstated region is not: an official cannot tell);
- otherwise relevant by the demo labels (qrels relevance >= 1) -> approve, else reject with `not_relevant`;
- NOISE of the decisions are flipped at random (reason `other` when the flip is a rejection).
It binds on about a quarter of the (approved, rejected) pairs, against a tenth for ROUND1 (the policy of the first
round: small-batch floors for hospitals and batteries, the scenario's need in semiconductors and power equipment,
the same district in rail transit and traditional upgrade), kept for the limits table (matcher/bench/replay_limits.py).
No offering, maturity or label is changed: nothing about the answer is put into the features.

Decisions get random days; the learner sees the earlier LEARN_SHARE and is measured on the rest: pairwise
accuracy = share of (approved, rejected) pairs of the same scenario where the approved one scores higher,
scored as the live ranking scores (signals.combine, then the learned gates). The oracle applies the planted
policy itself as gates at signals.GATE_MIN: what a learner that knew the policy exactly would reach; `binding` is
the share of test pairs whose rejection the policy made, `headroom` the share where such a rejection outranks
the approval under today's weights (the most any gate can fix). The shuffled control keeps every outcome and
permutes the reason codes among each industry's rejections.
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

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
EVERY = "*"                 # a policy rule for every industry not named


@dataclass(frozen=True)
class Policy:
    """A simulated official's hard rules, checked before relevance. Each table maps an industry (or EVERY) to its
    rule: maturity -> the least stage accepted beyond the scenario's own need (None: the need itself); region ->
    the region fit a supplier must reach (0.8 the same city, 1.0 the same district); industry: officials of these
    industries reject offerings from another industry."""
    name: str
    maturity: dict[str, str | None] = field(default_factory=dict)
    region: dict[str, float] = field(default_factory=dict)
    industry: frozenset[str] = frozenset()

    @staticmethod
    def _rule(table: dict, industry: str | None):
        return table.get(industry or "", table.get(EVERY, False))

    def breaks(self, industry: str | None, fits: dict[str, float], have: int | None, need: int) -> str | None:
        """The policy's reason for rejecting a pair, or None when the pair satisfies it (unknowns never break)."""
        floor = self._rule(self.maturity, industry)
        if floor is not False and have is not None and have < max(need, MATURITY_RANK[Maturity(floor)] if floor else 0):
            return "maturity_too_low"
        scope = self._rule(self.region, industry)
        if scope is not False and fits["region"] != signals.NEUTRAL and fits["region"] < scope - 1e-9:
            return "region"
        if (industry in self.industry or EVERY in self.industry) and fits["industry"] < signals.NEUTRAL:
            return "wrong_industry"
        return None

    def floors(self) -> set[str]:
        """Industries with a maturity floor beyond the scenario's own need."""
        return {i for i, f in self.maturity.items() if f and i != EVERY}

    def as_params(self, industries: set[str], depth: float = signals.GATE_MIN) -> dict[str, dict[str, float]]:
        """The policy as learned parameters (gates at `depth`, soft weights today's): the oracle."""
        out: dict[str, dict[str, float]] = {}
        for i in industries:
            if (floor := self._rule(self.maturity, i)) is not False:
                out.setdefault(i, {}).update(maturity_gate=depth,
                                             maturity_floor=float(MATURITY_RANK[Maturity(floor)] if floor else 0))
            if (scope := self._rule(self.region, i)) is not False:
                out.setdefault(i, {}).update(region_gate=depth, region_need=scope)
            if i in self.industry or EVERY in self.industry:
                out.setdefault(i, {}).update(industry_gate=depth)
        return out

    def describe(self) -> str:
        def rules(table: dict, show) -> str:
            every = "every other industry" if len(table) > 1 else "every industry"
            ordered = sorted(table.items(), key=lambda t: (t[0] == EVERY, t[0]))
            return ", ".join(f"{every if i == EVERY else i}: {show(v)}" for i, v in ordered)
        parts = [f"maturity ({rules(self.maturity, lambda f: f or 'scenario need')})" if self.maturity else "",
                 f"region ({rules(self.region, lambda n: 'same district' if n >= 1.0 else 'same city')})"
                 if self.region else "",
                 f"own industry only ({', '.join(sorted(self.industry))})" if self.industry else ""]
        return "; ".join(p for p in parts if p)


SAFETY_CRITICAL = ("batteries_storage", "biomedicine", "low_altitude", "power_equipment", "rail_transit")
PROGRAMME = Policy("programme", maturity={EVERY: None, **{i: "mass_production" for i in SAFETY_CRITICAL}},
                   region={EVERY: 0.8})
ROUND1 = Policy("round 1", maturity={"biomedicine": "small_batch", "batteries_storage": "small_batch",
                                     "semiconductors": None, "power_equipment": None},
                region={"rail_transit": 1.0, "traditional_upgrade": 1.0})
POLICY = PROGRAMME
POLICY_REASONS = {"maturity_too_low", "region", "wrong_industry"}


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


def oracle(policy: Policy = POLICY, industries: set[str] | None = None) -> dict[str, dict[str, float]]:
    """The planted policy itself as learned parameters at the deepest gate: the most a learner could reach."""
    named = set(policy.maturity) | set(policy.region) | set(policy.industry)
    return policy.as_params((industries or set()) | (named - {EVERY}))


def simulate(pairs: list[dict], seed: int = 11, noise: float = NOISE, policy: Policy = POLICY) -> list[dict]:
    """The planted-policy history (see the module docstring): one decision per shown pair, with a day."""
    rng = random.Random(seed)
    out = []
    for n, p in enumerate(pairs):
        scen, off = p["scenario"], p["offering"]
        industry = scen.get("industry")
        fits, have, need = _facts(scen, off)
        approved, reason = p["relevance"] >= 1, None if p["relevance"] >= 1 else "not_relevant"
        if (rule := policy.breaks(industry, fits, have, need)) is not None:   # checked first: a hard rule
            approved, reason = False, rule
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


def _pairs(history: list[dict], score: Callable[[dict], float]):
    """(approved score, rejected score, rejected decision) for every such pair of one scenario."""
    by_scenario: dict[str, list[tuple[float, dict]]] = {}
    for h in history:
        by_scenario.setdefault(h["scenario"]["id"], []).append((score(h), h))
    for items in by_scenario.values():
        for sa, a in items:
            for sr, r in items if a["approved"] else ():
                if not r["approved"]:
                    yield sa, sr, r


def live(learned: dict | None) -> Callable[[dict], float]:
    return lambda h: _score(h["text"], h["scenario"], h["offering"], learned)


def pairwise_accuracy(history: list[dict], learned: dict | None, policy_only: bool = False,
                      score: Callable[[dict], float] | None = None) -> float:
    """Share of (approved, rejected) pairs of one scenario where the approved one scores higher (ties 1/2),
    scored by the live ranking with `learned` (or by `score`). policy_only: only the policy's rejections."""
    good = total = 0.0
    for sa, sr, r in _pairs(history, score or live(learned)):
        if policy_only and r["reason"] not in POLICY_REASONS:
            continue
        total += 1
        good += 1.0 if sa > sr else 0.5 if sa == sr else 0.0
    return good / total if total else float("nan")


def binding(history: list[dict]) -> tuple[float, float]:
    """(binding, headroom): the share of (approved, rejected) pairs of one scenario whose rejection the policy
    made, and the share where such a rejection outranks the approval under today's weights (the most that
    gating those rejections down could fix)."""
    total = decided = fixable = 0
    for sa, sr, r in _pairs(history, live(None)):
        total += 1
        decided += r["reason"] in POLICY_REASONS
        fixable += r["reason"] in POLICY_REASONS and sr >= sa
    return (decided / total, fixable / total) if total else (float("nan"), float("nan"))


def learn_on(history: list[dict], min_decisions: int = 20) -> dict[str, dict[str, float]]:
    decisions = [Decision(h["id"], h["industry"], h["approved"], h["reason"], h["fits"], h["have"], h["need"])
                 for h in history]
    return {p.industry: p.after for p in propose(decisions, {}, min_decisions)}


def split(history: list[dict]) -> tuple[list[dict], list[dict]]:
    """(the decisions before the day that ends the earliest LEARN_SHARE, the rest)."""
    days = sorted(h["day"] for h in history)
    cut = days[int(LEARN_SHARE * len(days))]
    return [h for h in history if h["day"] < cut], [h for h in history if h["day"] >= cut]


def replay(history: list[dict], min_decisions: int = 20, policy: Policy = POLICY) -> dict:
    """Learn on the earlier decisions, measure both weightings (and the oracle) on the later ones."""
    early, late = split(history)
    learned = learn_on(early, min_decisions)
    best_params = oracle(policy, {h["industry"] for h in history if h["industry"]})
    bound, room = binding(late)
    out = {"learn_decisions": len(early), "test_decisions": len(late), "weights": learned,
           "binding": round(bound, 4), "headroom": round(room, 4)}
    floors = [h for h in late if h["industry"] in policy.floors()]
    for name, rows, only in (("all", late, False), ("floor_industries", floors, False),
                             ("policy_decided", late, True)):
        fixed, tuned = pairwise_accuracy(rows, None, only), pairwise_accuracy(rows, learned, only)
        best = pairwise_accuracy(rows, best_params, only)
        out[name] = {"fixed": round(fixed, 4), "learned": round(tuned, 4), "gain": round(tuned - fixed, 4),
                     "oracle_gain": round(best - fixed, 4)}
    return out


def run(demo_dir: Path = DATA_DIR / "demo", seeds: tuple[int, ...] = SEEDS, shown: int = SHOWN,
        noise: float = NOISE, policy: Policy = POLICY, shuffles: int = 0) -> dict:
    """The replay per seed; `shuffles` more shuffled-reason histories per seed are only learned on, to count
    how often noise moves anything (the false-move rate)."""
    pairs = shown_pairs(demo_dir, shown)
    out = {"shown": shown, "noise": noise, "pairs_shown": len(pairs), "seeds": list(seeds), "policy": policy.name,
           "planted": [], "shuffled": [], "extra_shuffles": 0, "moved_on_noise": []}
    for seed in seeds:
        history = simulate(pairs, seed, noise, policy)
        out["planted"].append(replay(history, policy=policy))
        out["shuffled"].append(replay(shuffled(history, seed + 1), policy=policy))
        for k in range(1, shuffles + 1):
            learned = learn_on(split(shuffled(history, 1000 * seed + k))[0])
            out["extra_shuffles"] += 1
            out["moved_on_noise"] += [f"seed {seed} shuffle {k}: {_moved({i: w})}" for i, w in learned.items()]
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


def render(doc: dict, command: str, policy: Policy = POLICY) -> str:
    """The RESULTS.md section for one run."""
    lines = [f"### Shown top {doc['shown']} per scenario, {doc['noise']:.0%} noise", "",
             f"`{command}` — **simulated histories** (see above). Planted policy ({policy.name}): "
             f"{policy.describe()}; "
             f"{doc['noise']:.0%} of decisions flipped; learn on the earliest {LEARN_SHARE:.0%}. Shown pairs: "
             f"{doc['pairs_shown']}; seeds {doc['seeds']}.", "",
             "| history | seed | learn / test | all: fixed → learned (gain) [oracle gain] | floor industries | "
             "pairs the policy decided | binding | headroom | learned |", "|---|---|---|---|---|---|---|---|---|"]
    for kind in ("planted", "shuffled"):
        for seed, r in zip(doc["seeds"], doc[kind]):
            cells = [f"{r[k]['fixed']} → {r[k]['learned']} ({r[k]['gain']:+.4f}) [{r[k]['oracle_gain']:+.4f}]"
                     for k in ("all", "floor_industries", "policy_decided")]
            lines.append(f"| {kind} | {seed} | {r['learn_decisions']} / {r['test_decisions']} | "
                         + " | ".join(cells) + f" | {r['binding']} | {r['headroom']} | {_moved(r['weights'])} |")
    gains = [r["all"]["gain"] for r in doc["planted"]]
    best = [r["all"]["oracle_gain"] for r in doc["planted"]]
    floors = [r["floor_industries"]["gain"] for r in doc["planted"]]
    noise = [r["all"]["gain"] for r in doc["shuffled"]]
    lines += ["", f"Planted policy, all test decisions: gains {gains} (mean {sum(gains) / len(gains):+.4f}; target "
              f"+0.10: {'met' if min(gains) >= 0.10 else 'missed'}; oracle mean {sum(best) / len(best):+.4f}); "
              f"floor industries only: gains {floors}. Shuffled reasons: gains {noise} (target within ±0.01: "
              f"{'met' if max(map(abs, noise)) <= 0.01 else 'missed'})."]
    if doc.get("extra_shuffles"):
        lines += [f"Further shuffled-reason histories learned on (the learning part of each seed's history): "
                  f"{doc['extra_shuffles']}; industries moved: {len(doc['moved_on_noise'])}"
                  + (f" ({'; '.join(doc['moved_on_noise'])})" if doc["moved_on_noise"] else "") + "."]
    lines.append("")
    return "\n".join(lines)

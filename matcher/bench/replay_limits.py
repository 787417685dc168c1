"""What limits the replay's gain (matcher/bench/replay.py), in numbers, on noise-free SIMULATED histories.

For each candidate policy, on every shown pair decided without noise: how many shown pairs it rejects (and how
many of them the demo labels call relevant), `binding` (share of the (approved, rejected) pairs of one scenario
whose rejection the policy made), `headroom` (share where such a rejection outranks the approval under today's
weights) and the oracle's gain with the policy as gates at signals.GATE_MIN (×0.5) and at ×0 (the pair sinks to
the bottom; deeper than any bound allows): equal gains mean the bound is not what limits. `ceiling` is the
headroom of the most hostile policy one can write on these shown pairs (approve only each scenario's
lowest-ranked relevant offering, reject everything above it): no policy under which officials approve only
relevant offerings can leave more for a learner to fix on this measure.
"""
from __future__ import annotations

from matcher.bench.replay import EVERY, POLICY, PROGRAMME, ROUND1, SAFETY_CRITICAL, Policy, binding, live
from matcher.bench.replay import pairwise_accuracy, shown_pairs, simulate
from matcher.search import signals

CANDIDATES = (
    Policy("none (relevance only)"),
    ROUND1,
    PROGRAMME,
    Policy("programme, safety floors only", maturity={i: "mass_production" for i in SAFETY_CRITICAL}),
    Policy("programme, scenario need only", maturity={EVERY: None}),
    Policy("programme, same city only", region={EVERY: 0.8}),
    Policy("stress: same district everywhere", region={EVERY: 1.0}),
    Policy("stress: own industry everywhere", industry=frozenset({EVERY})),
)


def _gated(policy: Policy, depth: float):
    base = live(None)
    return lambda h: base(h) * (depth if policy.breaks(h["industry"], h["fits"], h["have"], h["need"]) else 1.0)


def ceiling(pairs: list[dict]) -> float:
    """Headroom of the most hostile policy: per scenario only the lowest-ranked relevant offering approved."""
    by_scenario: dict[str, list[tuple[float, bool]]] = {}
    score = live(None)
    for p in pairs:
        by_scenario.setdefault(p["scenario"]["id"], []).append((score(p), p["relevance"] >= 1))
    above = total = 0
    for items in by_scenario.values():
        relevant = [s for s, r in items if r]
        if relevant:
            above += sum(s >= min(relevant) for s, _ in items) - 1
            total += len(items) - 1
    return above / total


def limits(shown: int, policies: tuple[Policy, ...] = CANDIDATES) -> dict:
    pairs = shown_pairs(shown=shown)
    rows = []
    for policy in policies:
        history = simulate(pairs, noise=0.0, policy=policy)
        rejected = [h for h in history if policy.breaks(h["industry"], h["fits"], h["have"], h["need"])]
        fixed = pairwise_accuracy(history, None)
        bound, room = binding(history)
        gains = {f"oracle_gain_x{d:g}": round(pairwise_accuracy(history, None, score=_gated(policy, d)) - fixed, 4)
                 for d in (signals.GATE_MIN, 0.0)}
        rows.append({"policy": policy.name, "rejected": len(rejected),
                     "rejected_relevant": sum(h["relevance"] >= 1 for h in rejected), "binding": round(bound, 4),
                     "headroom": round(room, 4), "fixed": round(fixed, 4), **gains})
    per_scenario: dict[str, int] = {}
    for p in pairs:
        per_scenario[p["scenario"]["id"]] = per_scenario.get(p["scenario"]["id"], 0) + (p["relevance"] >= 1)
    spread = {str(k): sum(v == k for v in per_scenario.values()) for k in sorted(set(per_scenario.values()))}
    return {"shown": shown, "pairs_shown": len(pairs), "relevant_shown": sum(p["relevance"] >= 1 for p in pairs),
            "scenarios_by_relevant_shown": spread,
            "ceiling": round(ceiling(pairs), 4), "rows": rows, "planted": POLICY.name}


def render(doc: dict, command: str) -> str:
    lines = [f"#### Limits, shown top {doc['shown']} ({doc['pairs_shown']} pairs, {doc['relevant_shown']} of them "
             "relevant), no noise", "", f"`{command}`", "",
             "| policy | shown pairs it rejects (relevant) | binding | headroom | fixed accuracy | "
             "oracle gain ×0.5 | oracle gain ×0 |", "|---|---|---|---|---|---|---|"]
    for r in doc["rows"]:
        name = f"**{r['policy']}** (planted)" if r["policy"] == doc["planted"] else r["policy"]
        lines.append(f"| {name} | {r['rejected']} ({r['rejected_relevant']}) | {r['binding']} | {r['headroom']} | "
                     f"{r['fixed']} | {r['oracle_gain_x0.5']:+.4f} | {r['oracle_gain_x0']:+.4f} |")
    spread = ", ".join(f"{n} with {k}" for k, n in doc["scenarios_by_relevant_shown"].items())
    lines += ["", f"Ceiling (most hostile policy: only each scenario's lowest-ranked relevant offering approved): "
              f"headroom {doc['ceiling']}. Scenarios by relevant offerings shown: {spread}.", ""]
    return "\n".join(lines)

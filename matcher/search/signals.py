"""Structured match signals (industry, region, maturity, budget): pure functions, each in [0, 1].

They are soft: a scenario posted by a PV plant may be solved by a carbon-materials offering, so a
different industry lowers the score a little but never hides the pair. 0.5 means "unknown". Where officials of an
industry have shown by their reason codes that a requirement is hard for them, a learned gate (GATE_MIN, below)
lowers a breaking offering's score further, to no less than half; it still never hides the pair.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matcher.config import DATA_DIR
from matcher.domain.records import MATURITY_RANK, Maturity

NEUTRAL = 0.5


@dataclass(frozen=True)
class Place:
    district: str | None
    city: str | None


@lru_cache(maxsize=1)
def _region_aliases(path: Path = DATA_DIR / "regions.csv") -> tuple[tuple[str, str, str], ...]:
    with open(path, encoding="utf-8") as f:
        rows = [(r["alias"].lower(), r["district"] or "", r["city"] or "") for r in csv.DictReader(f)]
    return tuple(sorted(rows, key=lambda r: -len(r[0])))  # longest alias first


@lru_cache(maxsize=65536)   # a region is parsed once, not for each candidate of each query (Place is frozen)
def place_of(region: str | None) -> Place:
    """Normalise free-text regions ('常州市武进区', 'Wujin, Changzhou') to district and city."""
    if not region:
        return Place(None, None)
    low, district, city = region.lower(), None, None
    for alias, dist, cty in _region_aliases():
        if alias in low:
            district = district or (dist or None)
            city = city or (cty or None)
    return Place(district, city or (None if district else low.strip()))


def region_fit(a: str | None, b: str | None) -> float:
    pa, pb = place_of(a), place_of(b)
    if not pa.city or not pb.city:
        return NEUTRAL
    if pa.district and pa.district == pb.district:
        return 1.0
    return 0.8 if pa.city == pb.city else 0.3


def industry_fit(a: str | None, b: str | None) -> float:
    if not a or not b:
        return NEUTRAL
    return 1.0 if a == b else 0.2


def maturity_fit(offered: str | None, required: str | None, step: float = 0.4) -> float:
    """1 when the offering is at least as mature as the scenario needs; `step` lower per missing stage
    (the maturity strictness, learned per industry within LEARNED_BOUNDS)."""
    if not offered:
        return NEUTRAL
    have = MATURITY_RANK[Maturity(offered)]
    need = MATURITY_RANK[Maturity(required)] if required else MATURITY_RANK[Maturity.PILOT]
    return 1.0 if have >= need else max(0.0, 1.0 - step * (need - have))


BEST = {"industry": 1.0, "region": 1.0, "maturity": 1.0}   # every signal at its most favourable


def factor(signals: dict[str, float], weights: dict[str, float]) -> float:
    """The multiplier structured signals apply to a text score: 1 ± at most sum(weights)/2."""
    return 1.0 + sum(weights[k] * (signals[k] - NEUTRAL) for k in weights if k in signals)


def combine(text_score: float, signals: dict[str, float], weights: dict[str, float]) -> float:
    """Structured signals scale the text score by at most ±sum(weights)/2: they reorder candidates of similar
    relevance, but never lift a text-irrelevant record (text 0 stays 0)."""
    return float(min(1.0, max(0.0, text_score * factor(signals, weights))))


SIGNAL_WEIGHTS = {"industry": 0.16, "region": 0.08, "maturity": 0.16}
MATURITY_STEP = 0.4
# Learned gates: a requirement the officials of one industry enforce (learned from their reason codes, see
# matcher/workflow/learning.py). An offering that violates one has its score multiplied by that gate's factor;
# all gates together never take a score below GATE_MIN of what it was, and a gate never lifts anything.
GATE_MIN = 0.5
# Today's ranking: what every industry uses until learning from decisions moves it (cold start). Gates at 1.0
# change nothing; maturity_floor 0 means "the scenario's own required maturity" (1-3: at least pilot, small
# batch, mass production); region_need is the region fit an offering must reach (1.0 same district, 0.8 same city).
DEFAULT_PARAMS = {**SIGNAL_WEIGHTS, "maturity_step": MATURITY_STEP, "maturity_gate": 1.0, "maturity_floor": 0.0,
                  "region_gate": 1.0, "region_need": 0.8, "industry_gate": 1.0}
# Learned per-industry parameters stay within these bounds (half to double the weights; strictness from
# today's 0.4 per missing stage up to 1.0, i.e. one stage short scores as badly as no maturity at all; each
# gate from 1.0 (off) down to GATE_MIN).
LEARNED_BOUNDS = {"industry": (0.08, 0.32), "region": (0.04, 0.16), "maturity": (0.08, 0.32),
                  "maturity_step": (0.4, 1.0), "maturity_gate": (GATE_MIN, 1.0), "maturity_floor": (0.0, 3.0),
                  "region_gate": (GATE_MIN, 1.0), "region_need": (0.8, 1.0), "industry_gate": (GATE_MIN, 1.0)}


def params_for(industry: str | None, learned: dict[str, dict[str, float]] | None) -> dict[str, float]:
    """The scenario industry's learned parameters, clipped to LEARNED_BOUNDS; today's defaults otherwise
    (also for parameters a version stored before they existed)."""
    chosen = (learned or {}).get(industry or "") or {}
    return {k: min(LEARNED_BOUNDS[k][1], max(LEARNED_BOUNDS[k][0], float(chosen.get(k, v))))
            for k, v in DEFAULT_PARAMS.items()}


def maturity_ranks(offered: str | None, required: str | None) -> tuple[int | None, int]:
    """(the offering's stage or None when unstated, the stage the scenario needs; pilot when unstated)."""
    have = MATURITY_RANK[Maturity(offered)] if offered else None
    return have, MATURITY_RANK[Maturity(required)] if required else MATURITY_RANK[Maturity.PILOT]


def violated(have: int | None, need: int, fits: dict[str, float], params: dict[str, float]) -> list[str]:
    """The gated requirements a pair breaks under `params` (gates at 1.0 are off). Unknown facts (no stated
    maturity, region or industry) break nothing: an offering is not punished for what it does not say."""
    out = []
    floor = int(round(params["maturity_floor"]))
    if params["maturity_gate"] < 1.0 and have is not None and have < max(need, floor):
        out.append("maturity")
    region = fits.get("region", NEUTRAL)
    if params["region_gate"] < 1.0 and region != NEUTRAL and region < params["region_need"] - 1e-9:
        out.append("region")
    if params["industry_gate"] < 1.0 and fits.get("industry", NEUTRAL) < NEUTRAL:
        out.append("industry")
    return out


def gate(broken: list[str], params: dict[str, float]) -> float:
    """The multiplier for a pair breaking `broken` requirements: the product of their gates, at least GATE_MIN."""
    value = 1.0
    for name in broken:
        value *= params[f"{name}_gate"]
    return max(GATE_MIN, value)


# Indicator checks (matcher/domain/indicators.py): each indicator the offering states it does NOT meet lowers the
# score by 5 %, at most 15 % in all. Unknown indicators (nothing measurable stated) change nothing, so an offering
# is never punished for being terse, and a text-irrelevant record is never lifted.
INDICATOR_UNMET_PENALTY = 0.05
INDICATOR_PENALTY_CAP = 0.15


def indicator_factor(unmet: int) -> float:
    """The multiplier for a suggestion with `unmet` unmet indicators: 1.0, 0.95, 0.90, then 0.85 at most."""
    return 1.0 - min(INDICATOR_PENALTY_CAP, INDICATOR_UNMET_PENALTY * max(0, unmet))

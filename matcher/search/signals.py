"""Structured match signals (industry, region, maturity, budget): pure functions, each in [0, 1].

They are soft: a scenario posted by a PV plant may be solved by a carbon-materials offering, so a
different industry lowers the score a little but never hides the pair. 0.5 means "unknown".
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


def factor(signals: dict[str, float], weights: dict[str, float]) -> float:
    """The multiplier structured signals apply to a text score: 1 ± at most sum(weights)/2."""
    return 1.0 + sum(weights[k] * (signals[k] - NEUTRAL) for k in weights if k in signals)


def combine(text_score: float, signals: dict[str, float], weights: dict[str, float]) -> float:
    """Structured signals scale the text score by at most ±sum(weights)/2: they reorder candidates of similar
    relevance, but never lift a text-irrelevant record (text 0 stays 0)."""
    return float(min(1.0, max(0.0, text_score * factor(signals, weights))))


SIGNAL_WEIGHTS = {"industry": 0.16, "region": 0.08, "maturity": 0.16}
MATURITY_STEP = 0.4
# Today's ranking: what every industry uses until learning from decisions moves it (cold start).
DEFAULT_PARAMS = {**SIGNAL_WEIGHTS, "maturity_step": MATURITY_STEP}
# Learned per-industry parameters stay within these bounds (half to double the weights; strictness from
# today's 0.4 per missing stage up to 1.0, i.e. one stage short scores as badly as no maturity at all).
LEARNED_BOUNDS = {"industry": (0.08, 0.32), "region": (0.04, 0.16), "maturity": (0.08, 0.32),
                  "maturity_step": (0.4, 1.0)}


def params_for(industry: str | None, learned: dict[str, dict[str, float]] | None) -> dict[str, float]:
    """The scenario industry's learned parameters, clipped to LEARNED_BOUNDS; today's defaults otherwise."""
    chosen = (learned or {}).get(industry or "") or {}
    return {k: min(LEARNED_BOUNDS[k][1], max(LEARNED_BOUNDS[k][0], float(chosen.get(k, v))))
            for k, v in DEFAULT_PARAMS.items()}


# Indicator checks (matcher/domain/indicators.py): each indicator the offering states it does NOT meet lowers the
# score by 5 %, at most 15 % in all. Unknown indicators (nothing measurable stated) change nothing, so an offering
# is never punished for being terse, and a text-irrelevant record is never lifted.
INDICATOR_UNMET_PENALTY = 0.05
INDICATOR_PENALTY_CAP = 0.15


def indicator_factor(unmet: int) -> float:
    """The multiplier for a suggestion with `unmet` unmet indicators: 1.0, 0.95, 0.90, then 0.85 at most."""
    return 1.0 - min(INDICATOR_PENALTY_CAP, INDICATOR_UNMET_PENALTY * max(0, unmet))

"""Structured signals are soft, bounded and neutral when unknown."""
import pytest

from matcher.search import signals


def test_region_fit_districts_and_cities():
    assert signals.region_fit("常州市武进区", "Wujin, Changzhou") == 1.0
    assert signals.region_fit("武进区", "新北区") == 0.8
    assert signals.region_fit("常州", "苏州") == 0.3
    assert signals.region_fit(None, "苏州") == signals.NEUTRAL


def test_maturity_fit_prefers_mature_offerings():
    assert signals.maturity_fit("mass_production", "small_batch") == 1.0
    assert signals.maturity_fit("lab", "mass_production") < signals.maturity_fit("pilot", "mass_production") < 1.0
    assert signals.maturity_fit(None, "pilot") == signals.NEUTRAL


def test_industry_is_soft():
    assert signals.industry_fit("photovoltaics", "carbon_materials") > 0
    assert signals.industry_fit("photovoltaics", "photovoltaics") == 1.0


def test_combine_is_neutral_when_all_unknown_and_bounded():
    neutral = {k: signals.NEUTRAL for k in signals.SIGNAL_WEIGHTS}
    assert signals.combine(0.42, neutral, signals.SIGNAL_WEIGHTS) == 0.42
    best = {k: 1.0 for k in signals.SIGNAL_WEIGHTS}
    worst = {k: 0.0 for k in signals.SIGNAL_WEIGHTS}
    half_range = sum(signals.SIGNAL_WEIGHTS.values()) / 2
    assert signals.combine(0.4, best, signals.SIGNAL_WEIGHTS) == pytest.approx(0.4 * (1 + half_range))
    assert signals.combine(0.4, worst, signals.SIGNAL_WEIGHTS) == pytest.approx(0.4 * (1 - half_range))
    assert signals.combine(0.99, best, signals.SIGNAL_WEIGHTS) == 1.0
    assert signals.combine(0.0, best, signals.SIGNAL_WEIGHTS) == 0.0      # never lifts an irrelevant record

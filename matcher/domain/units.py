"""Unit words in zh and en mapped to pint units, converted once to base units; counted nouns and rate bases.

pint does the conversions (minutes to hours, 公斤 to t, kWh, °C offsets, MPa, mg/L ...). Ratios (%, ppm, ‰)
and counted things (架次, vehicles) are kept as their own scales: pint treats % as dimensionless, which
would let "99 %" compare with "Cpk 2.0".
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

# (surfaces, pint expression, case-sensitive, basis words apply). Longest surface wins.
_UNITS: list[tuple[tuple[str, ...], str, bool, bool]] = [
    (("Pa·m3/s", "Pa*m3/s", "Pa m3/s"), "Pa*m**3/s", True, False),
    (("毫秒", "milliseconds", "millisecond"), "ms", False, False),
    (("ms",), "ms", True, False),
    (("秒钟", "秒", "seconds", "second", "secs", "sec"), "s", False, False),
    (("s",), "s", True, False),
    (("分钟", "minutes", "minute", "mins", "min"), "minute", False, False),
    (("个小时", "小时", "hours", "hour", "hrs", "hr"), "hour", False, False),
    (("h",), "hour", True, False),
    (("个工作日", "天", "日", "days", "day"), "day", False, False),
    (("个星期", "星期", "周", "weeks", "week"), "week", False, False),
    (("个月", "months", "month"), "month", False, False),
    (("月",), "month", True, False),
    (("年", "years", "year", "yrs", "yr"), "year", False, False),
    (("千克", "公斤", "kilograms", "kilogram", "kg"), "kg", False, True),
    (("毫克", "mg"), "mg", True, True),
    (("克", "grams", "gram"), "g", False, True),
    (("g",), "g", True, True),
    (("吨", "tonnes", "tonne", "tons", "ton"), "tonne", False, True),
    (("t",), "tonne", True, True),
    (("公里", "千米", "km", "kilometres", "kilometers", "kilometre", "kilometer"), "km", False, False),
    (("厘米", "cm"), "cm", True, False),
    (("毫米", "mm"), "mm", True, False),
    (("微米", "μm", "um", "microns", "micron"), "um", True, False),
    (("纳米", "nm"), "nm", True, False),
    (("平方米", "m2"), "m**2", True, False),
    (("立方米", "m3"), "m**3", True, False),
    (("米", "metres", "meters", "metre", "meter"), "m", False, False),
    (("m",), "m", True, False),
    (("升",), "L", False, False),
    (("L",), "L", True, False),
    (("千瓦时", "kWh", "度电"), "kWh", True, True),
    (("度",), "kWh", True, True),   # only after 万 (see quantities): "28万度" is electricity
    (("MWh",), "MWh", True, True),
    (("GWh",), "GWh", True, True),
    (("千瓦", "kW"), "kW", True, False),
    (("兆瓦", "MW"), "MW", True, False),
    (("GW",), "GW", True, False),
    (("瓦",), "W", True, False),
    (("W",), "W", True, False),
    (("°C", "摄氏度", "degC", "deg C", "degrees C"), "degC", False, False),
    (("兆帕", "MPa"), "MPa", True, False),
    (("GPa",), "GPa", True, False),
    (("kPa",), "kPa", True, False),
    (("Pa", "帕"), "Pa", True, False),
    (("mS",), "mS", True, False),
    (("弧秒", "arcseconds", "arcsecond", "arcsec", "arc seconds"), "arcsecond", False, False),
    (("弧分", "arcminutes", "arcminute", "arcmin"), "arcminute", False, False),
    (("dB(A)", "dBA", "dB", "分贝"), "dBA", False, False),
    (("CFU/dish", "CFU/皿", "CFU"), "CFU", False, False),
    (("元", "yuan", "RMB", "CNY"), "yuan", False, True),
]
_RATIOS = [(("%FS", "%", "percent", "per cent", "个百分点", "percentage points"), 1.0),
           (("‰",), 0.1), (("ppm",), 1e-4)]
BASIS_PATTERNS = [(re.compile(p, re.I), unit) for p, unit in [
    (r"每小时|小时均|per hour|an hour|hourly", "hour"), (r"每日|每天|日均|天均|daily|per day|a day|(?<![\d])日(?=[\u4e00-\u9fff])", "day"),
    (r"每周|per week|a week|weekly", "week"), (r"每月|月均|per month|a month|monthly", "month"),
    (r"每年|年均|全年|per year|a year|annual|yearly|per annum|(?<![\d])年(?=[\u4e00-\u9fff])", "year")]]

# counted things: zh measure words and en nouns that mean the same, to one key
_NOUNS = {"架次": "sortie", "sortie": "sortie", "flight": "sortie", "单": "order", "order": "order",
          "辆": "vehicle", "vehicle": "vehicle", "car": "vehicle", "片": "wafer", "wafer": "wafer",
          "家": "company", "company": "company", "companies": "company", "firm": "company", "enterprise": "company",
          "户": "household", "household": "household", "项": "assay", "assay": "assay", "test": "test",
          "台": "unit", "unit": "unit", "machine": "unit", "次": "times", "time": "times", "箱": "carton",
          "carton": "carton", "box": "carton", "件": "piece", "piece": "piece", "part": "piece", "人": "person",
          "名": "person", "people": "person", "person": "person", "staff": "person", "个": "item", "套": "set",
          "set": "set", "站": "station", "station": "station", "cycle": "cycle", "循环": "cycle"}
_EN_WORD = re.compile(r"\s*([A-Za-z][A-Za-z-]{2,})(?:\s+([A-Za-z][A-Za-z-]{2,}))?")
_STOP = {"and", "the", "per", "for", "with", "from", "than", "over", "less", "more", "in", "of", "to", "across",
         "lower", "higher", "faster", "longer", "shorter", "fewer", "times", "fold", "each", "all", "its",
         "after", "before", "ahead", "advance", "earlier", "later", "only", "or", "at"}


@dataclass(frozen=True)
class Unit:
    key: str              # what can be compared with what: "[time]", "ratio", "count:sortie/[time]", "number"
    factor: float = 1.0   # multiply to get base units
    offset: float = 0.0   # °C to kelvin
    per_basis: bool = False
    surface: str = ""

    def to_base(self, x: float) -> float:
        return x * self.factor + self.offset

    def delta_to_base(self, x: float) -> float:
        return x * self.factor

    def factor_for(self, _x: float) -> float:
        return self.factor

    def per(self, other: "Unit") -> "Unit":
        return Unit(f"{self.key}/{other.key}", self.factor / other.factor, 0.0, False, self.surface)


NUMBER = Unit("number")


_REGISTRY_LOCK = threading.Lock()
_REGISTRY: list = []


def _registry():
    """The one pint registry of the process, built on first use (2-4 s on this machine). The warm-up thread
    and a first check may ask at once: the lock makes the second wait for the first instead of building again."""
    if not _REGISTRY:
        with _REGISTRY_LOCK:
            if not _REGISTRY:
                import pint  # late: only processes that check indicators pay for it

                ureg = pint.UnitRegistry()
                ureg.define("yuan = [currency]")
                ureg.define("dBA = [sound_level]")
                ureg.define("CFU = [colony]")
                _REGISTRY.append(ureg)
    return _REGISTRY[0]


@lru_cache(maxsize=256)
def _pint_unit(expr: str, per_basis: bool, surface: str) -> Unit:
    q = _registry().Quantity(1, expr)
    if expr == "degC":
        zero = _registry().Quantity(0, "degC").to("kelvin").magnitude
        return Unit("[temperature]", 1.0, float(zero), False, surface)
    base = q.to_base_units()
    return Unit(str(base.dimensionality), float(base.magnitude), 0.0, per_basis, surface)


def _surfaces() -> tuple[re.Pattern, dict[str, tuple[str | float, bool]]]:
    """One pattern for every unit word, longest first; en words must not run into a following letter."""
    rows = [(s, expr, cs, basis) for surfaces, expr, cs, basis in _UNITS for s in surfaces]
    rows += [(s, factor, False, False) for surfaces, factor in _RATIOS for s in surfaces]
    rows.sort(key=lambda r: -len(r[0]))
    alternatives, table = [], {}
    for surface, expr, case_sensitive, basis in rows:
        alt = re.escape(surface) if case_sensitive else f"(?i:{re.escape(surface)})"
        if surface.isascii() and surface[-1].isalpha():
            alt += "(?![A-Za-z])"   # "s" must not match "sorties", "m" not "meters"
        alternatives.append(alt)
        table.setdefault(surface if case_sensitive else surface.lower(), (expr, basis))
    return re.compile(r"\s*(?:" + "|".join(alternatives) + ")"), table


_SURFACE_RE, _SURFACE_TABLE = _surfaces()


@lru_cache(maxsize=4096)
def find_unit(rest: str) -> tuple[Unit | None, int]:
    """The unit at the start of `rest` (after optional spaces) and how many characters it takes."""
    m = _SURFACE_RE.match(rest)
    if not m:
        return None, 0
    surface = m.group(0).lstrip()
    expr, basis = _SURFACE_TABLE.get(surface) or _SURFACE_TABLE[surface.lower()]
    if isinstance(expr, float):
        return Unit("ratio", expr, surface=surface), m.end()
    unit = _pint_unit(expr, basis, surface)
    return unit, m.end()


def warm() -> None:
    """Build the pint registry now (≈2-4 s once per process) rather than at the first check shown."""
    find_unit("1 kg")
    _pint_unit("kg", True, "kg")


def count_noun(rest: str) -> tuple[Unit, int]:
    """A counted noun right after the number (架次, vehicles), or a bare number."""
    stripped = rest.lstrip()
    pad = len(rest) - len(stripped)
    for zh in sorted((k for k in _NOUNS if not k.isascii()), key=len, reverse=True):
        if stripped.startswith(zh):
            return Unit(f"count:{_NOUNS[zh]}", per_basis=True, surface=zh), pad + len(zh)
    m = _EN_WORD.match(rest)
    if m and m.group(1).lower() not in _STOP:
        word, end = m.group(1).lower(), m.end(1)
        second = (m.group(2) or "").lower()
        if second and _singular(second) in _NOUNS:   # "24 delivery sorties": the noun is the last word
            word, end = second, m.end(2)
        stem = _singular(word)
        return Unit(f"count:{_NOUNS.get(stem, stem)}", per_basis=True, surface=word), end
    return NUMBER, 0


def _singular(word: str) -> str:
    for cand in (word, word[:-3] + "y" if word.endswith("ies") else "", word[:-2] if word.endswith("es") else "",
                 word[:-1] if word.endswith("s") else ""):
        if cand in _NOUNS:
            return cand
    return word[:-1] if word.endswith("s") else word


_PER = re.compile(r"\s*(?:/|per\b|an?\b|每)\s*", re.I)


def rate_unit(after: str) -> tuple[Unit, int] | None:
    """'/h', ' per hour', ' a day', '每小时' after a unit: the denominator and the characters it takes."""
    m = _PER.match(after)
    if not m:
        return None
    unit, n = find_unit(after[m.end():])
    if unit is None:
        return None
    if m.group(0).strip() != "/" and unit.key != "[time]":
        return None  # "a m" or "per cm" in prose is not a rate
    return unit, m.end() + n

"""Measured quantities in zh/en text: numbers (cn2an for Chinese numerals), units and conversions (pint),
comparison words, ranges, approximations and relative changes, each as an interval on one scale.

A `Mention` is what one number in a clause says: "约11分钟" is 660 s ± 30 s, "不超过30天" is (−∞, 30 d],
"降低60%以上" is a change of at most −60 %. Indicators and offerings are parsed by the same code.
"""
from __future__ import annotations

import math
import re
import unicodedata
import warnings
from dataclasses import dataclass
from functools import lru_cache

from matcher.domain.units import BASIS_PATTERNS, Unit, count_noun, find_unit, rate_unit

INF = math.inf

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
# number, optional scientific tail (1×10-5), optional Chinese multiplier (万, 亿), optional range end
_MENTION = re.compile(
    rf"(?P<sign>(?<![0-9A-Za-z.])-)?(?<![A-Za-z0-9.])(?P<a>{_NUM})(?:\s*[×x*]\s*10\s*\^?\s*(?P<exp>-?\d+))?(?P<mul>万|亿)?"
    rf"(?:(?:\s*(?:%|°C))?\s*(?:-|–|—|~|～|至|到|to)\s*(?P<b>{_NUM})(?P<mulb>万|亿)?)?")
_MULT = {"万": 1e4, "亿": 1e8, None: 1.0}

# Comparison words right before the number ("ge" means at least, "le" at most, "gt"/"lt" strict).
_PREFIX_CMP = [
    (r"(?:≥|>=|不低于|不少于|不小于|至少|最少|不短于|no less than|not less than|at least|minimum of|min\.?)\s*$", "ge"),
    (r"(?:≤|<=|不超过|不高于|不大于|不多于|不长于|最多|至多|最高|可达|控制在|no more than|not more than|at most|"
     r"up to|as much as|as many as|maximum of|max\.?|within)\s*(?:±)?\s*$", "le"),
    (r"(?:>|超过|高于|大于|多于|more than|over|above|greater than|exceeding|in excess of)\s*$", "gt"),
    (r"(?:<|低于|小于|少于|不到|不足|less than|fewer than|under|below|lower than)\s*$", "lt"),
    (r"(?:of at least)\s*$", "ge"),
]
_PREFIX_CMP = [(re.compile(p, re.I), c) for p, c in _PREFIX_CMP]
_SUFFIX_CMP = [
    (re.compile(r"^\s*(?:以内|之内|内|以下|及以下|or less|or lower|and below|or below|or fewer)", re.I), "le"),
    (re.compile(r"^\s*(?:以上|及以上|or more|or higher|and above|or above|\+)", re.I), "ge"),
]
_APPROX_BEFORE = re.compile(r"(?:约|大约|大概|近|接近|about|around|approximately|approx\.?|roughly|nearly|"
                            r"almost|some|~|≈)\s*(?:为)?\s*$", re.I)
_APPROX_AFTER = re.compile(r"^\s*(?:左右|上下)")
_PLUSMINUS = re.compile(r"±\s*$")

# Relative changes: the last such word before the number (or right after it) decides the direction;
# a "to" word right before the number makes it a level instead ("降至1.5%", "reduced to 0.8%").
_DOWN_ZH = r"降低|减少|下降|缩短|减小|节约|节省|节电|节能|节水|减重|减排"
_DOWN_EN = r"reduc\w*|cut\w*|lower\w*|decreas\w*|sav\w*|shorten\w*|drop\w*|fell|fall\w*"
_UP_ZH = r"提升|提高|增加|增长|延长"
_UP_EN = r"increas\w*|improv\w*|rais\w*|extend\w*|boost\w*|grow\w*|rose|higher|longer"
_CHANGE_WORD = re.compile(rf"(?P<down>{_DOWN_ZH}|\b(?:{_DOWN_EN}))|(?P<up>{_UP_ZH}|\b(?:{_UP_EN}))", re.I)
_TO_LEVEL = re.compile(r"(?:至|到|为|达到|达|to|reach\w*|of only|only|just)\s*(?:约|about|around|approximately)?"
                       r"\s*(?:≥|≤|<|>|±)?\s*$", re.I)
_LEVEL_VERB_TO = re.compile(r"(?:降至|降到|降低至|降低到|减少至|减少到|缩短至|缩短到|减至|提升至|提升到|提高至|"
                            r"提高到|增至|增加到|增加至|控制在|达到|\bto\b)", re.I)
_SUFFIX_CHANGE = re.compile(r"^\s*(?:%\s*)?(?P<down>lower|less|fewer|shorter|smaller|cheaper)|"
                            r"^\s*(?:%\s*)?(?P<up>higher|more|longer|faster|greater)\b", re.I)
_FOLD_AFTER = re.compile(r"^\s*(?:倍|x\b|×(?!\s*10)|-?fold|times\b)", re.I)
_HEDGE = re.compile(r"目标|预计|(?<!非)计划|有望|(?<![模虚])拟|将达|预期|争取|理论|\b(?:expected|expects|aim\w*|target\w*|"
                    r"plan(?:s|ned)?|designed to reach|will|could|may|next version|once|potential)\b", re.I)


@dataclass(frozen=True)
class Interval:
    lo: float = -INF
    hi: float = INF
    lo_open: bool = False
    hi_open: bool = False

    def contains(self, other: "Interval") -> bool:
        lo_ok = other.lo > self.lo or (other.lo == self.lo and (not self.lo_open or other.lo_open))
        hi_ok = other.hi < self.hi or (other.hi == self.hi and (not self.hi_open or other.hi_open))
        return lo_ok and hi_ok

    def disjoint(self, other: "Interval") -> bool:
        if self.hi < other.lo or other.hi < self.lo:
            return True
        if self.hi == other.lo:
            return self.hi_open or other.lo_open
        if other.hi == self.lo:
            return other.hi_open or self.lo_open
        return False


@dataclass(frozen=True)
class Mention:
    """One number and what is said about it, on the unit's base scale (pint base units)."""

    value: Interval          # what is stated (levels), or the signed change (changes: −60 % = reduced by 60 %)
    unit: Unit               # dimension key and conversion factor
    kind: str                # "level" or "change"
    comparator: str | None   # ge/le/gt/lt/None as written
    approx: bool
    start: int               # span in the normalised clause
    end: int
    hedged: bool = False
    num_end: int = 0         # where the number ends and its unit begins


_EN_NUMBERS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_EN_NUMBER = re.compile(r"\b(" + "|".join(_EN_NUMBERS) + r")(?=\s+[a-z])", re.I)


def normalise(text: str) -> str:
    """Full-width to half-width, superscripts, Unicode minus; Chinese numerals to digits (cn2an)."""
    text = unicodedata.normalize("NFKC", text).replace("−", "-").replace("–", "–").replace("﹣", "-")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)                       # 1,000 -> 1000
    text = re.sub(r"两(?=[周天年月个小次倍万千百成])", "2", text)
    text = _EN_NUMBER.sub(lambda m: str(_EN_NUMBERS[m.group(1).lower()]), text)
    text = re.sub(r"(?:减少|降低|下降|缩短|reduced by|cut by)\s*(?:一半|half)", lambda m: m.group(0)[:-2] + "50%"
                  if m.group(0).endswith("一半") else m.group(0)[:-4] + "50%", text, flags=re.I)
    text = re.sub(r"减半|\bhalved\b", "减少50%", text, flags=re.I)
    text = re.sub(r"翻(?:一)?番|翻倍|\bdoubled\b", "提升100%", text, flags=re.I)
    if re.search(r"[零〇一二三四五六七八九十百千万亿]", text):
        import cn2an  # late: the import takes ~0.5 s and English-only texts never need it

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                text = cn2an.transform(text, "cn2an")
            except (ValueError, KeyError, IndexError):  # cn2an gives up on odd mixtures; keep the text
                pass
    text = re.sub(r"(\d+(?:\.\d+)?)\s*成(?![本分品功])", lambda m: f"{float(m.group(1)) * 10:g}%", text)
    return text


def _half_place(raw: str) -> float:
    """Half the place value of the last significant digit: 'about 11' is 10.5-11.5, 'about 50' is 45-55."""
    if "." in raw:
        return 0.5 * 10 ** -len(raw.split(".")[1])
    stripped = raw.rstrip("0")
    return 0.5 * 10 ** (len(raw) - len(stripped)) if stripped else 0.5


def _interval(a: float, b: float | None, cmp: str | None, approx: float | None) -> Interval:
    if b is not None:
        return Interval(min(a, b), max(a, b))
    if cmp == "ge":
        return Interval(a, INF)
    if cmp == "gt":
        return Interval(a, INF, lo_open=True)
    if cmp == "le":
        return Interval(-INF, a)
    if cmp == "lt":
        return Interval(-INF, a, hi_open=True)
    if approx:
        return Interval(a - approx, a + approx)
    return Interval(a, a)


def _comparator(before: str, after: str) -> str | None:
    for pattern, cmp in _SUFFIX_CMP:
        if pattern.search(after):
            return cmp
    for pattern, cmp in _PREFIX_CMP:
        if pattern.search(before):
            return cmp
    return None


def _change_direction(before: str, after: str) -> int:
    """+1/−1 for a relative change, 0 for a level."""
    suffix = _SUFFIX_CHANGE.search(after)
    if suffix:
        return -1 if suffix.group("down") else 1
    if _TO_LEVEL.search(before[-12:]):
        return 0
    last = None
    for m in _CHANGE_WORD.finditer(before):
        last = m
    if last is None:
        return 0
    # a "to" verb after the change word ("reduced to", "降至") makes it a level
    if _LEVEL_VERB_TO.search(before[last.start():]):
        return 0
    return -1 if last.group("down") else 1


@lru_cache(maxsize=8192)
def mentions(clause: str) -> tuple[Mention, ...]:
    """Every measured number in one normalised clause, left to right."""
    out: list[Mention] = []
    prev_end = 0
    hedged = bool(_HEDGE.search(clause))
    found = list(_MENTION.finditer(clause))
    for idx, m in enumerate(found):
        # "20–50万元": the multiplier written once applies to both ends
        a = float(m.group("a").replace(",", "")) * _MULT[m.group("mul") or (m.group("b") and m.group("mulb"))]
        if m.group("exp"):
            a *= 10 ** int(m.group("exp"))
        b = float(m.group("b").replace(",", "")) * _MULT[m.group("mulb") or m.group("mul")] if m.group("b") else None
        if m.group("sign"):
            a = -a
        before = clause[max(prev_end, m.start() - 30):m.start()]   # comparison words sit right before
        rest = clause[m.end():]
        next_start = found[idx + 1].start() if idx + 1 < len(found) else len(clause)
        unit, unit_len = find_unit(rest)
        if unit is not None and unit.surface == "度" and not m.group("mul"):
            unit, unit_len = None, 0  # "28万度" is electricity; a bare "30度" may be an angle or a temperature
        if unit is None:
            fold = _FOLD_AFTER.match(rest)
            if fold:
                unit, unit_len = find_unit("%")[0], fold.end()
        if unit is not None and unit.key == "[time]" and unit.factor == 31_557_600 and 1900 <= a <= 2100 and b is None:
            prev_end = m.end()
            continue  # "2026年" is a date, not a duration
        after = rest[unit_len:]
        if unit is None:
            unit, noun_len = count_noun(rest)
            unit_len = noun_len
            after = rest[unit_len:]
        tail = rate_unit(after)
        if tail is not None:
            unit, after = unit.per(tail[0]), after[tail[1]:]
        elif unit.per_basis:
            basis = _basis(clause[max(0, prev_end - 12):next_start])
            if basis:
                unit = unit.per(basis)
        direction = _change_direction(before, rest)
        fold = bool(_FOLD_AFTER.match(rest)) and unit.key == "ratio"
        cmp = _comparator(before, after)
        plusminus = bool(_PLUSMINUS.search(before))
        approx_raw = _APPROX_BEFORE.search(before) or _APPROX_AFTER.search(after)
        # "约11分钟" is 10.5-11.5 min; "约50万" ±2.5万: half the last digit, at most 5 % of the value
        approx = (min(_half_place(m.group("a").replace(",", "")) * _MULT[m.group("mul")], 0.05 * abs(a))
                  * unit.factor_for(a)) if approx_raw else None
        if fold:  # N倍 after 提升 is +N×100 %; "3-fold", "2x", "是…的3倍" is ×3, i.e. +200 %
            zh_plus = bool(re.search(r"(?:提升|提高|增加|增长|延长)\s*(?:≥|>=|不低于|至少)?\s*$", before))
            a = a * 100 if zh_plus else (a - 1) * 100
            b = None if b is None else (b * 100 if zh_plus else (b - 1) * 100)
            direction = 1
        if plusminus:  # "±1.5%" is a spread of 1.5 %; "±2%以内" is a spread of at most 2 %
            a = abs(a)
        lo_scale = unit.to_base(a)
        hi_scale = unit.to_base(b) if b is not None else None
        value = _interval(lo_scale, hi_scale, cmp, approx)
        if plusminus and cmp in ("le", "lt"):
            value = Interval(0.0, value.hi, False, value.hi_open)
        kind = "level"
        if direction and not plusminus:
            kind = "change"
            if unit.key == "[temperature]":  # a change of 8 °C is a difference, not a level of 8 °C
                value = _interval(unit.delta_to_base(a), unit.delta_to_base(b) if b is not None else None,
                                  cmp, approx)
            if direction < 0:
                value = Interval(-value.hi, -value.lo, value.hi_open, value.lo_open)
        end = m.end() + unit_len
        out.append(Mention(value, unit, kind, cmp, bool(approx_raw), m.start(), end,
                           hedged=hedged, num_end=m.end()))
        prev_end = end
    return tuple(out)


def _basis(window: str) -> Unit | None:
    for pattern, unit_name in BASIS_PATTERNS:
        if pattern.search(window):
            return find_unit(unit_name)[0]
    return None

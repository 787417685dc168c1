"""Indicator checks: does what an offering states meet each measurable indicator (指标) of a scenario?

Each indicator gets `met`, `unmet` or `unknown` with the offering's sentence as evidence. The rule never
guesses `met`: the offering must state a number, on a scale convertible to the indicator's (pint units,
same counted thing, same kind: level or change), about the same quantity (shared concepts from
data/indicators/concepts.csv, zh and en), and the stated interval must lie inside the required one.
A stated interval wholly outside is `unmet`; partial overlap, hedged claims ("目标", "expected"), unmatched
conditions ("at −25 °C") and qualitative indicators stay `unknown`.
"""
from __future__ import annotations

import csv
import math
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from matcher.config import DATA_DIR
from matcher.domain.quantities import INF, Interval, Mention, mentions, normalise

MET, UNMET, UNKNOWN = "met", "unmet", "unknown"
STATUSES = (MET, UNMET, UNKNOWN)
CONCEPTS_PATH = DATA_DIR / "indicators" / "concepts.csv"

_SPLIT_INDICATORS = re.compile(r"[;；\n]+")
_SPLIT_CLAUSES = re.compile(r"[。；;!?！？\n]+|[，,](?!\d{3})|\.(?:\s+|$)")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_EN_STOP = {"the", "and", "for", "with", "per", "from", "than", "that", "this", "all", "any", "its", "into",
            "within", "under", "below", "above", "least", "most", "more", "less", "about", "around", "each",
            "reduced", "increased", "rate", "level", "one", "our", "has", "have", "are", "is", "of", "by"}
# concepts a unit already says: "150 kW" is a power, "7 minutes" a time
_IMPLIED = {"[time]": "time", "[temperature]": "temperature", "[mass]": "weight", "[currency]": "cost",
            "[mass] * [length] ** 2 / [time] ** 3": "power", "[mass] * [length] ** 2 / [time] ** 2": "energy"}


def _implied(key: str) -> set[str]:
    base = key.split("/[")[0] if key.startswith("[mass] * [length] ** 2 / [time] ** 2/") else key
    return {_IMPLIED[base]} if base in _IMPLIED else set()


@dataclass(frozen=True)
class IndicatorCheck:
    indicator: str
    status: str                 # met | unmet | unknown
    evidence: str | None        # the offering's clause the verdict rests on

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Lexicon:
    zh: dict[str, frozenset[str]]        # term -> concepts; 结温 is both a junction and a temperature
    en: dict[str, frozenset[str]]        # lowercased term of one to three words
    zh_longest: int


@lru_cache(maxsize=4)
def _lexicon(path: Path = CONCEPTS_PATH) -> _Lexicon:
    zh: dict[str, set[str]] = {}
    en: dict[str, set[str]] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for col, table in (("zh", zh), ("en", en)):
                for term in filter(None, (t.strip().lower() for t in (row.get(col) or "").split(";"))):
                    table.setdefault(" ".join(_EN_WORD.findall(term)) if table is en else term,
                                     set()).add(row["concept"])
    return _Lexicon({t: frozenset(c) for t, c in zh.items()}, {t: frozenset(c) for t, c in en.items()},
                    max(map(len, zh)))


_EN_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def concepts_in(text: str) -> list[tuple[int, str]]:
    """(position, concept) for every lexicon term in text: the longest term at each place, no overlaps.
    en terms match whole words with up to three more letters on the last one (recover -> recovers)."""
    lex, low = _lexicon(), text.lower()
    found: list[tuple[int, str]] = []
    i, n = 0, len(low)
    while i < n:   # zh (and terms such as NMP, COD written inside Chinese): longest substring first
        if low[i].isascii() and low[i].isalpha() and i and low[i - 1].isascii() and low[i - 1].isalpha():
            i += 1
            continue
        for size in range(min(lex.zh_longest, n - i), 0, -1):
            concepts = lex.zh.get(low[i:i + size])
            if concepts and not (low[i:i + size].isascii() and low[i + size:i + size + 1].isalpha()):
                found.extend((i, c) for c in sorted(concepts))
                i += size
                break
        else:
            i += 1
    words = list(_EN_WORD.finditer(low))
    j = 0
    while j < len(words):
        for size in (3, 2, 1):
            if j + size > len(words):
                continue
            phrase = " ".join(w.group(0) for w in words[j:j + size])
            concepts = next((lex.en[phrase[:len(phrase) - k]] for k in range(4)
                             if phrase[:len(phrase) - k] in lex.en), None)
            if concepts:
                found.extend((words[j].start(), c) for c in sorted(concepts))
                j += size
                break
        else:
            j += 1
    return sorted(found)


def _raw_tokens(text: str) -> set[str]:
    """Words outside the lexicon: zh character pairs, en word stems (first 5 letters)."""
    zh = "".join(ch if _CJK.match(ch) else " " for ch in text)
    tokens = {w[i:i + 2] for w in zh.split() for i in range(len(w) - 1)}
    tokens |= {w[:5] for w in re.findall(r"[a-z]{3,}", text.lower()) if w not in _EN_STOP}
    return tokens


@dataclass(frozen=True)
class Requirement:
    text: str
    target: Mention | None
    conditions: tuple[Mention, ...]
    concepts: frozenset[str]
    tokens: frozenset[str]


def split_indicators(indicators: str | None) -> list[str]:
    """A scenario's indicators field ('a;b;c', one per line, or with '；') as a list, in order."""
    return [part.strip() for part in _SPLIT_INDICATORS.split(indicators or "") if part.strip()]


def _required(m: Mention) -> Interval:
    """What the indicator asks for. Without a comparison word a change means 'at least that much', a
    cold temperature means 'down to', and anything else the stated value."""
    if m.comparator or m.value.lo != m.value.hi:
        return m.value
    v = m.value.lo
    if m.kind == "change":
        return Interval(-INF, v) if v < 0 else Interval(v, INF)
    if m.unit.key == "[temperature]" and v < 273.15:
        return Interval(-INF, v)
    return m.value


@lru_cache(maxsize=4096)
def parse_requirement(indicator: str) -> Requirement:
    text = normalise(indicator)
    found = mentions(text)
    explicit = [m for m in found if m.comparator or m.kind == "change"]
    measured = [m for m in found if m.unit.key != "number"]
    target = (explicit or measured or [None])[-1]
    if target is not None:
        target = Mention(_required(target), target.unit, target.kind, target.comparator, target.approx,
                         target.start, target.end)
    conditions = tuple(m for m in found if target is not None and m.start != target.start and m.unit.key != "number")
    subject = text
    for m in sorted(found, key=lambda m: -m.start):
        subject = subject[:m.start] + " " + subject[m.end:]
    concepts = {c for _, c in concepts_in(subject)} | (_implied(target.unit.key) if target else set())
    return Requirement(indicator, target, conditions, frozenset(concepts), frozenset(_raw_tokens(subject)))


@dataclass(frozen=True)
class _Statement:
    clause: str                    # original text, the evidence
    mention: Mention
    concepts: frozenset[str]
    head: str | None               # the concept nearest to the number
    tokens: frozenset[str]
    others: tuple[Mention, ...]    # every mention of the clause (conditions are looked up here)


@lru_cache(maxsize=2048)
def statements(offering_text: str) -> tuple[_Statement, ...]:
    """Every measured statement of an offering, with the concepts around each number."""
    out: list[_Statement] = []
    for raw in _SPLIT_CLAUSES.split(offering_text or ""):
        raw = raw.strip()
        clause = normalise(raw) if raw else ""
        if not re.search(r"\d", clause):
            continue
        found = mentions(clause)
        everywhere = concepts_in(clause)
        for i, m in enumerate(found):
            lo = found[i - 1].end if i else 0
            hi = found[i + 1].start if i + 1 < len(found) else len(clause)
            # the words around the number (and a modifier inside its unit, "24 delivery sorties")
            before = [pc for pc in everywhere if lo <= pc[0] < m.start]
            after = [pc for pc in everywhere if m.num_end <= pc[0] < hi]
            if not before:   # "查询1次需要约2分钟": the subject came before the previous number
                before = [pc for pc in everywhere if pc[0] < m.start]
            # the subject usually comes before the number ("回收率85%", "Cpk of 2.0 on coating"), else after
            head = before[-1][1] if before else (after[0][1] if after else None)
            concepts = {c for _, c in before + after} | _implied(m.unit.key)
            window = clause[lo:m.start] + " " + clause[m.num_end:hi]
            out.append(_Statement(raw, m, frozenset(concepts), head, frozenset(_raw_tokens(window)), found))
    return tuple(out)


def _same_quantity(req: Requirement, st: _Statement) -> bool:
    """The statement is about the indicator's quantity: it shares at least half of the indicator's concepts,
    names no other quantity when it shares only part, and its nearest concept is one of the indicator's."""
    implied = _implied(st.mention.unit.key)
    if not st.concepts - implied and st.mention.unit.key.startswith("count:") and \
            not st.mention.unit.key.startswith(("count:times", "count:item")):
        return True   # "Handles 150 orders per day": the counted thing itself names the quantity
    if not req.concepts - _implied(req.target.unit.key):   # only the unit says what it is: words must agree
        return bool(req.tokens & st.tokens)
    shared = req.concepts & st.concepts
    if not shared - implied or len(shared) < math.ceil(len(req.concepts) / 2):
        return False
    if shared != req.concepts and st.concepts - req.concepts - implied:
        return False
    return st.head is None or st.head in req.concepts


def _conditions_hold(req: Requirement, st: _Statement) -> bool:
    for cond in req.conditions:
        if not any(o.unit.key == cond.unit.key and o is not st.mention and not o.value.disjoint(cond.value)
                   for o in st.others):
            return False
    return True


def check(indicator: str, offering_text: str) -> IndicatorCheck:
    """Check one indicator against an offering's text (title, description, keywords)."""
    req = parse_requirement(indicator)
    if req.target is None:
        return IndicatorCheck(indicator, UNKNOWN, None)   # qualitative: nothing to measure
    want = req.target
    verdicts: list[tuple[str, str]] = []
    partial: str | None = None
    for st in statements(offering_text):
        got = st.mention
        if got.unit.key != want.unit.key or got.kind != want.kind or not _same_quantity(req, st):
            continue
        if want.kind == "change" and (got.value.hi > 0 > want.value.hi or got.value.lo < 0 < want.value.lo):
            continue   # a rise where a fall is asked ("效率为登塔的6倍" for "登塔减少80%") is another quantity
        if st.mention.hedged or not _conditions_hold(req, st):
            partial = partial or st.clause
            continue
        if want.value.contains(got.value):
            verdicts.append((MET, st.clause))
        elif want.value.disjoint(got.value):
            verdicts.append((UNMET, st.clause))
        else:
            partial = partial or st.clause
    kinds = {v for v, _ in verdicts}
    if len(kinds) == 1:
        status = kinds.pop()
        return IndicatorCheck(indicator, status, next(c for v, c in verdicts if v == status))
    if kinds:  # the offering contradicts itself: say so rather than pick
        return IndicatorCheck(indicator, UNKNOWN, verdicts[0][1])
    return IndicatorCheck(indicator, UNKNOWN, partial)


def check_all(indicators: str | list[str] | None, offering_text: str) -> list[IndicatorCheck]:
    """Every indicator of a scenario, in the scenario's order."""
    items = split_indicators(indicators) if isinstance(indicators, str) or indicators is None else indicators
    return [check(item, offering_text) for item in items]

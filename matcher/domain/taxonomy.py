"""Industry taxonomy and synonym groups, read from data/taxonomy.csv and data/synonyms.csv.

Officials extend both files without touching code: a new industry is a new row in taxonomy.csv,
a new synonym group is a new row in synonyms.csv (terms separated by ';').
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from matcher.config import get_settings


@dataclass(frozen=True)
class Industry:
    code: str
    name_zh: str
    name_en: str
    keywords: tuple[str, ...]

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass
class Taxonomy:
    industries: dict[str, Industry]
    synonym_groups: list[tuple[str, ...]]
    _term_to_groups: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for i, group in enumerate(self.synonym_groups):
            for term in group:
                self._term_to_groups.setdefault(term.lower(), []).append(i)

    def synonyms(self, term: str) -> set[str]:
        """Other terms in the same synonym groups as term (lower-cased), without term itself."""
        out: set[str] = set()
        for i in self._term_to_groups.get(term.lower(), ()):
            out.update(t.lower() for t in self.synonym_groups[i])
        out.discard(term.lower())
        return out

    def infer_industry(self, text: str) -> tuple[str | None, float]:
        """Best industry for a text by keyword hits, with a confidence in [0, 1]; (None, 0) if no hit."""
        low = text.lower()
        best, best_hits, total = None, 0, 0
        for code, ind in self.industries.items():
            hits = sum(1 for kw in ind.keywords if kw and kw.lower() in low)
            total += hits
            if hits > best_hits:
                best, best_hits = code, hits
        if best is None:
            return None, 0.0
        return best, best_hits / total

    def industry_keywords_in(self, text: str) -> dict[str, list[str]]:
        """For each industry, the keywords of it that occur in text."""
        low = text.lower()
        return {code: hits for code, ind in self.industries.items()
                if (hits := [kw for kw in ind.keywords if kw and kw.lower() in low])}


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(t.strip() for t in (cell or "").split(";") if t.strip())


def read_taxonomy(taxonomy_csv: Path, synonyms_csv: Path) -> Taxonomy:
    with open(taxonomy_csv, encoding="utf-8-sig", newline="") as f:
        industries = {
            row["code"].strip(): Industry(row["code"].strip(), row["name_zh"].strip(), row["name_en"].strip(),
                                          _split(row.get("keywords")))
            for row in csv.DictReader(f) if row.get("code", "").strip()
        }
    groups: list[tuple[str, ...]] = []
    if synonyms_csv.exists():
        with open(synonyms_csv, encoding="utf-8-sig", newline="") as f:
            groups = [g for row in csv.DictReader(f) if len(g := _split(row.get("terms"))) > 1]
    return Taxonomy(industries, groups)


@lru_cache(maxsize=4)
def _cached(taxonomy_csv: str, synonyms_csv: str) -> Taxonomy:
    return read_taxonomy(Path(taxonomy_csv), Path(synonyms_csv))


def load_taxonomy(taxonomy_csv: Path | None = None) -> Taxonomy:
    """The taxonomy named by the settings (cached); synonyms.csv sits beside taxonomy.csv."""
    path = Path(taxonomy_csv or get_settings().taxonomy_path)
    return _cached(str(path), str(path.with_name("synonyms.csv")))

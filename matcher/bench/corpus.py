"""Synthetic corpora for the benchmark: N offerings and scenarios composed from the taxonomy and demo data.

Each record is assembled from an industry's keywords, a synonym group, a region, a maturity and one of
several Chinese or English sentence templates, so no two records share their text and the vocabulary
has the skew of the real one (a few common terms, a long tail). The i-th record depends only on the seed
and i, so the corpus of 10,000 starts with the corpus of 1,000 (vectors cached for one size serve the next).
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from matcher.config import DATA_DIR
from matcher.domain.taxonomy import load_taxonomy

ZH_OFFER = [
    "{org}推出{kw1}技术，可用于{kw2}，{syn}表现突出，已在{region}完成{mat}验证。",
    "基于{kw1}与{kw2}的{syn}方案，{org}研发，适合{ind}企业的产线改造，编号{n}。",
    "{kw1}新产品：解决{kw2}环节的{syn}问题，{mat}阶段，{region}可提供现场演示。",
]
EN_OFFER = [
    "{org} offers a {kw1} technology for {kw2}, strong on {syn}; {mat} stage, validated in {region}.",
    "A {syn} solution combining {kw1} and {kw2}, developed by {org} for {ind} plants (batch {n}).",
    "New {kw1} product that tackles {syn} in {kw2} processes; {mat}, demo available in {region}.",
]
ZH_NEED = [
    "{region}某{ind}企业需要{kw1}方案，重点解决{kw2}的{syn}问题，预算约{n}万元。",
    "寻求{kw1}技术合作：现有{kw2}产线{syn}不达标，希望{mat}以上成熟度的供应商。",
    "{ind}应用场景：{kw2}环节急需{kw1}，考核指标为{syn}，地点{region}。",
]
EN_NEED = [
    "A {ind} company in {region} needs {kw1} to fix {syn} in its {kw2} line; budget about {n}k CNY.",
    "Looking for a {kw1} partner: our {kw2} process misses its {syn} targets, {mat} maturity or better.",
    "Scenario in {ind}: the {kw2} stage urgently needs {kw1}; success is measured by {syn}, site {region}.",
]
ORGS_ZH = ["常州", "江苏", "华东", "武进", "新北", "溧阳", "金坛", "天宁"]
ORGS_EN = ["Changzhou", "Jiangsu", "East China", "Wujin", "Xinbei", "Liyang", "Jintan", "Tianning"]
SUFFIX_ZH = ["科技有限公司", "研究院", "大学实验室", "智能装备公司", "新材料公司"]
SUFFIX_EN = ["Tech Co.", "Research Institute", "University Lab", "Equipment Ltd.", "Materials Inc."]
MATURITY = {"zh": ["实验室", "中试", "小批量", "量产"], "en": ["lab", "pilot", "small-batch", "mass-production"]}
MATURITY_CODE = ["lab", "pilot", "small_batch", "mass_production"]


@dataclass(frozen=True)
class Vocabulary:
    industries: list[tuple[str, dict[str, list[str]], dict[str, str]]]  # code, {lang: keywords}, {lang: name}
    synonyms: dict[str, list[str]]                                       # lang -> synonym terms
    regions: dict[str, list[str]]                                        # lang -> region names
    demo_titles: dict[str, list[str]]                                    # lang -> demo record titles


def _is_zh(term: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in term)


def load_vocabulary(data_dir: Path = DATA_DIR) -> Vocabulary:
    tax = load_taxonomy()
    industries = []
    for code, ind in tax.industries.items():
        kws = list(getattr(ind, "keywords", ()) or ())
        by_lang = {"zh": [k for k in kws if _is_zh(k)] or [ind.name_zh], "en": [k for k in kws if not _is_zh(k)] or [ind.name_en]}
        industries.append((code, by_lang, {"zh": ind.name_zh, "en": ind.name_en}))
    syn = {"zh": [], "en": []}
    for group in getattr(tax, "synonym_groups", ()):
        for term in group:
            syn["zh" if _is_zh(term) else "en"].append(term)
    regions = {"zh": ORGS_ZH[:], "en": ORGS_EN[:]}
    if (data_dir / "regions.csv").exists():
        with open(data_dir / "regions.csv", encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                alias = (row.get("alias") or "").strip()
                if alias:
                    regions["zh" if _is_zh(alias) else "en"].append(alias)
    demo = {"zh": [], "en": []}
    for name in ("offerings.csv", "scenarios.csv"):  # demo titles add real phrasing when the demo data is there
        path = data_dir / "demo" / name
        if path.exists():
            with open(path, encoding="utf-8-sig", newline="") as f:
                for row in csv.DictReader(f):
                    if title := (row.get("title") or "").strip():
                        demo["zh" if _is_zh(title) else "en"].append(title)
    return Vocabulary(industries, {k: v or ["quality"] for k, v in syn.items()}, regions, demo)


def _compose(vocab: Vocabulary, side: str, i: int, seed: int) -> dict:
    rng = random.Random(f"{seed}:{side}:{i}")
    lang = "zh" if rng.random() < 0.6 else "en"
    code, kws, names = vocab.industries[int(rng.paretovariate(1.2)) % len(vocab.industries)]
    # Zipf-like picks: a few common keywords, a long tail.
    pick = lambda seq: seq[min(int(rng.paretovariate(1.0)) - 1, len(seq) - 1) if rng.random() < 0.5 else rng.randrange(len(seq))]  # noqa: E731
    kw1, kw2 = pick(kws[lang]), pick(kws[lang])
    mat = rng.randrange(4)
    org = (rng.choice(ORGS_ZH) + rng.choice(SUFFIX_ZH)) if lang == "zh" else f"{rng.choice(ORGS_EN)} {rng.choice(SUFFIX_EN)}"
    fields = {"org": org, "kw1": kw1, "kw2": kw2, "syn": pick(vocab.synonyms[lang]), "ind": names[lang],
              "region": rng.choice(vocab.regions[lang]), "mat": MATURITY[lang][mat], "n": rng.randint(10, 9999)}
    templates = (ZH_OFFER if lang == "zh" else EN_OFFER) if side == "supply" else (ZH_NEED if lang == "zh" else EN_NEED)
    title_kw = pick(kws[lang])
    title = (f"{title_kw}{'解决方案' if side == 'supply' else '需求'}" if lang == "zh"
             else f"{title_kw} {'solution' if side == 'supply' else 'needed'}")
    if vocab.demo_titles[lang] and rng.random() < 0.2:
        title = f"{rng.choice(vocab.demo_titles[lang])} · {title}"
    desc = " ".join(rng.choice(templates).format(**fields) for _ in range(rng.randint(1, 2)))
    record = {"id": f"{'O' if side == 'supply' else 'S'}-b{seed}-{i:07d}", "title": title[:200], "description": desc,
              "organization": org, "industry": code, "region": fields["region"],
              "keywords": ";".join(sorted({kw1, kw2}))}
    if side == "supply":
        record["maturity"] = MATURITY_CODE[mat]
    else:
        record["required_maturity"] = MATURITY_CODE[mat]
        record["budget_wan"] = float(fields["n"])
    return record


def compose(vocab: Vocabulary, side: str, n: int, seed: int = 0, start: int = 0) -> list[dict]:
    """Records start..start+n-1 of one side ("supply" or "demand")."""
    return [_compose(vocab, side, i, seed) for i in range(start, start + n)]

"""Cost of the programme's evidence on the demo data: similar-case lookup, and a scenario's match with and
without the tag and case lifts; plus how well the case threshold separates the demo's true case matches.

    HF_HUB_OFFLINE=1 python benchmarks/programme_speed.py        # writes benchmarks/programme_speed.json

Real bundled model, the demo data in a fresh temporary database. Figures are medians over every published
demo scenario (92), after one warm-up pass (embeddings cached, as in the running app).
"""
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# scenario -> the demo case that solved the same problem (data/demo/cases.csv, projects.json)
TRUE_CASE = {"S-0002": "C-D006", "S-0025": "C-D001", "S-0023": "C-D002", "S-0014": "C-D003", "S-0016": "C-D005",
             "S-0003": "C-D004"}


def _ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    os.environ.update(MATCHER_VAR_DIR=tempfile.mkdtemp(prefix="matcher-programme-"), MATCHER_DEMO_ACCOUNTS="false")
    from matcher.config import Settings
    from matcher.domain.records import Side, record_text
    from matcher.service import Platform
    from matcher.workflow import cases

    settings = Settings()
    platform = Platform.open(settings)
    platform.seed_demo()
    scenarios = platform.store.list_records(Side.DEMAND, "published")
    for rec in scenarios:  # warm-up: embeddings cached, case index built
        platform.suggestions(Side.DEMAND, rec["id"])
    lookup = [_ms(lambda r=rec: platform.similar_cases(r)) for rec in scenarios]
    lifted = [_ms(lambda r=rec: platform.suggestions(Side.DEMAND, r["id"])) for rec in scenarios]
    plain = [_ms(lambda r=rec: platform.engine.match(r, Side.DEMAND, settings.top_k)) for rec in scenarios]
    scores = {rec["id"]: {h.id: h.score for h in platform.case_index.search(
        platform.engine, platform.store, record_text(rec), k=10)} for rec in scenarios}
    true = [scores[s].get(c, 0.0) for s, c in TRUE_CASE.items()]
    false = [v for s, hits in scores.items() for c, v in hits.items() if TRUE_CASE.get(s) != c]
    lifted_pairs = sum(1 for rec in scenarios for s in platform.suggestions(Side.DEMAND, rec["id"])
                       if "lift" in s.channels)
    doc = {
        "command": "HF_HUB_OFFLINE=1 python benchmarks/programme_speed.py",
        "scenarios": len(scenarios), "cases": len(cases.list_cases(platform.store)),
        "similar_cases_p50_ms": round(statistics.median(lookup), 2),
        "match_with_lifts_p50_ms": round(statistics.median(lifted), 2),
        "match_without_lifts_p50_ms": round(statistics.median(plain), 2),
        "case_min_similarity": settings.case_min_similarity,
        "true_case_scores": {s: round(v, 4) for s, v in zip(TRUE_CASE, true)},
        "best_wrong_case_score": round(max(false), 4),
        "true_cases_found": sum(v >= settings.case_min_similarity for v in true),
        "wrong_cases_shown": sum(v >= settings.case_min_similarity for v in false),
        "suggestions_with_a_lift": lifted_pairs,
    }
    out = ROOT / "benchmarks" / "programme_speed.json"
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(doc, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

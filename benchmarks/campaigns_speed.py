"""Cost of diagnosis campaigns and reports on the demo data: ranking the providers' services for a campaign,
ranking the open campaigns for one service, and building reports (plus their workbook and print page).

    HF_HUB_OFFLINE=1 python benchmarks/campaigns_speed.py        # writes benchmarks/campaigns_speed.json

Real default model, the demo data in a fresh temporary database; medians and maxima of 20 runs after one
warm-up run (embeddings cached, as in the running app). Records the load average, which the figures follow.
"""
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RUNS = 20


def _timed(fn) -> dict:
    fn()
    out = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": round(statistics.median(out), 1), "max_ms": round(max(out), 1)}


def main() -> None:
    os.environ.update(MATCHER_VAR_DIR=tempfile.mkdtemp(prefix="matcher-campaigns-"), MATCHER_DEMO_ACCOUNTS="false")
    from matcher.config import Settings
    from matcher.io.report_workbook import report_html, report_xlsx
    from matcher.service import Platform
    from matcher.workflow import campaigns as cp
    from matcher.workflow.reports import CampaignScope, YearScope, build_report

    platform = Platform.open(Settings())
    platform.seed_demo()
    first = min(c["id"] for c in cp.list_campaigns(platform.store))
    offer = cp.service_offers(platform.store, published_only=True)[0]["id"]
    ranked = cp.match_providers(platform, first)
    by_id = {o["id"]: o["organization"] for o in cp.service_offers(platform.store)}

    def campaign_files():
        report = build_report(platform.store, CampaignScope(first))
        return report_xlsx(report, "zh"), report_html(report, "zh")
    doc = {
        "command": "HF_HUB_OFFLINE=1 python benchmarks/campaigns_speed.py",
        "load_average_before": os.getloadavg()[0],
        "service_offers": len(cp.service_offers(platform.store, published_only=True)),
        "campaigns": len(cp.list_campaigns(platform.store)),
        "campaign_1_ranking": [f"{by_id[s.offering_id]}: {s.score:.3f}" for s in ranked],
        "match_providers": _timed(lambda: cp.match_providers(platform, first)),
        "campaigns_for_offer": _timed(lambda: cp.campaigns_for_offer(platform, offer)),
        "year_report": _timed(lambda: build_report(platform.store, YearScope(dt.date.today().year))),
        "campaign_report_xlsx_html": _timed(campaign_files),
        "load_average_after": os.getloadavg()[0],
    }
    platform.close()
    (ROOT / "benchmarks" / "campaigns_speed.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(doc, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

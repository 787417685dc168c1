"""Speed of the marketplace at 10,000 published listings (issue 15: "browse or search with 10k listings:
p95 <= 300 ms per page run").

    HF_HUB_OFFLINE=1 python benchmarks/marketplace_speed.py [--listings 10000]

The listings are the demo offerings and scenarios (real zh and en texts, 224 + 92) repeated with numbered
titles and spread deadlines, budgets and organisations, half offerings and half scenarios; a tenth of the
organisations hold a verified tag. Measured: the query function (matcher/workflow/marketplace.browse) over a
mix of filters, keywords in both languages and deep pages, and the whole page run (Streamlit AppTest script
run of ui/marketplace.py: widgets, query, drawing 20 rows). The fake encoder is used: neither measured step
encodes text, so the model would only add its load time.
"""
import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from conftest import open_app  # noqa: E402  (the same signed-in AppTest the page tests use)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms" \
           f" over {len(ordered)}"


def _fill(platform, n: int) -> None:
    from matcher.domain.records import RecordStatus, Side
    from matcher.io.imports import parse_records
    from matcher.storage.schema import OrganisationTagRow, utcnow
    from matcher.workflow import organisations

    demo = ROOT / "data" / "demo"
    for side, name in ((Side.SUPPLY, "offerings.csv"), (Side.DEMAND, "scenarios.csv")):
        base = parse_records(side, demo / name)
        records = []
        for i in range(n // 2):
            rec = base[i % len(base)]
            extra = dict(id=f"{'O' if side == Side.SUPPLY else 'S'}-M{i:05d}", title=f"{rec.title} #{i}",
                         organization=f"{rec.organization} {i % 1500}")
            if side == Side.DEMAND:
                extra.update(deadline=dt.date(2027, 1, 1) + dt.timedelta(days=i % 400), budget_wan=float(20 + i % 500))
            records.append(rec.model_copy(update=extra))
        platform.store.add_records(side, records, actor="bench", status=RecordStatus.PUBLISHED)
    organisations.link_records(platform.store, actor="bench")
    with platform.store.write() as s:
        from sqlalchemy import select

        from matcher.storage.schema import OrganisationRow
        for org_id in list(s.scalars(select(OrganisationRow.id)))[::10]:
            s.add(OrganisationTagRow(organisation_id=org_id, tag="little_giant", level="national", year=2024,
                                     status="verified", verified_by="bench", verified_at=utcnow()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listings", type=int, default=10_000)
    n = parser.parse_args().listings
    os.environ.update(MATCHER_VAR_DIR=tempfile.mkdtemp(prefix="matcher-market-speed-"), MATCHER_ENCODER="fake",
                      MATCHER_SEED_DEMO="false", MATCHER_DEMO_ACCOUNTS="false", MATCHER_LANGUAGE="en")
    from matcher.auth import create_user
    from matcher.domain.records import Side
    from matcher.workflow.marketplace import BrowseQuery, browse
    from ui.resources import get_platform

    platform = get_platform()
    _fill(platform, n)
    store = platform.store
    total = browse(store, BrowseQuery()).total
    queries = [BrowseQuery(), BrowseQuery(side=Side.DEMAND, sort="deadline"), BrowseQuery(text="battery pack"),
               BrowseQuery(text="石墨烯导热"), BrowseQuery(text="储能电站 热失控"), BrowseQuery(page=237),
               BrowseQuery(industry="batteries_storage", region="武进"), BrowseQuery(tags=("little_giant",)),
               BrowseQuery(budget_min=100, budget_max=300, deadline_from=dt.date(2027, 3, 1)),
               BrowseQuery(text="machine vision", maturity=("small_batch", "mass_production"), page=3)]
    for q in queries:   # warm the page cache once, as a running app has it
        browse(store, q)
    per_query = {q: [_timed(lambda q=q: browse(store, q)) for _ in range(10)] for q in queries}
    samples = [x for xs in per_query.values() for x in xs]
    print(f"\nmarketplace query, one page of 20 from {total:,} published listings: {_percentiles(samples)}")
    for q, xs in per_query.items():
        shown = {k: v for k, v in q.__dict__.items() if v not in (None, "", (), 1, 20, "relevance")}
        print(f"  {shown or 'no filter'}: median {statistics.median(xs) * 1000:.0f} ms, "
              f"{browse(store, q).total:,} found")

    ent = create_user(store, "speed@enterprise.test", "password-123", "enterprise", "Speed Co", "E")
    at = open_app("ui/marketplace.py", ent).run(timeout=120)
    assert not at.exception, at.exception
    runs = [_timed(lambda: at.run(timeout=60)) for _ in range(10)]
    for word in ["battery", "石墨烯", "machine vision", "储能", "laser", "热管理", "welding", "检测", "sensor", ""]:
        box = at.text_input(key="mkt_text")
        runs.append(_timed(lambda: box.input(word).run(timeout=60)))
    for _ in range(10):
        button = at.button(key="mkt_next")
        runs.append(_timed(lambda: button.click().run(timeout=60)))
    assert not at.exception and len(at.session_state["mkt_shown"]) == 20
    print(f"marketplace page run ({n:,} listings, page of 20; reruns, keyword searches, next page): "
          f"{_percentiles(runs)}")
    print(f"load average after the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

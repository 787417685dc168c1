"""Speed of the web app on the demo data, measured with Streamlit's AppTest (script-run times).

    HF_HUB_OFFLINE=1 python benchmarks/app_speed.py

Uses the real bundled model and the demo data in a fresh temporary database. Prints the figures quoted
in the README: first start, a new submission's suggestions, and page switches.

    HF_HUB_OFFLINE=1 python benchmarks/app_speed.py review

measures the review queue only (issue 15): one page of the queue query over 10,000 pairings (keyword search
and filters included), and a review-queue action in the page (click, transition, audit row, rerun), with
the fake encoder: no review step encodes text, so the model would only add its load time.
"""
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


def main() -> None:
    from matcher.auth import authenticate
    from matcher.domain.records import Side

    os.environ["MATCHER_VAR_DIR"] = tempfile.mkdtemp(prefix="matcher-app-speed-")
    os.environ["MATCHER_LANGUAGE"] = "en"
    first = _timed(lambda: open_app().run(timeout=900))
    from ui.resources import get_platform
    platform = get_platform()
    n_off, n_scen = platform.store.count(Side.SUPPLY), platform.store.count(Side.DEMAND)
    enterprise = authenticate(platform.store, "enterprise@demo.local", "demo-enterprise", platform.settings)
    official = authenticate(platform.store, "official@demo.local", "demo-official", platform.settings)

    submit = []
    for i in range(5):
        at = open_app("app.py", enterprise).run()
        at.switch_page("ui/submit_scenario.py").run()
        at.text_input(key="submit_demand_form_title").input(f"Battery pack thermal runaway warning {i}")
        at.text_area(key="submit_demand_form_description").input(
            "储能电站需要电池热失控早期预警，检测电芯温度和气体，提前报警。 Early warning of thermal runaway in "
            f"energy storage battery cells, detecting gas and temperature, batch {i}.")
        button = at.button(key="submit_demand_form_submit")
        seconds = _timed(lambda: button.click().run(timeout=60))
        if at.warning:  # near-duplicate of a demo scenario: confirm, as the user would
            seconds += _timed(lambda: at.button(key="submit_demand_dup_confirm").click().run(timeout=60))
        submit.append(seconds)
        assert at.subheader[0].value == "Suggested counterparts", [e.value for e in at.error]

    at = open_app("app.py", official).run()
    switches = {}
    for page in ("ui/review.py", "ui/moderation.py", "ui/import_export.py", "ui/dashboard.py"):
        at.switch_page(page).run()
        switches[page] = statistics.median(_timed(lambda: at.switch_page(page).run()) for _ in range(5))
    enterprise_at = open_app("app.py", enterprise).run()
    for page in ("ui/submit_offering.py", "ui/submit_scenario.py", "ui/my_submissions.py"):
        enterprise_at.switch_page(page).run()
        switches[page] = statistics.median(_timed(lambda: enterprise_at.switch_page(page).run()) for _ in range(5))
    print(f"\nfirst start (model load + demo data, {n_off} offerings, {n_scen} scenarios): {first:.1f} s")
    print(f"new scenario saved + suggestions shown: median {statistics.median(submit):.2f} s, "
          f"max {max(submit):.2f} s over {len(submit)}")
    for page, seconds in switches.items():
        print(f"page switch to {page}: median {seconds * 1000:.0f} ms")


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms over {len(ordered)}"


def review_queue() -> None:
    """Queue query over 10k pairings, and actions in the review page (AppTest script runs)."""
    os.environ.update(MATCHER_VAR_DIR=tempfile.mkdtemp(prefix="matcher-review-speed-"), MATCHER_ENCODER="fake",
                      MATCHER_SEED_DEMO="false", MATCHER_DEMO_ACCOUNTS="false", MATCHER_LANGUAGE="en")
    from matcher.auth import create_user
    from matcher.domain.records import PairingStatus, ReasonCode, Side, validate_record
    from matcher.search.ranking import Suggestion
    from matcher.workflow import queue, review
    from ui.resources import get_platform

    platform = get_platform()
    store = platform.store
    n_side = 1000
    words = ["graphene film", "battery pack", "machine vision", "laser welding", "储能电站", "石墨烯导热膜"]
    store.add_records(Side.SUPPLY, [validate_record(Side.SUPPLY, dict(
        id=f"O-{i}", title=f"{words[i % 6]} offering {i}", description=f"{words[(i + 1) % 6]} for plants, no. {i}",
        organization=f"Supplier {i % 97}")) for i in range(n_side)])
    store.add_records(Side.DEMAND, [validate_record(Side.DEMAND, dict(
        id=f"S-{i}", title=f"{words[(i + 2) % 6]} need {i}", description=f"We need {words[(i + 3) % 6]}, no. {i}",
        organization=f"Plant {i % 89}")) for i in range(n_side)])
    sugs = [Suggestion(f"S-{i}", f"O-{(i * 7 + j) % n_side}", 0.35 + ((i * 31 + j * 17) % 60) / 100, {}, [], [])
            for i in range(n_side) for j in range(10)]
    review.save_suggestions(store, sugs, min_score=0.0)
    queries = [queue.QueueQuery(), queue.QueueQuery(text="graphene"), queue.QueueQuery(text="石墨烯 Plant"),
               queue.QueueQuery(view="all", page=37), queue.QueueQuery(min_score=0.6, industry="carbon_materials")]
    samples = [_timed(lambda q=q: queue.search(store, q)) for _ in range(20) for q in queries]
    total = queue.search(store, queue.QueueQuery(view="all")).total
    print(f"\nreview queue query, one page of 20 from {total:,} pairings: {_percentiles(samples)}")

    official = create_user(store, "speed@official.test", "password-123", "official", "Bureau", "O")
    at = open_app("ui/review.py", official).run(timeout=120)
    runs, actions, cpu = [], [], []
    for _ in range(10):
        runs.append(_timed(lambda: at.run(timeout=60)))
    for _ in range(20):
        at.selectbox(key="review_action").set_value(PairingStatus.APPROVED)
        at.selectbox(key="review_reason").set_value(ReasonCode.STRONG_FIT)
        button = at.button(key="review_apply_one")
        started = time.process_time()   # CPU of this process (the page's script thread and AppTest's own)
        actions.append(_timed(lambda: button.click().run(timeout=60)))
        cpu.append(time.process_time() - started)
        assert at.success and not at.error, [e.value for e in at.error]
    print(f"review page run (10,000 pairings, page of 20): {_percentiles(runs)}")
    print(f"review-queue action (approve with a reason: transition + audit + page rerun): {_percentiles(actions)}")
    # On a shared, loaded machine the wall time is mostly waiting for a core; the CPU time is what the action costs.
    print(f"review-queue action, CPU time of the process: {_percentiles(cpu)}; load average "
          f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    review_queue() if sys.argv[1:] == ["review"] else main()

"""Speed of the web app on the demo data, measured with Streamlit's AppTest (script-run times).

    HF_HUB_OFFLINE=1 python benchmarks/app_speed.py

Uses the real bundled model and the demo data in a fresh temporary database. Prints the figures quoted
in the README: first start, a new submission's suggestions, and page switches.
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


if __name__ == "__main__":
    main()

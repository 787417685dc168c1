"""Shared by the browser tests and make_screenshots.py: the server (start, seed, stop) and page helpers.

Browser tests: `streamlit run app.py` on a free port with a temporary database, driven by headless Chromium.

The server uses the fake encoder (MATCHER_ENCODER=fake): the tests check what users see and can do, not
ranking quality (the unit and integration tests cover that with the real model), and the real model would
add about a minute to every run. The database is seeded before the server starts with a few published
records and one account per role, so each test starts from a known state without clicking through setup.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import weakref
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(__file__).resolve().parent / "screenshots"  # git-ignored
CHROMIUM = Path(os.environ.get("MATCHER_E2E_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
               "--no-first-run", "--disable-gpu", "--disable-sync"]
TIMEOUT_MS = 30_000      # one Streamlit rerun on a loaded 2-core machine can take several seconds
START_TIMEOUT_S = 120    # server start: imports, schema, index sync

PASSWORD = "e2e-password-1"
OFFICIAL = "official@e2e.test"
ENTERPRISE_B = "pairing-owner@e2e.test"   # owns a published scenario with pairings (test 2)
ENTERPRISE_C = "markup@e2e.test"          # submits markup in a scenario (test 3)
ENTERPRISE_D = "inbox-owner@e2e.test"     # owns the scenario whose pairing the notification test approves
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
BOLD = "<b>bold</b>"

OFFERINGS = [
    dict(title="Graphene thermal film for battery packs", description="High conductivity graphene film spreads "
         "heat in lithium battery packs and power electronics, keeping cells below 45 C.",
         organization="Carbon Films Co", industry="carbon_materials", region="Wujin, Changzhou",
         keywords="graphene; thermal film; battery pack; heat spreading", maturity="small_batch",
         contact_name="Ann Graphene", contact_email="ann@carbon-films.example", contact_phone="0519-1234567"),
    dict(title="Machine vision defect inspection", description="Camera and deep learning system that finds "
         "surface defects on solar cells and metal parts on the production line.", organization="Vision Co",
         industry="industrial_internet", region="Xinbei, Changzhou", keywords="machine vision; defect detection",
         maturity="mass_production", contact_name="Victor", contact_email="victor@vision.example"),
    # User-entered markup in a published offering: it must show as text wherever a suggestion shows it.
    dict(title=f"Battery cooling plate {XSS} {BOLD}", description=f"Liquid cooling plate for battery packs "
         f"and thermal management. {XSS} {BOLD}", organization=f"Cool {BOLD} Ltd", industry="batteries_storage",
         region="Wujin, Changzhou", keywords="battery pack; cooling; thermal management", maturity="pilot",
         contact_name="Mallory", contact_email="mallory@cool.example"),
]
PAIRED_SCENARIO = dict(
    title="Lithium battery packs overheat in summer", description="Our lithium battery packs overheat; we "
    "need a graphene thermal film or other heat spreading material for the battery pack.",
    organization="Pack Maker Ltd", industry="batteries_storage", region="Wujin, Changzhou",
    keywords="battery pack; thermal film; graphene", required_maturity="pilot", budget_wan=200,
    contact_name="Bo Pack", contact_email="bo@pack.example")
VISION_SCENARIO = dict(
    title="Solar cell surface defects", description="Find surface defects on solar cells with machine vision "
    "cameras and deep learning on the production line.", organization="PV Cells Ltd", industry="industrial_internet",
    region="Xinbei, Changzhou", keywords="machine vision; defect detection", contact_name="Dee",
    contact_email="dee@pv.example")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a test server: no MATCHER_* from the caller's shell, only what is set here."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHER_")}
    env.update(MATCHER_VAR_DIR=str(var_dir), MATCHER_ENCODER="fake", MATCHER_SEED_DEMO="false",
               MATCHER_DEMO_ACCOUNTS="false", MATCHER_LANGUAGE="en", MATCHER_MIN_PAIR_SCORE="0.05", MATCHER_SUGGESTION_FLOOR="0.0",
               MATCHER_DB_URL="", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


def seed_database(env: dict[str, str]) -> None:
    """Accounts and published records, written straight to the temporary database before the server starts.

    Run in a child process with the server's environment, so that it reads exactly the server's settings
    (never a MATCHER_DB_URL or MATCHER_VAR_DIR of the shell that runs pytest)."""
    subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, 'tests'); "
                    "from e2e.support import _seed; _seed()"], cwd=ROOT, env=env, check=True, timeout=START_TIMEOUT_S)


def _seed() -> None:
    from matcher.auth import create_user
    from matcher.config import Settings
    from matcher.domain.records import RecordStatus, Role, Side
    from matcher.service import Platform

    platform = Platform.open(Settings())
    try:
        create_user(platform.store, OFFICIAL, PASSWORD, Role.OFFICIAL, "E2E Bureau", "Olga")
        owner = create_user(platform.store, ENTERPRISE_B, PASSWORD, Role.ENTERPRISE, "Pack Maker Ltd", "Bo Pack")
        create_user(platform.store, ENTERPRISE_C, PASSWORD, Role.ENTERPRISE, "Markup Tester Co", "Eve")
        vision_owner = create_user(platform.store, ENTERPRISE_D, PASSWORD, Role.ENTERPRISE, "PV Cells Ltd", "Dee")
        for offering in OFFERINGS:
            platform.submit(Side.SUPPLY, offering, "e2e", status=RecordStatus.PUBLISHED)
        platform.submit(Side.DEMAND, PAIRED_SCENARIO, ENTERPRISE_B, owner_id=owner.id,
                        status=RecordStatus.PUBLISHED)
        platform.submit(Side.DEMAND, VISION_SCENARIO, ENTERPRISE_D, owner_id=vision_owner.id,
                        status=RecordStatus.PUBLISHED)
        platform.engine.flush()
    finally:
        platform.store.engine.dispose()


def start_server(env: dict[str, str], log_path: Path, timeout: float = START_TIMEOUT_S) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run app.py` on a free port; return the process and its URL once /_stcore/health answers."""
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
           "--server.runOnSave", "false", "--browser.gatherUsageStats", "false"]
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError(f"streamlit did not answer on {url} within {timeout} s:\n{log_path.read_text(errors='replace')}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def seeded_server(tmp_path_factory, name: str, seed_module: str):
    """Body of a module-scoped server fixture (`yield from`): a fresh database that `seed_module._seed()` fills
    in its own process first, then a server on it, stopped after the module."""
    var_dir = tmp_path_factory.mktemp(f"e2e-{name}") / "var"
    env = server_env(var_dir)
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, 'tests'); "
                    f"from {seed_module} import _seed; _seed()"], cwd=ROOT, env=env, check=True,
                   timeout=START_TIMEOUT_S)
    proc, url = start_server(env, Path(var_dir.parent / "streamlit.log"))
    try:
        yield url
    finally:
        stop_server(proc)


def new_context(chromium, locale: str = "en-US"):
    """A 1280 x 900 browser context whose pages count the script runs the server finishes (see RunWatch)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    context.set_default_timeout(TIMEOUT_MS)
    context.on("page", RunWatch.attach)
    return context


def new_page(chromium, url: str):
    """A new English context on url, once the app has rendered: (context, page). The first page of a
    server waits for its first run, which loads the platform (up to START_TIMEOUT_S on a loaded machine)."""
    context = new_context(chromium)
    page = context.new_page()
    page.goto(url)
    wait_ready(page, timeout=START_TIMEOUT_S * 1000)
    return context, page


class RunWatch:
    """Counts the script runs the server finished for one page, from the websocket frames the browser receives
    (Streamlit's ForwardMsg script_finished). The page's script-state attribute cannot tell that a run happened:
    a fast run's "running" and "notRunning" reach React in one batch, and the attribute never shows "running"
    (the cause of click_and_wait's time-outs once page runs got fast; benchmarks/webload_browser.py found it
    first). Attached to every page of a context made by new_context, before its websocket opens."""

    def __init__(self):
        self.finished = 0

    @classmethod
    def attach(cls, page) -> None:
        watch = _WATCHES[page] = cls()
        page.on("websocket", lambda ws: ws.on("framereceived", watch._frame))

    @staticmethod
    def of(page) -> "RunWatch":
        try:
            return _WATCHES[page]
        except KeyError:
            raise RuntimeError("click_and_wait needs a page of a context made by support.new_context") from None

    def _frame(self, payload) -> None:
        if run_finished(payload):
            self.finished += 1


def run_finished(payload) -> bool:
    """Whether a websocket frame from the server is Streamlit's message that a script run finished (also read by
    benchmarks/webload_browser.py)."""
    if not isinstance(payload, bytes):
        return False
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    try:
        msg.ParseFromString(payload)
    except Exception:  # noqa: BLE001 - not a ForwardMsg, so not a run's end
        return False
    return msg.WhichOneof("type") == "script_finished" and msg.script_finished in (
        ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


_WATCHES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


# --- helpers the tests share ---------------------------------------------------------------------

def wait_ready(page, timeout: int = TIMEOUT_MS) -> None:
    """Wait until the app has rendered and no rerun is in progress."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && app.getAttribute('data-test-connection-state') === 'CONNECTED';
        }""", timeout=timeout)


def click_and_wait(page, locator, timeout: int = TIMEOUT_MS) -> None:
    """Click something that reruns the script, and wait until the server has finished that rerun and the page
    shows it (not merely until the page is idle: just after the click it still is, the rerun has not started)."""
    watch = RunWatch.of(page)
    before = watch.finished
    locator.click()
    deadline = time.monotonic() + timeout / 1000
    while watch.finished <= before:   # frames are delivered while Playwright waits
        if time.monotonic() > deadline:
            raise TimeoutError(f"no script run finished within {timeout} ms of the click on {locator}")
        page.wait_for_timeout(50)
    wait_ready(page)
    page.wait_for_timeout(500)  # a page that calls st.rerun() is idle for a moment between its two runs
    wait_ready(page)


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def unlink(text: str) -> str:
    """Text as the app shows it: an invisible word joiner keeps addresses and URLs from becoming links."""
    from ui.widgets import unlink as shown

    return shown(text)


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text(f"Signed in: {unlink(email)}").wait_for()
    wait_ready(page)


def go_to(page, title: str) -> None:
    """Open a page through the sidebar navigation (a URL change would start a new, signed-out session)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title).first.wait_for()
    wait_ready(page)


def choose(page, label: str, option: str, search: str | None = None) -> None:
    """Pick the option whose text contains option in the st.selectbox labelled label.

    Types search (or option) first: long option lists are virtualised, only the options in view exist in
    the page. The box is scrolled into view before the click because the dropdown closes itself on
    scroll, so a click that scrolls the page can open it and close it again at once; hence also the retry.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.get_by_label(label, exact=True)
    # page may be a locator (a keyed container) to tell apart boxes with the same label; the options list
    # is drawn at the document's end, outside any container
    wanted = getattr(page, "page", page).get_by_role("option").filter(has_text=option).first
    for attempt in range(3):
        box.scroll_into_view_if_needed()
        getattr(page, "page", page).wait_for_timeout(250)
        box.click()
        box.fill(search if search is not None else option)
        try:
            wanted.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            box.press("Escape")
    wanted.click()
    wait_ready(getattr(page, "page", page))

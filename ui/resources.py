"""The only st.cache_resource of the app: one Platform (settings, store, encoder, indexes) per process."""
from __future__ import annotations

import logging
import threading

import streamlit as st

from matcher.auth import ensure_demo_accounts
from matcher.config import Settings
from matcher.domain.records import Side
from matcher.search.encoders import create_encoder
from matcher.service import Platform
from matcher.storage.store import Store
from matcher.workflow.mailer import MailWorker

log = logging.getLogger(__name__)


def settings() -> Settings:
    """Settings as the environment says now (cheap); the cache key of the platform."""
    return Settings()


def _demo_files(s: Settings) -> bool:
    return (s.demo_dir / "offerings.csv").exists() and (s.demo_dir / "scenarios.csv").exists()


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(settings_json: str, _steps: list | None = None) -> Platform:
    """Open the store, load the encoder, bring the indexes in step; on a fresh database load the demo data.

    _steps (not part of the cache key) receives (text key, values) as each step starts, for the start-up box."""
    steps = _steps if _steps is not None else []
    s = Settings.model_validate_json(settings_json)
    steps.append(("start_db", {}))
    store = Store(s.database_url)
    steps.append(("start_model", {"model": s.model.removeprefix("bundled:")}))
    encoder = create_encoder(s)
    steps.append(("start_index", {"n": store.count(Side.SUPPLY) + store.count(Side.DEMAND)}))
    store.engine.dispose()
    platform = Platform.open(s, encoder=encoder)
    if s.seed_demo and _demo_files(s):
        if not (platform.store.count(Side.SUPPLY) or platform.store.count(Side.DEMAND)):
            steps.append(("start_seed", {}))
        if platform.seed_demo(progress=lambda f, _m: steps.append(("start_seed_progress", {"pct": int(100 * f)}))):
            log.info("demo data loaded into %s", s.database_url)
        ensure_demo_accounts(platform.store, s)
    elif not s.demo_accounts:
        ensure_demo_accounts(platform.store, s)  # turns existing demo accounts off
    if s.smtp_url:  # one sender per process; mails of a stopped process stay in the outbox for the next
        MailWorker(platform.store, s.smtp_url, s.mail_from, s.mail_interval_seconds).start()
    return platform


_READY: set[str] = set()


def _first_open(key: str) -> Platform:
    """The first open of this process: run it in a thread and show each step (and the demo load's progress)
    in a status box, instead of one silent spinner for the minute a cold start can take."""
    from ui.i18n import t

    steps: list = []
    result: dict = {}

    def work() -> None:
        try:
            result["platform"] = _open(key, _steps=steps)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the script thread below
            result["error"] = exc

    thread = threading.Thread(target=work, name="matcher-start", daemon=True)
    with st.status(t("start_title"), expanded=True) as box:
        thread.start()
        shown, bar = 0, None
        while thread.is_alive() or shown < len(steps):
            thread.join(0.2)
            for name, values in steps[shown:]:
                if name == "start_seed_progress":
                    bar = bar or box.progress(0)
                    bar.progress(min(values["pct"], 100), text=t("start_seed_progress", **values))
                else:
                    box.write(t(name, **values))
            shown = len(steps)
        if "error" in result:
            box.update(label=t("start_failed"), state="error")
            raise result["error"]
        box.update(label=t("start_done"), state="complete", expanded=False)
    return result["platform"]


def get_platform() -> Platform:
    """The process-wide platform. Reruns and page switches reuse it (model and indexes stay loaded)."""
    key = settings().model_dump_json()
    # The same placeholder on every run, so the start-up box appearing once does not shift the page's
    # elements between runs (a shift would make Streamlit redraw widgets such as tabs from scratch).
    slot = st.empty()
    if key in _READY:
        platform = _open(key)
    else:
        with slot.container():
            platform = _first_open(key)
        _READY.add(key)
    platform.catch_up()
    return platform

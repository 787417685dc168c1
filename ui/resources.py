"""The one shared Platform (settings, store, encoder, indexes) per process, for every session of the app.

It is held here, not in st.cache_resource: Streamlit lets any visitor send a `clear_cache` message, which
empties st.cache_data and st.cache_resource for everybody. The platform must survive that (rebuilding it
costs a minute of model loading and would re-run the start-up steps), so it lives in a process-wide dict.
The first start of a process shows its steps (database, model, records indexed, demo data) in a status box.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

import streamlit as st

from matcher import passwords
from matcher.config import Settings, current_settings
from matcher.demo import ensure_demo_accounts
from matcher.domain.records import Side
from matcher.search.encoders import create_encoder
from matcher.service import Platform
from matcher.storage.store import Store, hold_database
from matcher.workflow.mailer import MailWorker

log = logging.getLogger(__name__)
_MAX_OPEN = 4  # distinct settings (tests open one per temporary database)
_open_lock = threading.Lock()
_platforms: OrderedDict[str, Platform] = OrderedDict()
_held: dict[str, int] = {}  # database file -> descriptor of the app's "in use" lock (restore refuses meanwhile)


def settings() -> Settings:
    """Settings as the environment says now (built once per environment: matcher.config.current_settings);
    the key of the platform."""
    return current_settings()


def _demo_files(s: Settings) -> bool:
    return (s.demo_dir / "offerings.csv").exists() and (s.demo_dir / "scenarios.csv").exists()


def _sqlite_file(s: Settings) -> Path | None:
    url = s.database_url
    return Path(url.split("///", 1)[1]) if url.startswith("sqlite:///") and ":memory:" not in url else None


def _model_label(s: Settings) -> str:
    return s.model.removeprefix("bundled:") if s.encoder in ("sentence-transformers", "onnx") else s.encoder


def _start(s: Settings, steps: list) -> Platform:
    """Open the store, load the encoder, bring the indexes in step; on a fresh database load the demo data;
    switch the demo accounts on or off as the settings say. `steps` receives (text key, values) as each
    step starts, for the start-up box."""
    if platform_file := _sqlite_file(s):
        _held.setdefault(str(platform_file), hold_database(platform_file))
    passwords.dummy_hash()  # measure one argon2 verify now, while the machine is quiet (pads failed sign-ins)
    steps.append(("start_db", {}))
    store = Store(s.database_url)
    steps.append(("start_model", {"model": _model_label(s)}))
    encoder = create_encoder(s)
    steps.append(("start_index", {"n": store.count(Side.SUPPLY) + store.count(Side.DEMAND)}))
    store.engine.dispose()
    platform = Platform.open(s, encoder=encoder, follow=True)   # other workers' writes reach us within ~1 s
    if s.seed_demo and _demo_files(s):
        if not (platform.store.count(Side.SUPPLY) or platform.store.count(Side.DEMAND)):
            steps.append(("start_seed", {}))
        if platform.seed_demo(progress=lambda f, _m: steps.append(("start_seed_progress", {"pct": int(100 * f)}))):
            log.info("demo data loaded into %s", s.database_url)
    ensure_demo_accounts(platform.store, s)
    if s.smtp_url:  # one sender per process; mails of a stopped process stay in the outbox for the next
        MailWorker(platform.store, s.smtp_url, s.mail_from, s.mail_interval_seconds).start()
    return platform


def _open(settings_json: str, steps: list | None = None) -> Platform:
    with _open_lock:  # one start per settings, however many sessions arrive at once
        if settings_json in _platforms:
            _platforms.move_to_end(settings_json)
            return _platforms[settings_json]
        platform = _platforms[settings_json] = _start(Settings.model_validate_json(settings_json),
                                                      steps if steps is not None else [])
        while len(_platforms) > _MAX_OPEN:
            _platforms.popitem(last=False)
        return platform


def _first_open(key: str) -> Platform:
    """The first open of this process: run it in a thread and show each step (and the demo load's progress)
    in a status box, instead of one silent spinner for the minute a cold start can take."""
    from ui.i18n import t

    steps: list = []
    result: dict = {}

    def work() -> None:
        try:
            result["platform"] = _open(key, steps)
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
    platform = _platforms.get(key)
    if platform is None:
        with slot.container():
            platform = _first_open(key)
    platform.catch_up()
    return platform

"""The one shared Platform (settings, store, encoder, indexes) per process, for every session of the app.

It is held here, not in st.cache_resource: Streamlit lets any visitor send a `clear_cache` message, which
empties st.cache_data and st.cache_resource for everybody. The platform must survive that (rebuilding it
costs a minute of model loading and would re-run the start-up steps), so it lives in a process-wide dict.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

import streamlit as st

from matcher import passwords
from matcher.config import Settings
from matcher.demo import ensure_demo_accounts
from matcher.service import Platform
from matcher.storage.store import hold_database

log = logging.getLogger(__name__)
_MAX_OPEN = 4  # distinct settings (tests open one per temporary database)
_open_lock = threading.Lock()
_platforms: OrderedDict[str, Platform] = OrderedDict()
_held: dict[str, int] = {}  # database file -> descriptor of the app's "in use" lock (restore refuses meanwhile)


def settings() -> Settings:
    """Settings as the environment says now (cheap); the key of the platform."""
    return Settings()


def _demo_files(s: Settings) -> bool:
    return (s.demo_dir / "offerings.csv").exists() and (s.demo_dir / "scenarios.csv").exists()


def _sqlite_file(s: Settings) -> Path | None:
    url = s.database_url
    return Path(url.split("///", 1)[1]) if url.startswith("sqlite:///") and ":memory:" not in url else None


def _start(s: Settings) -> Platform:
    """Open the store, load the encoder, bring the indexes in step; on a fresh database load the demo data;
    switch the demo accounts on or off as the settings say."""
    if platform_file := _sqlite_file(s):
        _held.setdefault(str(platform_file), hold_database(platform_file))
    passwords.dummy_hash()  # measure one argon2 verify now, while the machine is quiet (pads failed sign-ins)
    platform = Platform.open(s, follow=True)   # other workers' writes reach these indexes within ~1 s
    if s.seed_demo and _demo_files(s) and platform.seed_demo():
        log.info("demo data loaded into %s", s.database_url)
    ensure_demo_accounts(platform.store, s)
    return platform


def _open(settings_json: str) -> Platform:
    with _open_lock:  # one start per settings, however many sessions arrive at once
        if settings_json in _platforms:
            _platforms.move_to_end(settings_json)
            return _platforms[settings_json]
        platform = _platforms[settings_json] = _start(Settings.model_validate_json(settings_json))
        while len(_platforms) > _MAX_OPEN:
            _platforms.popitem(last=False)
        return platform


def get_platform() -> Platform:
    """The process-wide platform. Reruns and page switches reuse it (model and indexes stay loaded)."""
    s = settings()
    key = s.model_dump_json()
    platform = _platforms.get(key)
    if platform is None:
        from ui.i18n import t

        with st.spinner(t("loading")):
            platform = _open(key)
    platform.catch_up()
    return platform

"""The only st.cache_resource of the app: one Platform (settings, store, encoder, indexes) per process."""
from __future__ import annotations

import logging

import streamlit as st

from matcher.auth import ensure_demo_accounts
from matcher.config import Settings
from matcher.service import Platform
from matcher.workflow.mailer import MailWorker

log = logging.getLogger(__name__)


def settings() -> Settings:
    """Settings as the environment says now (cheap); the cache key of the platform."""
    return Settings()


def _demo_files(s: Settings) -> bool:
    return (s.demo_dir / "offerings.csv").exists() and (s.demo_dir / "scenarios.csv").exists()


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(settings_json: str) -> Platform:
    """Open the store, load the encoder, bring the indexes in step; on a fresh database load the demo data."""
    s = Settings.model_validate_json(settings_json)
    platform = Platform.open(s)
    if s.seed_demo and _demo_files(s):
        if platform.seed_demo():
            log.info("demo data loaded into %s", s.database_url)
        ensure_demo_accounts(platform.store, s)
    elif not s.demo_accounts:
        ensure_demo_accounts(platform.store, s)  # turns existing demo accounts off
    if s.smtp_url:  # one sender per process; mails of a stopped process stay in the outbox for the next
        MailWorker(platform.store, s.smtp_url, s.mail_from, s.mail_interval_seconds).start()
    return platform


def get_platform() -> Platform:
    """The process-wide platform. Reruns and page switches reuse it (model and indexes stay loaded)."""
    s = settings()
    from ui.i18n import t

    with st.spinner(t("loading")):
        platform = _open(s.model_dump_json())
    platform.catch_up()
    return platform

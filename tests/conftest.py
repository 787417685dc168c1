"""Shared fixtures: a temporary database per test and a platform with the fast fake encoder."""
from __future__ import annotations

import pytest

from matcher.config import Settings, get_settings
# The PostgreSQL test server and the backend/db_url fixtures (modules opt in with pytest.mark.backends).
from pg_cluster import (backend, db_url, make_db_url, pg_cluster, pytest_configure,  # noqa: F401
                        pytest_generate_tests)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """argon2 at minimum cost: still real argon2id, but tests create many accounts."""
    from argon2 import PasswordHasher

    from matcher import auth, passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    auth._throttles.clear()  # sign-in and registration throttles are per process: each test starts afresh


@pytest.fixture
def settings(tmp_path, monkeypatch, db_url) -> Settings:
    """Settings pointing at an empty tmp database (SQLite, or PostgreSQL in modules marked for both backends),
    the fake encoder, no demo data or demo accounts."""
    monkeypatch.setenv("MATCHER_VAR_DIR", str(tmp_path / "var"))
    if db_url:
        monkeypatch.setenv("MATCHER_DB_URL", db_url)
    else:
        monkeypatch.delenv("MATCHER_DB_URL", raising=False)
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_SEED_DEMO", "false")
    monkeypatch.setenv("MATCHER_DEMO_ACCOUNTS", "false")
    monkeypatch.setenv("MATCHER_LANGUAGE", "en")
    monkeypatch.setenv("MATCHER_MIN_PAIR_SCORE", "0.05")
    monkeypatch.setenv("MATCHER_SUGGESTION_FLOOR", "0.0")   # fake-encoder scores are low; tests of the floor set it
    get_settings.cache_clear()
    yield Settings()
    get_settings.cache_clear()


@pytest.fixture
def platform(settings):
    """The platform the web app would use for these settings (the same cached object as the app's)."""
    from ui.resources import get_platform

    return get_platform()


ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
OFFERINGS = [
    dict(title="Graphene thermal film for battery packs", description="High conductivity graphene film spreads "
         "heat in lithium battery packs and power electronics.", organization="Carbon Co", industry="carbon_materials",
         region="Wujin, Changzhou", keywords="graphene; thermal film", maturity="small_batch",
         contact_name="Ann", contact_email="ann@carbon.example", contact_phone="0519-1234567"),
    dict(title="Machine vision defect inspection", description="Camera and deep learning system that finds "
         "surface defects on solar cells and metal parts.", organization="Vision Co", region="Xinbei, Changzhou",
         keywords="machine vision; defect detection", maturity="mass_production"),
]
SCENARIOS = [
    dict(title="Battery pack overheating", description="Our lithium battery packs overheat; we need a thermal "
         "film or heat spreading material.", organization="Pack Maker", industry="batteries_storage",
         region="Wujin, Changzhou", keywords="thermal management; battery pack", required_maturity="pilot",
         budget_wan=200, contact_name="Bo", contact_email="bo@pack.example"),
    dict(title="Solar cell defect detection", description="Detect surface defects on solar cells automatically "
         "with cameras on the production line.", organization="PV Plant", region="Changzhou", keywords="defects"),
]


@pytest.fixture
def seeded(platform):
    """Two published offerings and two published scenarios (pairings are saved as they are published)."""
    from matcher.domain.records import RecordStatus, Side

    ids = {Side.SUPPLY: [platform.submit(Side.SUPPLY, o, "test", status=RecordStatus.PUBLISHED) for o in OFFERINGS],
           Side.DEMAND: [platform.submit(Side.DEMAND, s, "test", status=RecordStatus.PUBLISHED) for s in SCENARIOS]}
    return ids


@pytest.fixture
def accounts(platform):
    """One account per role, keyed by role value."""
    from matcher.auth import create_user

    return {role: create_user(platform.store, f"{role}@test.example", "password-123", role, f"{role} org", "Tester")
            for role in ("enterprise", "official", "admin")}


def open_app(page: str = "app.py", account=None, lang: str = "en"):
    """An AppTest of app.py (or a page file run on its own), signed in as account when given, not yet run.

    Signed in means what the sign-in form leaves behind: the account id, the time, and a live server-side
    session token (matcher/sessions.py) for the test's database."""
    import time

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / page), default_timeout=30)
    at.session_state["lang"] = lang
    if account is not None:
        at.session_state["auth_user_id"] = account.id
        at.session_state["auth_last_seen"] = time.time()
        at.session_state["auth_token"] = session_token(account)
    return at


def session_token(account) -> str:
    """A live session token for account in the database of the current test settings."""
    import datetime as dt

    from matcher.sessions import create_session
    from ui.resources import get_platform

    return create_session(get_platform().store, account.id, dt.timedelta(days=1))


def merge_stress_report(key: str, figures: dict) -> None:
    """Add one test module's figures to the JSON file named by MATCHER_STRESS_REPORT (if set)."""
    import json
    import os
    from pathlib import Path

    if target := os.environ.get("MATCHER_STRESS_REPORT"):
        path = Path(target)
        report = json.loads(path.read_text("utf-8")) if path.exists() else {}
        report[key] = figures
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False), "utf-8")

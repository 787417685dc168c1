"""Demo mode: off by default, a banner while on, switching it off deactivates the demo accounts and flags what
they did, an admin's deactivation is final, and a visitor's clear_cache message cannot reset the platform."""
from unittest import mock

import pytest
from sqlalchemy import select

from matcher import auth, demo
from matcher.config import Settings
from matcher.domain.records import Role, Side
from matcher.storage.schema import AuditLog
from matcher.storage.store import Store
from tests.conftest import open_app

DEMO_ADMIN = next(a for a in auth.DEMO_ACCOUNTS if a["role"] == Role.ADMIN)


def _on(settings):
    return settings.model_copy(update={"demo_accounts": True})


def _sign_in(at, email, password):
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(password)
    return at.button(key="login_submit").click().run()


def test_demo_mode_is_off_by_default_and_the_sign_in_page_shows_no_password(settings, monkeypatch):
    monkeypatch.delenv("MATCHER_DEMO_ACCOUNTS")
    assert Settings().demo_accounts is False
    at = open_app().run()
    shown = " ".join(e.value for e in [*at.caption, *at.markdown, *at.warning, *at.info])
    assert "demo-admin" not in shown and "demo.local" not in shown
    assert not at.warning  # no demo banner
    with Store(settings.database_url).read() as s:
        assert s.scalar(select(AuditLog.id).where(AuditLog.actor == demo.SYSTEM)) is None  # no demo account made
    assert auth.list_users(Store(settings.database_url)) == []


@pytest.mark.parametrize("lang, words", [("en", "Demo mode is on"), ("zh", "演示模式已开启")])
def test_demo_mode_shows_a_banner_on_every_page(settings, monkeypatch, lang, words):
    monkeypatch.setenv("MATCHER_DEMO_ACCOUNTS", "true")
    at = open_app(lang=lang).run()
    assert any(words in w.value for w in at.warning)
    assert any("demo-admin" in c.value for c in at.caption)  # the demo hint, demo mode only
    at = _sign_in(at, DEMO_ADMIN["email"], DEMO_ADMIN["password"])
    assert at.session_state["auth_user_id"]
    # (AppTest cannot read back the zh admin page's formatted role selectbox, so page switches run in en.)
    for page in ("ui/admin.py", "ui/review.py", "ui/dashboard.py") if lang == "en" else ("ui/review.py",):
        at.switch_page(page).run()
        assert not at.exception and any(words in w.value for w in at.warning), page


def test_demo_off_deactivates_the_demo_accounts_and_flags_what_they_created(settings):
    store = Store(settings.database_url)
    demo.ensure_demo_accounts(store, _on(settings))
    # An anonymous visitor signs in with the published password and makes a permanent admin.
    intruder = auth.authenticate(store, DEMO_ADMIN["email"], DEMO_ADMIN["password"], _on(settings))
    rogue = auth.create_user(store, "rogue@evil.example", "rogue-password-9", Role.ADMIN, "Evil", actor=intruder.email)
    real = auth.create_user(store, "root@x.example", "root-password-9", Role.ADMIN, "Real", actor="cli")
    assert demo.turn_off(store) == 3
    for spec in auth.DEMO_ACCOUNTS:
        with pytest.raises(auth.AuthError):
            auth.authenticate(store, spec["email"], spec["password"], settings)
    with store.read() as s:
        offs = s.scalars(select(AuditLog).where(AuditLog.action == "deactivate")).all()
        summary = s.scalar(select(AuditLog).where(AuditLog.action == "demo_off"))
    assert len(offs) == 3 and {o.actor for o in offs} == {"demo"} and "1 actions" in summary.note
    flagged = demo.demo_activity(store)
    assert [(f["entity"], f["entity_id"], f["action"]) for f in flagged] == [("user", str(rogue.id), "create")]
    assert demo.turn_off(store) == 0  # a second start adds nothing

    at = open_app("ui/admin.py", real).run()
    assert not at.exception
    assert any("anyone may have made these 1" in w.value for w in at.warning)
    table = at.dataframe[0].value  # the demo activity comes first, above the account form
    assert table["Id"].tolist() == [str(rogue.id)]
    at.button(key="admin_demo_reviewed").click().run()
    assert demo.demo_activity(store) == [] and not at.warning
    with store.read() as s:
        assert s.scalar(select(AuditLog.actor).where(AuditLog.action == "reviewed")) == real.email


def test_an_admins_deactivation_of_a_demo_account_is_never_undone(settings):
    store = Store(settings.database_url)
    made = {a.role: a for a in demo.ensure_demo_accounts(store, _on(settings))}
    auth.set_active(store, made[Role.ADMIN].id, False, "root@x.example")
    demo.ensure_demo_accounts(store, _on(settings))  # a restart, or the platform rebuilt
    assert auth.get_account(store, made[Role.ADMIN].id) is None
    # Demo mode off then on again brings back what demo mode off turned off, not what the admin did.
    demo.turn_off(store)
    again = {a.role: a for a in demo.ensure_demo_accounts(store, _on(settings))}
    assert not again[Role.ADMIN].active and again[Role.OFFICIAL].active and again[Role.ENTERPRISE].active


def test_nobody_can_register_an_address_of_the_demo_domain(settings):
    store = Store(settings.database_url)
    with pytest.raises(auth.AuthError) as err:
        auth.create_user(store, "admin@demo.local", "some-password-1", Role.ENTERPRISE, "Org")
    assert err.value.field == "email"


def test_a_visitors_clear_cache_message_neither_resets_the_platform_nor_revives_the_demo_admin(settings, monkeypatch):
    """Streamlit's clear_cache back-message (any browser can send it) empties st.cache_resource for everyone."""
    from streamlit.runtime.app_session import AppSession

    from ui.resources import get_platform

    monkeypatch.setenv("MATCHER_DEMO_ACCOUNTS", "true")
    platform = get_platform()
    platform.submit(Side.SUPPLY, {"title": "Kept offering", "description": "Still here after the message.",
                                  "organization": "Org"}, "test")
    admin = next(u for u in auth.list_users(platform.store) if u["email"] == DEMO_ADMIN["email"])
    auth.set_active(platform.store, admin["id"], False, "root@x.example")
    session = mock.Mock()
    AppSession._handle_clear_cache_request(session)  # what the server runs for the message
    session._session_state.clear.assert_called_once()  # the visitor's own session state only
    assert get_platform() is platform
    assert auth.get_account(platform.store, admin["id"]) is None

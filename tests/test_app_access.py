"""AppTest: sign-in, registration, and that every page renders for its roles and refuses every other role."""
import time

import pytest

from conftest import open_app
from matcher import auth
from matcher.auth import authenticate
from ui.auth_gate import PAGES

ALL_ROLES = ("enterprise", "official", "admin")


def test_signed_out_sees_only_the_sign_in_page(platform):
    at = open_app().run()
    assert not at.exception
    assert at.button(key="login_submit") is not None
    with pytest.raises(ValueError):  # official pages are not registered for anonymous visitors
        at.switch_page("ui/review.py")


@pytest.mark.parametrize("path,title,roles", [(p[0], p[1], p[4]) for p in PAGES])
def test_page_renders_for_its_roles_and_refuses_others(platform, accounts, path, title, roles):
    from ui.i18n import TEXT

    for role in ALL_ROLES:
        at = open_app(path, accounts[role]).run()
        assert not at.exception, (role, at.exception)
        if role in roles:
            assert at.title[0].value == TEXT[title]["en"]
            assert not at.error
        else:
            assert [e.value for e in at.error] == [TEXT["refused"]["en"]]
            assert not at.title  # nothing of the page was drawn


def test_page_refuses_anonymous(platform):
    at = open_app("ui/review.py").run()
    assert not at.exception and not at.title
    assert at.warning[0].value == "Please sign in first."


def test_navigation_lists_only_the_roles_pages(platform, accounts):
    at = open_app("app.py", accounts["enterprise"]).run()
    assert at.title[0].value == "Submit an offering"
    at.switch_page("ui/my_submissions.py").run()
    assert at.title[0].value == "My submissions"
    for forbidden in ("ui/review.py", "ui/admin.py", "ui/moderation.py"):
        with pytest.raises(ValueError):
            at.switch_page(forbidden)
    official = open_app("app.py", accounts["official"]).run()
    assert official.title[0].value == "Review queue"
    with pytest.raises(ValueError):
        official.switch_page("ui/admin.py")
    admin = open_app("app.py", accounts["admin"]).run()
    admin.switch_page("ui/admin.py").run()
    assert admin.title[0].value == "Accounts"


def test_tampered_session_role_grants_nothing(platform, accounts):
    at = open_app("ui/admin.py", accounts["enterprise"])
    for key in ("role", "auth_role", "user_role"):
        at.session_state[key] = "admin"
    at.run()
    assert [e.value for e in at.error] == ["Your role may not open this page."]


def test_login_form_signs_in_and_wrong_password_is_refused(platform, accounts):
    at = open_app().run()
    at.text_input(key="login_email").input("official@test.example")
    at.text_input(key="login_password").input("wrong-password")
    at.button(key="login_submit").click().run()
    assert [e.value for e in at.error] == [auth.FAILED[0]]
    at.text_input(key="login_password").input("password-123")
    at.button(key="login_submit").click().run()
    assert not at.exception
    assert at.session_state["auth_user_id"] == accounts["official"].id
    assert at.title[0].value == "Review queue"


def test_repeated_failures_lock_the_account(platform, accounts, settings):
    at = open_app().run()
    at.text_input(key="login_email").input("enterprise@test.example")
    for _ in range(settings.login_max_failures):
        at.text_input(key="login_password").input("nope-nope")
        at.button(key="login_submit").click().run()
    at.text_input(key="login_password").input("password-123")
    at.button(key="login_submit").click().run()
    assert at.error[0].value.startswith("Sign-in failed.")  # the one failure message (issue 14: no lock message)
    assert "auth_user_id" not in at.session_state


def test_register_creates_an_enterprise_account(platform):
    at = open_app().run()
    at.text_input(key="register_org").input("常州新材料有限公司")
    at.text_input(key="register_contact").input("陈工")
    at.text_input(key="register_email").input("New@Example.com")
    at.text_input(key="register_password").input("long-password")
    at.text_input(key="register_confirm").input("long-password-typo")
    at.button(key="register_submit").click().run()
    assert "The two passwords differ." in [e.value for e in at.error]
    at.text_input(key="register_confirm").input("long-password")
    at.button(key="register_submit").click().run()
    assert at.success[0].value.startswith("Registration received.")
    account = authenticate(platform.store, "new@example.com", "long-password", platform.settings)
    assert account.role == "enterprise" and account.organization == "常州新材料有限公司"


def test_idle_session_expires(platform, accounts):
    at = open_app("app.py", accounts["official"])
    at.session_state["auth_last_seen"] = time.time() - 24 * 3600
    at.run()
    assert "auth_user_id" not in at.session_state
    assert at.info[0].value == "Your session has expired; please sign in again."


def test_language_switch_changes_labels(platform, accounts):
    at = open_app("app.py", accounts["official"], lang="zh").run()
    assert at.title[0].value == "对接审核"
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Review queue"


def test_demo_accounts_are_off_in_the_app_when_disabled(settings):
    """Demo accounts made by an earlier demo run: with MATCHER_DEMO_ACCOUNTS=false (the fixture's setting) the
    app turns them off at start, hides the demo hint, refuses their sign-in and ends their open sessions."""
    from matcher.auth import DEMO_ACCOUNTS
    from matcher.demo import ensure_demo_accounts
    from matcher.storage.store import Store
    from ui.resources import get_platform

    demo = {a.role: a for a in ensure_demo_accounts(Store(settings.database_url),
                                                    settings.model_copy(update={"demo_accounts": True}))}
    assert not settings.demo_accounts
    get_platform()  # the app starts
    at = open_app().run()
    assert not any("demo-admin" in c.value for c in at.caption)
    for spec in DEMO_ACCOUNTS:
        at.text_input(key="login_email").input(spec["email"])
        at.text_input(key="login_password").input(spec["password"])
        at.button(key="login_submit").click().run()
        assert [e.value for e in at.error] == [auth.FAILED[0]]  # one message for every failure (issue 14)
        assert "auth_user_id" not in at.session_state
    at = open_app("ui/admin.py", demo["admin"]).run()  # a session opened while the demo was on
    assert at.warning[0].value == "Please sign in first." and not at.title

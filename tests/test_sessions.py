"""Sign-in sessions: signed, expiring, stored hashed, revocable; and the app resuming one from its cookie."""
import datetime as dt

from sqlalchemy import select

from conftest import open_app, session_token
from matcher.auth import set_active
from matcher.sessions import (TOUCH_EVERY, create_session, live_sessions, revoke_session, revoke_user_sessions,
                              verify_session)
from matcher.storage.schema import AuthSession
from matcher.storage.store import Store

DAY, HOUR = dt.timedelta(days=1), dt.timedelta(hours=1)
T0 = dt.datetime(2026, 12, 1, 9, 0)


def test_a_token_verifies_until_it_expires_and_is_stored_only_as_a_hash(platform, accounts):
    store, user = platform.store, accounts["official"]
    token = create_session(store, user.id, DAY, now=T0)
    info = verify_session(store, token, idle=2 * DAY, now=T0 + HOUR)
    assert info is not None and info.user_id == user.id and info.expires_at == T0 + DAY
    with store.read() as s:
        hashes = list(s.scalars(select(AuthSession.token_hash)))
    assert len(hashes) == 1 and token.split(".")[0] not in hashes[0] and token not in hashes
    assert verify_session(store, token, idle=2 * DAY, now=T0 + DAY) is None     # absolute expiry
    assert live_sessions(store, user.id, now=T0) == 0                           # and it was revoked


def test_forged_or_mangled_tokens_are_refused(platform, accounts):
    store = platform.store
    token = create_session(store, accounts["admin"].id, DAY)
    raw, sig = token.split(".")
    for bad in (None, "", 42, raw, sig, f"{raw}.{sig[:-2]}AA", f"{raw[:-1]}x.{sig}", f"{raw}.{sig}.x",
                "é" * 10 + "." + sig, "x" * 500, f"{raw}..{sig}"):
        assert verify_session(store, bad, idle=HOUR) is None, bad
    assert verify_session(store, token, idle=HOUR) is not None


def test_signature_secret_is_kept_in_the_database(platform, accounts, settings):
    token = create_session(platform.store, accounts["admin"].id, DAY)
    assert verify_session(Store(settings.database_url), token, idle=HOUR) is not None   # a new process


def test_idle_timeout_and_the_idle_clock(platform, accounts):
    store, user = platform.store, accounts["enterprise"]
    token = create_session(store, user.id, DAY, now=T0)
    # runs closer together than TOUCH_EVERY do not write; later ones move the clock on
    assert verify_session(store, token, idle=HOUR, now=T0 + TOUCH_EVERY / 2)
    assert verify_session(store, token, idle=HOUR, now=T0 + 50 * dt.timedelta(minutes=1))
    assert verify_session(store, token, idle=HOUR, now=T0 + 100 * dt.timedelta(minutes=1))  # 50 min idle
    assert verify_session(store, token, idle=HOUR, now=T0 + 161 * dt.timedelta(minutes=1)) is None  # 61 min


def test_sign_out_and_deactivation_end_sessions_everywhere(platform, accounts):
    store, user, other = platform.store, accounts["official"], accounts["admin"]
    first, second = create_session(store, user.id, DAY), create_session(store, user.id, DAY)
    theirs = create_session(store, other.id, DAY)
    assert revoke_session(store, first) and not revoke_session(store, first)
    assert verify_session(store, first, idle=HOUR) is None and verify_session(store, second, idle=HOUR)
    set_active(store, user.id, False, "admin@test.example")
    assert verify_session(store, second, idle=HOUR) is None
    set_active(store, user.id, True, "admin@test.example")
    assert verify_session(store, second, idle=HOUR) is None        # reactivation does not revive it
    assert verify_session(store, theirs, idle=HOUR) is not None
    assert revoke_user_sessions(store, other.id, "test") == 1 and live_sessions(store, other.id) == 0


def test_app_resumes_a_session_from_its_cookie(platform, accounts, monkeypatch):
    """A reload or a new tab: no session_state, only the cookie. The page opens signed in; a revoked or
    unknown cookie opens the sign-in page."""
    from ui import session_cookie

    token = session_token(accounts["official"])
    monkeypatch.setattr(session_cookie, "from_browser", lambda: token)
    at = open_app("app.py").run()
    assert not at.exception
    assert at.title[0].value == "Review queue" and at.session_state["auth_user_id"] == accounts["official"].id
    at.button(key="logout").click().run()                  # sign out in this tab ...
    assert at.button(key="login_submit") is not None
    assert verify_session(platform.store, token, idle=HOUR) is None
    again = open_app("app.py").run()                       # ... and a reload of another tab is signed out too
    assert again.button(key="login_submit") is not None and "auth_user_id" not in again.session_state


def test_sign_out_in_one_tab_ends_the_other_tab_on_its_next_run(platform, accounts):
    token = session_token(accounts["official"])
    tab = open_app("app.py", accounts["official"])
    tab.session_state["auth_token"] = token
    tab.run()
    assert tab.title[0].value == "Review queue"
    revoke_session(platform.store, token)                  # the other tab pressed "Sign out"
    tab.run()
    assert tab.button(key="login_submit") is not None
    assert "signed out" in tab.info[0].value


def test_sign_in_creates_a_session_and_asks_the_browser_to_keep_it(platform, accounts):
    at = open_app().run()
    at.text_input(key="login_email").input("official@test.example")
    at.text_input(key="login_password").input("password-123")
    at.button(key="login_submit").click().run()
    token = at.session_state["auth_token"]
    assert verify_session(platform.store, token, idle=HOUR).user_id == accounts["official"].id
    scripts = [h.proto.body for h in at.get("html")]
    assert any("matcher_session=" + token in body and "SameSite=Strict" in body for body in scripts)


def test_a_link_to_one_pairing_opens_it_even_outside_the_default_filters(platform, accounts, seeded):
    from matcher.workflow import review

    pairings = review.list_pairings(platform.store)
    assert len(pairings) >= 2
    target = pairings[-1]
    review.transition(platform.store, target["id"], "approved", "official@test.example", target["version"])
    at = open_app("ui/review.py", accounts["official"])
    at.query_params["pairing"] = str(target["id"])
    at.run()
    assert not at.exception
    assert at.selectbox(key="review_pick").value == target["id"]      # approved: not in the default filter
    assert any(target["scenario_title"] in m.value for m in at.markdown)
    at.selectbox(key="review_pick").set_value(pairings[0]["id"]).run()
    assert at.query_params["pairing"] == str(pairings[0]["id"])      # the address bar follows the pick
    missing = open_app("ui/review.py", accounts["official"])
    missing.query_params["pairing"] = "99999"
    missing.run()
    assert "#99999" in missing.warning[0].value

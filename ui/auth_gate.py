"""Who is signed in: session timeout, the role check every page makes, and the navigation each role sees."""
from __future__ import annotations

import datetime as dt
import re
import time
from urllib.parse import urlparse

import streamlit as st

from matcher.auth import Account, get_account
from matcher.sessions import create_session, revoke_session, verify_session
from matcher.domain.records import Role
from matcher.service import Platform
from ui.i18n import enum_label, t
from ui.resources import get_platform, settings
from ui import session_cookie
from ui.widgets import md_escape

USER_KEY, SEEN_KEY, TOKEN_KEY = "auth_user_id", "auth_last_seen", "auth_token"
WANTED_KEY, COOKIE_TRIED_KEY = "auth_wanted", "auth_cookie_tried"
# Query parameters a shared link may carry through sign-in, each with the only form it may take: the pairing a
# page opens on (digits), the marketplace listing (a record id).
LINK_PARAMS = {"pairing": re.compile(r"[0-9]{1,11}"), "record": re.compile(r"[A-Za-z0-9_-]{1,64}")}
KEEP_ON_SIGN_OUT = {"lang"}
OFFICIALS = (Role.OFFICIAL, Role.ADMIN)

# page file (relative to app.py), title key, icon, url path, roles that may open it
PAGES = [
    ("ui/submit_offering.py", "page_submit_offering", ":material/lightbulb:", "submit-offering", (Role.ENTERPRISE,)),
    ("ui/submit_scenario.py", "page_submit_scenario", ":material/factory:", "submit-scenario", (Role.ENTERPRISE,)),
    ("ui/my_submissions.py", "page_my_submissions", ":material/list:", "my-submissions", (Role.ENTERPRISE,)),
    ("ui/review.py", "page_review", ":material/handshake:", "review", OFFICIALS),
    ("ui/moderation.py", "page_moderation", ":material/fact_check:", "moderation", OFFICIALS),
    ("ui/import_export.py", "page_import_export", ":material/upload_file:", "import-export", OFFICIALS),
    ("ui/dashboard.py", "page_dashboard", ":material/bar_chart:", "dashboard", OFFICIALS),
    ("ui/admin.py", "page_admin", ":material/group:", "admin", (Role.ADMIN,)),
    # the city's programme (issue 11)
    ("ui/org_profile.py", "page_org_profile", ":material/badge:", "organisation", (Role.ENTERPRISE,)),
    ("ui/organisations.py", "page_organisations", ":material/verified:", "organisations", OFFICIALS),
    ("ui/demonstration.py", "page_demonstration", ":material/emoji_events:", "demonstration",
     (Role.ENTERPRISE, *OFFICIALS)),
    ("ui/case_library.py", "page_cases", ":material/library_books:", "cases", (Role.ENTERPRISE, *OFFICIALS)),
    # diagnosis campaigns and reports (issue 11 items 2 and 4)
    ("ui/campaigns.py", "page_campaigns", ":material/troubleshoot:", "campaigns", (Role.ENTERPRISE, *OFFICIALS)),
    ("ui/reports.py", "page_reports", ":material/summarize:", "reports", OFFICIALS),

    # listing lifecycle and calls (issue 15)
    ("ui/calls.py", "page_calls", ":material/campaign:", "calls", OFFICIALS),
    ("ui/inbox.py", "page_inbox", ":material/notifications:", "inbox", (Role.ENTERPRISE, *OFFICIALS)),
    # the marketplace (issue 15): browse and search published listings, one page per listing
    ("ui/marketplace.py", "page_marketplace", ":material/storefront:", "marketplace", (Role.ENTERPRISE, *OFFICIALS)),
    ("ui/listing.py", "page_listing", ":material/description:", "listing", (Role.ENTERPRISE, *OFFICIALS)),
    # account page (issue 15, item 7): every role; the only page while a password reset waits for a change
    ("ui/account.py", "page_account", ":material/manage_accounts:", "account", (Role.ENTERPRISE, *OFFICIALS)),
]
# Pages reached through links only (a listing opens from the marketplace): not listed in the sidebar.
UNLISTED = {"listing"}
ACCOUNT_PAGE = "ui/account.py"
SECTION = {Role.ENTERPRISE: "nav_enterprise", Role.OFFICIAL: "nav_official", Role.ADMIN: "nav_official"}


def sign_in(platform: Platform, account: Account) -> None:
    """Start a server-side session for account and have the browser keep its token in a cookie."""
    days = settings().session_days
    token = create_session(platform.store, account.id, dt.timedelta(days=days))
    st.session_state[USER_KEY] = account.id
    st.session_state[SEEN_KEY] = time.time()
    st.session_state[TOKEN_KEY] = token
    session_cookie.remember(token, days * 86400)


def sign_out(platform: Platform | None = None) -> None:
    """End this browser's session: revoked on the server (every tab sharing the cookie ends with it), and every
    key of this tab goes (the last user's drafts, picks, filters and messages), so whoever signs in next
    starts clean; only the language choice stays."""
    token = st.session_state.get(TOKEN_KEY)
    if token is not None:
        if platform is not None:
            revoke_session(platform.store, token)
        session_cookie.forget()
    for key in list(st.session_state.keys()):
        if key not in KEEP_ON_SIGN_OUT:
            del st.session_state[key]


def _idle() -> dt.timedelta:
    return dt.timedelta(minutes=settings().session_minutes)


def _from_cookie(platform: Platform) -> Account | None:
    """A reload, a new tab or a pasted link: resume the session whose token the browser sent (once per
    Streamlit session, so a refused cookie is not checked again on every run)."""
    token = session_cookie.from_browser()
    if token is None or st.session_state.get(COOKIE_TRIED_KEY) == token:
        return None
    st.session_state[COOKIE_TRIED_KEY] = token
    info = verify_session(platform.store, token, _idle())
    account = get_account(platform.store, info.user_id) if info else None
    if account is None:
        session_cookie.forget()
        return None
    st.session_state[USER_KEY] = account.id
    st.session_state[SEEN_KEY] = time.time()
    st.session_state[TOKEN_KEY] = token
    return account


def current_account(platform: Platform) -> Account | None:
    """The signed-in account, re-read from the database on every run: the role in the database is the only
    role that counts (a value planted in session_state grants nothing), and the session token must still be
    live on the server (sign-out elsewhere, deactivation, expiry). Ends idle sessions."""
    user_id, seen = st.session_state.get(USER_KEY), st.session_state.get(SEEN_KEY)
    if user_id is None:
        return _from_cookie(platform)
    now = time.time()
    # sign_in writes an int id and a past time; anything else (a string or bool id, a malformed time, a time
    # in the future that would never expire) was not written by it and grants nothing.
    if type(user_id) is not int or type(seen) not in (int, float) or seen > now + 60:
        sign_out(platform)
        return None
    if now - seen > settings().session_minutes * 60:
        sign_out(platform)
        st.session_state["auth_expired"] = True
        return None
    info = verify_session(platform.store, st.session_state.get(TOKEN_KEY), _idle())
    if info is None or info.user_id != user_id:  # signed out in another tab, expired, or never signed in
        had_token = TOKEN_KEY in st.session_state
        sign_out(platform)
        st.session_state["auth_ended"] = had_token
        return None
    account = get_account(platform.store, user_id)
    if account is None:  # deleted or deactivated meanwhile
        sign_out(platform)
        return None
    st.session_state[SEEN_KEY] = time.time()
    return account


def remember_wanted_page() -> None:
    """Signed out on a link to a page (or one pairing): keep where it pointed, to open it after sign-in."""
    url = st.context.url
    path = urlparse(url if isinstance(url, str) else "").path.rstrip("/").rsplit("/", 1)[-1]
    if path not in {p[3] for p in PAGES}:
        return
    params = {k: st.query_params[k] for k, form in LINK_PARAMS.items()
              if form.fullmatch(str(st.query_params.get(k, "")))}
    st.session_state[WANTED_KEY] = (path, params)


def open_wanted_page(pages: dict[str, list] | list) -> None:
    """After sign-in: switch to the page the link pointed at, if this role has it (else stay on the start)."""
    wanted = st.session_state.pop(WANTED_KEY, None)
    if not wanted:
        return
    path, params = wanted
    flat = [p for group in (pages.values() if isinstance(pages, dict) else [pages]) for p in group]
    target = next((p for p in flat if p.url_path == path), None)
    if target is not None:
        st.switch_page(target, query_params={**params, "lang": st.session_state.get("lang", "zh")})


def require_role(*roles: Role, allow_forced: bool = False) -> tuple[Platform, Account]:
    """First call of every page: stops the page unless the signed-in account has one of roles. An account
    whose password an admin reset may open only the account page (allow_forced) until it chooses a new one."""
    platform = get_platform()
    account = current_account(platform)
    if account is None:
        st.warning(t("not_signed_in"))
        st.stop()
    if account.role not in roles:
        st.error(t("refused"))
        st.stop()
    if account.must_change_password and not allow_forced:
        st.warning(t("account_forced_elsewhere"))
        st.stop()
    return platform, account


def navigation_pages(account: Account | None, unread: int = 0) -> dict[str, list] | list:
    """st.Page objects for the account's role only; the sign-in page when nobody is signed in. The inbox's
    title carries the unread count (the sidebar badge)."""
    if account is None:
        # A link to any page opens the sign-in form under that page's address (not "page not found"), so
        # remember_wanted_page can take the visitor there once signed in.
        return [st.Page("ui/login.py", title=t("page_login"), icon=":material/login:", url_path="login",
                        default=True),
                *(st.Page("ui/login.py", title=t("page_login"), icon=":material/login:", url_path=url)
                  for _, _, _, url, _ in PAGES)]
    if account.must_change_password:
        # After an admin's reset: the account page only, under every page's address (a link or a bookmark
        # opens it too, instead of "page not found"); the link's page opens once the password is changed.
        return [st.Page(ACCOUNT_PAGE, title=t("page_account"), icon=":material/lock_reset:", url_path="account",
                        default=True),
                *(st.Page(ACCOUNT_PAGE, title=t("page_account"), icon=":material/lock_reset:", url_path=url)
                  for _, _, _, url, _ in PAGES if url != "account")]
    sections: dict[str, list] = {}
    for path, title, icon, url, roles in PAGES:
        if account.role in roles:
            section = "nav_admin" if roles == (Role.ADMIN,) else SECTION[account.role]
            label = t(title) + (f" · {unread}" if url == "inbox" and unread else "")
            sections.setdefault(t(section), []).append(st.Page(
                path, title=label, icon=icon, url_path=url, visibility="hidden" if url in UNLISTED else "visible"))
    return sections


def account_box(account: Account) -> None:
    """Sidebar: who is signed in, and the sign-out button."""
    st.sidebar.caption(t("signed_in_as", email=md_escape(account.email), role=enum_label("role", account.role)))
    if st.sidebar.button(t("logout"), key="logout", icon=":material/logout:"):
        sign_out(get_platform())
        st.rerun()

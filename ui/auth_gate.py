"""Who is signed in: session timeout, the role check every page makes, and the navigation each role sees."""
from __future__ import annotations

import time

import streamlit as st

from matcher.auth import Account, get_account
from matcher.domain.records import Role
from matcher.service import Platform
from ui.i18n import enum_label, t
from ui.resources import get_platform, settings
from ui.widgets import md_escape

USER_KEY, SEEN_KEY = "auth_user_id", "auth_last_seen"
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
]
SECTION = {Role.ENTERPRISE: "nav_enterprise", Role.OFFICIAL: "nav_official", Role.ADMIN: "nav_official"}


def sign_in(account: Account) -> None:
    st.session_state[USER_KEY] = account.id
    st.session_state[SEEN_KEY] = time.time()


def sign_out() -> None:
    """End the session in this tab: every key goes (the last user's drafts, picks, filters and messages), so
    whoever signs in next starts clean; only the language choice stays."""
    for key in list(st.session_state.keys()):
        if key not in KEEP_ON_SIGN_OUT:
            del st.session_state[key]


def current_account(platform: Platform) -> Account | None:
    """The signed-in account, re-read from the database on every run: the role in the database is the only
    role that counts (a value planted in session_state grants nothing). Ends idle sessions."""
    user_id, seen = st.session_state.get(USER_KEY), st.session_state.get(SEEN_KEY)
    if user_id is None:
        return None
    now = time.time()
    # sign_in writes an int id and a past time; anything else (a string or bool id, a malformed time, a time
    # in the future that would never expire) was not written by it and grants nothing.
    if type(user_id) is not int or type(seen) not in (int, float) or seen > now + 60:
        sign_out()
        return None
    if now - seen > settings().session_minutes * 60:
        sign_out()
        st.session_state["auth_expired"] = True
        return None
    account = get_account(platform.store, user_id)
    if account is None:  # deleted or deactivated meanwhile
        sign_out()
        return None
    st.session_state[SEEN_KEY] = time.time()
    return account


def require_role(*roles: Role) -> tuple[Platform, Account]:
    """First call of every page: stops the page unless the signed-in account has one of roles."""
    platform = get_platform()
    account = current_account(platform)
    if account is None:
        st.warning(t("not_signed_in"))
        st.stop()
    if account.role not in roles:
        st.error(t("refused"))
        st.stop()
    return platform, account


def navigation_pages(account: Account | None) -> dict[str, list] | list:
    """st.Page objects for the account's role only; the sign-in page when nobody is signed in."""
    if account is None:
        return [st.Page("ui/login.py", title=t("page_login"), icon=":material/login:", url_path="login")]
    sections: dict[str, list] = {}
    for path, title, icon, url, roles in PAGES:
        if account.role in roles:
            section = "nav_admin" if roles == (Role.ADMIN,) else SECTION[account.role]
            sections.setdefault(t(section), []).append(st.Page(path, title=t(title), icon=icon, url_path=url))
    return sections


def account_box(account: Account) -> None:
    """Sidebar: who is signed in, and the sign-out button."""
    st.sidebar.caption(t("signed_in_as", email=md_escape(account.email), role=enum_label("role", account.role)))
    if st.sidebar.button(t("logout"), key="logout", icon=":material/logout:"):
        sign_out()
        st.rerun()

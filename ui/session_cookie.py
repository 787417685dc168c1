"""The browser side of a sign-in session: the token cookie, read with st.context.cookies, written by a script.

Streamlit reads cookies (st.context.cookies: those sent with the page's WebSocket handshake) but has no API
to set one, and a custom component would be a second front-end build to keep. A two-line script through
st.html(unsafe_allow_javascript=True) sets or clears the cookie in the page itself; the script text holds
only our token (URL-safe base64 and a dot), never user input. The cookie is SameSite=Strict, Secure on
https, Path=/ and expires with the server-side session; it cannot be HttpOnly (a script sets it), which is
why the server can revoke it and never stores it in clear (matcher/sessions.py).
"""
from __future__ import annotations

import re

import streamlit as st

COOKIE = "matcher_session"
_PENDING = "auth_cookie_pending"   # ("set", token, max_age) or ("clear",): written by the next run
_SAFE = re.compile(r"^[A-Za-z0-9_\-.]{1,200}$")


def from_browser() -> str | None:
    """The token the browser sent when this session's page was opened (a reload, a new tab, a link)."""
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) and _SAFE.match(value) else None


def remember(token: str, max_age_seconds: int) -> None:
    """Ask for the cookie to be set; written on the next run (the current one usually ends in st.rerun)."""
    if _SAFE.match(token):
        st.session_state[_PENDING] = ("set", token, int(max_age_seconds))


def forget() -> None:
    st.session_state[_PENDING] = ("clear",)


def write_pending() -> None:
    """Emit the script that sets or clears the cookie, if one was asked for. Call once per run."""
    pending = st.session_state.pop(_PENDING, None)
    if not pending:
        return
    if pending[0] == "set":
        _, token, age = pending
        value = f"{COOKIE}={token}; Max-Age={age}"
    else:
        value = f"{COOKIE}=; Max-Age=0"
    st.html("<script>document.cookie = '" + value + "; Path=/; SameSite=Strict' + "
            "(location.protocol === 'https:' ? '; Secure' : '');</script>", unsafe_allow_javascript=True)

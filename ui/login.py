"""Sign-in and enterprise self-registration (officials are created by an admin, the first admin by the CLI)."""
import streamlit as st

from matcher.auth import DEMO_ACCOUNTS, AuthError, authenticate, register
from ui.auth_gate import sign_in
from ui.i18n import lang, t
from ui.resources import get_platform, settings
from ui.widgets import client_id, flash


def _login(platform) -> None:
    with st.form("login_form"):
        email = st.text_input(t("email"), key="login_email")
        password = st.text_input(t("password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("login_button"), key="login_submit", type="primary")
    if submitted:
        try:
            account = authenticate(platform.store, email, password, settings(), client=client_id())
        except AuthError as exc:
            st.error(exc.message(lang()))
            return
        sign_in(platform, account)
        st.rerun()


def _register(platform) -> None:
    errors = st.session_state.get("register_errors", {})
    with st.form("register_form"):
        org = st.text_input(t("organization") + " *", key="register_org")
        if "organization" in errors:
            st.error(errors["organization"])
        contact = st.text_input(t("contact_person"), key="register_contact")
        email = st.text_input(t("email") + " *", key="register_email")
        if "email" in errors:
            st.error(errors["email"])
        password = st.text_input(t("password") + " *", type="password", key="register_password")
        confirm = st.text_input(t("password_confirm") + " *", type="password", key="register_confirm")
        if "password" in errors:
            st.error(errors["password"])
        submitted = st.form_submit_button(t("register_button"), key="register_submit", type="primary")
    if not submitted:
        return
    if password != confirm:
        st.session_state["register_errors"] = {"password": t("password_mismatch")}
        st.rerun()
    try:
        register(platform.store, email, password, org, contact, settings(), client=client_id())
    except AuthError as exc:
        st.session_state["register_errors"] = {exc.field or "password": exc.message(lang())}
        st.rerun()
    st.session_state["register_errors"] = {}
    st.session_state["login_flash"] = t("register_ok")
    st.rerun()


def render() -> None:
    platform = get_platform()
    st.title(t("app_title"))
    if st.session_state.pop("auth_expired", False):
        st.info(t("session_expired"))
    elif st.session_state.pop("auth_ended", False):
        st.info(t("session_ended"))
    flash("login_flash")
    login_tab, register_tab = st.tabs([t("login_tab"), t("register_tab")])
    with login_tab:
        _login(platform)
    with register_tab:
        _register(platform)
    s = settings()
    if s.demo_accounts:  # demo mode only: never a password on a real deployment
        accounts = "; ".join(f"{a['email']} / {a['password']}" for a in DEMO_ACCOUNTS)
        st.caption(t("demo_hint", accounts=accounts))


render()

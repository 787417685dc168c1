"""Page: my account, for every role. Change the password (the only page open after an admin's reset) and the
contact details counterparts see after approval. The logic is in matcher/accounts.py."""
import streamlit as st

from matcher import accounts
from matcher.auth import AuthError
from matcher.domain.records import RecordStatus, RecordValidationError, Role, Side
from ui.auth_gate import TOKEN_KEY, require_role
from ui.i18n import enum_label, lang, t
from ui.resources import settings
from ui.widgets import flash, md_escape

PASSWORD_KEYS = ("account_current", "account_new", "account_confirm")


def _password(platform, account) -> None:
    st.subheader(t("account_password_title"))
    st.caption(t("account_password_help"))
    errors = st.session_state.get("account_password_errors", {})
    with st.form("account_password_form"):
        label = "account_current_temp" if account.must_change_password else "account_current"
        current = st.text_input(t(label), type="password", key="account_current")
        if "current_password" in errors:
            st.error(errors["current_password"])
        new = st.text_input(t("account_new"), type="password", key="account_new")
        confirm = st.text_input(t("account_confirm"), type="password", key="account_confirm")
        if "new_password" in errors:
            st.error(errors["new_password"])
        submitted = st.form_submit_button(t("account_password_button"), key="account_password_submit", type="primary")
    if not submitted:
        return
    if new != confirm:
        st.session_state["account_password_errors"] = {"new_password": t("password_mismatch")}
        st.rerun()
    try:
        ended = accounts.change_password(platform.store, account.id, current, new, settings(),
                                         keep_session=st.session_state.get(TOKEN_KEY))
    except AuthError as exc:
        st.session_state["account_password_errors"] = {exc.field or "new_password": exc.message(lang())}
        st.rerun()
    st.session_state["account_password_errors"] = {}
    for key in PASSWORD_KEYS:   # never kept in the session once used
        st.session_state.pop(key, None)
    st.session_state["account_flash"] = t("account_password_ok", n=ended)
    st.rerun()


def _live_listings(platform, account) -> int:
    live = [str(RecordStatus.PENDING), str(RecordStatus.PUBLISHED)]
    return sum(len(platform.store.list_records(side, status=live, owner_id=account.id)) for side in Side)


def _contact(platform, account) -> None:
    st.subheader(t("account_contact_title"))
    st.caption(t("account_contact_help"))
    errors = st.session_state.get("account_contact_errors", {})
    values = accounts.contact_details(platform.store, account.id)
    listings = _live_listings(platform, account) if account.role == Role.ENTERPRISE else 0
    with st.form("account_contact_form"):
        data = {}
        for field in accounts.CONTACT_FIELDS:
            data[field] = st.text_input(t(f"field_{field}"), value=values[field] or "", key=f"account_{field}")
            if field in errors:
                st.error(errors[field])
        apply = st.checkbox(t("account_apply_listings", n=listings), value=bool(listings), disabled=not listings,
                            key="account_apply_listings") if account.role == Role.ENTERPRISE else False
        submitted = st.form_submit_button(t("account_contact_button"), key="account_contact_submit")
    if not submitted:
        return
    try:
        changed = accounts.update_contact(platform.store, account.id, data, account.email,
                                          apply_to_listings=bool(apply and listings))
    except RecordValidationError as exc:
        st.session_state["account_contact_errors"] = {e.field: e.message(lang()) for e in exc.errors}
        st.rerun()
    st.session_state["account_contact_errors"] = {}
    st.session_state["account_flash"] = (t("account_contact_ok_listings", n=len(changed)) if changed
                                         else t("account_contact_ok"))
    st.rerun()


def render() -> None:
    platform, account = require_role(Role.ENTERPRISE, Role.OFFICIAL, Role.ADMIN, allow_forced=True)
    st.title(t("page_account"))
    flash("account_flash")
    st.caption(t("account_signed_in", email=md_escape(account.email), role=enum_label("role", account.role),
                 organization=md_escape(account.organization)))
    if account.must_change_password:
        st.warning(t("account_forced"), icon=":material/lock_reset:")
        _password(platform, account)
        return
    _password(platform, account)
    st.divider()
    _contact(platform, account)
    st.caption(t("account_email_note"))


render()

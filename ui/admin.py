"""Page: the admin creates official (or admin) accounts, activates, deactivates or unlocks users, and resets
passwords (a one-time temporary password, changed at the next sign-in)."""
import streamlit as st

from matcher.accounts import reset_password
from matcher.auth import AuthError, create_user, list_users, locked_accounts, set_active, unlock
from matcher.demo import demo_activity, mark_reviewed
from matcher.domain.records import Role
from ui.auth_gate import require_role
from ui.i18n import enum_label, lang, t
from ui.learning_admin import learning_section
from ui.widgets import flash, md_escape, status_table


def _create(platform, account) -> None:
    st.subheader(t("admin_create"))
    errors = st.session_state.get("admin_errors", {})
    with st.form("admin_form"):
        role = st.selectbox(t("role"), [Role.OFFICIAL, Role.ADMIN], key="admin_role",
                            format_func=lambda r: enum_label("role", r))
        org = st.text_input(t("organization") + " *", key="admin_org")
        contact = st.text_input(t("contact_person"), key="admin_contact")
        email = st.text_input(t("email") + " *", key="admin_email")
        password = st.text_input(t("password") + " *", type="password", key="admin_password")
        for message in errors.values():
            st.error(message)
        submitted = st.form_submit_button(t("create_button"), key="admin_submit", type="primary")
    if not submitted:
        return
    try:
        created = create_user(platform.store, email, password, role, org, contact, actor=account.email)
    except AuthError as exc:
        st.session_state["admin_errors"] = {exc.field or "email": exc.message(lang())}
        st.rerun()
    st.session_state["admin_errors"] = {}
    for key in ("admin_org", "admin_contact", "admin_email", "admin_password"):
        st.session_state.pop(key, None)
    st.session_state["admin_flash"] = t("created_ok", email=md_escape(created.email))
    st.rerun()


def _users(platform, account) -> None:
    st.subheader(t("users"))
    users = list_users(platform.store)
    rows = [{**u, "role": enum_label("role", u["role"]), "active": t("yes" if u["active"] else "no"),
             "is_demo": t("yes" if u["is_demo"] else "no"),
             "must_change_password": t("yes" if u.get("must_change_password") else "no")} for u in users]
    st.dataframe(status_table(rows, {"id": "col_id", "email": "col_email", "role": "col_role",
                                     "organization": "col_org", "active": "col_active", "is_demo": "col_demo",
                                     "locked_until": "col_locked", "must_change_password": "col_must_change",
                                     "created_at": "col_created"}),
                 hide_index=True, key="admin_users")
    by_id = {u["id"]: u for u in users}
    picked = st.selectbox(t("user_pick"), list(by_id), key="admin_user_pick",
                          format_func=lambda i: f"{by_id[i]['email']} · {enum_label('role', by_id[i]['role'])}")
    left, right = st.columns(2)
    if left.button(t("deactivate"), key="admin_deactivate", disabled=picked == account.id):
        set_active(platform.store, picked, False, account.email)
        st.session_state["admin_flash"] = t("user_updated")
        st.rerun()
    if right.button(t("activate"), key="admin_activate"):
        set_active(platform.store, picked, True, account.email)
        st.session_state["admin_flash"] = t("user_updated")
        st.rerun()


def _reset(platform, account) -> None:
    """Reset another account's password. The temporary password is shown in the run right after the reset
    and then dropped from the session: it is never stored in readable form."""
    st.subheader(t("reset_title"))
    st.caption(t("reset_help"))
    done = st.session_state.pop("admin_reset_done", None)
    if done:
        st.success(t("reset_done", email=md_escape(done[0])))
        st.code(done[1], language=None)
    users = [u for u in list_users(platform.store) if u["id"] != account.id]
    if not users:
        return
    by_id = {u["id"]: u for u in users}
    errors = st.session_state.get("admin_reset_errors", {})
    with st.form("admin_reset_form"):
        picked = st.selectbox(t("reset_user"), list(by_id), key="admin_reset_user",
                              format_func=lambda i: f"{by_id[i]['email']} · {enum_label('role', by_id[i]['role'])}")
        reason = st.text_input(t("reset_reason"), key="admin_reset_reason", placeholder=t("reset_reason_ph"))
        typed = st.text_input(t("reset_typed"), type="password", key="admin_reset_typed")
        for message in errors.values():
            st.error(message)
        submitted = st.form_submit_button(t("reset_button"), key="admin_reset_submit")
    if not submitted:
        return
    try:
        temporary = reset_password(platform.store, picked, account.email, account.id, reason, typed or None)
    except AuthError as exc:
        st.session_state["admin_reset_errors"] = {exc.field or "reason": exc.message(lang())}
        st.rerun()
    st.session_state["admin_reset_errors"] = {}
    for key in ("admin_reset_reason", "admin_reset_typed"):
        st.session_state.pop(key, None)
    st.session_state["admin_reset_done"] = (by_id[picked]["email"], temporary)
    st.rerun()


def _demo_activity(platform, account) -> None:
    """Demo mode off: what the demo accounts (public passwords) did, until an admin marks it checked."""
    if platform.settings.demo_accounts or not (rows := demo_activity(platform.store)):
        return
    st.subheader(t("demo_activity_title"))
    st.warning(t("demo_activity_warning", n=len(rows)), icon=":material/warning:")
    st.dataframe(status_table(rows, {"at": "col_at", "actor": "col_actor", "entity": "col_entity",
                                     "entity_id": "col_entity_id", "action": "col_action", "to_status": "col_to"}),
                 hide_index=True, key="admin_demo_activity")
    if st.button(t("demo_reviewed_button"), key="admin_demo_reviewed"):
        mark_reviewed(platform.store, account.email, note=f"{len(rows)} actions checked")
        st.session_state["admin_flash"] = t("demo_reviewed_ok")
        st.rerun()
    st.divider()


def _locked(platform, account) -> None:
    """The alert: accounts with repeated failed sign-ins, and an unlock for each."""
    if not (rows := locked_accounts(platform.store)):
        return
    st.subheader(t("locked_title"))
    st.warning(t("locked_warning", n=len(rows)), icon=":material/lock:")
    st.dataframe(status_table(rows, {"id": "col_id", "email": "col_email", "failed_logins": "col_failures",
                                     "locked_until": "col_locked"}), hide_index=True, key="admin_locked")
    by_id = {r["id"]: r for r in rows}
    picked = st.selectbox(t("user_pick"), list(by_id), key="admin_locked_pick",
                          format_func=lambda i: by_id[i]["email"])
    if st.button(t("unlock"), key="admin_unlock"):
        unlock(platform.store, picked, account.email)
        st.session_state["admin_flash"] = t("user_updated")
        st.rerun()
    st.divider()


def render() -> None:
    platform, account = require_role(Role.ADMIN)
    st.title(t("page_admin"))
    flash("admin_flash")
    _locked(platform, account)
    _demo_activity(platform, account)
    _create(platform, account)
    st.divider()
    _users(platform, account)
    st.divider()
    _reset(platform, account)
    st.divider()
    learning_section(platform, account)


render()

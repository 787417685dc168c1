"""The submit-offering and submit-scenario pages: validate, warn about near-duplicates, save, suggest."""
from __future__ import annotations

import streamlit as st

from matcher.auth import Account
from matcher.domain.records import RecordStatus, Role, Side
from matcher.service import Platform
from ui import record_form
from ui.auth_gate import require_role
from ui.i18n import enum_label, t
from ui.suggestions import suggestion_list
from ui.widgets import md_escape


def _save(platform: Platform, account: Account, side: Side, prefix: str, data: dict) -> None:
    record_id = platform.submit(side, data, actor=account.email, owner_id=account.id, status=RecordStatus.PENDING)
    record_form.clear(f"{prefix}_form")
    st.session_state.pop(f"{prefix}_pending", None)
    st.session_state[f"{prefix}_saved"] = record_id
    st.rerun()


def _duplicates(platform: Platform, side: Side, prefix: str, account: Account) -> None:
    """Warning shown before saving when the draft is very close to records already published."""
    pending = st.session_state[f"{prefix}_pending"]
    st.warning(t("dup_warning"), icon=":material/content_copy:")
    for dup in platform.near_duplicates(side, pending, owner_id=account.id):
        st.markdown(f"- **{md_escape(dup.title)}** · {md_escape(dup.organization)} · "
                    f"{enum_label('rstatus', dup.status)} ({dup.similarity:.2f})")
    left, right = st.columns(2)
    if left.button(t("dup_confirm"), key=f"{prefix}_dup_confirm", type="primary"):
        _save(platform, account, side, prefix, pending)
    if right.button(t("dup_cancel"), key=f"{prefix}_dup_cancel"):
        st.session_state.pop(f"{prefix}_pending", None)
        st.rerun()


def submit_page(side: Side) -> None:
    platform, account = require_role(Role.ENTERPRISE)
    prefix = f"submit_{side.value}"
    st.title(t("page_submit_offering" if side == Side.SUPPLY else "page_submit_scenario"))
    saved = st.session_state.get(f"{prefix}_saved")
    if saved:
        st.success(t("saved_ok", id=saved))  # ids are generated (O-/S- + hex)
        st.subheader(t("suggestions_title"))
        suggestion_list(platform, account, side, saved)
        if st.button(t("new_submission"), key=f"{prefix}_again"):
            st.session_state.pop(f"{prefix}_saved", None)
            st.rerun()
        return
    if st.session_state.get(f"{prefix}_pending"):
        _duplicates(platform, side, prefix, account)
    values = {"organization": account.organization, "contact_name": account.contact_name,
              "contact_email": account.contact_email or account.email, "contact_phone": account.contact_phone}
    data = record_form.record_form(side, f"{prefix}_form", values, t("submit_button"))
    if data is None:
        return
    clean = record_form.check(side, f"{prefix}_form", data)
    if clean is None:
        st.session_state.pop(f"{prefix}_pending", None)
        st.rerun()
    if platform.near_duplicates(side, clean, owner_id=account.id):
        st.session_state[f"{prefix}_pending"] = clean
        st.rerun()
    _save(platform, account, side, prefix, clean)

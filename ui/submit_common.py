"""The submit-offering and submit-scenario pages: validate, warn about near-duplicates, save, suggest."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from matcher.auth import Account
from matcher.domain.records import RecordStatus, RecordValidationError, Role, Side
from matcher.service import Platform
from matcher.workflow import calls
from ui import page_state, record_form
from ui.auth_gate import require_role
from ui.i18n import enum_label, format_datetime, industry_label, lang, t
from ui.suggestions import suggestion_list
from ui.widgets import md_escape


def _call_select(platform: Platform, prefix: str) -> None:
    """Scenarios only: the open calls to submit to (optional), with the error of the last try under it."""
    open_calls = {c["id"]: c for c in calls.accepting(platform.store, dt.date.today())}
    if not open_calls:
        st.session_state.pop(f"{prefix}_call", None)
        return

    def label(call_id):
        if call_id is None:
            return t("call_no_call")
        call = open_calls[call_id]
        names = "、".join if lang() == "zh" else ", ".join
        return t("call_option", title=calls.title(call, lang()), closes=format_datetime(call["closes_on"]),
                 industries=names(industry_label(i) for i in call["industries"]) or t("all_industries"))
    st.selectbox(t("field_call"), [None, *open_calls], format_func=label, key=f"{prefix}_call")
    if error := st.session_state.get(f"{prefix}_call_error"):
        st.error(error, icon=":material/error:")


def _call_ok(platform: Platform, prefix: str, data: dict) -> bool:
    """Whether the chosen call (if any) takes this scenario now; else its error is kept for the next run."""
    try:
        calls.check_accepting(platform.store, st.session_state.get(f"{prefix}_call"), dt.date.today(),
                              data.get("industry"))
    except RecordValidationError as exc:
        st.session_state[f"{prefix}_call_error"] = " ".join(e.message(lang()) for e in exc.errors)
        return False
    st.session_state.pop(f"{prefix}_call_error", None)
    return True


def _save(platform: Platform, account: Account, side: Side, prefix: str, data: dict) -> None:
    call_id = st.session_state.get(f"{prefix}_call") if side == Side.DEMAND else None
    if call_id is not None and not _call_ok(platform, prefix, data):   # closed meanwhile: nothing is saved
        st.session_state.pop(f"{prefix}_pending", None)
        st.rerun()
    record_id = platform.submit(side, data, actor=account.email, owner_id=account.id, status=RecordStatus.PENDING)
    if call_id is not None:
        calls.attach(platform.store, record_id, call_id, account.email)
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
    if page_state.arrived():   # coming here from another page means a new submission, not the last one's results
        for key in (f"{prefix}_saved", f"{prefix}_pending"):
            st.session_state.pop(key, None)
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
    if side == Side.DEMAND:
        _call_select(platform, prefix)
    data = record_form.record_form(side, f"{prefix}_form", values, t("submit_button"))
    if data is None:
        return
    clean = record_form.check(side, f"{prefix}_form", data)
    if side == Side.DEMAND and not _call_ok(platform, prefix, clean or data):
        clean = None
    if clean is None:
        st.session_state.pop(f"{prefix}_pending", None)
        st.rerun()
    if platform.near_duplicates(side, clean, owner_id=account.id):
        st.session_state[f"{prefix}_pending"] = clean
        st.rerun()
    _save(platform, account, side, prefix, clean)

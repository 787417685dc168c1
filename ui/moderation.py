"""Page: officials publish or reject newly submitted offerings and scenarios, with a reason, one by one or in bulk."""
import streamlit as st

from matcher.domain.records import REJECTION_REASONS, RecordStatus, Side
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import enum_label, industry_label, t
from ui.widgets import flash, md_escape, pick_record

FIELDS = ["organization", "industry", "region", "keywords", "maturity", "required_maturity", "budget_wan",
          "deadline", "indicators", "contact_name", "contact_email", "contact_phone"]


def _details(record: dict) -> None:
    st.subheader(md_escape(record["title"]))
    st.text(record["description"])
    for field in FIELDS:
        value = record.get(field)
        if value in (None, ""):
            continue
        if field == "industry":
            value = industry_label(value)
        elif field in ("maturity", "required_maturity"):
            value = enum_label("maturity", value)
        st.text(f"{t('field_' + field)}: {value}")


def _bulk(platform, account, pending: list) -> None:
    """Publish or reject several pending records at once (a rejection still needs its reason)."""
    by_id = {r["id"]: (side, r) for side, r in pending}
    with st.expander(t("mod_bulk_header", n=len(st.session_state.get("mod_bulk_ids") or []))):
        ids = st.multiselect(t("mod_bulk_pick"), list(by_id), key="mod_bulk_ids", placeholder=t("mod_select_ph"),
                             format_func=lambda i: f"{i} · {by_id[i][1]['title']}")
        reason = st.selectbox(t("reason_code"), [None, *REJECTION_REASONS], key="mod_bulk_reason",
                              format_func=lambda r: enum_label("reason", r))
        note = st.text_input(t("note"), key="mod_bulk_note", max_chars=1000).strip() or None
        left, right = st.columns(2)
        publish = left.button(t("mod_bulk_publish"), key="mod_bulk_publish", disabled=not ids)
        reject = right.button(t("mod_bulk_reject"), key="mod_bulk_reject", disabled=not ids)
        if reject and reason is None:
            st.error(t("reason_required"))
            return
        if publish or reject:
            status = RecordStatus.PUBLISHED if publish else RecordStatus.REJECTED
            for record_id in ids:
                side, _record = by_id[record_id]
                platform.set_status(side, record_id, status, account.email, note=note,
                                    reason_code=str(reason) if reject else None)
            st.session_state["mod_flash"] = t("mod_bulk_done", n=len(ids))
            st.session_state.pop("mod_bulk_ids", None)
            st.rerun()


def render() -> None:
    platform, account = require_role(*OFFICIALS)
    st.title(t("page_moderation"))
    flash("mod_flash")
    pending = [(side, r) for side in Side for r in platform.store.list_records(side, status=RecordStatus.PENDING)]
    if not pending:
        st.info(t("mod_empty"))
        return
    rows = [{"id": r["id"], "side": t(f"side_{side.value}"), "title": r["title"], "organization": r["organization"],
             "created_at": r["created_at"]} for side, r in pending]
    side, record = pick_record(pending, rows, {"id": "col_id", "side": "col_side", "title": "col_title",
                                              "organization": "col_org", "created_at": "col_created"},
                               key="mod", label_key="mod_pick")
    with st.container(border=True):
        _details(record)
    _bulk(platform, account, pending)
    reason = st.selectbox(t("reason_code"), [None, *REJECTION_REASONS], key="mod_reason",
                          format_func=lambda r: enum_label("reason", r))
    note = st.text_area(t("note"), key="mod_note", max_chars=1000)
    left, right = st.columns(2)
    if left.button(t("publish_button"), key="mod_publish", type="primary"):
        platform.set_status(side, record["id"], RecordStatus.PUBLISHED, account.email, note=note or None,
                            reason_code=str(reason) if reason else None)
        st.session_state["mod_flash"] = t("published_ok", id=md_escape(record["id"]))
        st.rerun()
    if right.button(t("reject_button"), key="mod_reject"):
        if reason is None:
            st.error(t("reason_required"))
            return
        platform.set_status(side, record["id"], RecordStatus.REJECTED, account.email, note=note or None,
                            reason_code=str(reason))
        st.session_state["mod_flash"] = t("rejected_ok", id=md_escape(record["id"]))
        st.rerun()


render()

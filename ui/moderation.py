"""Page: officials publish or reject newly submitted offerings and scenarios, with a reason."""
import streamlit as st

from matcher.domain.records import ReasonCode, RecordStatus, Side
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
    reason = st.selectbox(t("reason_code"), [None, *ReasonCode], key="mod_reason",
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

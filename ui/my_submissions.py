"""Page: an enterprise's own offerings and scenarios: suggestions, pairings, edit, withdraw, renew."""
import datetime as dt

import streamlit as st

from matcher.search.engine import OTHER
from matcher.domain.records import RecordStatus, RecordValidationError, Role, Side
from matcher.workflow.lifecycle import RENEWABLE
from ui import record_form
from ui.auth_gate import require_role
from ui.i18n import enum_label, format_datetime, lang, t
from ui.suggestions import contact_block, pairings_of, suggestion_list
from ui.widgets import flash, pick_record

CHANGEABLE = {RecordStatus.PENDING, RecordStatus.PUBLISHED}


def _pairings(platform, side: Side, record: dict) -> None:
    # Only published counterparts: a withdrawn or rejected record, or one edited and back in moderation, is
    # not shown to the other party (contact details included).
    found = {}
    for other_id, pairing in pairings_of(platform, side, record["id"]).items():
        other = platform.store.get_record(OTHER[side], other_id) or {}
        if other.get("status") == RecordStatus.PUBLISHED:
            found[other_id] = (pairing, other)
    if not found:
        st.info(t("no_pairings"))
        return
    for other_id, (pairing, other) in found.items():
        with st.container(border=True, key=f"mine_pairing_{pairing['id']}"):
            st.text(f"{other.get('title', other_id)} — {other.get('organization', '')}")
            st.caption(t("pairing_status", status=enum_label("pstatus", pairing["status"]))
                       + f" · {t('score')} {pairing['score']:.2f}")
            contact_block(platform, side, pairing, other_id)


def _edit(platform, account, side: Side, record: dict) -> None:
    if record["status"] not in CHANGEABLE:
        st.info(t("cannot_change"))
        return
    key = f"mine_edit_{record['id']}"
    data = record_form.record_form(side, key, record, t("save_changes"))
    if data is None:
        return
    clean = record_form.check(side, key, data)
    if clean is None:
        st.rerun()
    platform.update(side, record["id"], clean, actor=account.email)
    if record["status"] == RecordStatus.PUBLISHED:  # changed text is moderated again before it is public
        platform.set_status(side, record["id"], RecordStatus.PENDING, account.email, note="edited")
    record_form.clear(key)
    st.session_state["mine_flash"] = t("updated_ok")
    st.rerun()


def _withdraw(platform, account, side: Side, record: dict) -> None:
    if record["status"] not in CHANGEABLE:
        st.info(t("cannot_change"))
        return
    sure = st.checkbox(t("withdraw_confirm"), key=f"mine_withdraw_sure_{record['id']}")
    if st.button(t("withdraw_button"), key=f"mine_withdraw_{record['id']}", disabled=not sure):
        platform.set_status(side, record["id"], RecordStatus.WITHDRAWN, account.email, note="withdrawn by owner")
        st.session_state["mine_flash"] = t("withdrawn_ok")
        st.rerun()


def _validity(platform, side: Side, record: dict) -> None:
    """Until when the listing stays listed, a warning when that is near, and that it left when expired."""
    if record["status"] not in RENEWABLE:
        return
    end = platform.listing_end(side, record)
    days = max((end - dt.date.today()).days, 0)   # past but not yet swept: expires at the next sweep
    if record["status"] == RecordStatus.EXPIRED:
        st.warning(t("expired_on", date=format_datetime(end)), icon=":material/event_busy:")
    elif days <= platform.settings.expiry_reminder_days:
        st.warning(t("expiring_soon", date=format_datetime(end), days=days), icon=":material/schedule:")
    else:
        st.caption(t("listed_until", date=format_datetime(end), days=days))


def _renew(platform, account, side: Side, record: dict) -> None:
    if record["status"] not in RENEWABLE:
        st.info(t("renew_not_possible"))
        return
    key = f"mine_renew_{record['id']}"
    period = platform.settings.offering_valid_days
    dated = side == Side.DEMAND and record.get("deadline") is not None
    error = st.session_state.get(f"{key}_error")
    with st.form(key):
        deadline = None
        if side == Side.DEMAND:
            st.caption(t("renew_scenario_help") if dated else t("renew_undated_help", days=period))
            deadline = st.date_input(t("renew_deadline"), value=None, min_value=dt.date(2000, 1, 1),
                                     key=f"{key}_deadline")
        else:
            until = dt.date.today() + dt.timedelta(days=period)
            st.caption(t("renew_offering_help", days=period, date=format_datetime(until)))
        if error:
            st.error(error, icon=":material/error:")
        submitted = st.form_submit_button(t("renew_button"), key=f"{key}_submit", type="primary")
    if not submitted:
        return
    try:
        end = platform.renew(side, record["id"], account.email, deadline=deadline)
    except RecordValidationError as exc:
        st.session_state[f"{key}_error"] = " ".join(e.message(lang()) for e in exc.errors)
        st.rerun()
    st.session_state.pop(f"{key}_error", None)
    st.session_state["mine_flash"] = t("renewed_ok", date=format_datetime(end))
    st.rerun()


def render() -> None:
    platform, account = require_role(Role.ENTERPRISE)
    st.title(t("page_my_submissions"))
    flash("mine_flash")
    mine = [(side, r) for side in Side for r in platform.store.list_records(side, owner_id=account.id)]
    if not mine:
        st.info(t("my_empty"))
        return
    rows = [{"id": r["id"], "side": t(f"side_{side.value}"), "title": r["title"],
             "status": enum_label("rstatus", r["status"]), "created_at": r["created_at"]} for side, r in mine]
    side, record = pick_record(mine, rows, {"id": "col_id", "side": "col_side", "title": "col_title",
                                           "status": "col_status", "created_at": "col_created"},
                               key="mine", label_key="my_pick")
    _validity(platform, side, record)
    tabs = st.tabs([t("tab_suggestions"), t("tab_pairings"), t("tab_edit"), t("tab_withdraw"), t("tab_renew")])
    with tabs[0]:
        suggestion_list(platform, account, side, record["id"])
    with tabs[1]:
        _pairings(platform, side, record)
    with tabs[2]:
        _edit(platform, account, side, record)
    with tabs[3]:
        _withdraw(platform, account, side, record)
    with tabs[4]:
        _renew(platform, account, side, record)


render()

"""Page (officials): calls for scenarios: create, open and close, and each call's report with its export."""
import datetime as dt

import pandas as pd
import streamlit as st

from matcher.domain.records import RecordValidationError
from matcher.workflow import calls
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import enum_label, format_datetime, industry_codes, industry_label, lang, t
from ui.widgets import flash, md_escape

ERRORS_KEY = "calls_new_errors"


def _field_error(errors: dict, *fields: str) -> None:
    for field in fields:
        if field in errors:
            st.error(errors[field], icon=":material/error:")


def _new_call(platform, account) -> None:
    errors: dict = st.session_state.get(ERRORS_KEY, {})
    with st.expander(t("call_new"), expanded=bool(errors), icon=":material/add:"):
        if errors:
            st.error(t("call_errors"))
        with st.form("calls_new"):
            left, right = st.columns(2)
            title_zh = left.text_input(t("call_title_zh"), key="calls_new_title_zh", help=t("call_title_help"))
            title_en = right.text_input(t("call_title_en"), key="calls_new_title_en", help=t("call_title_help"))
            _field_error(errors, "title", "title_zh", "title_en")
            opens = left.date_input(t("call_opens"), value=dt.date.today(), min_value=dt.date(2000, 1, 1),
                                    key="calls_new_opens")
            closes = right.date_input(t("call_closes"), value=None, min_value=dt.date(2000, 1, 1),
                                      key="calls_new_closes")
            _field_error(errors, "opens_on", "closes_on")
            industries = st.multiselect(t("call_industries"), industry_codes(), format_func=industry_label,
                                        key="calls_new_industries", placeholder=t("all_industries"))
            _field_error(errors, "industries")
            submitted = st.form_submit_button(t("call_create"), key="calls_new_submit", type="primary")
    if not submitted:
        return
    data = dict(title_zh=title_zh, title_en=title_en, opens_on=opens, closes_on=closes, industries=industries)
    try:
        call_id = calls.create_call(platform.store, data, account.email)
    except RecordValidationError as exc:
        st.session_state[ERRORS_KEY] = {e.field: e.message(lang()) for e in exc.errors}
        st.rerun()
    st.session_state.pop(ERRORS_KEY, None)
    for key in [k for k in st.session_state if str(k).startswith("calls_new_")]:
        del st.session_state[key]
    st.session_state["calls_flash"] = t("call_created", id=call_id)
    st.session_state["calls_pick"] = call_id
    st.rerun()


def _industries(call: dict) -> str:
    return ("、" if lang() == "zh" else ", ").join(industry_label(i) for i in call["industries"]) or t("all_industries")


def _table(all_calls: list[dict]) -> None:
    rows = [{t("col_id"): c["id"], t("col_call_title"): calls.title(c, lang()),
             t("col_opens"): format_datetime(c["opens_on"]), t("col_closes"): format_datetime(c["closes_on"]),
             t("col_industries"): _industries(c), t("col_status"): enum_label("cstatus", c["status"])}
            for c in all_calls]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="calls_table")


def _actions(platform, account, call: dict) -> None:
    moves = sorted(calls.TRANSITIONS[call["status"]])
    cols = st.columns(max(len(moves), 1) + 1)
    for col, move in zip(cols, moves):
        label = t("call_open_btn" if move == calls.OPEN else "call_close_btn")
        if col.button(label, key=f"calls_{move}_{call['id']}"):
            try:
                calls.set_status(platform.store, call["id"], move, account.email, dt.date.today())
            except RecordValidationError as exc:
                st.session_state["calls_action_error"] = " ".join(e.message(lang()) for e in exc.errors)
            else:
                st.session_state["calls_flash"] = t("call_status_ok", id=call["id"],
                                                    status=enum_label("cstatus", move))
            st.rerun()
    if error := st.session_state.pop("calls_action_error", None):
        st.error(error, icon=":material/error:")


def _report(platform, call: dict) -> None:
    rep = calls.report(platform.store, call["id"])
    st.subheader(t("call_report"))
    st.markdown(t("call_listings", n=len(rep.listings), p=len(rep.pairings)))
    left, right = st.columns(2)
    with left:
        st.caption(t("call_by_status"))
        st.table(pd.DataFrame([{t("col_status"): enum_label("rstatus", k), t("col_count"): v}
                               for k, v in sorted(rep.by_status.items())], columns=[t("col_status"), t("col_count")]))
    with right:
        st.caption(t("call_by_stage"))
        st.table(pd.DataFrame([{t("col_stage"): enum_label("pstatus", k), t("col_count"): v}
                               for k, v in rep.by_stage.items()]))
    if rep.listings:
        st.dataframe(pd.DataFrame([{t("col_id"): r["id"], t("col_title"): r["title"],
                                    t("col_status"): enum_label("rstatus", r["status"]),
                                    t("col_deadline"): format_datetime(r["deadline"]) if r["deadline"] else ""}
                                   for r in rep.listings]), hide_index=True, key="calls_report_listings")
    st.download_button(t("call_export"), calls.report_xlsx(rep, lang()),
                       file_name=f"{t('call_report_file')}-{call['id']}.xlsx", key="calls_export",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:")


def render() -> None:
    platform, account = require_role(*OFFICIALS)
    st.title(t("page_calls"))
    st.caption(t("calls_intro"))
    flash("calls_flash")
    _new_call(platform, account)
    all_calls = calls.list_calls(platform.store)
    st.subheader(t("call_list"))
    if not all_calls:
        st.info(t("call_none"))
        return
    _table(all_calls)
    by_id = {c["id"]: c for c in all_calls}
    if st.session_state.get("calls_pick") not in by_id:
        st.session_state["calls_pick"] = all_calls[0]["id"]
    picked = st.selectbox(t("call_pick"), list(by_id), key="calls_pick",
                          format_func=lambda i: f"#{i} · {calls.title(by_id[i], lang())}")
    call = by_id[picked]
    st.markdown(f"**{md_escape(calls.title(call, lang()))}** · {enum_label('cstatus', call['status'])} · "
                f"{format_datetime(call['opens_on'])} – {format_datetime(call['closes_on'])} · {_industries(call)}")
    _actions(platform, account, call)
    _report(platform, call)


render()

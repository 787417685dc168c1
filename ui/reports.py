"""Page: reports officials hand upwards, per year, campaign or call for scenarios (listings, pairings by stage, demonstration
projects and support, cases added, tagged enterprises), with an Excel download and a print-ready page that
the browser prints to PDF. Builder: matcher/workflow/reports.py; tables: matcher/io/report_workbook.py."""
import datetime as dt

import pandas as pd
import streamlit as st

from matcher.domain.records import Role
from matcher.io import report_workbook as rw
from matcher.workflow import calls
from matcher.workflow import campaigns as cp
from matcher.workflow import reports
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import lang, t

KEY = "rep"


def _scope(platform):
    kind = st.radio(t("rep_scope"), ["year", "campaign", "call"], key=f"{KEY}_kind", horizontal=True,
                    format_func=lambda k: t(f"rep_scope_{k}"))
    if kind == "year":
        year = st.selectbox(t("rep_year"), reports.report_years(platform.store), key=f"{KEY}_year")
        return reports.YearScope(int(year)), f"{year}"
    if kind == "call":
        every = {c["id"]: c for c in calls.list_calls(platform.store)}
        if not every:
            st.info(t("rep_no_call"))
            return None, None
        cid = st.selectbox(t("rep_call_pick"), list(every), key=f"{KEY}_call",
                           format_func=lambda i: calls.title(every[i], lang()))
        return reports.CallScope(cid), f"call-{cid}"
    every = {c["id"]: c for c in cp.list_campaigns(platform.store)}
    if not every:
        st.info(t("camp_none"))
        return None, None
    cid = st.selectbox(t("camp_pick"), list(every), key=f"{KEY}_campaign",
                       format_func=lambda i: f"{every[i]['title']} · {every[i]['park']}")
    return reports.CampaignScope(cid), f"campaign-{cid}"


def render() -> None:
    platform, _account = require_role(*OFFICIALS)
    st.title(t("page_reports"))
    scope, name = _scope(platform)
    if scope is None:
        return
    report, language = reports.build_report(platform.store, scope), lang()
    st.subheader(rw.title(report, language))
    tables = rw.sheets(report, language)
    summary = tables[0]
    cols = st.columns(4)
    for i, (label, value) in enumerate(summary.rows):
        cols[i % 4].metric(label, f"{value:g}" if isinstance(value, float) else value)
    for sheet in tables[1:]:
        st.markdown(f"**{sheet.name}**")
        if sheet.rows:
            st.dataframe(pd.DataFrame(sheet.rows, columns=sheet.headers).astype(str).replace({"None": "", "nan": ""}),
                         hide_index=True, key=f"{KEY}_{tables.index(sheet)}")
        else:
            st.caption(t("rep_none"))
    stamp = dt.date.today().isoformat()
    left, right = st.columns(2)
    left.download_button(t("rep_excel"), rw.report_xlsx(report, language), f"report-{name}-{stamp}-{language}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{KEY}_xlsx")
    right.download_button(t("rep_print"), rw.report_html(report, language).encode("utf-8"),
                          f"report-{name}-{stamp}-{language}.html", "text/html", key=f"{KEY}_html")
    st.caption(t("rep_print_help"))


render()

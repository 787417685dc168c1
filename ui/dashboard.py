"""Page: the officials' dashboard (Altair): counts by industry and status, scores, gaps, pairings over time."""
import altair as alt
import streamlit as st

from matcher.workflow import stats
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import date_axis_format, enum_label, lang, t
from ui.resources import settings
from ui.widgets import status_table


def _chart(df, chart, key: str) -> None:
    if df.empty:
        st.info(t("no_data"))
    else:
        st.altair_chart(chart, key=key)


def render() -> None:
    platform, _account = require_role(*OFFICIALS)
    store, language, gap = platform.store, lang(), settings().gap_score
    st.title(t("page_dashboard"))
    totals = stats.totals(store)
    for col, name in zip(st.columns(5), ("offerings", "scenarios", "pending", "pairings", "approved")):
        col.metric(t(f"metric_{name}"), totals[name])

    left, right = st.columns(2)
    with left:
        st.subheader(t("chart_industry"))
        df = stats.records_by_industry(store, language)
        df["side"] = df["side"].map(lambda s: t(f"side_{s}"))
        _chart(df, alt.Chart(df).mark_bar().encode(
            y=alt.Y("industry_name:N", title=t("col_industry"), sort="-x"),
            x=alt.X("count:Q", title=t("col_count")),
            color=alt.Color("side:N", title=t("col_side")),
            tooltip=[alt.Tooltip("industry_name:N", title=t("col_industry")), alt.Tooltip("side:N", title=t("col_side")),
                     alt.Tooltip("count:Q", title=t("col_count"))]), "dash_industry")
    with right:
        st.subheader(t("chart_status"))
        df = stats.pairings_by_status(store)
        df["status"] = df["status"].map(lambda s: enum_label("pstatus", s))
        _chart(df[df["count"] > 0], alt.Chart(df).mark_bar().encode(
            x=alt.X("status:N", title=t("col_status"), sort=None),
            y=alt.Y("count:Q", title=t("col_count")), tooltip=[alt.Tooltip("status:N", title=t("col_status")),
                                                     alt.Tooltip("count:Q", title=t("col_count"))]), "dash_status")

    left, right = st.columns(2)
    with left:
        st.subheader(t("chart_scores"))
        df = stats.score_distribution(store)
        _chart(df, alt.Chart(df).mark_bar().encode(
            x=alt.X("score:Q", bin=alt.Bin(step=0.05), title=t("col_score")),
            y=alt.Y("count():Q", title=t("col_count"))), "dash_scores")
    with right:
        st.subheader(t("chart_time"))
        df = stats.pairings_over_time(store)
        if not df.empty:
            df["status"] = df["status"].map(lambda s: enum_label("pstatus", s))
        _chart(df, alt.Chart(df).mark_bar().encode(
            x=alt.X("yearmonthdate(date):T", title=t("col_date"), axis=alt.Axis(format=date_axis_format())),
            y=alt.Y("sum(count):Q", title=t("col_count")),
            color=alt.Color("status:N", title=t("col_status")), tooltip=[alt.Tooltip("yearmonthdate(date):T", title=t("col_date"), format=date_axis_format()),
                     alt.Tooltip("status:N", title=t("col_status")), alt.Tooltip("count:Q", title=t("col_count"))]),
               "dash_time")

    columns = {"id": "col_id", "title": "col_title", "organization": "col_org", "industry_name": "col_industry",
               "region": "col_region", "best_score": "col_best_score"}
    st.caption(t("gap_rule", score=f"{gap:.2f}"))
    for name, frame in (("gap_scenarios", stats.gap_scenarios(store, gap, language)),
                        ("gap_offerings", stats.gap_offerings(store, gap, language))):
        st.subheader(t(name))
        if frame.empty:
            st.info(t("no_data"))
        else:
            st.dataframe(status_table(frame.to_dict("records"), columns), hide_index=True, key=f"dash_{name}")


render()

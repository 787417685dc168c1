"""Page: the officials' dashboard (Altair): the pipeline funnel with conversion rates, supply against demand
per industry, scores, pairings over time (only when there is a span to show) and the gap lists. Every
chart has a tooltip and its numbers in a table underneath."""
import altair as alt
import streamlit as st

from matcher.workflow import stats
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import date_axis_format, enum_label, lang, t
from ui.resources import settings
from ui.widgets import status_table


def _chart(df, chart, key: str, table: dict[str, str] | None = None) -> None:
    """The chart, and the same numbers as a table (readable without the chart, by screen readers too)."""
    if df.empty:
        st.info(t("no_data"))
        return
    st.altair_chart(chart, key=key)
    if table:
        with st.expander(t("chart_numbers")):
            st.table(status_table(df.to_dict("records"), table).set_index(t(next(iter(table.values())))))


def _funnel(store) -> None:
    st.subheader(t("chart_funnel"))
    df = stats.funnel(store)
    df["stage_label"] = df["stage"].map(lambda s: enum_label("pstatus", s))
    df["rate_text"] = df["rate"].map(lambda r: "" if r is None or r != r else f"{r:.0%}")
    df["overall_text"] = df["overall"].map(lambda r: f"{r:.0%}")
    if not df["reached"].iloc[0]:
        st.info(t("no_data"))
        return
    bars = alt.Chart(df).mark_bar().encode(
        y=alt.Y("stage_label:N", title=t("col_stage"), sort=None, axis=alt.Axis(labelLimit=0)),
        x=alt.X("reached:Q", title=t("col_reached")),
        tooltip=[alt.Tooltip("stage_label:N", title=t("col_stage")), alt.Tooltip("reached:Q", title=t("col_reached")),
                 alt.Tooltip("rate_text:N", title=t("col_rate")), alt.Tooltip("overall_text:N", title=t("col_overall"))])
    text = bars.mark_text(align="left", dx=4).encode(text="rate_text:N")
    _chart(df, bars + text, "dash_funnel", {"stage_label": "col_stage", "reached": "col_reached",
                                            "rate_text": "col_rate", "overall_text": "col_overall"})
    st.caption(t("funnel_rule"))


def _supply_demand(store, language: str) -> None:
    st.subheader(t("chart_supply_demand"))
    df = stats.records_by_industry(store, language)
    if df.empty:
        st.info(t("no_data"))
        return
    df["side_label"] = df["side"].map(lambda s: t(f"side_{s}"))
    wide = df.pivot_table(index="industry_name", columns="side", values="count", fill_value=0).reset_index()
    for side in ("supply", "demand"):
        if side not in wide:
            wide[side] = 0
    wide = wide.sort_values(["demand", "supply"], ascending=False)
    chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y("industry_name:N", title=t("col_industry"), sort=list(wide["industry_name"]),
                axis=alt.Axis(labelLimit=0)),   # full industry names, never cut off
        x=alt.X("count:Q", title=t("col_count")), yOffset="side_label:N",
        color=alt.Color("side_label:N", title=t("col_side"), legend=alt.Legend(orient="bottom", labelLimit=0)),
        tooltip=[alt.Tooltip("industry_name:N", title=t("col_industry")),
                 alt.Tooltip("side_label:N", title=t("col_side")), alt.Tooltip("count:Q", title=t("col_count"))])
    _chart(wide, chart, "dash_industry", {"industry_name": "col_industry", "supply": "col_supply",
                                          "demand": "col_demand"})


def render() -> None:
    platform, _account = require_role(*OFFICIALS)
    store, language, gap = platform.store, lang(), settings().gap_score
    st.title(t("page_dashboard"))
    totals = stats.totals(store)
    for col, name in zip(st.columns(5), ("offerings", "scenarios", "pending", "pairings", "approved")):
        col.metric(t(f"metric_{name}"), totals[name])

    left, right = st.columns(2)
    with left:
        _funnel(store)
    with right:
        _supply_demand(store, language)

    left, right = st.columns(2)
    with left:
        st.subheader(t("chart_scores"))
        df = stats.score_distribution(store)
        _chart(df, alt.Chart(df).mark_bar().encode(
            x=alt.X("score:Q", bin=alt.Bin(step=0.05), title=t("col_score")),
            y=alt.Y("count():Q", title=t("col_count")),
            tooltip=[alt.Tooltip("score:Q", bin=alt.Bin(step=0.05), title=t("col_score")),
                     alt.Tooltip("count():Q", title=t("col_count"))]), "dash_scores")
    with right:
        st.subheader(t("chart_time"))
        if stats.time_span_days(store) < 2:
            st.info(t("time_too_short"))  # one day's bars say nothing about change over time
        else:
            df = stats.pairings_over_time(store)
            df["status"] = df["status"].map(lambda s: enum_label("pstatus", s))
            _chart(df, alt.Chart(df).mark_bar().encode(
                x=alt.X("yearmonthdate(date):T", title=t("col_date"), axis=alt.Axis(format=date_axis_format())),
                y=alt.Y("sum(count):Q", title=t("col_count")),
                color=alt.Color("status:N", title=t("col_status")),
                tooltip=[alt.Tooltip("yearmonthdate(date):T", title=t("col_date"), format=date_axis_format()),
                         alt.Tooltip("status:N", title=t("col_status")),
                         alt.Tooltip("count:Q", title=t("col_count"))]), "dash_time")

    columns = {"id": "col_id", "title": "col_title", "organization": "col_org", "industry_name": "col_industry",
               "region": "col_region", "best_score": "col_best_score"}
    st.caption(t("gap_rule", score=f"{gap:.2f}"))
    for name, frame in (("gap_scenarios", stats.gap_scenarios(store, gap, language)),
                        ("gap_offerings", stats.gap_offerings(store, gap, language))):
        st.subheader(t(name))
        if frame.empty:
            st.info(t("no_data"))
        else:
            st.table(status_table(frame.to_dict("records"), columns))


render()

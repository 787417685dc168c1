"""Page: the marketplace: every published offering and scenario, with filters, keyword search (zh and en) and
pages. The query is matcher/workflow/marketplace.py; this page reads the widgets and draws one page of rows."""
import streamlit as st

from matcher.domain.organisations import TagKind
from matcher.domain.records import Maturity, Role, Side
from matcher.workflow import marketplace
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import enum_label, industry_codes, industry_label, t
from ui.market_common import facts, listing_link, tag_label
from ui.page_state import relabel_on_language_change
from ui.widgets import highlight, pager

KEEP = "session"   # filters and page survive a visit to a listing and back
SIDES = ["all", Side.SUPPLY.value, Side.DEMAND.value]


def _reset_page() -> None:
    st.session_state["mkt_page"] = 1


def _query() -> marketplace.BrowseQuery:
    side = st.segmented_control(t("mkt_side"), SIDES, key="mkt_side", default="all", required=True,
                                format_func=lambda s: t(f"mkt_side_{s}"), on_change=_reset_page, persist_state=KEEP)
    text = st.text_input(t("mkt_search"), key="mkt_text", placeholder=t("mkt_search_ph"), max_chars=200,
                         on_change=_reset_page, persist_state=KEEP)
    with st.expander(t("mkt_filters"), icon=":material/filter_list:"):
        a, b, c = st.columns(3)
        industry = a.selectbox(t("filter_industry"), industry_codes(), key="mkt_industry", index=None,
                               format_func=industry_label, placeholder=t("any_option"), on_change=_reset_page,
                               persist_state=KEEP)
        region = b.text_input(t("filter_region"), key="mkt_region", placeholder=t("help_region"), max_chars=100,
                              on_change=_reset_page, persist_state=KEEP)
        maturity = c.multiselect(t("mkt_maturity"), [m.value for m in Maturity], key="mkt_maturity",
                                 format_func=lambda m: enum_label("maturity", m), placeholder=t("any_option"),
                                 on_change=_reset_page, persist_state=KEEP)
        d, e, f, g = st.columns(4)
        budget_min = d.number_input(t("mkt_budget_min"), min_value=0.0, value=None, step=10.0, key="mkt_budget_min",
                                    on_change=_reset_page, persist_state=KEEP)
        budget_max = e.number_input(t("mkt_budget_max"), min_value=0.0, value=None, step=10.0, key="mkt_budget_max",
                                    on_change=_reset_page, persist_state=KEEP)
        deadline_from = f.date_input(t("mkt_deadline_from"), value=None, key="mkt_deadline_from",
                                     on_change=_reset_page, persist_state=KEEP)
        deadline_to = g.date_input(t("mkt_deadline_to"), value=None, key="mkt_deadline_to",
                                   on_change=_reset_page, persist_state=KEEP)
        st.caption(t("mkt_scenario_only"))
        h, i = st.columns([2, 1])
        tags = h.multiselect(t("mkt_tags"), [k.value for k in TagKind], key="mkt_tags",
                             format_func=lambda k: t(f"tag_{k}"), placeholder=t("any_option"),
                             on_change=_reset_page, persist_state=KEEP)
        sort = i.selectbox(t("mkt_sort"), marketplace.SORTS, key="mkt_sort", format_func=lambda s: t(f"mkt_sort_{s}"),
                           on_change=_reset_page, persist_state=KEEP)
    return marketplace.BrowseQuery(
        side=None if side == "all" else Side(side), text=text.strip(), industry=industry,
        region=region.strip() or None, maturity=tuple(maturity), budget_min=budget_min, budget_max=budget_max,
        deadline_from=deadline_from, deadline_to=deadline_to, tags=tuple(tags), sort=sort or "relevance",
        page=int(st.session_state.get("mkt_page") or 1), page_size=int(st.session_state.get("mkt_page_size") or 20))


def _row(row: dict, terms: list[str], account) -> None:
    with st.container(border=True, key=f"mkt_row_{row['side']}_{row['id']}"):
        listing_link(row)
        own = row["owner_id"] is not None and row["owner_id"] == account.id
        lines = [(f":blue-badge[{t('mkt_yours')}] " if own else "") + facts(row)]
        if row["tags"]:
            lines.append(" ".join(f":green-badge[:material/verified: {tag_label(tag)}]" for tag in row["tags"]))
        lines.append(highlight(row["description"], terms, limit=220))
        st.markdown("\n\n".join(lines))   # one element per row: a page of 20 is drawn in fewer messages


def render() -> None:
    platform, account = require_role(Role.ENTERPRISE, *OFFICIALS)
    relabel_on_language_change("mkt_")
    st.title(t("page_marketplace"))
    st.caption(t("mkt_intro"))
    result = marketplace.browse(platform.store, _query())
    st.session_state["mkt_shown"] = [(r["side"], r["id"]) for r in result.rows]   # what this run listed
    if not result.rows:
        st.info(t("mkt_empty"))
        return
    # the words as typed and what stood for them (stems, synonyms); highlighting marks whole words only
    terms = [*result.words, *(a for w in result.words for a in marketplace.alternatives(w))]
    pager(result, "mkt_", marketplace.PAGE_SIZES, "mkt_showing")
    for row in result.rows:
        _row(row, terms, account)


render()

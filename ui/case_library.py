"""Page: the searchable case library (应用场景案例): problem, solution, supplier, results against indicators."""
import streamlit as st

from matcher.domain.records import Role
from matcher.workflow import cases
from ui.auth_gate import OFFICIALS, require_role
from ui.case_card import case_card
from ui.i18n import industry_codes, industry_label, t

KEY = "cases"


def render() -> None:
    platform, _account = require_role(Role.ENTERPRISE, *OFFICIALS)
    st.title(t("page_cases"))
    left, right = st.columns([3, 1])
    query = left.text_input(t("cases_search"), key=f"{KEY}_query", max_chars=500)
    codes = [None, *industry_codes()]
    industry = right.selectbox(t("org_industry"), codes, key=f"{KEY}_industry",
                               format_func=lambda c: t("any_option") if c is None else industry_label(c))
    every = {c["id"]: c for c in cases.list_cases(platform.store)}
    found = [every[h.id] for h in platform.search_cases(query)] if query.strip() else list(every.values())
    if industry:
        found = [c for c in found if c.get("industry") == industry]
    st.caption(t("cases_count", n=len(found)))
    if not found:
        st.info(t("cases_none"))
    for case in found:
        case_card(case, KEY)


render()

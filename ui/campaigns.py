"""Page: diagnosis campaigns (智能制造诊断). Providers (院校, 服务商: enterprise accounts) publish service offers
and answer open campaigns; officials publish campaigns for parks, assign providers and record diagnoses
(ui/campaign_desk.py). Logic: matcher/workflow/campaigns.py and diagnoses.py."""
import streamlit as st

from matcher.domain.records import RecordValidationError, Role
from matcher.workflow import campaigns as cp
from matcher.workflow import organisations
from ui.auth_gate import OFFICIALS, require_role
from ui.campaign_desk import KEY, campaign_facts, desk, done, show_errors
from ui.i18n import enum_label, industry_codes, industry_label, t
from ui.widgets import flash, status_table


def _offer_form(platform, account) -> None:
    with st.expander(t("camp_new_offer")), st.form(f"{KEY}_offer"):
        title = st.text_input(t("camp_offer_title") + " *", key=f"{KEY}_offer_title", max_chars=200)
        desc = st.text_area(t("camp_offer_desc") + " *", key=f"{KEY}_offer_desc", max_chars=5000)
        a, b = st.columns(2)
        pkind = a.selectbox(t("camp_provider_kind"), cp.PROVIDER_KINDS, key=f"{KEY}_offer_pkind",
                            format_func=lambda k: t(f"camp_pkind_{k}"))
        skind = b.selectbox(t("camp_service_kind"), cp.SERVICE_KINDS, key=f"{KEY}_offer_skind",
                            format_func=lambda k: t(f"camp_skind_{k}"))
        industry = a.selectbox(t("camp_industry"), [None, *industry_codes()], key=f"{KEY}_offer_industry",
                               format_func=industry_label)
        region = b.text_input(t("camp_region"), key=f"{KEY}_offer_region", max_chars=100)
        keywords = st.text_input(t("camp_keywords"), key=f"{KEY}_offer_keywords", max_chars=500)
        if st.form_submit_button(t("camp_publish"), type="primary"):
            profile = organisations.profile_of(platform.store, account.id)
            data = {"title": title, "description": desc, "industry": industry, "region": region or None,
                    "keywords": keywords or None, "contact_email": account.email,
                    "organization": (profile or {}).get("name") or account.organization}
            try:
                cp.submit_service_offer(platform, data, pkind, skind, account.email, owner_id=account.id)
            except RecordValidationError as exc:
                show_errors(exc)
                return
            done(t("camp_offer_sent"))


def _provider(platform, account) -> None:
    mine = cp.service_offers(platform.store, owner_id=account.id)
    st.subheader(t("camp_offers"))
    if mine:
        st.dataframe(status_table([{**o, "kind": t(f"camp_skind_{o['service_kind']}"),
                                    "status": enum_label("rstatus", o["status"])} for o in mine],
                                  {"id": "col_id", "title": "camp_col_provider", "kind": "camp_col_kind",
                                   "status": "col_status"}), hide_index=True, key=f"{KEY}_mine")
    else:
        st.info(t("camp_offers_none"))
    _offer_form(platform, account)
    st.subheader(t("camp_open"))
    published = {o["id"]: o for o in mine if o["status"] == "published"}
    if not published:
        st.info(t("camp_no_published"))
        return
    offer_id = st.selectbox(t("camp_pick_offer"), list(published), key=f"{KEY}_my_offer",
                            format_func=lambda i: f"{i} · {published[i]['title']}")
    ranked = cp.campaigns_for_offer(platform, offer_id)
    if not ranked:
        st.info(t("camp_open_none"))
        return
    st.dataframe(status_table([{**c, "fit": f"{score:.2f}"} for c, score in ranked],
                              {"title": "camp_title", "park": "camp_park", "start_date": "camp_start",
                               "end_date": "camp_end", "enterprise_count": "camp_count", "fit": "camp_fit"}),
                 hide_index=True, key=f"{KEY}_open")
    by_id = {c["id"]: c for c, _ in ranked}
    cid = st.selectbox(t("camp_pick"), list(by_id), key=f"{KEY}_answer_pick",
                       format_func=lambda i: f"{by_id[i]['title']} · {by_id[i]['park']}")
    with st.container(border=True, key=f"{KEY}_answer_box"):
        campaign_facts(platform, by_id[cid])
        answer = next((p for p in cp.providers(platform.store, cid) if p["offering_id"] == offer_id), None)
        if answer is not None:
            st.info(t("camp_my_answer", status=t(f"camp_pstatus_{answer['status']}")))
            return
        with st.form(f"{KEY}_answer"):
            message = st.text_area(t("camp_message") + " *", key=f"{KEY}_answer_message", max_chars=2000)
            if st.form_submit_button(t("camp_answer"), type="primary"):
                try:
                    cp.apply(platform.store, cid, offer_id, message, account.email, owner_id=account.id)
                except RecordValidationError as exc:
                    show_errors(exc)
                    return
                done(t("camp_answered"))


def render() -> None:
    platform, account = require_role(Role.ENTERPRISE, *OFFICIALS)
    st.title(t("page_campaigns"))
    flash(f"{KEY}_flash")
    if account.role in OFFICIALS:
        desk(platform, account)
    else:
        _provider(platform, account)


render()

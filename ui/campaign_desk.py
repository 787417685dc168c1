"""The officials' part of the campaigns page: publish a campaign for a park or town, assign and unassign
providers (answers and the engine's suggestions), record the enterprises diagnosed, and turn findings into a
scenario listing. Also the page's shared helpers."""
import datetime as dt

import streamlit as st

from matcher.domain.records import RecordValidationError
from matcher.workflow import campaigns as cp
from matcher.workflow import diagnoses
from ui.i18n import format_datetime, industry_codes, industry_label, lang, t
from ui.widgets import md_escape, status_table

KEY = "camp"


def show_errors(exc: RecordValidationError) -> None:
    for e in exc.errors:
        st.error(e.message(lang()), icon=":material/error:")


def done(message: str) -> None:
    st.session_state[f"{KEY}_flash"] = message
    st.rerun()


def campaign_facts(platform, campaign: dict) -> None:
    st.markdown(f"**{md_escape(campaign['title'])}**")
    st.caption(t("camp_facts", park=campaign["park"], start=format_datetime(campaign["start_date"]),
                 end=format_datetime(campaign["end_date"]),
                 count=campaign["enterprise_count"],
                 done=len(diagnoses.list_diagnoses(platform.store, campaign["id"]))))
    if campaign["industries"]:
        st.caption(t("camp_industries") + ": " + "、".join(industry_label(c) for c in campaign["industries"]))
    st.text(campaign["needs"])


def _new_campaign(platform, account) -> None:
    with st.expander(t("camp_new")), st.form(f"{KEY}_new"):
        title = st.text_input(t("camp_title") + " *", key=f"{KEY}_new_title", max_chars=200)
        a, b = st.columns(2)
        park = a.text_input(t("camp_park") + " *", key=f"{KEY}_new_park", max_chars=200)
        district = b.text_input(t("camp_district"), key=f"{KEY}_new_district", max_chars=100)
        industries = st.multiselect(t("camp_industries"), industry_codes(), key=f"{KEY}_new_industries",
                                    format_func=industry_label, placeholder=t("select_ph"))
        count = a.number_input(t("camp_count") + " *", min_value=0, step=1, value=0, key=f"{KEY}_new_count")
        start = a.date_input(t("camp_start") + " *", value=dt.date.today(), key=f"{KEY}_new_start")
        end = b.date_input(t("camp_end") + " *", value=dt.date.today() + dt.timedelta(days=90), key=f"{KEY}_new_end")
        needs = st.text_area(t("camp_needs") + " *", key=f"{KEY}_new_needs", max_chars=5000)
        if st.form_submit_button(t("camp_create"), type="primary"):
            try:
                cp.create_campaign(platform.store, {"title": title, "park": park, "district": district or None,
                                                    "industries": industries, "enterprise_count": int(count),
                                                    "needs": needs, "start_date": start, "end_date": end},
                                   account.email)
            except RecordValidationError as exc:
                show_errors(exc)
                return
            done(t("camp_created"))


def _providers(platform, account, campaign: dict) -> None:
    cid = campaign["id"]
    rows = cp.providers(platform.store, cid)
    st.markdown(f"**{t('camp_answers')}**")
    if not rows:
        st.info(t("camp_answers_none"))
    for row in rows:
        with st.container(border=True, key=f"{KEY}_prov_{row['offering_id']}"):
            st.markdown(f"**{md_escape(row['title'])}** · {md_escape(row['organization'])} · "
                        f"{t('camp_pkind_' + row['provider_kind'])} · {t('camp_pstatus_' + row['status'])}")
            if row["message"]:
                st.text(row["message"])
            try:
                if row["status"] == cp.ProviderStatus.ASSIGNED:
                    note = st.text_input(t("camp_unassign_note"), key=f"{KEY}_unote_{row['offering_id']}",
                                         max_chars=1000)
                    if st.button(t("camp_unassign", title=row["title"]), key=f"{KEY}_unassign_{row['offering_id']}"):
                        cp.unassign(platform.store, cid, row["offering_id"], account.email, note)
                        done(t("camp_saved"))
                elif st.button(t("camp_assign", title=row["title"]), key=f"{KEY}_assign_{row['offering_id']}",
                               type="primary"):
                    cp.assign(platform.store, cid, row["offering_id"], account.email)
                    done(t("camp_saved"))
            except RecordValidationError as exc:
                show_errors(exc)
    st.markdown(f"**{t('camp_suggested')}**")
    known = {r["offering_id"] for r in rows}
    found = [s for s in cp.match_providers(platform, cid, k=10) if s.offering_id not in known]
    if not found and not known:
        st.info(t("camp_suggested_none"))
    offers = {o["id"]: o for o in cp.service_offers(platform.store, published_only=True)}
    for s in found:
        offer = offers[s.offering_id]
        left, right = st.columns([4, 1])
        left.markdown(f"{md_escape(offer['title'])} · {md_escape(offer['organization'])} · "
                      f"{t('camp_pkind_' + offer['provider_kind'])} · {t('camp_fit')} {s.score:.2f}")
        if right.button(t("camp_assign", title=offer["title"]), key=f"{KEY}_sassign_{s.offering_id}"):
            try:
                cp.assign(platform.store, cid, s.offering_id, account.email, score=s.score)
            except RecordValidationError as exc:
                show_errors(exc)
                return
            done(t("camp_saved"))


def _diagnoses(platform, account, campaign: dict) -> None:
    cid = campaign["id"]
    found = diagnoses.list_diagnoses(platform.store, cid)
    if found:
        st.dataframe(status_table(found, {"enterprise": "camp_col_enterprise", "diagnosed_on": "camp_col_date",
                                          "findings": "camp_col_findings", "scenario_id": "camp_col_scenario"}),
                     hide_index=True, key=f"{KEY}_diag_table")
    else:
        st.info(t("camp_diag_none"))
    assigned = {p["offering_id"]: p for p in cp.providers(platform.store, cid) if p["status"] == "assigned"}
    with st.expander(t("camp_diag_new")), st.form(f"{KEY}_diag"):
        enterprise = st.text_input(t("camp_col_enterprise") + " *", key=f"{KEY}_diag_name", max_chars=200)
        day = st.date_input(t("camp_col_date") + " *", value=dt.date.today(), key=f"{KEY}_diag_day")
        by = st.selectbox(t("camp_diag_by"), [None, *assigned], key=f"{KEY}_diag_by",
                          format_func=lambda i: t("none_option") if i is None else assigned[i]["title"])
        findings = st.text_area(t("camp_col_findings") + " *", key=f"{KEY}_diag_findings", max_chars=5000)
        if st.form_submit_button(t("camp_diag_save"), type="primary"):
            try:
                diagnoses.record_diagnosis(platform.store, cid, {"enterprise": enterprise, "diagnosed_on": day,
                                                                 "findings": findings, "offering_id": by},
                                           account.email)
            except RecordValidationError as exc:
                show_errors(exc)
                return
            done(t("camp_saved"))
    open_ = {d["id"]: d for d in found if not d["scenario_id"]}
    st.markdown(f"**{t('camp_to_scenario')}**")
    if not open_:
        st.caption(t("camp_to_scenario_none"))
        return
    did = st.selectbox(t("camp_pick_diag"), list(open_), key=f"{KEY}_scen_pick",
                       format_func=lambda i: f"{open_[i]['enterprise']} · {format_datetime(open_[i]['diagnosed_on'])}")
    draft = diagnoses.scenario_draft(campaign, open_[did])
    with st.form(f"{KEY}_scen_{did}"):
        title = st.text_input(t("camp_scen_title") + " *", value=draft["title"], key=f"{KEY}_scen_title_{did}")
        desc = st.text_area(t("camp_scen_desc") + " *", value=draft["description"], key=f"{KEY}_scen_desc_{did}")
        if st.form_submit_button(t("camp_scen_create"), type="primary"):
            try:
                sid = diagnoses.create_scenario(platform, did, {**draft, "title": title, "description": desc},
                                                account.email)
            except RecordValidationError as exc:
                show_errors(exc)
                return
            done(t("camp_scen_created", id=sid))


def desk(platform, account) -> None:
    _new_campaign(platform, account)
    every = {c["id"]: c for c in cp.list_campaigns(platform.store)}
    if not every:
        st.info(t("camp_none"))
        return
    cid = st.selectbox(t("camp_pick"), list(every), key=f"{KEY}_pick",
                       format_func=lambda i: f"{every[i]['title']} · {every[i]['park']}")
    campaign_facts(platform, every[cid])
    providers_tab, diagnoses_tab = st.tabs([t("camp_tab_providers"), t("camp_tab_diagnoses")])
    with providers_tab:
        _providers(platform, account, every[cid])
    with diagnoses_tab:
        _diagnoses(platform, account, every[cid])

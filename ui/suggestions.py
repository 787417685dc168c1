"""Suggested counterparts of one of the enterprise's records: explanation, pairing status, interest, contact."""
from __future__ import annotations

import streamlit as st

from matcher.workflow import review
from matcher.auth import Account
from matcher.search.engine import OTHER
from matcher.domain.records import PairingStatus, RecordStatus, Side
from matcher.service import Platform
from ui.i18n import enum_label, lang, t
from ui.resources import settings
from ui.widgets import explanation, indicator_checklist, md_escape


def pairings_of(platform: Platform, side: Side, record_id: str) -> dict[str, dict]:
    """The record's pairings keyed by the counterpart's id."""
    query = (review.PairingQuery(offering_ids=(record_id,)) if side == Side.SUPPLY
             else review.PairingQuery(scenario_ids=(record_id,)))
    column = "scenario_id" if side == Side.SUPPLY else "offering_id"
    return {p[column]: p for p in review.list_pairings(platform.store, query)}


def contact_block(platform: Platform, side: Side, pairing: dict, counterpart_id: str) -> None:
    """Counterpart contact details, only once an official has approved the pairing."""
    if PairingStatus(pairing["status"]) not in review.CONTACT_VISIBLE:
        st.caption(t("contact_hidden"))
        return
    other = platform.store.get_record(OTHER[side], counterpart_id) or {}
    st.markdown(f"**{t('contact_title')}**")
    st.text(" · ".join(x for x in (other.get("organization"), other.get("contact_name"),
                                   other.get("contact_email"), other.get("contact_phone")) if x))


def _interest(platform: Platform, account: Account, side: Side, record: dict, sug, pairing: dict | None,
              key: str) -> None:
    flag = "interest_supply" if side == Side.SUPPLY else "interest_demand"
    if pairing and pairing.get(flag):
        st.caption(":material/check: " + t("interest_done"))
        return
    if record["status"] != RecordStatus.PUBLISHED:
        st.caption(t("interest_needs_published"))
        return
    if st.button(t("interest_button"), key=key):
        if pairing is None:  # below the automatic threshold: the enterprise's interest puts it in the queue
            review.save_suggestions(platform.store, [sug], min_score=0.0)
            pairing = pairings_of(platform, side, record["id"]).get(sug.counterpart_id(side))
        review.express_interest(platform.store, pairing["id"], side.value, account.email)
        st.rerun()


def suggestion_list(platform: Platform, account: Account, side: Side, record_id: str) -> None:
    """Top suggestions for the record, each with the same explanation officials see."""
    record = platform.store.get_record(side, record_id)
    if record is None or record["owner_id"] != account.id:
        st.error(t("refused"))
        return
    found = platform.suggestions(side, record_id)
    if side == Side.DEMAND:
        similar_cases_block(platform, record, key=f"cases_{record_id}")
    if not found:
        st.info(t("no_suggestions"))
        return
    floor, strong = settings().suggestion_floor, settings().strong_score
    weak = [s for s in found if s.score < floor]
    st.caption(t("score_meaning", strong=f"{strong:.2f}", floor=f"{floor:.2f}"))
    show_weak = bool(weak) and st.toggle(t("show_weak", n=len(weak)), key=f"sug_weak_{record_id}")
    if len(weak) == len(found) and not show_weak:
        st.info(t("only_weak"))
    pairings = pairings_of(platform, side, record_id)
    others = platform.store.get_records(OTHER[side], [s.counterpart_id(side) for s in found])   # one query
    for rank, sug in enumerate(found, 1):
        if sug.score < floor and not show_weak:
            continue
        other_id = sug.counterpart_id(side)
        other = others.get(other_id) or {}
        pairing = pairings.get(other_id)
        with st.container(border=True, key=f"sug_{record_id}_{rank}"):
            band = "strong" if sug.score >= strong else "possible" if sug.score >= floor else "weak"
            title = f"**{rank}. {md_escape(other.get('title'))}** · {md_escape(other.get('organization'))}"
            st.markdown(f":gray[{title}]" if band == "weak" else title)
            st.caption(t(f"band_{band}"))
            explanation(sug.score, sug.channels, sug.reasons, sug.matched_terms, other, lang(), key=f"{record_id}_{rank}")
            if sug.indicators:
                indicator_checklist(sug.indicators, key=f"{record_id}_{rank}")
            if pairing:
                st.caption(t("pairing_status", status=enum_label("pstatus", pairing["status"])))
                contact_block(platform, side, pairing, other_id)
            _interest(platform, account, side, record, sug, pairing, key=f"interest_{record_id}_{other_id}")


def similar_cases_block(platform: Platform, scenario: dict, key: str) -> None:
    """The past cases most like this scenario, beside its suggestions (ui/case_library.py draws them)."""
    from matcher.workflow.cases import get_case
    from ui.case_card import case_card

    hits = platform.similar_cases(scenario)
    if not hits:
        return
    with st.expander(f"{t('similar_cases')} ({len(hits)})", expanded=True, icon=":material/library_books:"):
        for hit in hits:
            case = get_case(platform.store, hit.id)
            st.caption(t("similar_case_line", id=hit.id, title=case["title"], score=f"{hit.score:.2f}"))
            case_card(case, key)

"""Page: the officials' review queue: filter suggested pairings, explain them, move them along the pipeline
(singly or in bulk), and show each pairing's audit history."""
import streamlit as st

from matcher.workflow import review
from matcher.domain.records import PairingStatus, ReasonCode, Side
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import LANGUAGES, enum_label, industry_codes, industry_label, lang, t
from ui.links import share_pairing, with_linked_pairing
from ui.resources import settings
from ui.widgets import explanation, flash, history_rows, md_escape, status_table

OPEN = [PairingStatus.SUGGESTED, PairingStatus.SHORTLISTED, PairingStatus.UNDER_REVIEW]
ACTIONS = [PairingStatus.APPROVED, PairingStatus.REJECTED, PairingStatus.SHORTLISTED, PairingStatus.UNDER_REVIEW,
           PairingStatus.CONTACTED, PairingStatus.PILOTING, PairingStatus.DEPLOYED]


def _filters() -> review.PairingQuery:
    with st.expander(t("filters"), expanded=True):
        a, b, c = st.columns(3)
        industry = a.selectbox(t("filter_industry"), [None, *industry_codes()], key="review_industry",
                               format_func=lambda c: t("any_option") if c is None else industry_label(c))
        region = b.text_input(t("filter_region"), key="review_region")
        statuses = c.multiselect(t("filter_status"), list(PairingStatus), default=OPEN, key="review_status",
                                 format_func=lambda s: enum_label("pstatus", s), placeholder=t("any_option"),
                                 select_all=False)
        d, e, f = st.columns(3)
        min_score = d.slider(t("filter_min_score"), 0.0, 1.0, float(settings().min_pair_score), 0.01,
                             key="review_min_score")
        language = e.selectbox(t("filter_language"), [None, *LANGUAGES], key="review_language",
                               format_func=lambda x: t("any_option") if x is None else t(f"lang_{x}"))
        since = f.date_input(t("filter_since"), value=None, key="review_since")
    return review.PairingQuery(statuses=tuple(str(s) for s in statuses) or None, industry=industry,
                               region=region.strip() or None, min_score=min_score, language=language, since=since)


def _apply(platform, account, ids: list[int], versions: dict[int, int]) -> None:
    """Move each pairing to the chosen status, expecting the version the official saw; report per pairing."""
    to = st.session_state.get("review_action")
    reason = st.session_state.get("review_reason")
    note = (st.session_state.get("review_note") or "").strip() or None
    done, problems = 0, []
    for pairing_id in ids:
        try:
            review.transition(platform.store, pairing_id, to, account.email, versions[pairing_id],
                              reason_code=ReasonCode(reason) if reason else None, note=note)
            done += 1
        except review.ReviewError as exc:
            problems.append(t("action_failed", id=pairing_id, msg=md_escape(exc.message(lang()))))
    if done:
        st.session_state["review_flash"] = t("action_done", n=done)
    st.session_state["review_problems"] = problems
    st.rerun()


def _detail(platform, pairing: dict) -> None:
    st.markdown(f"**{t('col_scenario')}:** {md_escape(pairing['scenario_title'])} · "
                f"{md_escape(pairing['scenario_org'])}")
    st.markdown(f"**{t('col_offering')}:** {md_escape(pairing['offering_title'])} · "
                f"{md_escape(pairing['offering_org'])}")
    st.caption(t("interest_flags", s=t("yes" if pairing["interest_supply"] else "no"),
                 d=t("yes" if pairing["interest_demand"] else "no")))
    st.markdown(f"**{t('explanation')}**")
    offering = platform.store.get_record(Side.SUPPLY, pairing["offering_id"])
    explanation(pairing["score"], pairing["channels"] or {}, pairing["reasons"] or [], pairing["matched_terms"] or [],
                offering, lang(), key=f"review_{pairing['id']}")
    st.markdown(f"**{t('history')}**")
    rows = history_rows(review.history(platform.store, pairing["id"]))
    st.dataframe(status_table(rows, {"at": "col_at", "actor": "col_actor", "action": "col_action",
                                     "from_status": "col_from", "to_status": "col_to",
                                     "reason_code": "col_reason", "note": "col_note"}),
                 hide_index=True, key="review_history")


def render() -> None:
    platform, account = require_role(*OFFICIALS)
    st.title(t("page_review"))
    flash("review_flash")
    for problem in st.session_state.pop("review_problems", []):
        st.error(problem)
    seen = st.session_state.get("review_versions", {})  # versions as shown in the previous run
    pairings = with_linked_pairing(platform.store, review.list_pairings(platform.store, _filters()), "review_pick")
    st.session_state["review_versions"] = {p["id"]: p["version"] for p in pairings}
    if not pairings:
        st.info(t("review_empty"))
        return
    st.caption(t("review_count", n=len(pairings)))
    rows = [{**p, "status": enum_label("pstatus", p["status"]), "industry": industry_label(p["scenario_industry"]),
             "score": round(p["score"], 3),
             "interest": ("S" if p["interest_supply"] else "") + ("D" if p["interest_demand"] else "")}
            for p in pairings]
    event = st.dataframe(
        status_table(rows, {"id": "col_id", "score": "col_score", "status": "col_status",
                            "scenario_title": "col_scenario", "offering_title": "col_offering",
                            "industry": "col_industry", "scenario_region": "col_region",
                            "interest": "col_interest", "created_at": "col_created"}),
        hide_index=True, on_select="rerun", selection_mode="multi-row", key="review_table")
    selected = [pairings[i]["id"] for i in event.selection.rows if i < len(pairings)]
    versions = {p["id"]: seen.get(p["id"], p["version"]) for p in pairings}

    with st.container(border=True):
        a, b = st.columns(2)
        a.selectbox(t("action"), ACTIONS, key="review_action", format_func=lambda s: enum_label("pstatus", s))
        b.selectbox(t("reason_code"), [None, *ReasonCode], key="review_reason",
                    format_func=lambda r: enum_label("reason", r))
        st.text_input(t("note"), key="review_note", max_chars=1000)
        by_id = {p["id"]: p for p in pairings}
        picked = st.selectbox(t("review_pick"), list(by_id), key="review_pick",
                              format_func=lambda i: f"#{i} · {by_id[i]['score']:.2f} · {by_id[i]['scenario_title']}"
                                                    f" ↔ {by_id[i]['offering_title']}")
        left, right = st.columns(2)
        if left.button(t("apply_selected", n=len(selected)), key="review_apply_selected", disabled=not selected):
            _apply(platform, account, selected, versions)
        if right.button(t("apply_one"), key="review_apply_one", type="primary"):
            _apply(platform, account, [picked], versions)
    share_pairing(picked)
    with st.container(border=True, key="review_detail"):
        _detail(platform, by_id[picked])


render()

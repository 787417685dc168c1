"""Page: the officials' review queue: saved views, keyword search, filters and pages; a list whose text is
real page text (reachable by screen readers and Ctrl+F); decisions with reasons on one pairing or in bulk,
errors shown next to the button that caused them; and the pairing's detail view."""
import streamlit as st

from matcher.domain.organisations import TagKind, TagLevel
from matcher.domain.records import PairingStatus, ReasonCode
from matcher.workflow import indicator_queue, queue, review
from ui import pairing_detail
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import LANGUAGES, enum_label, industry_codes, industry_label, lang, t
from ui.links import share_pairing, with_linked_pairing
from ui.page_state import relabel_on_language_change
from ui.resources import settings
from ui.widgets import md_escape, pager

ACTIONS = [PairingStatus.APPROVED, PairingStatus.SHORTLISTED, PairingStatus.UNDER_REVIEW, PairingStatus.REJECTED,
           PairingStatus.CONTACTED, PairingStatus.PILOTING, PairingStatus.DEPLOYED]
KEEP = "session"  # filters, page and view survive actions and page switches


def _reset_page() -> None:
    st.session_state["review_page"] = 1


def _filters() -> queue.QueueQuery:
    view = st.segmented_control(t("view_label"), list(queue.VIEWS), key="review_view", default="to_decide",
                                required=True, format_func=lambda v: t(f"view_{v}"), on_change=_reset_page,
                                persist_state=KEEP)
    text = st.text_input(t("review_search"), key="review_text", placeholder=t("review_search_ph"),
                         on_change=_reset_page, persist_state=KEEP)
    with st.expander(t("filters")):
        a, b, c = st.columns(3)
        industry = a.selectbox(t("filter_industry"), industry_codes(), key="review_industry", index=None,
                               format_func=industry_label, placeholder=t("any_option"),
                               on_change=_reset_page, persist_state=KEEP)
        region = b.text_input(t("filter_region"), key="review_region", on_change=_reset_page, persist_state=KEEP,
                              placeholder=t("help_region"))
        in_view = queue.VIEWS[view] or tuple(PairingStatus)
        statuses = c.multiselect(t("filter_status"), list(in_view), key=f"review_status_{view}",
                                 format_func=lambda s: enum_label("pstatus", s), placeholder=t("status_ph"),
                                 on_change=_reset_page, persist_state=KEEP)
        d, e, f = st.columns(3)
        min_score = d.slider(t("filter_min_score"), 0.0, 1.0, float(settings().min_pair_score), 0.01,
                             key="review_min_score", on_change=_reset_page, persist_state=KEEP)
        language = e.selectbox(t("filter_language"), LANGUAGES, key="review_language", index=None,
                               format_func=lambda x: t(f"lang_{x}"), placeholder=t("any_option"),
                               on_change=_reset_page, persist_state=KEEP)
        since = f.date_input(t("filter_since"), value=None, key="review_since", on_change=_reset_page,
                             persist_state=KEEP)
        g, h = st.columns([2, 1])   # verified organisation tags of either side (issue 11)
        tags = g.multiselect(t("queue_tags"), list(TagKind), key="review_tags", placeholder=t("queue_tags_ph"),
                             format_func=lambda k: enum_label("tag", k), on_change=_reset_page, persist_state=KEEP)
        level = h.selectbox(t("queue_tag_level"), list(TagLevel), key="review_tag_level", index=None,
                            format_func=lambda v: enum_label("level", v), placeholder=t("queue_tag_level_any"),
                            on_change=_reset_page, persist_state=KEEP)
    return queue.QueueQuery(view=view, text=text.strip(), statuses=tuple(statuses) or None, industry=industry,
                            region=region.strip() or None, min_score=min_score, language=language, since=since,
                            tags=tuple(str(k) for k in tags), tag_level=str(level) if level else None,
                            page=int(st.session_state.get("review_page") or 1),
                            page_size=int(st.session_state.get("review_page_size") or 20))


def _error_text(exc: review.ReviewError) -> str:
    """The error in the session's language, with labels instead of status and reason codes."""
    p = exc.params
    if exc.key == "stale":
        return t("err_stale", id=p["id"], who=md_escape(p["who"]) or t("someone_else"),
                 status=enum_label("pstatus", p["status"]))
    if exc.key == "illegal":
        return t("err_illegal", from_status=enum_label("pstatus", p["from_status"]),
                 to_status=enum_label("pstatus", p["to_status"]))
    if exc.key == "reason_misfit":
        return t("err_reason_misfit", reason=enum_label("reason", p["reason"]),
                 to_status=enum_label("pstatus", p["to_status"]))
    if exc.key == "reason_needed":
        return t("err_reason_needed")
    return md_escape(exc.message(lang()))


def _apply(platform, account, ids: list[int], prefix: str) -> None:
    """Callback of both apply buttons: move each pairing, expecting the version the official was shown.
    Runs before the page, so it may clear the ticked rows and move the detail view on to the next pairing."""
    to, reason = st.session_state.get(f"{prefix}_action"), st.session_state.get(f"{prefix}_reason")
    note = (st.session_state.get(f"{prefix}_note") or "").strip() or None
    versions, order = st.session_state.get("review_versions", {}), st.session_state.get("review_order", [])
    done, problems = [], []
    for pairing_id in ids:
        try:
            review.transition(platform.store, pairing_id, to, account.email, versions.get(pairing_id, 0),
                              reason_code=ReasonCode(reason) if reason else None, note=note)
            done.append(pairing_id)
        except review.ReviewError as exc:
            problems.append(t("action_failed", id=pairing_id, msg=_error_text(exc)))
    st.session_state[f"{prefix}_result"] = (t("action_done", n=len(done)) if done else None, problems)
    for pairing_id in done:
        st.session_state[f"review_sel_{pairing_id}"] = False
    if done:
        st.session_state[f"{prefix}_note"] = ""
        rest = [i for i in order if i not in done]
        after = [i for i in order[order.index(done[-1]) + 1:] if i in rest] if done[-1] in order else []
        st.session_state["review_after"] = after[0] if after else (rest[-1] if rest else None)


def _result(prefix: str) -> None:
    """The outcome of the last action of this panel, right under its button."""
    message, problems = st.session_state.pop(f"{prefix}_result", (None, []))
    if message:
        st.success(message)
    for problem in problems:
        st.error(problem)


def _decision_widgets(prefix: str, actions: list) -> None:
    if st.session_state.get(f"{prefix}_action") not in actions:
        st.session_state.pop(f"{prefix}_action", None)
    a, b = st.columns(2)
    action = a.selectbox(t("action"), actions, key=f"{prefix}_action", placeholder=t("select_ph"),
                         format_func=lambda s: enum_label("pstatus", s))
    reasons = list(review.REASONS.get(action, ()))
    if st.session_state.get(f"{prefix}_reason") not in [None, *reasons]:
        st.session_state[f"{prefix}_reason"] = None
    if reasons:
        label = t("reason_required_label") if action == PairingStatus.REJECTED else t("reason_optional")
        b.selectbox(label, reasons, key=f"{prefix}_reason", index=None, placeholder=t("none_option"),
                    format_func=lambda r: enum_label("reason", r))
    else:
        st.session_state[f"{prefix}_reason"] = None
        b.caption(t("no_reason_needed"))
    st.text_input(t("note"), key=f"{prefix}_note", max_chars=1000)


def _row(p: dict) -> None:
    with st.container(border=True, key=f"review_row_{p['id']}"):
        tick, scen, off, facts, opener = st.columns([0.35, 3, 3, 2.6, 1.1], vertical_alignment="center")
        tick.checkbox(t("select_row", id=p["id"]), key=f"review_sel_{p['id']}", label_visibility="collapsed")
        scen.markdown(f"**{md_escape(p['scenario_title'])}**  \n{md_escape(p['scenario_org'])}")
        off.markdown(f"**{md_escape(p['offering_title'])}**  \n{md_escape(p['offering_org'])}")
        facts.markdown(f"**{enum_label('pstatus', p['status'])}** · {p['score']:.2f} · #{p['id']}  \n"
                       f"{md_escape(industry_label(p['scenario_industry']))}  \n"
                       f"{md_escape(p['scenario_region'] or '')} · {pairing_detail.interest_label(p)}"
                       + (f"  \n{t('col_indicators')}: {indicator_queue.summary_label(p)}" if p.get("indicators_total") else ""))
        opener.button(t("open_detail"), key=f"review_open_{p['id']}", on_click=st.session_state.__setitem__,
                      args=("review_pick", p["id"]))


def render() -> None:
    platform, account = require_role(*OFFICIALS)
    relabel_on_language_change("review_")
    st.title(t("page_review"))
    query = _filters()
    result = queue.search(platform.store, query)
    a, b = st.columns(2)
    # Indicator filter and sort apply to the page shown (the checks are computed, not stored).
    rows = with_linked_pairing(platform.store, result.rows, "review_pick")   # ?pairing=ID opens that pairing
    pairings = indicator_queue.arrange(indicator_queue.with_indicator_counts(platform.store, rows),
                                       only_all_met=a.checkbox(t("filter_all_met"), key="review_all_met"),
                                       by_met=b.checkbox(t("sort_by_met"), key="review_by_met"))
    st.session_state["review_versions"] = {p["id"]: p["version"] for p in pairings}
    st.session_state["review_order"] = [p["id"] for p in pairings]
    if not pairings:
        st.info(t("review_empty"))
        _result("review_bulk")  # the last action may have emptied the view: its outcome still shows
        _result("review")
        return
    pager(result, "review_", queue.PAGE_SIZES, "showing")
    ids = [p["id"] for p in pairings]
    st.checkbox(t("select_page"), key="review_select_page",
                on_change=lambda: st.session_state.update({f"review_sel_{i}": st.session_state["review_select_page"]
                                                           for i in ids}))
    for p in pairings:
        _row(p)
    selected = [i for i in ids if st.session_state.get(f"review_sel_{i}")]
    with st.container(border=True, key="review_bulk"):
        st.markdown(f"**{t('bulk_header', n=len(selected))}**")
        _decision_widgets("review_bulk", ACTIONS)
        st.button(t("apply_selected", n=len(selected)), key="review_apply_selected", disabled=not selected,
                  on_click=_apply, args=(platform, account, selected, "review_bulk"))
        _result("review_bulk")

    by_id = {p["id"]: p for p in pairings}
    after = st.session_state.pop("review_after", None)
    if st.session_state.get("review_pick") not in by_id:
        st.session_state["review_pick"] = after if after in by_id else ids[0]
    picked = st.selectbox(t("review_pick"), ids, key="review_pick", placeholder=t("select_ph"),
                          format_func=lambda i: f"#{i} · {by_id[i]['score']:.2f} · {by_id[i]['scenario_title']}"
                                                f" ↔ {by_id[i]['offering_title']}")
    pairing = by_id[picked]
    share_pairing(picked)   # the address bar is a link to this pairing
    with st.container(border=True, key="review_detail"):
        pairing_detail.show(platform, pairing)
        st.markdown(f"**{t('decide_header')}**")
        moves = [s for s in ACTIONS if s in review.TRANSITIONS[PairingStatus(pairing["status"])]]
        if moves:
            _decision_widgets("review", moves)
            st.button(t("apply_one"), key="review_apply_one", type="primary", on_click=_apply,
                      args=(platform, account, [picked], "review"))
        else:
            st.caption(t("no_moves"))
        _result("review")


render()

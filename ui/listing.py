"""Page: one marketplace listing (?record=ID, optionally &side=supply|demand): its public summary, the
organisation with its verified tags, the organisation's other listings, and "express interest" with a message
to the officials. Contact details stay hidden unless the viewer's own pairing with it is approved."""
import re

import streamlit as st

from matcher.domain.records import Role, Side
from matcher.workflow import interest, listing
from ui.auth_gate import OFFICIALS, require_role
from ui.i18n import enum_label, field_label, format_datetime, t
from ui.market_common import facts, link, listing_link, tag_label
from ui.suggestions import contact_block, pairings_of
from ui.widgets import flash, md_escape

RECORD_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _linked(store) -> dict | None:
    record_id = st.query_params.get("record")
    if not isinstance(record_id, str) or not RECORD_ID.fullmatch(record_id):
        return None
    side = st.query_params.get("side")
    side = Side(side) if side in (Side.SUPPLY.value, Side.DEMAND.value) else listing.side_of(store, record_id)
    return listing.public_listing(store, side, record_id) if side else {}


def _summary(row: dict) -> None:
    st.title(row["title"], anchor=False)
    st.markdown(facts(row))
    st.caption(t("lst_published", when=format_datetime(row["created_at"])))
    st.markdown(md_escape(row["description"]))
    for field in ("keywords", "indicators"):
        if row.get(field):
            st.markdown(t("lst_field_line", field=field_label(field), value=md_escape(row[field])))
    st.caption(t("lst_contact_hidden"))


def _organisation(row: dict) -> None:
    org = row.get("organisation") or {"name": row["organization"], "tags": []}
    with st.container(border=True, key="lst_org"):
        st.markdown(t("lst_field_line", field=t("lst_org"), value=md_escape(org["name"])))
        if org.get("district") or org.get("size"):
            st.caption(t("lst_org_facts", district=md_escape(org.get("district")) or t("none_option"),
                         size=t(f"size_{org['size']}") if org.get("size") else t("none_option")))
        if org["tags"]:
            st.markdown(" ".join(f":green-badge[:material/verified: {tag_label(tag)}]" for tag in org["tags"]))
        else:
            st.caption(t("lst_no_tags"))


def _send(platform, account, row: dict, own_ids: list[str]) -> None:
    """Callback of the send button: express interest, then show the outcome next to the button."""
    own_id = st.session_state.get("lst_with") if len(own_ids) > 1 else own_ids[0]
    try:
        done = interest.express(platform, account, row, own_id, st.session_state.get("lst_message") or "")
    except interest.InterestError as exc:
        st.session_state["lst_error"] = t(f"lst_refused_{exc.key}", n=interest.MESSAGE_MAX)
        return
    st.session_state["lst_message"] = ""
    st.session_state["lst_flash"] = t("lst_sent_new" if done.created else "lst_sent", id=done.pairing_id)


def _refusal(key: str, row: dict, pending: int) -> None:
    if key == "no_records":
        st.info(t(f"lst_refused_no_records_{row['side']}"))
        target = "ui/submit_offering.py" if row["side"] == Side.DEMAND.value else "ui/submit_scenario.py"
        link(target, t("lst_go_submit"), icon=":material/add:")
    elif key == "none_published":
        st.info(t("lst_refused_none_published", n=pending))
        link("ui/my_submissions.py", t("lst_go_mine"), icon=":material/list:")
    else:
        st.info(t(f"lst_refused_{key}"))


def _interest(platform, account, row: dict) -> None:
    with st.container(border=True, key="lst_interest"):
        st.markdown(f"**{t('lst_interest')}**")
        found = interest.options(platform.store, account, row)
        if found.refused:
            _refusal(found.refused, row, found.pending)
            return
        st.caption(t("lst_interest_help"))
        titles = {r["id"]: r["title"] for r in found.records}
        if len(titles) > 1:
            st.selectbox(t("lst_with"), list(titles), key="lst_with", format_func=titles.get)
        st.text_area(t("lst_message"), key="lst_message", max_chars=interest.MESSAGE_MAX,
                     placeholder=t("lst_message_ph"))
        st.button(t("lst_send"), key="lst_send", type="primary", icon=":material/handshake:", on_click=_send,
                  args=(platform, account, row, list(titles)))
        flash("lst_flash")
        if error := st.session_state.pop("lst_error", None):
            st.error(error)
        _my_pairings(platform, account, row, titles)


def _my_pairings(platform, account, row: dict, titles: dict[str, str]) -> None:
    """The viewer's pairings with this listing: status, interest, and the contact once approved."""
    own_side = Side.SUPPLY if row["side"] == Side.DEMAND.value else Side.DEMAND
    mine = [(own_id, pairings_of(platform, own_side, own_id).get(row["id"])) for own_id in titles]
    mine = [(own_id, p) for own_id, p in mine if p]
    if not mine:
        return
    st.markdown(f"**{t('lst_yours')}**")
    flag = "interest_supply" if own_side == Side.SUPPLY else "interest_demand"
    for own_id, pairing in mine:
        st.markdown(t("lst_pairing_line", title=md_escape(titles[own_id]),
                      status=enum_label("pstatus", pairing["status"]),
                      interest=t("lst_interested") if pairing[flag] else ""))
        contact_block(platform, own_side, pairing, row["id"])


def _others(platform, row: dict) -> None:
    st.subheader(t("lst_others"), anchor=False)
    others = listing.same_organisation(platform.store, row)
    if not others:
        st.caption(t("lst_no_others"))
    for other in others:
        listing_link(other, f"{md_escape(other['title'])} · {enum_label('side', other['side'])}")


def render() -> None:
    platform, account = require_role(Role.ENTERPRISE, *OFFICIALS)
    row = _linked(platform.store)
    if not row:
        st.title(t("page_listing"), anchor=False)
        if row is None:
            st.info(t("lst_none"))
        else:
            st.warning(t("lst_missing"))
        link("ui/marketplace.py", t("mkt_back"), icon=":material/storefront:")
        return
    link("ui/marketplace.py", t("mkt_back"), icon=":material/arrow_back:")
    left, right = st.columns([3, 2])
    with left:
        _summary(row)
    with right:
        _organisation(row)
        if account.role == Role.ENTERPRISE:
            _interest(platform, account, row)
        else:
            st.caption(t("lst_refused_not_enterprise"))
    _others(platform, row)


render()

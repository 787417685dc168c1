"""Shareable links: the URL says which pairing a page shows (?pairing=ID), next to ?lang= and the page path.

Only ids go in the URL, never user data; the page still checks the role and what the id may show."""
from __future__ import annotations

import streamlit as st

from matcher.workflow import review
from ui.i18n import t


def linked_id(name: str) -> int | None:
    value = st.query_params.get(name)
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 12 else None


def with_linked_pairing(store, pairings: list[dict], pick_key: str) -> list[dict]:
    """A link to one pairing (?pairing=ID): on the link's first run that pairing is listed, even when the
    filters leave it out, and picked; afterwards the official's own view, filters and pick win."""
    pairing_id = linked_id("pairing")
    if pairing_id is None:
        return pairings
    first = st.session_state.get("link_opened") != pairing_id
    st.session_state["link_opened"] = pairing_id
    if not first:   # after the link's first run the page's own view and filters decide what is listed
        return pairings
    if all(p["id"] != pairing_id for p in pairings):
        found = review.get_pairing(store, pairing_id)
        if found is None:
            if first:
                st.warning(t("link_missing", id=pairing_id))
            return pairings
        pairings = [*review.list_pairings(store, review.PairingQuery(
            scenario_ids=(found["scenario_id"],), offering_ids=(found["offering_id"],))), *pairings]
    st.session_state[pick_key] = pairing_id
    return pairings


def share_pairing(pairing_id: int | None) -> None:
    """Keep ?pairing= in step with the pairing on screen, so the address bar is a link to this view."""
    if pairing_id is not None and st.query_params.get("pairing") != str(pairing_id):
        st.query_params["pairing"] = str(pairing_id)
        st.session_state["link_opened"] = pairing_id  # our own address, not a link to open: the pick stays

"""One pairing in full for the review queue: both records side by side, the explanation, the history with
labels instead of codes, and the notes. All user text is escaped Markdown or plain text (never HTML)."""
from __future__ import annotations

import streamlit as st

from matcher.domain.records import Side
from matcher.workflow import indicator_queue, review
from ui.i18n import TEXT, enum_label, industry_label, lang, t
from ui.widgets import explanation, indicator_checklist, md_escape

FACTS = {Side.DEMAND: ("industry", "region", "required_maturity", "budget_wan", "deadline", "indicators",
                       "contact_name", "contact_email", "contact_phone"),
         Side.SUPPLY: ("industry", "region", "maturity", "keywords", "contact_name", "contact_email",
                       "contact_phone")}


def interest_label(pairing: dict) -> str:
    supply, demand = pairing.get("interest_supply"), pairing.get("interest_demand")
    if supply and demand:
        return t("interest_both")
    return t("interest_s") if supply else t("interest_d") if demand else t("interest_none")


def _fact(field: str, value) -> str:
    if field == "industry":
        return industry_label(value)
    if field in ("maturity", "required_maturity"):
        return enum_label("maturity", value)
    return str(value)


def record_card(side: Side, record: dict | None) -> None:
    """A record's public and contact facts, as an official sees them."""
    st.caption(t(f"side_{side.value}"))
    if record is None:
        st.warning(t("no_data"))
        return
    st.markdown(f"**{md_escape(record['title'])}**  \n{md_escape(record['organization'])}")
    st.caption(t("record_status", status=enum_label("rstatus", record["status"])))
    lines = [f"- {t('field_' + f)}: {md_escape(_fact(f, record[f]))}" for f in FACTS[side]
             if record.get(f) not in (None, "")]
    if lines:
        st.markdown("\n".join(lines))
    st.text(record["description"])


def audit_label(action: str) -> str:
    return t(f"audit_{action}") if f"audit_{action}" in TEXT else t("audit_other")


def history_rows(pairing_id: int, store) -> list[dict]:
    """The audit trail with status, reason and action labels of the session's language."""
    rows = []
    for row in review.history(store, pairing_id):
        rows.append({
            t("col_at"): row["at"].strftime("%Y-%m-%d %H:%M"),
            t("col_actor"): t("actor_engine") if row["actor"] == "engine" else row["actor"],
            t("col_action"): audit_label(row["action"]),
            t("col_from"): enum_label("pstatus", row["from_status"]) if row["from_status"] else "",
            t("col_to"): enum_label("pstatus", row["to_status"]) if row["to_status"] else "",
            t("col_reason"): enum_label("reason", row["reason_code"]) if row["reason_code"] else "",
            t("col_note"): row["note"] or "" if row["action"] != "suggest" else "",
        })
    return rows


def show(platform, pairing: dict) -> None:
    """The detail view of one pairing (the page adds the decision panel under it)."""
    store = platform.store
    st.subheader(t("detail_header", id=pairing["id"]))
    st.caption(f"{t('col_status')}: {enum_label('pstatus', pairing['status'])} · {interest_label(pairing)}")
    left, right = st.columns(2)
    # Each record is read once per run: the cards and the indicator checklist share it.
    scenario = store.get_record(Side.DEMAND, pairing["scenario_id"])
    offering = store.get_record(Side.SUPPLY, pairing["offering_id"])
    with left.container(border=True, key="review_detail_scenario"):
        record_card(Side.DEMAND, scenario)
    with right.container(border=True, key="review_detail_offering"):
        record_card(Side.SUPPLY, offering)
    st.markdown(f"**{t('explanation')}**")
    explanation(pairing["score"], pairing["channels"] or {}, pairing["reasons"] or [], pairing["matched_terms"] or [],
                None, lang(), key=f"review_{pairing['id']}")
    indicator_checklist(indicator_queue.checklist(scenario, offering), key=f"review_{pairing['id']}")
    rows = history_rows(pairing["id"], store)
    st.markdown(f"**{t('history')}**")
    if rows:
        st.table(rows)  # an HTML table: readable by screen readers and Ctrl+F, unlike the canvas grid
    else:
        st.caption(t("no_history"))
    st.markdown(f"**{t('notes_header')}**")
    notes = [r for r in rows if r[t("col_note")]]
    if notes:
        st.markdown("\n".join(f"- {md_escape(r[t('col_at')])} · {md_escape(r[t('col_actor')])}: "
                              f"{md_escape(r[t('col_note')])}" for r in notes))
    else:
        st.caption(t("no_notes"))

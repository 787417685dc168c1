"""Pieces the marketplace and listing pages share: the link to a listing, its facts line, tag labels."""
from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui.i18n import enum_label, format_datetime, industry_label, lang, t
from ui.widgets import md_escape


def link(page: str, label: str, params: dict[str, str] | None = None, icon: str | None = None) -> None:
    """A link to another page carrying params and the language (?record=ID&lang=zh survives a reload and can
    be shared). Outside the app's navigation (a page run on its own in tests) it is a plain Markdown link."""
    params = {**(params or {}), "lang": lang()}
    try:
        st.page_link(page, label=label, query_params=params, icon=icon)
    except StreamlitAPIException:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        st.markdown(f"[{label}]({page.removeprefix('ui/').removesuffix('.py')}?{query})")


def listing_link(row: dict, label: str | None = None) -> None:
    link("ui/listing.py", label or f"**{md_escape(row['title'])}**", {"record": row["id"], "side": row["side"]},
         icon=":material/lightbulb:" if row["side"] == "supply" else ":material/factory:")


def tag_label(tag: tuple[str, str, int]) -> str:
    kind, level, year = tag
    return t("mkt_tag", tag=t(f"tag_{kind}"), level=t(f"level_{level}"), year=year)


def facts(row: dict) -> str:
    """Side, organisation, industry, region, maturity, budget and deadline on one line (Markdown, escaped)."""
    parts = [enum_label("side", row["side"]), md_escape(row.get("organization"))]
    if row.get("industry"):
        parts.append(md_escape(industry_label(row["industry"])))
    if row.get("region"):
        parts.append(md_escape(row["region"]))
    maturity = row.get("maturity", row.get("required_maturity"))
    if maturity:
        parts.append(enum_label("maturity", maturity))
    if row.get("budget_wan") is not None:
        parts.append(t("mkt_budget", value=f"{row['budget_wan']:g}"))
    if row.get("deadline"):
        parts.append(t("mkt_deadline", value=format_datetime(row["deadline"])))
    return " · ".join(p for p in parts if p)

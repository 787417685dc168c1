"""Shared widgets: safe rendering of user text, explanations with highlighted terms, status labels.

User text never goes through unsafe_allow_html. Where it must sit inside Markdown (labels, highlighted
snippets), md_escape backslash-escapes every ASCII punctuation character first: CommonMark renders an
escaped punctuation character literally, so user text cannot open a link, an image, HTML, a Streamlit
directive (:red[...]), an emoji/icon shortcode or LaTeX. Only our own markup is added after escaping.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import streamlit as st

from ui.i18n import enum_label, format_datetime, industry_label, t

_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


# GFM turns bare URLs (http://, https://, www.) and e-mail addresses into links *after* escapes are decoded,
# so escaping cannot stop it: a WORD JOINER (U+2060, invisible, no width) after the scheme or "www" and after
# "@" breaks those patterns while the text reads the same.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|www)(?=[:.])|(@)")


def unlink(text: str) -> str:
    """Text in which no bare URL or e-mail address is recognised as a link."""
    return _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2)) + "\u2060", text)


def _esc(text: str) -> str:
    return _PUNCT.sub(r"\\\1", unlink(text))


def md_escape(text: str | None) -> str:
    """User text made inert for st.markdown (and markdown labels): punctuation escaped, whitespace folded,
    bare URLs and e-mail addresses kept from becoming links."""
    return _esc(" ".join(str(text or "").split()))


def _inside_word(text: str, i: int, step: int) -> bool:
    """Whether position i continues the word or number next to it (step -1: before it, +1: after it). Latin
    letters and digits join words; a digit group separator (1,200 / 3.5) joins a number."""
    j = i + step
    if not 0 <= j < len(text):
        return False
    if text[j].isascii() and text[j].isalnum():
        return True
    k = j + step
    return text[j] in ",." and 0 <= k < len(text) and text[k].isdigit() and text[i].isdigit()


def _whole(text: str, start: int, end: int) -> bool:
    """A match that neither starts nor ends inside a Latin word or a number (Chinese terms match anywhere)."""
    first, last = text[start], text[end - 1]
    left = first.isascii() and first.isalnum() and _inside_word(text, start, -1)
    right = last.isascii() and last.isalnum() and _inside_word(text, end - 1, +1)
    return not (left or right)


def highlight(text: str | None, terms: list[str], limit: int = 400) -> str:
    """Markdown of text (escaped) with each occurrence of terms marked; cut to about limit characters."""
    raw = " ".join(str(text or "").split())
    spans = []
    low = raw.lower()
    for term in sorted({x for x in terms if x and x.strip()}, key=len, reverse=True):
        start = low.find(term.lower())
        while start >= 0:
            end = start + len(term)
            if _whole(raw, start, end) and not any(s < end and start < e for s, e in spans):
                spans.append((start, end))
            start = low.find(term.lower(), start + 1)
    spans.sort()
    first = spans[0][0] if spans else 0
    lo = max(0, min(first - 60, len(raw) - limit))
    hi = min(len(raw), lo + limit)
    out, pos = [], lo
    for s, e in spans:
        if s < lo or e > hi:
            continue
        out.append(_esc(raw[pos:s]))
        out.append(f":orange-background[**{_esc(raw[s:e])}**]")
        pos = e
    out.append(_esc(raw[pos:hi]))
    return ("… " if lo else "") + "".join(out) + (" …" if hi < len(raw) else "")


def fit_label(value: float | None) -> str:
    if value is None or abs(value - 0.5) < 1e-9:
        return t("fit_unknown")
    if value >= 0.8:
        return t("fit_good")
    return t("fit_partial") if value > 0.5 else t("fit_poor")


def explanation(score: float, channels: dict, reasons: list, terms: list[str], counterpart: dict | None,
                lang: str, key: str) -> None:
    """The explanation officials and enterprises both see: score, fit of industry/region/maturity,
    reasons, and the counterpart's text with the matched terms highlighted."""
    cols = st.columns(4)
    cols[0].metric(t("score"), f"{score:.2f}")
    for col, name in zip(cols[1:], ("industry", "region", "maturity")):
        col.metric(t(f"fit_{name}"), fit_label(channels.get(name)))
    lines = []
    for reason in reasons:
        text = reason.get(lang) if isinstance(reason, dict) else reason.text(lang)
        lines.append("- " + md_escape(text))
    if lines:
        st.markdown("\n".join(lines))
    if terms:
        st.markdown(f"{t('matched_terms')}: " + " · ".join(f":orange-background[{md_escape(x)}]" for x in terms[:12]))
    else:
        st.caption(t("no_matched_terms"))
    if counterpart:
        st.markdown(highlight(f"{counterpart.get('title', '')} — {counterpart.get('description', '')}", terms))
        facts = [industry_label(counterpart.get("industry")), counterpart.get("region") or ""]
        if counterpart.get("maturity"):
            facts.append(enum_label("maturity", counterpart["maturity"]))
        if counterpart.get("required_maturity"):
            facts.append(t("field_required_maturity") + ": " + enum_label("maturity", counterpart["required_maturity"]))
        st.caption(md_escape(" · ".join(f for f in facts if f)))


def status_table(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """A DataFrame with translated headers (columns maps field -> i18n key); cells stay plain text, times are
    written the reader's way, and an empty cell is empty (not Streamlit's English "None")."""
    df = pd.DataFrame([{c: _cell(r.get(c)) for c in columns} for r in rows], columns=list(columns))
    return df.rename(columns={c: t(k) for c, k in columns.items()})


def _cell(value):
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (dt.datetime, dt.date)):
        return format_datetime(value)
    return value


def history_rows(rows: list[dict]) -> list[dict]:
    """Audit rows as readers see them: statuses, reasons, actions and system actors as labels, the engine's
    "score 0.412" note in the reader's language, times localised (status_table does the times)."""
    out = []
    for row in rows:
        row = dict(row)
        row["from_status"] = enum_label("pstatus", row["from_status"]) if row.get("from_status") else ""
        row["to_status"] = enum_label("pstatus", row["to_status"]) if row.get("to_status") else ""
        row["reason_code"] = enum_label("reason", row["reason_code"]) if row.get("reason_code") else ""
        row["action"] = enum_label("action", row["action"])
        if row.get("actor") in ("engine", "system", "demo"):
            row["actor"] = t(f"actor_{row['actor']}")
        score = re.fullmatch(r"score (\d+\.\d+)", row.get("note") or "")
        if score:
            row["note"] = t("note_score", score=score.group(1))
        out.append(row)
    return out


def pick_record(pairs: list[tuple], rows: list[dict], columns: dict[str, str], key: str,
                label_key: str) -> tuple:
    """A table of records (rows, one per (side, record) pair) and a selectbox to pick one of them.

    Returns the picked (side, record) pair. Widget keys: f"{key}_table" and f"{key}_pick"."""
    st.dataframe(status_table(rows, columns), hide_index=True, key=f"{key}_table")
    by_id = {record["id"]: (side, record) for side, record in pairs}
    picked = st.selectbox(t(label_key), list(by_id), key=f"{key}_pick",
                          format_func=lambda i: f"{i} · {by_id[i][1]['title']}")
    return by_id[picked]


def flash(key: str) -> None:
    """Show (once) a success message stored under key by the previous run."""
    message = st.session_state.pop(key, None)
    if message:
        st.success(message)


_IND_ICON = {"met": ":green[:material/check_circle:]", "unmet": ":red[:material/cancel:]",
             "unknown": ":gray[:material/help:]"}
_IND_WORD = {"met": "ind_met", "unmet": "ind_unmet", "unknown": "ind_unknown"}


def indicator_checklist(checks: list[dict], key: str) -> None:
    """The scenario's indicators, one line each: mark, indicator, status word and the offering's evidence.
    Indicator and evidence are user text, escaped like everything else."""
    with st.container(key=f"indicators_{key}"):
        st.markdown(f"**{t('indicators_title')}**")
        if not checks:
            st.caption(t("ind_none"))
            return
        lines = []
        for c in checks:
            line = f"{_IND_ICON.get(c['status'], '')} {md_escape(c['indicator'])} · {t(_IND_WORD[c['status']])}"
            if c.get("evidence"):
                line += f" — {t('ind_evidence')}: {md_escape(c['evidence'])}"
            lines.append("- " + line)
        st.markdown("\n".join(lines))


def demo_banner(settings) -> None:
    """On every page while demo mode is on: the demo accounts' passwords are public."""
    if settings.demo_accounts:
        st.warning(t("demo_banner"), icon=":material/science:")


def client_id() -> str:
    """Who is on the other end, for throttling: the client's IP address ("unknown" outside a web request,
    e.g. in AppTest; every such caller shares one throttle)."""
    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001  (no request context)
        ip = None
    return f"ip:{ip}" if isinstance(ip, str) and ip else "unknown"


def pager(result, prefix: str, sizes: tuple[int, ...], showing: str) -> None:
    """Position, previous / next, page number and rows per page of a paged result (first, rows, total, page,
    pages). Page and size live in session_state[prefix + "page" / "page_size"] and survive page switches;
    a new size goes back to page 1. showing: the text key of the "first–last of total" line."""
    page_key, size_key = f"{prefix}page", f"{prefix}page_size"
    a, b, c, d, e = st.columns([2.2, 1, 1, 1.2, 1.2], vertical_alignment="bottom")
    last = result.first + len(result.rows) - 1
    a.markdown(t(showing, first=result.first, last=max(last, 0), total=result.total))
    st.session_state[page_key] = result.page
    b.button(t("page_prev"), key=f"{prefix}prev", disabled=result.page <= 1, on_click=st.session_state.__setitem__,
             args=(page_key, result.page - 1))
    c.button(t("page_next"), key=f"{prefix}next", disabled=result.page >= result.pages,
             on_click=st.session_state.__setitem__, args=(page_key, result.page + 1))
    d.number_input(t("page_number", pages=result.pages), 1, result.pages, key=page_key, persist_state="session")
    e.selectbox(t("page_size"), sizes, key=size_key, index=1, on_change=st.session_state.__setitem__,
                args=(page_key, 1), placeholder=t("select_ph"), persist_state="session")

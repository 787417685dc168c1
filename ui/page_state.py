"""Page state helpers: widget labels that follow the language switch, and whether the user just arrived on a page.

Streamlit's selectboxes keep the *formatted* label of their value in the browser, so after the language
switch a kept selection would still show the old language's label. Assigning a widget's own value back to
its key before the widget is drawn makes Streamlit send the value again, formatted in the new language.
"""
from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui.i18n import lang


def relabel_on_language_change(*prefixes: str, skip: tuple[str, ...] = ()) -> None:
    """Call at the top of a page: when the language changed since its last run, re-send the values of the
    page's widgets (keys starting with one of prefixes, except skip: uploaders) so their labels follow."""
    seen_key = f"_{prefixes[0]}_lang"
    if st.session_state.get(seen_key) not in (None, lang()):
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefixes) and k not in skip]:
            value = st.session_state[key]
            # Buttons (False/True) must never be assigned (Streamlit refuses it when the button is drawn);
            # checkboxes and toggles have no label to follow the language, so every bool is left alone.
            if isinstance(value, bool):
                continue
            try:
                st.session_state[key] = value
            except StreamlitAPIException:  # uploaders and other widgets whose values cannot be set
                pass
    st.session_state[seen_key] = lang()


def note_page(url_path: str) -> None:
    """Called by app.py each run with the page it shows: remembers whether the run before showed another page."""
    st.session_state["_page_arrived"] = st.session_state.get("_page_now") != url_path
    st.session_state["_page_now"] = url_path


def arrived() -> bool:
    """Whether the user has just come to this page from another one (False for reruns on the page itself, and
    for a page file run on its own, without app.py)."""
    return bool(st.session_state.get("_page_arrived", False))

"""Page: the account's inbox (newest first, unread marked) and its per-event e-mail opt-outs."""
import streamlit as st
from streamlit.errors import StreamlitAPIException

from matcher.domain.records import Role
from matcher.workflow import notifications
from ui.auth_gate import require_role
from ui.i18n import format_datetime, lang, t
from ui.resources import settings
from ui.widgets import flash, md_escape

LABELS = {"status": "pstatus", "reason_code": "reason"}


def _mail_settings(platform, account) -> None:
    events = notifications.ENTERPRISE_EVENTS if account.role == Role.ENTERPRISE else notifications.OFFICIAL_EVENTS
    with st.expander(t("inbox_mail_settings")):
        if not settings().smtp_url:
            st.caption(t("inbox_mail_off"))
            return
        st.caption(t("inbox_mail_help", email=md_escape(account.email)))
        off = notifications.opted_out(platform.store, account.id)
        with st.form("inbox_mail_form"):
            wanted = {e: st.checkbox(t(f"event_{e}"), value=e not in off, key=f"inbox_mail_{e}") for e in events}
            if st.form_submit_button(t("inbox_save"), key="inbox_save"):
                notifications.set_opt_outs(platform.store, account.id, {e for e, on in wanted.items() if not on} |
                                           (off - set(events)), account.email)
                st.session_state["inbox_flash"] = t("inbox_saved")
                st.rerun()


def _pairing_link(pairing_id: int) -> None:
    label, params = t("inbox_open_pairing", id=pairing_id), {"pairing": pairing_id, "lang": lang()}
    try:
        st.page_link("ui/review.py", label=label, query_params=params, icon=":material/handshake:")
    except StreamlitAPIException:  # the page runs outside the app's navigation (tests): a plain link
        st.markdown(f"[{label}](review?pairing={pairing_id}&lang={lang()})")


def render() -> None:
    platform, account = require_role(Role.ENTERPRISE, Role.OFFICIAL, Role.ADMIN)
    st.title(t("page_inbox"))
    flash("inbox_flash")
    entries = notifications.inbox(platform.store, account.id)
    unread = sum(1 for e in entries if e["read_at"] is None)
    left, right = st.columns([3, 1])
    left.caption(t("inbox_unread", n=unread))
    if right.button(t("inbox_mark_read"), key="inbox_mark_read", disabled=not unread):
        notifications.mark_read(platform.store, account.id)
        st.rerun()
    if not entries:
        st.info(t("inbox_empty"))
    for entry in entries:
        with st.container(border=True, key=f"inbox_{entry['id']}"):
            new = f":red-badge[{t('inbox_new')}] " if entry["read_at"] is None else ""
            st.markdown(f"{new}**{t('event_' + entry['event'])}** · {format_datetime(entry['created_at'])}")
            st.markdown(md_escape(notifications.render(entry["event"], entry["params"], lang())))
            if entry["params"].get("pairing") and account.role != Role.ENTERPRISE:
                _pairing_link(int(entry["params"]["pairing"]))
    _mail_settings(platform, account)


render()

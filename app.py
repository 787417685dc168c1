"""Web app entry: page config, language switch, sign-in gate, and navigation over the pages the role may see.

Run with `streamlit run app.py`. Pages live in ui/, one module each; each checks the role itself.
"""
import streamlit as st

from ui import page_state, session_cookie
from ui.auth_gate import account_box, current_account, navigation_pages, open_wanted_page, remember_wanted_page
from matcher.workflow.notifications import unread_count
from ui.i18n import language_switch, t
from ui.resources import get_platform
from ui.widgets import demo_banner

# An emoji favicon is drawn by the browser; a :material/...: icon would be fetched from fonts.gstatic.com.
st.set_page_config(page_title=t("app_title"), page_icon="🤝", layout="wide")
language_switch()
platform = get_platform()
demo_banner(platform.settings)
account = current_account(platform)
if account is None:
    remember_wanted_page()
pages = navigation_pages(account, unread_count(platform.store, account.id) if account else 0)
forced = account is not None and account.must_change_password   # an admin's reset: the account page only
# expanded: every page the role may open is listed (folded, Streamlit shows 10 and hides the rest)
page = st.navigation(pages, position="sidebar" if account and not forced else "hidden", expanded=True)
page_state.note_page(page.url_path)
if account is not None and not forced:
    open_wanted_page(pages)  # may switch page: the cookie script below is then written by the next run
with st.sidebar:
    session_cookie.write_pending()
if account is not None:
    account_box(account)
page.run()

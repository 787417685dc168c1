"""Web app entry: page config, language switch, sign-in gate, and navigation over the pages the role may see.

Run with `streamlit run app.py`. Pages live in ui/, one module each; each checks the role itself.
"""
import streamlit as st

from ui.auth_gate import account_box, current_account, navigation_pages
from ui.i18n import language_switch, t
from ui.resources import get_platform
from ui.widgets import demo_banner

st.set_page_config(page_title=t("app_title"), page_icon=":material/hub:", layout="wide")
language_switch()
platform = get_platform()
demo_banner(platform.settings)
account = current_account(platform)
page = st.navigation(navigation_pages(account))
if account is not None:
    account_box(account)
page.run()

"""End-to-end: a sign-in survives a reload, a new tab and a pasted link, on the right page and language.

One browser context is one browser profile: its tabs share the session cookie, as a user's tabs do."""
from __future__ import annotations

import re
import time

from .support import ENTERPRISE_D, OFFICIAL, choose, new_context, shot, sign_in, unlink, wait_ready

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips these tests (or fails them under MATCHER_REQUIRE_BROWSER=1)
    expect = None




def _signed_in_on(page, heading: str) -> None:
    wait_ready(page)
    expect(page.get_by_text(f"Signed in: {unlink(OFFICIAL)}")).to_be_visible()
    expect(page.get_by_role("heading", name=heading).first).to_be_visible()
    # the cookie is written by a script in the page just after it renders; a person cannot reload faster
    page.wait_for_function("() => document.cookie.includes('matcher_session=')")


def test_official_stays_signed_in_across_reload_new_tab_and_pasted_link(chromium, server):
    context = new_context(chromium)
    try:
        page = context.new_page()
        page.goto(f"{server}/review")
        wait_ready(page)
        sign_in(page, OFFICIAL)
        _signed_in_on(page, "Review queue")
        # the review queue is an official's first page: Streamlit shows it at "/" (and at /review)
        expect(page).to_have_url(re.compile(r"/(review)?\?.*pairing=\d+"))
        link = page.url
        pairing = re.search(r"pairing=(\d+)", link).group(1)

        started = time.monotonic()
        page.reload()
        _signed_in_on(page, "Review queue")
        reload_s = time.monotonic() - started

        tab = context.new_page()
        tab.goto(f"{server}/dashboard")
        _signed_in_on(tab, "Dashboard")
        assert tab.url.startswith(f"{server}/dashboard")

        pasted = context.new_page()
        pasted.goto(link)
        _signed_in_on(pasted, "Review queue")
        expect(pasted.get_by_label("Show pairing", exact=True)).to_have_value(re.compile(rf"^#{pairing} "))
        shot(pasted, "sessions_pasted_link")

        # sign out in one tab: the others are signed out at their next run
        tab.get_by_role("button", name="Sign out").click()
        expect(tab.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
        page.reload()
        wait_ready(page)
        expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
        expect(page.get_by_text(f"Signed in: {unlink(OFFICIAL)}")).to_have_count(0)
        print(f"reload restored the signed-in review page in {reload_s:.2f} s")
    finally:
        context.close()


def test_a_link_opened_signed_out_lands_on_its_pairing_after_sign_in(chromium, server):
    context = new_context(chromium)
    try:
        page = context.new_page()
        page.goto(f"{server}/review")
        wait_ready(page)
        sign_in(page, OFFICIAL)
        _signed_in_on(page, "Review queue")
        expect(page).to_have_url(re.compile(r"pairing=\d+"))
        link = page.url
        pairing = re.search(r"pairing=(\d+)", link).group(1)
    finally:
        context.close()
    fresh = new_context(chromium)  # no cookie
    try:
        page = fresh.new_page()
        page.goto(link)
        wait_ready(page)
        sign_in(page, OFFICIAL)
        _signed_in_on(page, "Review queue")
        expect(page.get_by_label("Show pairing", exact=True)).to_have_value(re.compile(rf"^#{pairing} "))
    finally:
        fresh.close()


def test_the_language_choice_survives_a_reload(open_page):
    page = open_page()
    page.get_by_test_id("stSidebar").get_by_text("中文", exact=True).click()
    expect(page.get_by_role("tab", name="企业注册")).to_be_visible()
    wait_ready(page)
    expect(page).to_have_url(re.compile(r"lang=zh"))
    page.reload()
    wait_ready(page)
    expect(page.get_by_role("tab", name="企业注册")).to_be_visible()
    page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
    expect(page.get_by_role("tab", name="Register an enterprise")).to_be_visible()
    wait_ready(page)
    expect(page).to_have_url(re.compile(r"lang=en"))
    page.reload()
    wait_ready(page)
    expect(page.get_by_role("tab", name="Register an enterprise")).to_be_visible()


def test_an_approval_reaches_the_enterprise_inbox_and_its_mailbox(open_page, smtp_server):
    handler, _ = smtp_server
    official = open_page()
    sign_in(official, OFFICIAL)
    choose(official, "Show pairing", "Solar cell surface defects", search="Solar cell")
    detail = official.locator(".st-key-review_detail")
    expect(detail).to_contain_text("Machine vision defect inspection")
    choose(detail, "Move to", "approved", search="approved")   # the detail's panel, not the bulk one
    official.get_by_role("button", name="Apply to the pairing shown").click()
    expect(official.get_by_text("1 pairing(s) updated.")).to_be_visible()

    enterprise = open_page()
    sign_in(enterprise, ENTERPRISE_D)
    nav = enterprise.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name=re.compile(r"^Inbox · \d+$"))).to_be_visible()    # the unread badge
    nav.get_by_role("link", name=re.compile(r"^Inbox")).click()
    wait_ready(enterprise)
    entry = enterprise.locator("[class*='st-key-inbox_']").filter(has_text="Pairing approved").first
    expect(entry).to_contain_text("Machine vision defect inspection")
    expect(entry).to_contain_text("contact details are now visible")
    shot(enterprise, "inbox_after_approval")

    deadline = time.monotonic() + 30   # the app's mail sender runs every second
    while time.monotonic() < deadline:
        mails = [m for m in handler.messages if m["To"] == ENTERPRISE_D and "已获批准" in m["Subject"]]
        if mails:
            break
        time.sleep(0.5)
    assert mails, [(m["To"], m["Subject"]) for m in handler.messages]
    assert "Machine vision defect inspection" in mails[0].get_content()


def test_a_first_visit_opens_in_the_browsers_language(chromium, server):
    """The server's default is English here; a zh-CN browser without ?lang= gets Chinese, and keeps it."""
    context = new_context(chromium, "zh-CN")
    try:
        page = context.new_page()
        page.goto(server)
        wait_ready(page)
        expect(page.get_by_role("tab", name="企业注册")).to_be_visible()
        expect(page).to_have_url(re.compile(r"lang=zh"))
    finally:
        context.close()

"""End-to-end: the three journeys of the issue, in headless Chromium against `streamlit run app.py`.

Selectors are the English labels of ui/i18n.py (the server runs with MATCHER_LANGUAGE=en). st.dataframe
draws on a canvas, so rows are chosen with the keyed selectboxes next to each table, never by clicking cells.
"""
from __future__ import annotations

import re
import uuid

from .support import (BOLD, ENTERPRISE_B, ENTERPRISE_C, OFFICIAL, PASSWORD, XSS, choose, go_to, shot, sign_in,
                      wait_ready)

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture skips these tests (or fails them under MATCHER_REQUIRE_BROWSER=1)
    expect = None

CONTACT_EMAIL = "ann@carbon-films.example"   # the graphene offering's contact (seeded in conftest)
CONTACT_PHONE = "0519-1234567"


def test_enterprise_registers_submits_a_scenario_and_sees_explained_suggestions(open_page):
    page = open_page()
    email = f"new-{uuid.uuid4().hex[:8]}@e2e.test"
    page.get_by_role("tab", name="Register an enterprise").click()
    page.get_by_label("Organization *", exact=True).fill("Changzhou Cell Assembly Co")
    page.get_by_label("Contact person", exact=True).fill("Cara")
    page.get_by_label("E-mail *", exact=True).fill(email)
    page.get_by_label("Password *", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password *", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_text("Registration received.", exact=False)).to_be_visible()
    sign_in(page, email)

    go_to(page, "Submit a scenario")
    # the form starts with the account's organization and contact
    expect(page.get_by_label("Organization *", exact=True)).to_have_value("Changzhou Cell Assembly Co")
    page.get_by_label("Title *", exact=True).fill("Battery modules overheat during fast charging")
    page.get_by_label("Description *", exact=True).fill(
        "Our lithium battery packs overheat when fast charging. We look for a graphene thermal film or "
        "another heat spreading material for the battery pack.")
    page.get_by_label("Keywords", exact=True).fill("battery pack; thermal film; graphene")
    choose(page, "Industry", "Power Batteries", search="Batter")
    page.get_by_label("Region", exact=True).fill("Wujin, Changzhou")
    page.get_by_role("button", name="Submit", exact=True).click()

    expect(page.get_by_text(re.compile(r"Submitted \(id S-[0-9a-f]+\)"))).to_be_visible()
    expect(page.get_by_role("heading", name="Suggested counterparts")).to_be_visible()
    wait_ready(page)
    first = page.locator(".st-key-sug_" + _saved_id(page) + "_1")
    expect(first).to_contain_text("Graphene thermal film for battery packs")
    expect(first.get_by_test_id("stMetricLabel").first).to_have_text("Score")
    expect(first.get_by_test_id("stMetricValue").first).to_have_text(re.compile(r"^[01]\.\d\d$"))
    for label in ("Industry fit", "Region fit", "Maturity fit"):
        expect(first.get_by_text(label, exact=True)).to_be_visible()
    expect(first.get_by_text("Shared terms:")).to_be_visible()        # a reason line
    expect(first.get_by_text("Same district: Wujin, Changzhou")).to_be_visible()
    expect(first.get_by_text("Matched terms:")).to_contain_text("graphene")
    # not moderated yet: no interest button, no contact details
    expect(first.get_by_text("You can express interest once your record is published.")).to_be_visible()
    expect(page.get_by_text(CONTACT_EMAIL)).to_have_count(0)
    shot(page, "1_enterprise_suggestions")


def test_official_approval_reveals_the_counterparts_contact(open_page):
    enterprise = open_page()
    sign_in(enterprise, ENTERPRISE_B)
    go_to(enterprise, "My submissions")
    enterprise.get_by_role("tab", name="Pairings").click()
    pairing = enterprise.locator("[class*='st-key-mine_pairing_']").filter(
        has_text="Graphene thermal film for battery packs")
    expect(pairing).to_contain_text("Pairing status: suggested")
    expect(pairing.get_by_text("Contact details are shown once an official approves the pairing.")).to_be_visible()
    expect(enterprise.get_by_text(CONTACT_EMAIL)).to_have_count(0)
    shot(enterprise, "2a_enterprise_contact_hidden")

    official = open_page()
    sign_in(official, OFFICIAL)
    go_to(official, "Review queue")
    choose(official, "Show pairing", "Graphene thermal film", search="Graphene")
    detail = official.locator(".st-key-review_detail")
    expect(detail.locator(".st-key-review_detail_offering")).to_contain_text("Graphene thermal film for battery packs")
    expect(detail.locator(".st-key-review_detail_scenario")).to_contain_text("Lithium battery packs overheat in summer")
    choose(detail, "Move to", "approved", search="approved")
    official.get_by_role("button", name="Apply to the pairing shown").click()
    expect(official.get_by_text("1 pairing(s) updated.")).to_be_visible()
    shot(official, "2b_official_approved")

    # a fresh run of the enterprise's page (another page and back: same session, still signed in)
    go_to(enterprise, "Submit a scenario")
    go_to(enterprise, "My submissions")
    enterprise.get_by_role("tab", name="Pairings").click()
    expect(pairing).to_contain_text("Pairing status: approved")
    expect(pairing.get_by_text("Counterpart contact")).to_be_visible()
    expect(pairing.get_by_text(CONTACT_EMAIL)).to_be_visible()
    expect(pairing).to_contain_text(CONTACT_PHONE)
    expect(pairing).to_contain_text("Ann Graphene")
    shot(enterprise, "2c_enterprise_contact_shown")


def _saved_id(page) -> str:
    text = page.get_by_text(re.compile(r"Submitted \(id S-[0-9a-f]+\)")).inner_text()
    return re.search(r"S-[0-9a-f]+", text).group(0)


def _assert_inert(page, where: str) -> None:
    """The markup showed as text: no script ran, no element was made from it."""
    assert page.evaluate("typeof window.__xss") == "undefined", f"user markup executed on {where}"
    main = page.get_by_test_id("stMain")
    assert main.locator("b", has_text="bold").count() == 0, f"<b> from user text rendered on {where}"
    assert main.locator("img[src='x']").count() == 0, f"<img> from user text rendered on {where}"
    assert main.locator("script", has_text="__xss").count() == 0, f"<script> from user text in the page on {where}"


def test_user_markup_shows_as_text_and_never_runs(open_page):
    title = f"Hot battery pack {XSS} {BOLD}"
    enterprise = open_page()
    sign_in(enterprise, ENTERPRISE_C)
    go_to(enterprise, "Submit a scenario")
    enterprise.get_by_label("Title *", exact=True).fill(title)
    enterprise.get_by_label("Description *", exact=True).fill(
        f"Battery pack cooling and thermal management needed. {XSS} {BOLD}")
    enterprise.get_by_label("Keywords", exact=True).fill("battery pack; cooling")
    enterprise.get_by_role("button", name="Submit", exact=True).click()
    expect(enterprise.get_by_text(re.compile(r"Submitted \(id S-[0-9a-f]+\)"))).to_be_visible()
    wait_ready(enterprise)
    # suggestions: the seeded offering whose title and organization hold markup
    card = enterprise.locator("[class*='st-key-sug_']").filter(has_text="Battery cooling plate")
    expect(card.get_by_text(f"Battery cooling plate {XSS} {BOLD}").first).to_be_visible()
    expect(card).to_contain_text(f"Cool {BOLD} Ltd")
    _assert_inert(enterprise, "the suggestions after submitting")
    shot(enterprise, "3a_markup_suggestions")

    # submission list: the record picker lists the title as text
    go_to(enterprise, "My submissions")
    picker = enterprise.get_by_label("Choose a record", exact=True)
    expect(picker).to_have_value(re.compile(re.escape(title)))
    picker.click()
    expect(enterprise.get_by_role("option").filter(has_text=title)).to_be_visible()
    picker.press("Escape")
    expect(enterprise.locator("[class*='st-key-sug_']").filter(has_text="Battery cooling plate")
           .get_by_text(f"Battery cooling plate {XSS} {BOLD}").first).to_be_visible()
    _assert_inert(enterprise, "My submissions")
    shot(enterprise, "3b_markup_my_submissions")

    # moderation, then the review queue
    official = open_page()
    sign_in(official, OFFICIAL)
    go_to(official, "Moderation")
    choose(official, "Choose a record to moderate", "Hot battery pack", search="Hot battery")
    expect(official.get_by_role("heading", name=title)).to_be_visible()
    _assert_inert(official, "Moderation")
    official.get_by_role("button", name="Publish", exact=True).click()
    expect(official.get_by_text(re.compile(r"Published S-[0-9a-f]+\."))).to_be_visible()

    go_to(official, "Review queue")
    choose(official, "Show pairing", "Battery cooling plate", search="Hot battery")
    detail = official.locator(".st-key-review_detail")
    scenario = detail.locator(".st-key-review_detail_scenario")   # the detail view shows the records side by side
    expect(scenario.get_by_text(title, exact=True)).to_be_visible()
    expect(scenario).to_contain_text("Markup Tester Co")
    offering = detail.locator(".st-key-review_detail_offering")
    expect(offering.get_by_text(f"Battery cooling plate {XSS} {BOLD}", exact=True)).to_be_visible()
    expect(offering).to_contain_text(f"Cool {BOLD} Ltd")
    _assert_inert(official, "the review queue")
    shot(official, "3c_markup_review_queue")

"""End-to-end (issue 11): a deployed pairing becomes a demonstration project and then a case; a new, similar
scenario shows that case beside its suggestions. Its own server, seeded with a pairing already deployed."""
from __future__ import annotations

import re

import pytest

from .support import (OFFERINGS, PASSWORD, click_and_wait, go_to, new_page, seeded_server, shot, sign_in)

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

OWNER, OFFICIAL_P = "adopter@programme.test", "official@programme.test"
SCENARIO = dict(title="Lithium battery packs overheat in summer", description="Our lithium battery packs overheat; "
                "we need a graphene thermal film or other heat spreading material for the battery pack.",
                organization="Pack Maker Ltd", industry="batteries_storage", region="Wujin, Changzhou",
                keywords="battery pack; thermal film; graphene", indicators="Cell temperature spread ≤ 3 °C",
                contact_name="Bo Pack", contact_email="bo@pack.example")


def _seed() -> None:
    """Run in the server's environment: accounts, records, and the graphene pairing moved to deployed."""
    from matcher.auth import create_user
    from matcher.config import Settings
    from matcher.domain.records import PairingStatus as P
    from matcher.domain.records import RecordStatus, Role, Side
    from matcher.service import Platform
    from matcher.workflow import review

    platform = Platform.open(Settings())
    try:
        create_user(platform.store, OFFICIAL_P, PASSWORD, Role.OFFICIAL, "E2E Bureau", "Olga")
        owner = create_user(platform.store, OWNER, PASSWORD, Role.ENTERPRISE, "Pack Maker Ltd", "Bo Pack")
        offering = platform.submit(Side.SUPPLY, OFFERINGS[0], "e2e", status=RecordStatus.PUBLISHED)
        platform.submit(Side.SUPPLY, OFFERINGS[1], "e2e", status=RecordStatus.PUBLISHED)
        scenario = platform.submit(Side.DEMAND, SCENARIO, OWNER, owner_id=owner.id, status=RecordStatus.PUBLISHED)
        [pairing] = review.list_pairings(platform.store, review.PairingQuery(scenario_ids=(scenario,),
                                                                             offering_ids=(offering,)))
        for status in (P.APPROVED, P.CONTACTED, P.PILOTING, P.DEPLOYED):
            pairing = review.transition(platform.store, pairing["id"], status, "e2e", pairing["version"])
        platform.engine.flush()
    finally:
        platform.store.engine.dispose()


@pytest.fixture(scope="module")
def programme_server(chromium, tmp_path_factory):
    yield from seeded_server(tmp_path_factory, "programme", "e2e.test_programme")


def _page(chromium, url):
    return new_page(chromium, url)


def test_deployed_pairing_becomes_project_then_case_and_a_similar_scenario_shows_it(chromium, programme_server):
    ctx_e, ent = _page(chromium, programme_server)
    sign_in(ent, OWNER)
    go_to(ent, "Demonstration projects")
    ent.get_by_label("Project title *", exact=True).fill("Graphene film cools our battery packs")
    ent.get_by_label("Application (plan) *", exact=True).fill("Fit the film to 2,000 packs and measure.")
    ent.get_by_label("Support requested (10k CNY) *", exact=True).fill("120")
    ent.get_by_label("Milestone 1", exact=True).fill("Pilot line converted")
    # a segmented date field (year / month / day spinbuttons): type into the first, it moves on by itself
    ent.get_by_label("Due date 1", exact=True).locator('[role="spinbutton"]').first.click()
    ent.keyboard.type("20270331")
    ent.keyboard.press("Tab")
    click_and_wait(ent, ent.get_by_role("button", name="Apply", exact=True))
    expect(ent.get_by_text("Application sent; an official reviews it.")).to_be_visible()

    ctx_o, off = _page(chromium, programme_server)
    sign_in(off, OFFICIAL_P)
    go_to(off, "Demonstration projects")
    expect(off.get_by_text(re.compile(r"Support budget \d{4}: 3000"))).to_be_visible()
    amount = off.get_by_label("Support granted (10k CNY)", exact=True)
    amount.fill("5000")
    click_and_wait(off, off.get_by_role("button", name="Approve support", exact=True))
    expect(off.get_by_text(re.compile("more than the 120 requested"))).to_be_visible()   # refused, nothing saved
    amount.fill("100")
    click_and_wait(off, off.get_by_role("button", name="Approve support", exact=True))
    expect(off.get_by_text("Saved.")).to_be_visible()

    go_to(ent, "Demonstration projects")
    click_and_wait(ent, ent.get_by_role("button", name=re.compile("Mark done: Pilot line converted")))
    ent.get_by_label("Measured: Cell temperature spread ≤ 3 °C", exact=True).fill("2.4 °C")
    ent.get_by_text("Met: Cell temperature spread ≤ 3 °C", exact=True).click()
    ent.get_by_label("Summary of the outcome *", exact=True).fill("Packs run 8 °C cooler.")
    click_and_wait(ent, ent.get_by_role("button", name="Send the report", exact=True))
    expect(ent.get_by_text("Saved.")).to_be_visible()

    go_to(off, "Demonstration projects")
    click_and_wait(off, off.get_by_role("button", name="Accept the report", exact=True))
    click_and_wait(off, off.get_by_role("button", name="Publish as a case", exact=True))
    published = off.get_by_test_id("stAlertContentSuccess").get_by_text(re.compile(r"Published as case C-"))
    expect(published).to_be_visible()
    case_id = re.search(r"C-[0-9a-f]+", published.inner_text()).group(0)
    go_to(off, "Case library")
    expect(off.get_by_text("Graphene film cools our battery packs").first).to_be_visible()
    expect(off.get_by_text("2.4 °C").first).to_be_attached()   # a dataframe cell (drawn on a canvas)
    shot(off, "programme_case_library")

    go_to(ent, "Submit a scenario")
    ent.get_by_label("Title *", exact=True).fill("Battery modules get too hot on fast charging")
    ent.get_by_label("Description *", exact=True).fill(
        "When we fast charge, our lithium battery packs overheat. We want a heat spreading film.")
    click_and_wait(ent, ent.get_by_role("button", name="Submit", exact=True))
    similar = ent.get_by_text(re.compile(r"Similar past cases \(\d\)"))
    expect(similar).to_be_visible()
    expect(ent.get_by_text(re.compile(case_id + r" · Graphene film cools our battery packs"))).to_be_visible()
    shot(ent, "programme_similar_case")
    ctx_e.close()
    ctx_o.close()

"""End-to-end (issue 11): a provider answers a diagnosis campaign; an official assigns the provider. Its own
server, seeded with a published service offer and an open campaign."""
from __future__ import annotations

import datetime as dt

import pytest

from .support import PASSWORD, click_and_wait, go_to, new_page, seeded_server, shot, sign_in

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

PROVIDER, OFFICIAL_C = "provider@campaigns.test", "official@campaigns.test"
SERVICE = dict(title="Smart manufacturing diagnosis service", organization="Changzhou Institute of Technology",
               description="On-site diagnosis of production lines: MES, equipment networking, machine vision "
                           "inspection, and a transformation roadmap.", region="Wujin, Changzhou")
CAMPAIGN = dict(title="Wujin Hi-tech Zone smart manufacturing diagnosis", park="Wujin Hi-tech Zone",
                district="Wujin, Changzhou", industries=["robotics_equipment"], enterprise_count=20,
                needs="Machinery makers need their production lines diagnosed: MES, equipment networking, "
                      "machine vision quality inspection.")


def _seed() -> None:
    """Run in the server's environment: two accounts, the provider's published service offer, a campaign."""
    from matcher.auth import create_user
    from matcher.config import Settings
    from matcher.domain.records import RecordStatus, Role
    from matcher.service import Platform
    from matcher.workflow import campaigns as cp

    platform = Platform.open(Settings())
    try:
        create_user(platform.store, OFFICIAL_C, PASSWORD, Role.OFFICIAL, "E2E Bureau", "Olga")
        provider = create_user(platform.store, PROVIDER, PASSWORD, Role.ENTERPRISE, SERVICE["organization"], "Wei")
        cp.submit_service_offer(platform, SERVICE, "university", "diagnosis", PROVIDER, owner_id=provider.id,
                                status=RecordStatus.PUBLISHED)
        today = dt.date.today()
        cp.create_campaign(platform.store, {**CAMPAIGN, "start_date": today - dt.timedelta(days=3),
                                            "end_date": today + dt.timedelta(days=60)}, "e2e")
        platform.engine.flush()
    finally:
        platform.store.engine.dispose()


@pytest.fixture(scope="module")
def campaigns_server(chromium, tmp_path_factory):
    yield from seeded_server(tmp_path_factory, "campaigns", "e2e.test_campaigns")


def _page(chromium, url):
    return new_page(chromium, url)


def test_a_provider_answers_a_campaign_and_an_official_assigns_it(chromium, campaigns_server):
    ctx_p, prov = _page(chromium, campaigns_server)
    sign_in(prov, PROVIDER)
    go_to(prov, "Diagnosis campaigns")
    expect(prov.get_by_text(CAMPAIGN["needs"])).to_be_visible()        # the open campaign, ranked for the offer
    click_and_wait(prov, prov.get_by_role("button", name="Answer the campaign", exact=True))
    expect(prov.get_by_text("message is required", exact=False)).to_be_visible()   # refused, nothing saved
    prov.get_by_label("Message (what you offer the park) *", exact=True).fill(
        "Our team can diagnose ten firms of the zone in March.")
    click_and_wait(prov, prov.get_by_role("button", name="Answer the campaign", exact=True))
    expect(prov.get_by_text("Answer sent; an official assigns providers.")).to_be_visible()
    expect(prov.get_by_text("Your answer: Answered")).to_be_visible()

    ctx_o, off = _page(chromium, campaigns_server)
    sign_in(off, OFFICIAL_C)
    go_to(off, "Diagnosis campaigns")
    expect(off.get_by_text("Our team can diagnose ten firms of the zone in March.")).to_be_visible()
    click_and_wait(off, off.get_by_role("button", name=f"Assign: {SERVICE['title']}", exact=True))
    expect(off.get_by_text("Saved.")).to_be_visible()
    expect(off.get_by_role("button", name=f"Unassign: {SERVICE['title']}", exact=True)).to_be_visible()
    shot(off, "campaign_provider_assigned")

    go_to(prov, "Diagnosis campaigns")
    expect(prov.get_by_text("Your answer: Assigned")).to_be_visible()
    shot(prov, "campaign_provider_view")
    ctx_p.close()
    ctx_o.close()

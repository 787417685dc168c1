"""End-to-end: an expired listing leaves the suggestions, the marketplace and the review queue. An offering's
validity runs out, the cron command `python -m matcher expire` expires it in its own process, and the running
app (told by the change feed) no longer suggests it to the scenario's owner, no longer finds it on the
marketplace, nor lists its pairing to decide; its owner sees that it expired (with the renewal form) and gets
the e-mail."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
import uuid

from .conftest import SERVER
from .support import OFFICIAL, PASSWORD, ROOT, go_to, server_env, shot, sign_in, wait_ready

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None


def _seed(tag: str) -> dict:
    """Two enterprises: one owns an offering, the other a scenario; their suggested pairing."""
    from matcher.auth import create_user
    from matcher.domain.records import Role, Side, validate_record
    from matcher.search.ranking import Suggestion
    from matcher.storage.store import Store
    from matcher.workflow import review

    store = Store(f"sqlite:///{SERVER['var_dir'] / 'matcher.db'}")
    try:
        supplier = create_user(store, f"kiln-supplier-{tag}@e2e.test", PASSWORD, Role.ENTERPRISE, f"Kiln Heat {tag}",
                               "Sam")
        buyer = create_user(store, f"kiln-buyer-{tag}@e2e.test", PASSWORD, Role.ENTERPRISE, f"Ceramics {tag}", "Bea")
        off = dict(title=f"Kiln waste heat boiler {tag}", description=f"Zeolite boiler recovering kiln flue gas "
                   f"heat {tag}", organization=f"Kiln Heat {tag}", keywords=f"kiln; waste heat; {tag}")
        scen = dict(title=f"Kiln flue gas heat recovery {tag}", description=f"Our ceramic kilns waste flue gas "
                    f"heat; we need a waste heat boiler {tag}", organization=f"Ceramics {tag}",
                    keywords=f"kiln; waste heat; {tag}")
        [oid] = store.add_records(Side.SUPPLY, [validate_record(Side.SUPPLY, off)], actor="e2e", owner_id=supplier.id)
        [sid] = store.add_records(Side.DEMAND, [validate_record(Side.DEMAND, scen)], actor="e2e", owner_id=buyer.id)
        review.save_suggestions(store, [Suggestion(sid, oid, 0.72, {"text": 0.72}, [], [])], min_score=0.0)
        [pairing] = review.list_pairings(store, review.PairingQuery(scenario_ids=(sid,)))
        return dict(offering=oid, title=off["title"], pairing=pairing["id"], supplier=supplier.email,
                    buyer=buyer.email)
    finally:
        store.engine.dispose()


def _validity_ran_out(offering_id: str) -> None:
    """Time passes: the offering's last listed day was yesterday."""
    from matcher.storage.schema import ListingTerm
    from matcher.storage.store import Store

    store = Store(f"sqlite:///{SERVER['var_dir'] / 'matcher.db'}")
    try:
        with store.write() as s:
            s.merge(ListingTerm(side="supply", record_id=offering_id, valid_until=dt.date.today() - dt.timedelta(days=1)))
    finally:
        store.engine.dispose()


def _market_search(page, words: str) -> None:
    go_to(page, "Marketplace")
    box = page.get_by_label("Keyword search", exact=True)
    box.fill(words)
    box.press("Enter")
    wait_ready(page)


def test_an_expired_listing_leaves_suggestions_and_the_review_queue(open_page, smtp_server):
    tag = uuid.uuid4().hex[:8]
    seeded = _seed(tag)
    main = '[data-testid="stMain"]'

    buyer = open_page()
    sign_in(buyer, seeded["buyer"])
    go_to(buyer, "My submissions")
    expect(buyer.locator(main)).to_contain_text(seeded["title"], timeout=15_000)   # indexed via the feed
    _market_search(buyer, f"kiln {tag}")
    expect(buyer.locator(main)).to_contain_text(seeded["title"])
    expect(buyer.locator(main)).to_contain_text("1–2 of 2")   # the offering and the scenario, nothing else

    official = open_page()
    sign_in(official, OFFICIAL)
    go_to(official, "Review queue")
    box = official.get_by_label("Keyword search", exact=True)
    box.fill(tag)
    box.press("Enter")
    wait_ready(official)
    expect(official.locator(f".st-key-review_row_{seeded['pairing']}")).to_be_visible()

    _validity_ran_out(seeded["offering"])
    # cron runs with the app's settings (its e-mails go through the same outbox and SMTP server)
    env = server_env(SERVER["var_dir"], MATCHER_SMTP_URL=f"smtp://127.0.0.1:{smtp_server[1]}")
    cron = subprocess.run([sys.executable, "-m", "matcher", "expire"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=180)
    assert cron.returncode == 0, cron.stderr
    assert "expired 1 offerings" in cron.stdout
    time.sleep(1.5)                     # the app's change feed polls every 0.5 s

    buyer.reload()
    wait_ready(buyer)
    go_to(buyer, "My submissions")
    expect(buyer.get_by_role("heading", name="My submissions").first).to_be_visible()
    expect(buyer.locator(main)).to_contain_text(f"Kiln flue gas heat recovery {tag}")
    expect(buyer.locator(main)).not_to_contain_text(seeded["title"])
    shot(buyer, "lifecycle_suggestions_after_expiry")
    _market_search(buyer, f"kiln {tag} ")
    expect(buyer.locator(main)).to_contain_text(f"Kiln flue gas heat recovery {tag}")   # the scenario stays
    expect(buyer.locator(main)).not_to_contain_text(seeded["title"])
    expect(buyer.locator(main)).to_contain_text("1–1 of 1")
    shot(buyer, "lifecycle_marketplace_after_expiry")

    box = official.get_by_label("Keyword search", exact=True)
    box.fill(f"{tag} ")
    box.press("Enter")
    wait_ready(official)
    expect(official.locator(f".st-key-review_row_{seeded['pairing']}")).to_have_count(0)

    supplier = open_page()
    sign_in(supplier, seeded["supplier"])
    go_to(supplier, "My submissions")
    expect(supplier.get_by_text("This listing expired after", exact=False)).to_be_visible()
    supplier.get_by_role("tab", name="Renew").click()
    expect(supplier.get_by_role("button", name="Renew")).to_be_visible()
    shot(supplier, "lifecycle_expired_owner")

    handler, _port = smtp_server
    deadline = time.monotonic() + 20
    def mailed() -> bool:
        return any(tag in str(m["Subject"]) and "到期下架" in str(m["Subject"]) for m in handler.messages)
    while time.monotonic() < deadline and not mailed():
        time.sleep(0.5)
    assert mailed(), "no expiry e-mail reached the SMTP server"

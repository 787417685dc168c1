"""End-to-end, in both languages: an enterprise finds a published scenario on the marketplace by keyword, opens
its listing (contacts hidden), and expresses interest with a message; the pairing and the message are in the
database. The zh run uses Chinese data and checks that the page shows no English at all."""
from __future__ import annotations

import uuid

import pytest

from .conftest import SERVER
from .support import PASSWORD, START_TIMEOUT_S, click_and_wait, go_to, new_context, shot, sign_in, wait_ready
from .test_workbench import _no_english

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

WORDS = {
    "en": dict(market="Marketplace", search="Keyword search", message="Message to the officials (optional)",
               send="Send interest", sent="Interest sent", hidden="Contact details show once an official approves"),
    "zh": dict(market="供需大厅", search="关键词搜索", message="给主管部门的留言（可选）", send="提交意向",
               sent="已提交意向", hidden="联系方式在主管部门批准对接后可见"),
}
DATA = {
    "en": dict(scen=("Kiln heat recovery {tag}", "Hot flue gas from ceramic kilns needs a heat recovery unit.",
                     "Kiln Works"),
               off=("Zeolite waste heat boiler", "Boiler that recovers heat from kiln flue gas.", "Heat Co {tag}"),
               note="We delivered three kiln boilers in Wujin."),
    "zh": dict(scen=("窑炉余热回收{tag}", "陶瓷窑炉排烟温度高，需要余热回收装置。", "某陶瓷厂"),
               off=("沸石余热锅炉", "适用于窑炉烟气的余热锅炉。", "某节能公司{tag}"),
               note="我们已在武进落地三台窑炉余热锅炉。"),
}


@pytest.fixture(scope="module", autouse=True)
def warm_app(chromium, server):
    """The app's first script run (platform, indexes) can take longer than one step's timeout on a loaded
    machine when this module runs first: load it once, with time to spare, before the journeys."""
    context = new_context(chromium)
    try:
        page = context.new_page()
        page.goto(server)
        wait_ready(page, timeout=START_TIMEOUT_S * 1000)
    finally:
        context.close()


def _seed(lang: str, tag: str) -> tuple[str, str, str]:
    """A scenario of one organisation and an enterprise account of another with a published offering."""
    from matcher.auth import create_user
    from matcher.domain.records import RecordStatus, Side, validate_record
    from matcher.storage.store import Store

    d = DATA[lang]
    store = Store(f"sqlite:///{SERVER['var_dir'] / 'matcher.db'}")
    try:
        email = f"market-{tag}@e2e.test"
        ent = create_user(store, email, PASSWORD, "enterprise", d["off"][2].format(tag=tag), "Mia")
        title, description, org = d["scen"]
        [sid] = store.add_records(Side.DEMAND, [validate_record(Side.DEMAND, dict(
            title=title.format(tag=tag), description=description, organization=org,
            contact_email="secret-contact@kiln.example"))], actor="e2e", status=RecordStatus.PUBLISHED)
        title, description, org = d["off"]
        store.add_records(Side.SUPPLY, [validate_record(Side.SUPPLY, dict(
            title=title, description=description, organization=org.format(tag=tag)))], actor=email,
            owner_id=ent.id, status=RecordStatus.PUBLISHED)
        return email, sid, title
    finally:
        store.engine.dispose()


def _pairing_of(scenario_id: str) -> tuple[dict, list[dict]]:
    from matcher.storage.store import Store
    from matcher.workflow import review

    store = Store(f"sqlite:///{SERVER['var_dir'] / 'matcher.db'}")
    try:
        [pairing] = review.list_pairings(store, review.PairingQuery(scenario_ids=(scenario_id,)))
        return pairing, review.history(store, pairing["id"])
    finally:
        store.engine.dispose()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_enterprise_finds_a_scenario_and_expresses_interest_with_a_message(open_page, lang):
    w, d = WORDS[lang], DATA[lang]
    tag = uuid.uuid4().hex[:6]
    tag = tag if lang == "en" else "".join("零一二三四五六七八九"[int(c, 16) % 10] for c in tag)
    email, scenario_id, offering_title = _seed(lang, tag)
    page = open_page()
    sign_in(page, email)
    if lang == "zh":
        click_and_wait(page, page.get_by_text("中文", exact=True))
    go_to(page, w["market"])
    box = page.get_by_label(w["search"], exact=True)
    box.fill(d["scen"][0].format(tag=tag).replace(tag, "") + tag)   # the words of the title, tag included
    box.press("Enter")
    wait_ready(page)
    row = page.locator(f".st-key-mkt_row_demand_{scenario_id}")
    expect(row).to_contain_text(tag)
    expect(page.locator('[class*="st-key-mkt_row_demand_"]')).to_have_count(1)   # (its own offering may match too)
    if lang == "zh":
        _no_english(page)
    shot(page, f"market_browse_{lang}")
    row.get_by_role("link").click()
    page.get_by_role("heading", name=d["scen"][0].format(tag=tag)).wait_for()
    wait_ready(page)
    assert "listing?" in page.url and f"record={scenario_id}" in page.url    # a link to this listing
    expect(page.get_by_text(w["hidden"])).to_be_visible()
    assert "secret-contact@kiln.example" not in page.content()
    page.get_by_label(w["message"], exact=True).fill(d["note"])
    click_and_wait(page, page.get_by_role("button", name=w["send"]))
    expect(page.locator(".st-key-lst_interest").get_by_test_id("stAlert")).to_contain_text(w["sent"])
    expect(page.locator(".st-key-lst_interest")).to_contain_text(offering_title)
    if lang == "zh":
        _no_english(page)
    shot(page, f"market_interest_{lang}")
    pairing, history = _pairing_of(scenario_id)
    assert pairing["interest_supply"] and (history[-1]["actor"], history[-1]["note"]) == (email, d["note"])
    page.reload()   # the address still opens the listing (the session resumes from its cookie)
    page.get_by_role("heading", name=d["scen"][0].format(tag=tag)).wait_for()

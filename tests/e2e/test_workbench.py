"""End-to-end, in both languages: the official finds a pairing by keyword, approves it with a reason and
finds it under "in pipeline" after moving it on; an exported XLSX opens with labels and the language's
headers; a filled-in template imports cleanly. The zh runs use Chinese data and check that the page shows
no English words at all (user data included, since it is Chinese)."""
from __future__ import annotations

import io
import re
import uuid

import openpyxl
import pytest

from .conftest import SERVER
from .support import OFFICIAL, choose, click_and_wait, go_to, shot, sign_in, wait_ready

try:
    from playwright.sync_api import expect
except ImportError:
    expect = None

WORDS = {
    "en": dict(review="Review queue", search="Keyword search", move="Move to", approved="approved",
               reason="Reason (optional)", strong="strong fit", apply="Apply to the pairing shown",
               done="1 pairing(s) updated.", pipeline="In pipeline", contacted="contacted", io="Import and export",
               kind="What to export", pairings="Pairings", xlsx="Download XLSX", status="Status",
               template="Download the import template (XLSX)", side="Scenario (demand)", publish="Publish now",
               import_="Import", imported="1 records imported and published."),
    "zh": dict(review="对接审核", search="关键词搜索", move="变更为", approved="已批准", reason="原因（可选）",
               strong="技术与需求高度契合", apply="应用到当前对接", done="已更新 1 条对接。", pipeline="推进中",
               contacted="已联系", io="导入导出", kind="导出内容", pairings="对接", xlsx="下载 XLSX", status="状态",
               template="下载导入模板（XLSX）", side="应用场景（需求）", publish="立即发布", import_="导入",
               imported="已导入并发布 1 条记录。"),
}
LATIN_OK = {"CSV", "XLSX", "MB", "KB"}   # file formats and units


def _seed_pairing(lang: str, tag: str) -> int:
    """A scenario, an offering and their suggested pairing, written to the server's database."""
    from matcher.domain.records import Side, validate_record
    from matcher.search.ranking import Suggestion
    from matcher.storage.store import Store
    from matcher.workflow import review

    store = Store(f"sqlite:///{SERVER['var_dir'] / 'matcher.db'}")
    try:
        if lang == "zh":
            scen = dict(title=f"窑炉余热回收{tag}", description="陶瓷窑炉排烟温度高，需要余热回收装置", organization="某陶瓷厂")
            off = dict(title=f"沸石余热锅炉{tag}", description="适用于窑炉烟气的余热锅炉", organization="某节能公司")
        else:
            scen = dict(title=f"Kiln heat recovery {tag}", description="Hot flue gas from ceramic kilns",
                        organization="Kiln Works")
            off = dict(title=f"Zeolite waste heat boiler {tag}", description="Boiler for kiln flue gas",
                       organization="Heat Co")
        [sid] = store.add_records(Side.DEMAND, [validate_record(Side.DEMAND, scen)], actor="e2e")
        [oid] = store.add_records(Side.SUPPLY, [validate_record(Side.SUPPLY, off)], actor="e2e")
        review.save_suggestions(store, [Suggestion(sid, oid, 0.71, {"text": 0.71}, [], [])], min_score=0.0)
        return review.list_pairings(store, review.PairingQuery(scenario_ids=(sid,)))[0]["id"]
    finally:
        store.engine.dispose()


def _open_in(open_page, lang: str):
    page = open_page()
    sign_in(page, OFFICIAL)
    if lang == "zh":
        click_and_wait(page, page.get_by_text("中文", exact=True))
    return page


def _no_english(page) -> None:
    # visible text only, without Material icon ligatures (glyphs drawn from names such as "download") and
    # the name of the file the user uploaded (user data)
    text = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]'), out = [];
        const walk = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
        while (walk.nextNode()) {
            const el = walk.currentNode.parentElement;
            if (!el || el.closest('[data-testid*="Icon"], [class*="icon" i], [data-testid^="stFileUploaderFile"], style'))
                continue;
            if (el.checkVisibility()) out.push(walk.currentNode.textContent);
        }
        return out.join(' ');
    }""")
    text = re.sub(r"\S+@\S+", "", text)                    # e-mail addresses (who acted) are user data
    words = {w for w in re.findall(r"[A-Za-z]{2,}", text) if w.upper() not in LATIN_OK}
    assert not words, f"English on a zh page: {sorted(words)[:20]}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_official_finds_approves_with_reason_and_follows_in_pipeline(open_page, lang):
    w, tag = WORDS[lang], uuid.uuid4().hex[:6]
    tag = tag if lang == "en" else "".join("零一二三四五六七八九"[int(c, 16) % 10] for c in tag)
    pairing_id = _seed_pairing(lang, tag)
    page = _open_in(open_page, lang)
    go_to(page, w["review"])
    box = page.get_by_label(w["search"], exact=True)
    box.fill(tag)
    box.press("Enter")
    wait_ready(page)
    row = page.locator(f".st-key-review_row_{pairing_id}")
    expect(row).to_contain_text(tag)
    click_and_wait(page, row.get_by_role("button"))
    detail = page.locator(".st-key-review_detail")
    expect(detail.locator(".st-key-review_detail_scenario")).to_contain_text(tag)
    choose(detail, w["move"], w["approved"])
    choose(detail, w["reason"], w["strong"])
    if lang == "zh":
        _no_english(page)
    shot(page, f"wb_review_{lang}_before_approval")
    click_and_wait(page, detail.get_by_role("button", name=w["apply"]))
    expect(page.get_by_text(w["done"])).to_be_visible()
    expect(page.locator(f".st-key-review_row_{pairing_id}")).to_have_count(0)   # left "to decide"
    click_and_wait(page, page.locator(".st-key-review_view").get_by_text(w["pipeline"], exact=True))
    expect(page.locator(f".st-key-review_row_{pairing_id}")).to_contain_text(w["approved"])
    expect(page.get_by_label(w["search"], exact=True)).to_have_value(tag)         # the search was kept
    detail = page.locator(".st-key-review_detail")
    choose(detail, w["move"], w["contacted"])
    click_and_wait(page, detail.get_by_role("button", name=w["apply"]))
    expect(page.locator(f".st-key-review_row_{pairing_id}")).to_contain_text(w["contacted"])
    history = detail.get_by_test_id("stTable")
    expect(history).to_contain_text(w["strong"])
    if lang == "zh":
        _no_english(page)
    shot(page, f"wb_review_{lang}_in_pipeline")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_export_opens_with_labels_and_a_template_imports_cleanly(open_page, lang, tmp_path):
    w = WORDS[lang]
    _seed_pairing(lang, "x" if lang == "en" else "导出")
    page = _open_in(open_page, lang)
    go_to(page, w["io"])
    choose(page, w["kind"], w["pairings"])
    with page.expect_download() as download:
        page.get_by_role("button", name=w["xlsx"]).click()
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    headers = [c.value for c in sheet[1]]
    assert w["status"] in headers and sheet.freeze_panes == "A2"
    statuses = {row[headers.index(w["status"])].value for row in sheet.iter_rows(min_row=2)}
    assert statuses and not statuses & {"suggested", "approved", "contacted"} if lang == "zh" else \
        statuses <= {"suggested", "shortlisted", "under review", "approved", "contacted", "piloting", "deployed",
                     "rejected"}

    click_and_wait(page, page.get_by_text(w["side"], exact=True))
    with page.expect_download() as download:
        page.get_by_role("button", name=w["template"]).click()
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    data = book.worksheets[0]
    title = f"{'模板导入的场景' if lang == 'zh' else 'Scenario from the template'} {uuid.uuid4().hex[:6]}"
    values = {0: title, 1: "需要窑炉余热回收" if lang == "zh" else "We need kiln heat recovery",
              2: "某厂" if lang == "zh" else "Kiln Works", 3: "batteries_storage"}
    data.append([values.get(i) for i in range(data.max_column)])
    filled = tmp_path / ("已填写的模板.xlsx" if lang == "zh" else "filled.xlsx")
    book.save(filled)
    click_and_wait(page, page.get_by_text(w["publish"], exact=True))
    page.locator("input[type=file]").set_input_files(str(filled))
    wait_ready(page)
    click_and_wait(page, page.get_by_role("button", name=w["import_"], exact=True))
    expect(page.get_by_text(w["imported"])).to_be_visible()
    if lang == "zh":
        _no_english(page)
    shot(page, f"wb_import_{lang}")

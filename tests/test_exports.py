"""Exports that can be handed on (labels, named sheet, frozen header, filters, widths, dates; pairings with
both sides' facts and the last decision), empty tables with their header row, and import templates."""
import datetime as dt
import io

import openpyxl
import pandas as pd

from conftest import OFFERINGS
from matcher.domain.records import PairingStatus, ReasonCode, RecordStatus, Side
from matcher.io.exporting import export_file
from matcher.io.templates import template_xlsx
from matcher.workflow import review


def _book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def test_empty_tables_export_their_header_row(platform):
    for kind in ("offerings", "scenarios", "pairings"):
        for lang in ("zh", "en"):
            frame = pd.read_csv(io.BytesIO(export_file(platform.store, kind, "csv", lang=lang)), encoding="utf-8-sig")
            assert frame.empty and len(frame.columns) > 5
            sheet = _book(export_file(platform.store, kind, "xlsx", lang=lang)).active
            assert sheet.max_row == 1 and sheet.cell(1, 1).value in ("编号", "Id")


def test_cli_export_of_an_empty_database_is_readable(tmp_path):
    from test_cli import run
    assert run(tmp_path, "export", "scenarios", "x.csv").returncode == 0
    assert list(pd.read_csv(tmp_path / "x.csv", encoding="utf-8-sig").columns)[:2] == ["id", "title"]
    assert run(tmp_path, "export", "offerings", "y.xlsx", "--headers", "zh", "--labels").returncode == 0
    assert _book((tmp_path / "y.xlsx").read_bytes()).active.title == "技术成果"


def test_record_export_has_labels_and_formatting_in_the_chosen_language(platform, seeded):
    zh = _book(export_file(platform.store, "offerings", "xlsx", lang="zh")).active
    headers = [c.value for c in zh[1]]
    assert zh.title == "技术成果" and headers[:4] == ["编号", "标题", "描述", "单位"]
    assert "技术成熟度" in headers and "预算（万元）" not in headers       # offerings only carry their own fields
    col = {h: i + 1 for i, h in enumerate(headers)}
    values = {zh.cell(r, col["技术成熟度"]).value for r in range(2, zh.max_row + 1)}
    assert values == {"小批量", "量产"}
    assert {zh.cell(r, col["状态"]).value for r in range(2, zh.max_row + 1)} == {"已发布"}
    assert zh.cell(2, col["行业"]).value == "新型碳材料"
    assert zh.freeze_panes == "A2" and zh.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(headers))}3"
    assert zh[1][0].font.bold
    created = zh.cell(2, col["创建时间"])
    assert isinstance(created.value, dt.datetime) and created.number_format == "yyyy-mm-dd hh:mm"
    assert zh.column_dimensions["C"].width > zh.column_dimensions["A"].width   # widths follow the content
    en = _book(export_file(platform.store, "scenarios", "xlsx", lang="en")).active
    headers = [c.value for c in en[1]]
    assert en.title == "Scenarios" and "Budget (10k CNY)" in headers and "Maturity" not in headers
    text = " ".join(str(c.value) for row in en.iter_rows() for c in row if c.value is not None)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text.replace("常州", ""))  # no Chinese in en except data


def test_pairing_export_has_both_sides_interest_and_last_decision(platform, seeded):
    pairing = review.list_pairings(platform.store)[0]
    review.express_interest(platform.store, pairing["id"], "supply", "e@x")
    review.transition(platform.store, pairing["id"], PairingStatus.APPROVED, "olga@gov", 1, ReasonCode.STRONG_FIT)
    sheet = _book(export_file(platform.store, "pairings", "xlsx", lang="en")).active
    headers = [c.value for c in sheet[1]]
    for wanted in ("Scenario", "Scenario organization", "Scenario industry", "Scenario region", "Offering",
                   "Offering organization", "Offering industry", "Status", "Interest", "Last decision", "Reason"):
        assert wanted in headers
    rows = [dict(zip(headers, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    mine = next(r for r in rows if r["Id"] == pairing["id"])
    assert (mine["Status"], mine["Interest"], mine["Last decision"], mine["Reason"], mine["Reviewer"]) == \
        ("approved", "supply side", "approved", "strong fit", "olga@gov")
    assert mine["Scenario"] == pairing["scenario_title"] and mine["Offering"] == pairing["offering_title"]
    assert isinstance(mine["Last decision at"], dt.datetime)
    assert "ann@carbon.example" in " ".join(str(r["Offering contact"]) for r in rows)


def test_a_filled_in_template_imports_cleanly_in_both_languages(platform):
    for lang, side in (("zh", Side.SUPPLY), ("en", Side.DEMAND)):
        book = _book(template_xlsx(side, lang))
        data, codes = book.worksheets
        assert codes.title == ("有效代码" if lang == "zh" else "Valid codes")
        listed = {(r[0].value, r[1].value) for r in codes.iter_rows(min_row=2)}
        assert ("industry", "carbon_materials") in listed and ("maturity", "small_batch") in listed
        headers = [c.value for c in data[1]]
        assert data[1][0].comment is not None
        row = dict(title="Graphene film" if lang == "en" else "石墨烯导热膜", description="Spreads heat in battery packs",
                   organization="Carbon Co", industry="carbon_materials", maturity="small_batch",
                   required_maturity="pilot", budget_wan=120, deadline=dt.date(2027, 6, 30))
        fields = [f for f in (["title", "description", "organization", "industry", "maturity", "required_maturity",
                               "budget_wan", "deadline"])]
        from matcher.io.imports import HEADERS_ZH
        name = {HEADERS_ZH.get(f, f) if lang == "zh" else f: f for f in fields}
        data.append([row.get(name.get(h)) for h in headers])
        buffer = io.BytesIO()
        book.save(buffer)
        ids = platform.import_file(side, buffer.getvalue(), "filled.xlsx", "olga", status=RecordStatus.PENDING)
        [record] = [platform.store.get_record(side, i) for i in ids]
        assert record["industry"] == "carbon_materials" and record["status"] == "pending"
        if side == Side.DEMAND:
            assert record["deadline"] == dt.date(2027, 6, 30) and record["required_maturity"] == "pilot"
        else:
            assert record["maturity"] == "small_batch"

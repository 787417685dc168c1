"""Tests for matcher.io.imports: imports in every encoding and format, refusals, and formula-safe exports."""
from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from matcher import config
from matcher.domain import taxonomy
from matcher.io.imports import (UploadError, check_upload, export_bytes, neutralise, parse_records, read_table,
                        write_table)
from matcher.domain.records import RecordValidationError, ScenarioIn, Side

ZH_HEADER = "标题,简介,单位,行业,技术成熟度,联系电话,编号\n"
ZH_ROWS = ("光伏清洗机器人,无水清洗光伏板,某新能源公司,光伏,中试,010-12345678,A001\n"
           "电池回收,梯次利用退役动力电池,某研究院,photovoltaics,量产,,A002\n")
FORMULAS = ["=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(A1:A2)", "\tX", "\rX"]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
HYPO = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def tmp_taxonomy(tmp_path, monkeypatch):
    """A two-industry taxonomy, so tests do not depend on data/taxonomy.csv."""
    path = tmp_path / "taxonomy.csv"
    path.write_text("code,name_zh,name_en,keywords\nphotovoltaics,光伏,Photovoltaics,光伏;solar\n"
                    "batteries,电池,Batteries,电池;battery\n", encoding="utf-8")
    monkeypatch.setenv("MATCHER_TAXONOMY_PATH", str(path))
    config.get_settings.cache_clear()
    taxonomy._cached.cache_clear()
    yield path
    config.get_settings.cache_clear()  # later tests must not see this deleted tmp path
    taxonomy._cached.cache_clear()


def xlsx(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def errors_of(exc_info) -> set[tuple[int | None, str]]:
    return {(e.row, e.field) for e in exc_info.value.errors}


# --- import ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_with_chinese_headers_in_each_encoding(encoding):
    data = (ZH_HEADER + ZH_ROWS).encode(encoding)
    check_upload("offerings.csv", data, max_bytes=1 << 20)
    recs = parse_records(Side.SUPPLY, data, "offerings.csv")
    assert [r.title for r in recs] == ["光伏清洗机器人", "电池回收"]
    assert recs[0].organization == "某新能源公司"
    assert [r.industry for r in recs] == ["photovoltaics", "photovoltaics"]  # zh name and code
    assert [r.maturity for r in recs] == ["pilot", "mass_production"]
    assert recs[0].contact_phone == "010-12345678" and recs[1].contact_phone is None
    assert recs[0].id == "A001"  # leading zeros kept: no dtype guessing


def test_xlsx_with_chinese_headers_and_numeric_cells(tmp_path):
    path = tmp_path / "s.xlsx"
    path.write_bytes(xlsx([["名称", "详情", "机构", "预算（万元）", "截止日期", "所需成熟度", "电话", "Extra"],
                           ["智慧矿山", "井下无人巡检", "某矿业集团", 150, "2026-12-31", "小批量", 13800138000, "x"],
                           ["园区节能", "降低能耗 20%", "某园区", 12.5, None, "Pilot", None, None]]))
    table = read_table(path, "s.xlsx")
    assert table.unknown_columns == ["Extra"]
    assert table.rows[0]["contact_phone"] == "13800138000" and table.rows[0]["budget_wan"] == "150"
    recs = parse_records(Side.DEMAND, path)
    assert isinstance(recs[0], ScenarioIn)
    assert recs[0].budget_wan == 150 and str(recs[0].deadline) == "2026-12-31"
    assert [r.required_maturity for r in recs] == ["small_batch", "pilot"]
    assert recs[1].budget_wan == 12.5 and recs[1].description == "降低能耗 20%"


def test_english_headers_are_case_and_space_insensitive():
    data = b" Title ,DESCRIPTION,Organization,Contact Name,E-mail\nT,D,O,Li,li@example.cn\n"
    table = read_table(data, "x.csv")
    assert table.columns == ["title", "description", "organization", "contact_name", "contact_email"]
    assert parse_records(Side.SUPPLY, data, "x.csv")[0].contact_email == "li@example.cn"


@pytest.mark.parametrize("deadline", ["2026/12/31", "2026-12-31", "2026年12月31日", "2026.12.31", "2026/12/31 0:00"])
def test_spreadsheet_dates_and_thousands_separators(deadline):
    data = f"标题,描述,单位,截止日期,预算\nT,D,O,{deadline},\"1,200.5\"\n".encode("gb18030")
    rec = parse_records(Side.DEMAND, data, "x.csv")[0]
    assert str(rec.deadline) == "2026-12-31" and rec.budget_wan == 1200.5


def test_title_rows_above_the_header_are_skipped_and_rows_numbered_as_in_excel():
    data = xlsx([["2026 年技术需求汇总表"], [], ["标题", "描述", "单位"], ["好", "好", "好"], ["", "缺单位", ""]])
    assert read_table(data, "x.xlsx").header_row == 3
    with pytest.raises(RecordValidationError) as exc:
        parse_records(Side.DEMAND, data, "x.xlsx")
    assert errors_of(exc) == {(5, "title"), (5, "organization")}


def test_every_bad_row_and_field_is_listed_and_nothing_returned():
    data = ("title,description,organization,contact_email,maturity,industry\n"
            "ok,ok,ok,a@b.cn,lab,光伏\n"
            ",desc,org,not-an-email,lab,\n"
            "t,d,o,,rocket,\n"
            "t,d,o,,,no_such_industry\n").encode()
    with pytest.raises(RecordValidationError) as exc:
        parse_records(Side.SUPPLY, data, "x.csv")
    assert errors_of(exc) == {(3, "title"), (3, "contact_email"), (4, "maturity"), (5, "industry")}
    assert all(e.zh and e.en for e in exc.value.errors)


def test_duplicate_ids_are_reported_with_both_rows():
    data = b"id,title,description,organization\nX1,a,b,c\nX2,a,b,c\nX1,a,b,c\n"
    with pytest.raises(RecordValidationError) as exc:
        parse_records(Side.SUPPLY, data, "x.csv")
    assert errors_of(exc) == {(4, "id")} and "2" in exc.value.errors[0].en


def test_two_columns_meaning_the_same_field_are_refused():
    with pytest.raises(RecordValidationError, match="title"):
        parse_records(Side.SUPPLY, "title,名称,description,organization\na,b,c,d\n".encode(), "x.csv")


@pytest.mark.parametrize("data,name", [(b"", "x.csv"), (b"\r\n\r\n", "x.csv"), (xlsx([]), "x.xlsx")])
def test_empty_file(data, name):
    with pytest.raises(RecordValidationError, match="empty") as exc:
        parse_records(Side.SUPPLY, data, name)
    assert "文件为空" in exc.value.errors[0].zh


def test_header_only():
    with pytest.raises(RecordValidationError, match="no data rows"):
        parse_records(Side.SUPPLY, "标题,描述,单位\n".encode(), "x.csv")


def test_missing_required_columns_are_named_on_row_1():
    with pytest.raises(RecordValidationError) as exc:
        parse_records(Side.DEMAND, "标题,备注\n一,二\n".encode(), "x.csv")
    assert errors_of(exc) == {(1, "description"), (1, "organization")}
    assert "单位" in " ".join(e.zh for e in exc.value.errors)


@pytest.mark.parametrize("data,row", [
    (b'title,description,organization\n"Solar,desc,Org\nB,desc,Org\n', 2),   # quote never closed
    (b'title,description,organization\na,b,c\n"x"y,d,e\n', 3),             # text after a closing quote
    (b'title,description,organization\na,b,c\na,"b,c",d,e\n', 3),           # too many cells
])
def test_malformed_csv_names_the_row(data, row):
    with pytest.raises(RecordValidationError) as exc:
        parse_records(Side.SUPPLY, data, "x.csv")
    assert [e.row for e in exc.value.errors] == [row]


@pytest.mark.parametrize("data", [b"PK\x03\x04garbage", xlsx([["a"]])[:500], b"not a zip at all"])
def test_corrupt_xlsx_is_a_clear_error(data):
    with pytest.raises(RecordValidationError, match="damaged"):
        parse_records(Side.SUPPLY, data, "x.xlsx")


def test_streamlit_like_upload_object_is_read_from_its_name_and_value():
    class Uploaded(io.BytesIO):
        name = "需求.csv"

    up = Uploaded("标题,描述,单位\n甲,乙,丙\n".encode("gb18030"))
    up.read()  # a caller may already have consumed it
    assert parse_records(Side.DEMAND, up)[0].organization == "丙"


def test_undecodable_csv_and_other_extensions_are_refused():
    with pytest.raises(RecordValidationError, match="UTF-8"):
        read_table("标题\n".encode("utf-16"), "x.csv")
    with pytest.raises(RecordValidationError, match=".xls"):
        read_table(b"whatever", "old.xls")


# --- upload checks --------------------------------------------------------------------------------

@pytest.mark.parametrize("name,data", [
    ("photo.csv", PNG), ("photo.xlsx", PNG), ("prog.csv", b"\x7fELF\x02\x01\x01\x00" + bytes(64)),
    ("archive.xlsx", None), ("book.csv", xlsx([["a"]])), ("x.exe", b"title\n"), ("x.xls", b"title\n"),
    ("empty.csv", b""),
])
def test_check_upload_refuses_renamed_binaries_and_wrong_types(name, data):
    if data is None:  # a real zip that is not a workbook
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("readme.txt", "hello")
        data = buf.getvalue()
    with pytest.raises(UploadError) as exc:
        check_upload(name, data, max_bytes=1 << 20)
    assert exc.value.en and exc.value.zh


def test_check_upload_size_limit_and_settings_default(monkeypatch):
    with pytest.raises(UploadError, match="larger"):
        check_upload("x.csv", b"a" * 101, max_bytes=100)
    check_upload("x.csv", b"a" * 100, max_bytes=100)
    monkeypatch.setenv("MATCHER_MAX_UPLOAD_MB", "1")
    config.get_settings.cache_clear()
    with pytest.raises(UploadError):
        check_upload("x.csv", b"a" * (1024 * 1024 + 1))
    check_upload("Book.XLSX", xlsx([["title"]]))


# --- export ---------------------------------------------------------------------------------------

def test_neutralise():
    assert [neutralise(v) for v in FORMULAS] == ["'" + v for v in FORMULAS]
    assert neutralise("光伏") == "光伏" and neutralise("a=b") == "a=b"
    assert neutralise(-5) == -5 and neutralise(-1.5) == -1.5 and neutralise(None) is None


def test_formulas_neutralised_in_csv_export():
    rows = [{"title": v, "score": -1} for v in FORMULAS]
    data = export_bytes(rows, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    got = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert got[0] == ["title", "score"]
    assert [r[0] for r in got[1:]] == ["'" + v for v in FORMULAS]
    assert {r[1] for r in got[1:]} == {"-1"}  # numbers are numbers, not text to guard


def test_formulas_neutralised_in_xlsx_export(tmp_path):
    path = tmp_path / "out.xlsx"
    write_table([{"title": v, "score": -1.5} for v in FORMULAS] + [{"title": "=1+1", "score": None}],
                path, "xlsx", headers_lang="zh")
    ws = openpyxl.load_workbook(path).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert [ws.cell(1, 1).value, ws.cell(1, 2).value] == ["标题", "得分"]
    # XML parsers turn a stored CR into LF; what matters is the apostrophe in front.
    expected = ["'" + v.replace("\r", "\n") for v in FORMULAS] + ["'=1+1"]
    assert [ws.cell(r, 1).value for r in range(2, 9)] == expected
    assert ws.cell(2, 2).value == -1.5 and ws.cell(2, 2).data_type == "n"


def test_dataframe_and_records_export_with_columns():
    df = pd.DataFrame({"title": ["甲", "=乙"], "n": [1, None], "extra": ["x", "y"]})
    got = list(csv.reader(io.StringIO(export_bytes(df, "csv", columns=["title", "n"]).decode("utf-8-sig"))))
    assert got == [["title", "n"], ["甲", "1.0"], ["'=乙", ""]]
    with pytest.raises(ValueError):
        export_bytes([{"a": 1}], "pdf")


def test_xlsx_export_handles_dates_lists_and_control_characters():
    import datetime as dt
    row = {"created_at": dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc), "deadline": dt.date(2026, 5, 1),
           "terms": ["光伏", "储能"], "note": "a\x07b"}
    ws = openpyxl.load_workbook(io.BytesIO(export_bytes([row], "xlsx"))).active
    assert [c.value for c in ws[2]] == ["2026-01-02T03:04:00+00:00", dt.datetime(2026, 5, 1), "光伏; 储能", "ab"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_round_trip_preserves_chinese_text(fmt, lang):
    recs = parse_records(Side.DEMAND, "\n".join([
        "编号,标题,描述,单位,行业,地区,预算(万元),截止日期,指标,联系电话",
        "S-001,城市内涝预警,\"暴雨时提前 30 分钟预警，\n覆盖 200 个易涝点\",某市水务局,光伏,浙江·杭州,80,2026-06-30,"
        "准确率≥90%,+86 571 8888 0000",
        "S-002,-负荷预测,=不是公式,某电网公司,,,,,,",
    ]).encode("gb18030"), "s.csv")
    data = export_bytes(recs, fmt, headers_lang=lang)
    again = parse_records(Side.DEMAND, data, f"s.{fmt}")
    assert [r.model_dump() for r in again] == [r.model_dump() for r in recs]
    assert again[0].description == "暴雨时提前 30 分钟预警，\n覆盖 200 个易涝点"
    assert again[1].title == "-负荷预测" and again[0].contact_phone == "+86 571 8888 0000"


# --- properties -----------------------------------------------------------------------------------

FIELDS = ["title", "description", "organization", "industry", "maturity", "contact_email", "contact_phone",
          "budget_wan", "deadline", "id"]


@HYPO
@given(rows=st.lists(st.lists(st.text(max_size=30), min_size=len(FIELDS), max_size=len(FIELDS)), max_size=5),
       side=st.sampled_from(list(Side)), fmt=st.sampled_from(["csv", "xlsx"]))
def test_random_text_never_crashes_parse_records(rows, side, fmt):
    if fmt == "csv":
        buf = io.StringIO(newline="")
        csv.writer(buf).writerows([FIELDS, *rows])
        data = buf.getvalue().encode("utf-8")
    else:
        data = export_bytes([dict(zip(FIELDS, r)) for r in rows] or [{f: None for f in FIELDS}], "xlsx")
    try:
        recs = parse_records(side, data, f"x.{fmt}")
    except RecordValidationError as exc:
        assert exc.errors and all(e.en and e.zh for e in exc.errors)
    else:
        assert len(recs) <= len(rows)


@HYPO
@given(header=st.lists(st.text(max_size=12), min_size=1, max_size=6), cell=st.text(max_size=20))
def test_random_headers_never_crash(header, cell):
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows([header, [cell] * len(header)])
    try:
        parse_records(Side.SUPPLY, buf.getvalue().encode("utf-8"), "x.csv")
    except RecordValidationError:
        pass


def _zip_with(payload: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in ("[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"):
            zf.writestr(name, payload)
    return buf.getvalue()


@HYPO
@given(data=st.one_of(st.binary(max_size=300), st.binary(max_size=200).map(_zip_with),
                      st.binary(max_size=100).map(lambda b: b"PK\x03\x04" + b)),
       name=st.sampled_from(["x.csv", "x.xlsx", "x.txt", "x"]))
def test_random_bytes_never_crash_upload_checks_or_reading(data, name):
    try:
        check_upload(name, data, max_bytes=1 << 20)
    except UploadError as exc:
        assert exc.en and exc.zh
    try:
        read_table(data, name)
    except RecordValidationError as exc:
        assert exc.errors

"""Garbled imports are refused, not saved: files in another CJK encoding (or Windows-1252) that happen to decode
as GB18030; uploads are bounded in rows and cells, and a file of blank rows costs no memory per row."""
import tracemalloc

import pytest

from matcher.domain.records import RecordValidationError, Side
from matcher.io.imports import UploadError, check_upload, parse_records

HEADER = "title,description,organization\n"
FOREIGN = {
    "Shift-JIS": ("熱伝導フィルム,バッテリーパックの放熱に使う高熱伝導グラフェンフィルム,東京材料株式会社\n", "shift_jis"),
    "Shift-JIS (cp932)": ("検査装置,カメラで太陽電池の表面欠陥を自動検出します,大阪精機株式会社\n", "cp932"),
    "EUC-JP": ("熱伝導フィルム,電池の放熱に使うフィルムです,名古屋化学株式会社\n", "euc_jp"),
    "Big5": ("石墨烯導熱膜,用於電池包散熱的高導熱石墨烯薄膜,台北碳材料有限公司\n", "big5"),
    "Big5 (2)": ("機器視覺檢測,利用相機與深度學習自動發現太陽能電池表面缺陷,新竹視覺股份有限公司\n", "big5"),
    "EUC-KR": ("열전도 필름,배터리 팩 방열용 고열전도 그래핀 필름,서울소재 주식회사\n", "euc_kr"),
    "EUC-KR (cp949)": ("결함 검사,카메라로 태양전지 표면 결함을 자동으로 찾습니다,부산비전 주식회사\n", "cp949"),
    "Windows-1252": ("Film thermique,Film en graphène très conducteur pour les batteries — déjà testé,Société Génerale\n",
                     "cp1252"),
}
GOOD = {
    "GBK": ("石墨烯导热膜,用于电池包散热的高导热石墨烯薄膜,常州碳材料有限公司\n", "gbk"),
    "GB18030": ("机器视觉检测,利用相机与深度学习自动发现太阳能电池表面缺陷,常州视觉科技有限公司\n", "gb18030"),
    "GBK short": ("导热膜,散热,碳公司\n", "gbk"),
    "UTF-8": ("熱伝導フィルム,한국어 설명과 中文描述,Société\n", "utf-8"),
}


@pytest.mark.parametrize("name", FOREIGN)
def test_a_file_in_another_encoding_is_refused_naming_it(name, settings):
    text, encoding = FOREIGN[name]
    data = (HEADER + text).encode(encoding)
    try:
        data.decode("gb18030")  # the case the issue found: it decodes, into the wrong characters
        garbles = True
    except UnicodeDecodeError:
        garbles = False
    with pytest.raises(RecordValidationError) as err:
        parse_records(Side.SUPPLY, data, "x.csv")
    [problem] = err.value.errors
    assert problem.field == "file" and "CSV UTF-8" in problem.en
    if garbles:  # named, in both languages
        assert "乱码" in problem.zh and name.split(" ")[0] in problem.en, problem.en
    with pytest.raises(UploadError):
        check_upload("x.csv", data)


@pytest.mark.parametrize("name", GOOD)
def test_utf8_and_gb_files_still_import_exactly(name, settings):
    text, encoding = GOOD[name]
    data = (HEADER + text).encode(encoding)
    check_upload("x.csv", data)
    [record] = parse_records(Side.SUPPLY, data, "x.csv")
    assert record.title == text.split(",")[0]


def test_uploads_are_bounded_in_rows_and_blank_rows_cost_no_memory(settings, monkeypatch):
    monkeypatch.setenv("MATCHER_MAX_IMPORT_ROWS", "1000")
    from matcher.config import get_settings

    get_settings.cache_clear()
    row = "Thermal film,Graphene film for battery packs,Carbon Co\n"
    assert len(parse_records(Side.SUPPLY, (HEADER + row * 1000).encode(), "x.csv")) == 1000
    with pytest.raises(RecordValidationError) as err:
        parse_records(Side.SUPPLY, (HEADER + row * 1100).encode(), "x.csv")
    assert "at most 1,000 records" in err.value.errors[0].en and "拆分" in err.value.errors[0].zh
    blank = (HEADER + row + ",,\n" * 4900).encode()  # trailing blank rows, under 5 x the limit
    tracemalloc.start()
    assert len(parse_records(Side.SUPPLY, blank, "x.csv")) == 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5 * 1024 * 1024, peak
    with pytest.raises(RecordValidationError):  # 4 MB of blank rows, the case
        parse_records(Side.SUPPLY, (HEADER + ",,\n" * 1_400_000).encode(), "x.csv")
    get_settings.cache_clear()

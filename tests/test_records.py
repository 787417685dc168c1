"""Validation of offerings and scenarios: every bad field named, in zh and en."""
import pytest

from matcher.domain.records import (RecordValidationError, ScenarioIn, Side, detect_language, record_text,
                             validate_many, validate_record)

GOOD = {"title": "石墨烯导热膜", "description": "导热系数1500 W/m·K", "organization": "常州某材料公司"}


def test_good_offering_strips_whitespace_and_blank_is_none():
    rec = validate_record(Side.SUPPLY, {**GOOD, "title": "  石墨烯导热膜 ", "region": "  "})
    assert rec.title == "石墨烯导热膜"
    assert rec.region is None


def test_every_bad_field_is_named_in_both_languages():
    with pytest.raises(RecordValidationError) as exc:
        validate_record(Side.DEMAND, {"title": "x" * 201, "description": "", "organization": "org",
                                      "budget_wan": -1, "deadline": "not a date", "contact_email": "nope",
                                      "industry": "no_such_code"})
    fields = {e.field for e in exc.value.errors}
    assert fields == {"title", "description", "budget_wan", "deadline", "contact_email", "industry"}
    by_field = {e.field: e for e in exc.value.errors}
    assert "200" in by_field["title"].en and "200" in by_field["title"].zh
    assert by_field["description"].zh == "描述为必填项"
    assert by_field["budget_wan"].en == "budget_wan must be at least 0.0"


def test_control_characters_are_refused():
    with pytest.raises(RecordValidationError) as exc:
        validate_record(Side.SUPPLY, {**GOOD, "title": "bad\x00title"})
    assert exc.value.errors[0].field == "title"


def test_validate_many_lists_rows_and_duplicate_ids():
    rows = [{**GOOD, "id": "A"}, {**GOOD, "title": ""}, {**GOOD, "id": "A"}]
    with pytest.raises(RecordValidationError) as exc:
        validate_many(Side.SUPPLY, rows)
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "title"), (4, "id")]


def test_scenario_text_includes_indicators():
    rec = ScenarioIn(title="t", description="d", organization="o", indicators="能耗降低15%")
    assert rec.text() == "t\nd\n能耗降低15%" == record_text(rec.model_dump())


def test_detect_language():
    assert detect_language("冲压模具寿命短 die wear") == "zh"
    assert detect_language("Paint shop VOC emissions exceed limits") == "en"

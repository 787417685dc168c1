"""Organisation profiles: credit-code checksum, tags with level and year, official verification, the link from
listings to organisations (migration of free text), the cultivation-list import/export, and the tag signal."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from matcher.domain.organisations import validate_organisation
from matcher.domain.records import RecordStatus, RecordValidationError, Side, validate_record
from matcher.storage.schema import AuditLog, OrganisationRow, OrganisationTagRow
from matcher.workflow import organisations as orgs
from matcher.workflow.review import ReviewError

GOOD_CODE, OTHER_CODE = "91320413MAUHUXQEEA", "91320402MAUJ65RGFR"


def _count(store, cls) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(cls))


def test_credit_code_checksum_named_in_both_languages():
    assert validate_organisation({"name": "A", "credit_code": GOOD_CODE.lower()}).credit_code == GOOD_CODE
    bad = GOOD_CODE[:-1] + ("B" if GOOD_CODE[-1] != "B" else "C")
    with pytest.raises(RecordValidationError) as err:
        validate_organisation({"name": "A", "credit_code": bad})
    [e] = err.value.errors
    assert e.field == "credit_code" and "check character" in e.en and "校验位" in e.zh
    with pytest.raises(RecordValidationError) as err:
        validate_organisation({"name": "A", "credit_code": "9132"})
    assert "18" in err.value.errors[0].en and "18" in err.value.errors[0].zh


def test_tag_without_level_and_every_bad_field_named():
    with pytest.raises(RecordValidationError) as err:
        validate_organisation({"name": "", "size": "huge", "tags": [
            {"tag": "小巨人", "year": 2023}, {"tag": "dragon", "level": "national", "year": 1800}]})
    fields = {e.field for e in err.value.errors}
    assert fields == {"name", "size", "tags.0.level", "tags.1.tag", "tags.1.year"}
    level = next(e for e in err.value.errors if e.field == "tags.0.level")
    assert "tag 1" in level.en and "required" in level.en and "级别" in level.zh and "必填" in level.zh


def test_chinese_words_for_tags_levels_and_sizes():
    org = validate_organisation({"name": "常州某公司", "size": "中型", "tags": [
        {"tag": "专精特新小巨人", "level": "国家级", "year": "2024"}, {"tag": "高新技术企业", "level": "省级", "year": 2022}]})
    assert [(str(t.tag), str(t.level)) for t in org.tags] == [("little_giant", "national"), ("high_tech", "provincial")]
    assert org.size == "medium"


def test_profile_tags_need_verification_and_everything_is_audited(platform, accounts, seeded):
    store, ent = platform.store, accounts["enterprise"]
    org_id = orgs.save_profile(store, ent.id, {"name": "Carbon Co", "credit_code": GOOD_CODE, "district": "武进区",
                                               "tags": [{"tag": "little_giant", "level": "national", "year": 2024}]},
                               actor=ent.email)
    # "Carbon Co" existed from the free-text listings: the profile claims it instead of making a second one.
    assert orgs.organisation_of(store, Side.SUPPLY, seeded[Side.SUPPLY][0])["id"] == org_id
    assert orgs.verified_tags_by_record(store, Side.SUPPLY) == {}          # claimed, not verified
    [tag] = orgs.list_tags(store, "pending")
    with pytest.raises(ReviewError):
        orgs.decide_tag(store, tag["id"], verify=False, actor="o@x", note="")
    orgs.decide_tag(store, tag["id"], verify=True, actor="official@test.example", note="checked the MIIT list")
    assert orgs.verified_tags_by_record(store, Side.SUPPLY) == {seeded[Side.SUPPLY][0]: [("little_giant", "national", 2024)]}
    # Saving the profile unchanged keeps the verification; changing the level needs a new check.
    data = {"name": "Carbon Co", "credit_code": GOOD_CODE, "tags": [{"tag": "little_giant", "level": "national", "year": 2024}]}
    orgs.save_profile(store, ent.id, data, actor=ent.email)
    assert orgs.profile_of(store, ent.id)["tags"][0]["status"] == "verified"
    data["tags"][0]["level"] = "provincial"
    orgs.save_profile(store, ent.id, data, actor=ent.email)
    assert orgs.profile_of(store, ent.id)["tags"][0]["status"] == "pending"
    with store.read() as s:
        trail = s.execute(select(AuditLog.actor, AuditLog.action).where(
            AuditLog.entity.in_(["organisation", "organisation_tag"]), AuditLog.actor != "migration")).all()
    assert ("official@test.example", "verify") in trail and (ent.email, "claim") in trail
    assert (ent.email, "update") in trail


def test_bad_profile_saves_nothing(platform, accounts):
    store, ent = platform.store, accounts["enterprise"]
    before = _count(store, OrganisationRow), _count(store, OrganisationTagRow), _count(store, AuditLog)
    with pytest.raises(RecordValidationError):
        orgs.save_profile(store, ent.id, {"name": "X", "credit_code": "91320413MAUHUXQEEB",
                                          "tags": [{"tag": "gazelle", "year": 2024}]}, actor=ent.email)
    assert (_count(store, OrganisationRow), _count(store, OrganisationTagRow), _count(store, AuditLog)) == before


def test_one_profile_per_account_and_no_taking_others(platform, accounts):
    from matcher.auth import create_user

    store = platform.store
    a = accounts["enterprise"]
    b = create_user(store, "b@test.example", "password-123", "enterprise", "B org", "B")
    first = orgs.save_profile(store, a.id, {"name": "Alpha", "credit_code": GOOD_CODE}, actor=a.email)
    assert orgs.save_profile(store, a.id, {"name": "Alpha Ltd", "credit_code": GOOD_CODE}, actor=a.email) == first
    with pytest.raises(RecordValidationError) as err:
        orgs.save_profile(store, b.id, {"name": "Alpha Ltd"}, actor=b.email)
    assert err.value.errors[0].field == "name" and "其他单位" in err.value.errors[0].zh
    with pytest.raises(RecordValidationError) as err:
        orgs.save_profile(store, b.id, {"name": "Beta", "credit_code": GOOD_CODE}, actor=b.email)
    assert err.value.errors[0].field == "credit_code"


def test_free_text_organisations_migrate_into_rows(platform):
    store = platform.store
    for title, org in [("Film A", "常州 碳材料（集团）有限公司"), ("Film B", "常州碳材料(集团)有限公司"), ("Film C", "Other Co")]:
        store.add_records(Side.SUPPLY, [validate_record(Side.SUPPLY, {"title": title, "description": "graphene film",
                                                                      "organization": org})])
    assert orgs.link_records(store) == 3
    assert orgs.link_records(store) == 0                      # idempotent
    with store.read() as s:
        names = set(s.scalars(select(OrganisationRow.name_key)))
    assert names == {"常州碳材料(集团)有限公司", "otherco"}     # two spellings, one organisation


def test_cultivation_list_import_all_or_nothing_and_export(platform, tmp_path):
    from matcher.io.organisations import export_organisations, import_organisations

    store = platform.store
    good = tmp_path / "list.csv"
    good.write_text("企业名称,统一社会信用代码,所在区县,行业,企业规模,认定类型,级别,认定年份\n"
                    f"常州甲科技有限公司,{GOOD_CODE},武进区,新能源汽车及零部件,中型,专精特新小巨人,国家级,2024\n"
                    f"常州甲科技有限公司,{GOOD_CODE},武进区,新能源汽车及零部件,中型,高新技术企业,省级,2023\n"
                    f"常州乙材料有限公司,{OTHER_CODE},新北区,,小型,瞪羚,市级,2025\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("企业名称,统一社会信用代码,认定类型,级别,认定年份\n"
                   f"常州丙公司,{GOOD_CODE[:-1]}B,单项冠军,国家级,2024\n"
                   f"常州丁公司,{OTHER_CODE},独角兽,,2024\n", encoding="utf-8")
    with pytest.raises(RecordValidationError) as err:
        import_organisations(store, bad, "bad.csv", actor="official")
    assert {(e.row, e.field) for e in err.value.errors} == {(2, "credit_code"), (3, "tags.0.level")}
    assert _count(store, OrganisationRow) == 0
    ids = import_organisations(store, good, "list.csv", actor="official@x")
    assert len(set(ids)) == 2
    assert {(t["organisation"], t["tag"], t["status"]) for t in orgs.list_tags(store)} == {
        ("常州甲科技有限公司", "little_giant", "verified"), ("常州甲科技有限公司", "high_tech", "verified"),
        ("常州乙材料有限公司", "gazelle", "verified")}
    rows = export_organisations(store)
    assert len(rows) == 3 and {r["credit_code"] for r in rows} == {GOOD_CODE, OTHER_CODE}
    # Importing the same list again changes nothing (no duplicate organisations or tags).
    import_organisations(store, good, "list.csv", actor="official@x")
    assert _count(store, OrganisationRow) == 2 and _count(store, OrganisationTagRow) == 3


def test_tag_signal_lifts_bounded_explained_and_switchable(platform, accounts, seeded):
    from matcher.io.organisations import import_organisations

    store = platform.store
    scenario = seeded[Side.DEMAND][0]
    base = {s.offering_id: s for s in platform.suggestions(Side.DEMAND, scenario)}
    csv = ("name,credit_code,tag,level,year\n" f"Carbon Co,{GOOD_CODE},single_champion,national,2024\n").encode()
    import_organisations(store, csv, "list.csv", actor="official@x")
    lifted = {s.offering_id: s for s in platform.suggestions(Side.DEMAND, scenario)}
    carbon = seeded[Side.SUPPLY][0]
    assert lifted[carbon].score == pytest.approx(min(1.0, base[carbon].score * 1.05), abs=1e-3)
    assert any(r.code == "tag" and "单项冠军" in r.zh and "single champion" in r.en for r in lifted[carbon].reasons)
    other = seeded[Side.SUPPLY][1]
    assert lifted[other].score == base[other].score
    assert platform.tag_filter(Side.SUPPLY, ["single_champion"]) == {carbon}
    orgs.set_tag_signal(store, False, actor="official@x", note="review the signal")
    off = {s.offering_id: s for s in platform.suggestions(Side.DEMAND, scenario)}
    assert off[carbon].score == base[carbon].score and not any(r.code == "tag" for r in off[carbon].reasons)
    with store.read() as s:
        assert s.scalar(select(AuditLog.to_status).where(AuditLog.entity == "setting")) == "off"


def test_unpublished_records_are_linked_too(platform, accounts):
    ent = accounts["enterprise"]
    org_id = orgs.save_profile(platform.store, ent.id, {"name": "Mine Co"}, actor=ent.email)
    rid = platform.submit(Side.DEMAND, {"title": "t", "description": "d", "organization": "typed otherwise"},
                          actor=ent.email, owner_id=ent.id, status=RecordStatus.PENDING)
    assert orgs.organisation_of(platform.store, Side.DEMAND, rid)["id"] == org_id

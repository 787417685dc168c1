"""Organisation profiles and their programme tags (专精特新, 小巨人 …), validated with bilingual errors."""
from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError as StdnumError

from matcher.domain.records import FieldError, RecordValidationError, _explain


class TagKind(StrEnum):
    SPECIALISED = "specialised"          # 专精特新中小企业
    LITTLE_GIANT = "little_giant"        # 专精特新"小巨人"
    SINGLE_CHAMPION = "single_champion"  # 制造业单项冠军
    HIGH_TECH = "high_tech"              # 高新技术企业
    GAZELLE = "gazelle"                  # 瞪羚企业
    UNICORN = "unicorn"                  # 独角兽企业


class TagLevel(StrEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"


class TagStatus(StrEnum):
    PENDING = "pending"      # claimed by the enterprise (or imported), not yet checked
    VERIFIED = "verified"    # checked by an official: only these count in filters and ranking
    REJECTED = "rejected"


class OrgSize(StrEnum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


TAG_ZH = {TagKind.SPECIALISED: "专精特新", TagKind.LITTLE_GIANT: "小巨人", TagKind.SINGLE_CHAMPION: "单项冠军",
          TagKind.HIGH_TECH: "高新技术企业", TagKind.GAZELLE: "瞪羚", TagKind.UNICORN: "独角兽"}
TAG_EN = {TagKind.SPECIALISED: "specialised SME", TagKind.LITTLE_GIANT: "little giant",
          TagKind.SINGLE_CHAMPION: "single champion", TagKind.HIGH_TECH: "high-tech enterprise",
          TagKind.GAZELLE: "gazelle", TagKind.UNICORN: "unicorn"}
LEVEL_ZH = {TagLevel.NATIONAL: "国家级", TagLevel.PROVINCIAL: "省级", TagLevel.MUNICIPAL: "市级"}
SIZE_ZH = {OrgSize.MICRO: "微型", OrgSize.SMALL: "小型", OrgSize.MEDIUM: "中型", OrgSize.LARGE: "大型"}
# Chinese and English words accepted for each value in imported files.
_ALIASES = {**{v: k for k, v in TAG_ZH.items()}, "专精特新中小企业": TagKind.SPECIALISED,
            "专精特新小巨人": TagKind.LITTLE_GIANT, '专精特新"小巨人"': TagKind.LITTLE_GIANT,
            "制造业单项冠军": TagKind.SINGLE_CHAMPION, "高企": TagKind.HIGH_TECH,
            "瞪羚企业": TagKind.GAZELLE, "独角兽企业": TagKind.UNICORN,
            **{v: k for k, v in LEVEL_ZH.items()}, "国家": TagLevel.NATIONAL, "省": TagLevel.PROVINCIAL,
            "市": TagLevel.MUNICIPAL, **{v: k for k, v in SIZE_ZH.items()}}

FIELD_ZH = {"name": "单位名称", "credit_code": "统一社会信用代码", "district": "所在区县", "industry": "行业",
            "size": "企业规模", "tags": "资质标签", "tag": "标签", "level": "级别", "year": "认定年份"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise_name(name: str) -> str:
    """The key two spellings of one organisation share: no spaces, brackets unified, case folded."""
    return re.sub(r"\s+", "", name).replace("（", "(").replace("）", ")").casefold()


def _alias(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return _ALIASES.get(value, value.lower().replace(" ", "_").replace("-", "_") or None)
    return value


class TagIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    tag: TagKind
    level: TagLevel
    year: int = Field(..., ge=1990, le=dt.date.today().year + 1)

    @field_validator("tag", "level", mode="before")
    @classmethod
    def _words(cls, value: Any) -> Any:
        return _alias(value)


class OrganisationIn(BaseModel):
    """One organisation profile. The credit code is optional (lists carried over from free text lack it),
    but when given it must pass the GB 32100-2015 check character."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    name: str = Field(..., min_length=1, max_length=200)
    credit_code: str | None = Field(None, max_length=30)
    district: str | None = Field(None, max_length=100)
    industry: str | None = Field(None, max_length=64)
    size: OrgSize | None = None
    tags: list[TagIn] = Field(default_factory=list)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, float) and value != value:
            return None
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("size", mode="before")
    @classmethod
    def _size(cls, value: Any) -> Any:
        return _alias(value)

    @field_validator("name", "district", mode="after")
    @classmethod
    def _no_control(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError("control_chars")
        return value

    @field_validator("credit_code", mode="after")
    @classmethod
    def _credit_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return uscc.validate(value)
        except InvalidLength:
            raise ValueError("uscc_length") from None
        except InvalidChecksum:
            raise ValueError("uscc_checksum") from None
        except StdnumError:
            raise ValueError("uscc_format") from None

    @field_validator("industry")
    @classmethod
    def _industry(cls, value: str | None) -> str | None:
        from matcher.domain.taxonomy import load_taxonomy

        if value is not None and value not in load_taxonomy().industries:
            raise ValueError("industry")
        return value

    @field_validator("tags", mode="after")
    @classmethod
    def _one_per_kind(cls, tags: list[TagIn]) -> list[TagIn]:
        kinds = [t.tag for t in tags]
        if len(kinds) != len(set(kinds)):
            raise ValueError("tag_repeated")
        return tags


_CUSTOM = {
    "uscc_length": ("must have 18 characters (统一社会信用代码)", "应为 18 位"),
    "uscc_checksum": ("has a wrong check character (GB 32100-2015): please check for a typo",
                      "校验位错误（GB 32100-2015），请检查是否输错"),
    "uscc_format": ("may only hold digits and capital letters except I, O, S, V, Z",
                    "只能包含数字和除 I、O、S、V、Z 以外的大写字母"),
    "tag_repeated": ("names the same tag twice", "同一标签重复出现"),
}
_ENUM_TEXT = {
    "tag": (", ".join(t.value for t in TagKind), "、".join(TAG_ZH.values())),
    "level": (", ".join(v.value for v in TagLevel), "、".join(LEVEL_ZH.values())),
    "size": (", ".join(v.value for v in OrgSize), "、".join(SIZE_ZH.values())),
}


def _field_error(err: dict, row: int | None) -> FieldError:
    loc = [str(x) for x in err["loc"]]
    field = loc[-1] if loc else "organisation"
    words = [x for i, x in enumerate(loc) if not (x == "tags" and i + 1 < len(loc) and loc[i + 1].isdigit())]
    where_en = " ".join(f"tag {int(x) + 1}:" if x.isdigit() else x for x in words) or field
    where_zh = "".join(f"第{int(x) + 1}个标签的" if x.isdigit() else FIELD_ZH.get(x, x) for x in words) or field
    custom = str((err.get("ctx") or {}).get("error", ""))
    if custom in _CUSTOM:
        en, zh = _CUSTOM[custom]
    elif err["type"] == "enum" and err.get("input") is None:
        en, zh = "is required", "为必填项"
    elif err["type"] == "enum" and field in _ENUM_TEXT:
        en, zh = f"must be one of: {_ENUM_TEXT[field][0]}", f"必须是以下之一：{_ENUM_TEXT[field][1]}"
    else:
        en, zh = _explain(err)
    return FieldError(".".join(loc) or field, f"{where_en} {en}", f"{where_zh}{zh}", row=row)


def validate_organisation(data: dict[str, Any], row: int | None = None) -> OrganisationIn:
    """Validate one profile; raises RecordValidationError naming every bad field (tags by position)."""
    try:
        return OrganisationIn.model_validate(data)
    except ValidationError as exc:
        raise RecordValidationError([_field_error(e, row) for e in exc.errors()]) from None


def tag_label(tag: str, level: str | None, year: int | None, lang: str) -> str:
    kind, lvl = TagKind(tag), TagLevel(level) if level else None
    if lang == "zh":
        return f"{LEVEL_ZH[lvl] if lvl else ''}{TAG_ZH[kind]}{f'（{year}）' if year else ''}"
    return f"{lvl.value + ' ' if lvl else ''}{TAG_EN[kind]}{f' ({year})' if year else ''}"

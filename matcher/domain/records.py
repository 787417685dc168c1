"""Offering and Scenario records, the enums around them, and bilingual validation errors."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator


class Side(StrEnum):
    SUPPLY = "supply"   # offerings: new technologies and products
    DEMAND = "demand"   # scenarios: problems to be solved


class Maturity(StrEnum):
    LAB = "lab"
    PILOT = "pilot"
    SMALL_BATCH = "small_batch"
    MASS_PRODUCTION = "mass_production"


MATURITY_RANK = {m: i for i, m in enumerate(Maturity)}
MATURITY_ZH = {Maturity.LAB: "实验室", Maturity.PILOT: "中试", Maturity.SMALL_BATCH: "小批量",
               Maturity.MASS_PRODUCTION: "量产"}


class RecordStatus(StrEnum):
    PENDING = "pending"        # submitted, waiting for moderation
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"        # past its deadline or validity (workflow/lifecycle.py); the owner may renew


class PairingStatus(StrEnum):
    SUGGESTED = "suggested"
    SHORTLISTED = "shortlisted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    CONTACTED = "contacted"
    PILOTING = "piloting"
    DEPLOYED = "deployed"
    REJECTED = "rejected"


class ReasonCode(StrEnum):
    """Why an official decided: rejection reasons, then approval and shortlisting reasons (review.REASONS
    says which fit which decision)."""
    NOT_RELEVANT = "not_relevant"
    MATURITY_TOO_LOW = "maturity_too_low"
    BUDGET_MISMATCH = "budget_mismatch"
    REGION = "region"
    DUPLICATE = "duplicate"
    WRONG_INDUSTRY = "wrong_industry"
    OTHER = "other"
    STRONG_FIT = "strong_fit"
    ENTERPRISE_INTEREST = "enterprise_interest"
    CAPABILITY_VERIFIED = "capability_verified"
    POLICY_PRIORITY = "policy_priority"
    PROMISING = "promising"
    NEEDS_DETAILS = "needs_details"


REJECTION_REASONS = (ReasonCode.NOT_RELEVANT, ReasonCode.MATURITY_TOO_LOW, ReasonCode.BUDGET_MISMATCH,
                     ReasonCode.REGION, ReasonCode.DUPLICATE, ReasonCode.OTHER)


class Role(StrEnum):
    ENTERPRISE = "enterprise"
    OFFICIAL = "official"
    ADMIN = "admin"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+\-() ]{5,24}((转|ext\.?|x) ?[0-9]{1,6})?$", re.IGNORECASE)  # 0519-8xxxxxxx转123


def new_id(side: Side) -> str:
    return ("O-" if side == Side.SUPPLY else "S-") + uuid.uuid4().hex[:10]


class _RecordIn(BaseModel):
    """Fields shared by both sides. Text is stripped; control characters are refused."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    id: str | None = Field(None, max_length=64)
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field(..., min_length=1, max_length=5000)
    organization: str = Field(..., min_length=1, max_length=200)
    industry: str | None = Field(None, max_length=64)
    region: str | None = Field(None, max_length=100)
    keywords: str | None = Field(None, max_length=500)
    contact_name: str | None = Field(None, max_length=100)
    contact_email: str | None = Field(None, max_length=200)
    contact_phone: str | None = Field(None, max_length=30)
    # The file row this record came from (set by validate_record), so later errors name the right row.
    _row: int | None = PrivateAttr(default=None)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, float) and value != value:  # NaN from pandas
            return None
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("id", "title", "description", "organization", "industry", "region", "keywords",
                     "contact_name", "contact_email", "contact_phone", "indicators", mode="after",
                     check_fields=False)
    @classmethod
    def _no_control_chars(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError("control_chars")
        return value

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("email")
        return value

    @field_validator("contact_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not _PHONE.match(value):
            raise ValueError("phone")
        return value

    @field_validator("industry")
    @classmethod
    def _industry_known(cls, value: str | None) -> str | None:
        from matcher.domain.taxonomy import load_taxonomy  # late import: taxonomy is data, loaded once

        try:
            known = load_taxonomy().industries
        except OSError:  # no taxonomy file: say so per field rather than crash the whole import
            raise ValueError("industry") from None
        if value is not None and value not in known:
            raise ValueError("industry")
        return value

    def text(self) -> str:
        return record_text(self.model_dump())


class OfferingIn(_RecordIn):
    """Supply side: a new technology or a new product."""

    maturity: Maturity | None = None


class ScenarioIn(_RecordIn):
    """Demand side: an application scenario with a problem to solve."""

    budget_wan: float | None = Field(None, ge=0, le=10_000_000)
    deadline: dt.date | None = None
    indicators: str | None = Field(None, max_length=1000)
    required_maturity: Maturity | None = None


def record_text(fields: dict[str, Any]) -> str:
    """The text that is embedded and indexed: everything a counterpart might match on."""
    parts: list[str] = []
    for key in ("title", "description", "keywords", "indicators"):
        # A description that repeats the title (one-line records) would count its words twice.
        if (value := fields.get(key)) and value not in parts:
            parts.append(value)
    return "\n".join(parts)


RecordIn = OfferingIn | ScenarioIn
MODEL_FOR_SIDE: dict[Side, type[_RecordIn]] = {Side.SUPPLY: OfferingIn, Side.DEMAND: ScenarioIn}


CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def detect_language(text: str) -> str:
    """'zh' when CJK characters make up a fair share of the letters, else 'en'."""
    cjk = len(CJK_CHAR.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk and cjk * 3 >= latin else "en"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- bilingual errors -------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldError:
    """One bad field, explained in both languages. row is set for file imports (1-based, as in Excel)."""

    field: str
    en: str
    zh: str
    row: int | None = None

    def message(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


class RecordValidationError(ValueError):
    """Raised when one or more records are invalid; nothing has been saved."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(
            (f"row {e.row}: " if e.row else "") + f"{e.field}: {e.en}" for e in errors))


FIELD_NAMES_ZH = {
    "id": "编号", "title": "标题", "description": "描述", "organization": "单位", "industry": "行业",
    "region": "地区", "keywords": "关键词", "contact_name": "联系人", "contact_email": "邮箱",
    "contact_phone": "电话", "maturity": "成熟度", "budget_wan": "预算(万元)", "deadline": "截止日期",
    "indicators": "指标", "required_maturity": "所需成熟度",
}


def _explain(err: dict) -> tuple[str, str]:
    """Turn one pydantic error into (en, zh) sentences."""
    kind, ctx = err["type"], err.get("ctx") or {}
    custom = str(ctx.get("error", "")) if kind == "value_error" else ""
    blank = err.get("input") is None and kind.endswith("_type")  # blank cells arrive as None
    if kind == "missing" or blank or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "is required", "为必填项"
    if kind == "string_too_long":
        n = ctx.get("max_length")
        return f"is longer than {n} characters", f"超过 {n} 个字符"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}", f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}", f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    if kind.startswith("float") or kind.startswith("int"):
        return "must be a number", "必须是数字"
    if kind.startswith("date"):
        return "must be a date like 2026-12-31", "必须是日期，例如 2026-12-31"
    if kind == "enum":
        return (f"must be one of: {', '.join(m.value for m in Maturity)}",
                f"必须是以下之一：{'、'.join(MATURITY_ZH.values())}")
    if kind == "string_type":
        return "must be text", "必须是文本"
    if custom == "control_chars":
        return "contains control characters", "包含不可见的控制字符"
    if custom == "email":
        return "is not a valid e-mail address", "不是有效的邮箱地址"
    if custom == "phone":
        return "is not a valid phone number", "不是有效的电话号码"
    if custom == "industry":
        return "is not an industry code from the taxonomy", "不是行业分类中的代码"
    return err.get("msg", "is invalid"), "无效"


def validate_record(side: Side, data: dict[str, Any], row: int | None = None) -> _RecordIn:
    """Validate one record. Raises RecordValidationError naming every bad field in zh and en."""
    try:
        record = MODEL_FOR_SIDE[side].model_validate(data)
        record._row = row
        return record
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "record"
            en, zh = _explain(err)
            errors.append(FieldError(field=field, en=f"{field} {en}",
                                     zh=f"{FIELD_NAMES_ZH.get(field, field)}{zh}", row=row))
        raise RecordValidationError(errors) from None


def validate_many(side: Side, rows: list[dict[str, Any]], first_row: int = 2) -> list[_RecordIn]:
    """Validate every row; raise one error listing every bad row and field (row numbers as in the file)."""
    records, errors = [], []
    seen_ids: dict[str, int] = {}
    for offset, data in enumerate(rows):
        row = first_row + offset
        try:
            rec = validate_record(side, data, row=row)
        except RecordValidationError as exc:
            errors.extend(exc.errors)
            continue
        if rec.id:
            if rec.id in seen_ids:
                errors.append(FieldError("id", f"id {rec.id} repeats row {seen_ids[rec.id]}",
                                         f"编号 {rec.id} 与第 {seen_ids[rec.id]} 行重复", row=row))
            seen_ids.setdefault(rec.id, row)
        records.append(rec)
    if errors:
        raise RecordValidationError(errors)
    return records

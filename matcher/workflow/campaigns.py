"""Diagnosis campaigns (智能制造诊断): parks' campaigns, providers' service offers, matching, answers, assignment.

Design: a provider's (院校 university / 服务商 service firm) service offer is an ordinary offering, published
through moderation like any other, plus a `service_offers` row saying who provides what kind of service. So
it sits in the supply side's FAISS and BM25 indexes, and a campaign is ranked against it by the very same
`Engine.match` (dense + lexical fusion, industry and region signals, verified-tag and case lifts) with the
campaign as a demand-side query (title, needs, first industry, district). `among=` restricts that ranking to
the published service offers instead of the channels' top nominations, so no offer is missed however large
the supply side grows; the reverse view (campaigns for one offer) ranks each open campaign against that one
offer the same way. No third index side: campaigns are tens, not thousands.

Who: an official enters a campaign on behalf of a park or town (officials already represent the city to
parks; a park role would need new accounts, sign-up and pages for a handful of users). A provider is an
enterprise account; it answers a campaign with one of its published service offers and a message; officials
assign providers (whether they answered or were found by the engine) and unassign them with a reason.

  (none) ──apply──► applied ──assign──► assigned ──unassign (reason)──► unassigned ──assign──► assigned
     └──────────────────────assign───────────┘

Diagnoses and the scenarios made from findings: matcher/workflow/diagnoses.py. Every change is audited
(entity 'campaign'); bad input raises RecordValidationError naming each field in zh and en, saving nothing.
"""
from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from matcher.domain.records import FieldError, RecordStatus, RecordValidationError, Side, _explain
from matcher.domain.taxonomy import load_taxonomy
from matcher.search.ranking import Suggestion
from matcher.storage.schema import CampaignProvider, CampaignRow, OfferingRow, ServiceOffer
from matcher.storage.store import Store, row_to_dict

ENTITY = "campaign"
PROVIDER_KINDS = ("university", "service_firm")
SERVICE_KINDS = ("diagnosis", "transformation")
FIELD_ZH = {"title": "活动名称", "park": "园区/镇", "district": "所在区县", "industries": "行业",
            "enterprise_count": "企业数量", "needs": "诊断需求", "start_date": "开始日期", "end_date": "结束日期",
            "message": "留言", "provider": "服务商", "note": "原因", "provider_kind": "服务商类型",
            "service_kind": "服务类型", "campaign": "诊断活动"}


class ProviderStatus(StrEnum):
    APPLIED = "applied"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"


class CampaignIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    title: str = Field(..., min_length=1, max_length=200)
    park: str = Field(..., min_length=1, max_length=200)
    district: str | None = Field(None, max_length=100)
    industries: list[str] = Field(default_factory=list)
    enterprise_count: int
    needs: str = Field(..., min_length=1, max_length=5000)
    start_date: dt.date
    end_date: dt.date


def bad(field: str, en: str, zh: str) -> RecordValidationError:
    return RecordValidationError([FieldError(field, en, zh)])


def pydantic_errors(exc: ValidationError, row: int | None = None) -> list[FieldError]:
    out = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else "?"
        en, zh = _explain(err)
        out.append(FieldError(field, f"{field} {en}", f"{FIELD_ZH.get(field, field)}{zh}", row=row))
    return out


def industry_code(value: str) -> str | None:
    """A taxonomy code from a code or an industry name in either language (None if unknown)."""
    industries = load_taxonomy().industries
    if value in industries:
        return value
    return next((code for code, ind in industries.items() if value in (ind.name("zh"), ind.name("en"))), None)


def validate_campaign(data: dict[str, Any], row: int | None = None) -> CampaignIn:
    """Types and lengths, then what a campaign must make sense as: dates in order, at least one enterprise,
    known industries. Every problem is named at once."""
    raw = dict(data)
    if isinstance(raw.get("industries"), str):
        raw["industries"] = [x.strip() for x in raw["industries"].replace("；", ";").replace("、", ";").split(";")
                             if x.strip()]
    try:
        campaign = CampaignIn.model_validate(raw)
    except ValidationError as exc:
        raise RecordValidationError(pydantic_errors(exc, row)) from None
    errors = []
    if campaign.end_date < campaign.start_date:
        errors.append(FieldError("end_date", f"end_date {campaign.end_date} is before start_date {campaign.start_date}",
                                 f"结束日期 {campaign.end_date} 早于开始日期 {campaign.start_date}", row=row))
    if campaign.enterprise_count <= 0:
        errors.append(FieldError("enterprise_count", "enterprise_count must be more than 0",
                                 "企业数量必须大于 0", row=row))
    codes = []
    for value in campaign.industries:
        if (code := industry_code(value)) is None:
            errors.append(FieldError("industries", f"industries: unknown industry {value!r}",
                                     f"行业：未知行业“{value}”", row=row))
        elif code not in codes:
            codes.append(code)
    if errors:
        raise RecordValidationError(errors)
    return campaign.model_copy(update={"industries": codes})


def create_campaign(store: Store, data: dict[str, Any], actor: str) -> int:
    campaign = validate_campaign(data)
    with store.write() as s:
        return _insert(store, s, campaign, actor)


def create_campaigns(store: Store, rows: list[dict[str, Any]], actor: str) -> list[int]:
    """Several campaigns in one transaction (an import): all stored, or none."""
    valid = [validate_campaign(r) for r in rows]
    with store.write() as s:
        return [_insert(store, s, c, actor) for c in valid]


def _insert(store: Store, s, campaign: CampaignIn, actor: str) -> int:
    row = CampaignRow(**campaign.model_dump(), created_by=actor)
    s.add(row)
    s.flush()
    store.audit(s, actor, ENTITY, str(row.id), "create", to_status="open",
                note=f"{campaign.park}: {campaign.enterprise_count} enterprises, {campaign.start_date}..{campaign.end_date}")
    return row.id


def get_campaign(store: Store, campaign_id: int) -> dict | None:
    with store.read() as s:
        row = s.get(CampaignRow, campaign_id)
        return row_to_dict(row) if row else None


def list_campaigns(store: Store) -> list[dict]:
    with store.read() as s:
        return [row_to_dict(r) for r in s.scalars(select(CampaignRow).order_by(CampaignRow.start_date.desc(),
                                                                               CampaignRow.id))]


def is_open(campaign: dict, today: dt.date | None = None) -> bool:
    return (today or dt.date.today()) <= campaign["end_date"]


# --- service offers ------------------------------------------------------------------------------------

def submit_service_offer(platform, data: dict[str, Any], provider_kind: str, service_kind: str, actor: str,
                         owner_id: int | None = None, status: RecordStatus = RecordStatus.PENDING) -> str:
    """A provider's service offer: an offering (validated and moderated as usual) marked as a service."""
    errors = []
    if provider_kind not in PROVIDER_KINDS:
        errors.append(FieldError("provider_kind", f"provider_kind must be one of {', '.join(PROVIDER_KINDS)}",
                                 "服务商类型必须是院校或服务商"))
    if service_kind not in SERVICE_KINDS:
        errors.append(FieldError("service_kind", f"service_kind must be one of {', '.join(SERVICE_KINDS)}",
                                 "服务类型必须是诊断服务或改造服务"))
    if errors:
        raise RecordValidationError(errors)
    offering_id = platform.submit(Side.SUPPLY, data, actor, owner_id=owner_id, status=status)
    with platform.store.write() as s:
        s.add(ServiceOffer(offering_id=offering_id, provider_kind=provider_kind, service_kind=service_kind))
        platform.store.audit(s, actor, "offering", offering_id, "service_offer", to_status=service_kind,
                             note=provider_kind)
    return offering_id


def service_offers(store: Store, owner_id: int | None = None, published_only: bool = False) -> list[dict]:
    """Service offers with their offering's fields (title, organisation, status, owner)."""
    stmt = select(OfferingRow, ServiceOffer).join(ServiceOffer, ServiceOffer.offering_id == OfferingRow.id)
    if owner_id is not None:
        stmt = stmt.where(OfferingRow.owner_id == owner_id)
    if published_only:
        stmt = stmt.where(OfferingRow.status == RecordStatus.PUBLISHED)
    with store.read() as s:
        return [{**row_to_dict(o), "provider_kind": so.provider_kind, "service_kind": so.service_kind}
                for o, so in s.execute(stmt.order_by(OfferingRow.created_at, OfferingRow.id))]


# --- matching (the engine's own ranking) --------------------------------------------------------------

def campaign_query(campaign: dict) -> dict:
    """The campaign as a demand-side query: its needs are what a scenario's description would say."""
    names = [load_taxonomy().industries[c].name("zh") for c in campaign["industries"]
             if c in load_taxonomy().industries]
    return {"id": f"campaign-{campaign['id']}", "title": campaign["title"], "description": campaign["needs"],
            "organization": campaign["park"], "industry": (campaign["industries"] or [None])[0],
            "region": campaign.get("district"), "keywords": "; ".join(names)}


def match_providers(platform, campaign_id: int, k: int = 10,
                    among: frozenset[str] | None = None) -> list[Suggestion]:
    """Published service offers ranked for the campaign, best first (Suggestion.offering_id = the offer)."""
    campaign = get_campaign(platform.store, campaign_id)
    if campaign is None:
        raise KeyError(campaign_id)
    offers = frozenset(o["id"] for o in service_offers(platform.store, published_only=True))
    pool = offers if among is None else offers & among
    if not pool:
        return []
    query = campaign_query(campaign)
    return platform.engine.match(query, Side.DEMAND, k, lifts=platform.lifts(Side.DEMAND, query), among=pool)


def campaigns_for_offer(platform, offering_id: str, today: dt.date | None = None) -> list[tuple[dict, float]]:
    """Open campaigns ranked for one service offer: each campaign scored against it as above."""
    ranked = []
    for campaign in list_campaigns(platform.store):
        if is_open(campaign, today):
            found = match_providers(platform, campaign["id"], 1, among=frozenset({offering_id}))
            ranked.append((campaign, found[0].score if found else 0.0))
    return sorted(ranked, key=lambda cs: (-cs[1], cs[0]["id"]))


# --- answers and assignments --------------------------------------------------------------------------

def _campaign(s, campaign_id: int) -> CampaignRow:
    row = s.get(CampaignRow, campaign_id)
    if row is None:
        raise bad("campaign", f"campaign {campaign_id} does not exist", f"诊断活动 {campaign_id} 不存在")
    return row


def _offer(s, offering_id: str) -> OfferingRow:
    offering = s.get(OfferingRow, offering_id)
    if offering is None or s.get(ServiceOffer, offering_id) is None:
        raise bad("provider", f"provider: {offering_id} is not a service offer", f"服务商：{offering_id} 不是服务项目")
    if offering.status != RecordStatus.PUBLISHED:
        raise bad("provider", f"provider: service offer {offering_id} is not published yet",
                  f"服务商：服务项目 {offering_id} 尚未发布")
    return offering


def apply(store: Store, campaign_id: int, offering_id: str, message: str, actor: str,
          owner_id: int | None = None, today: dt.date | None = None) -> None:
    """A provider answers an open campaign with one of its published service offers and a message."""
    message = (message or "").strip()
    if not message:
        raise bad("message", "message is required: say what you offer this park", "留言为必填项：请说明能为园区提供什么")
    if len(message) > 2000:
        raise bad("message", "message is longer than 2000 characters", "留言超过 2000 个字符")
    with store.write() as s:
        campaign = _campaign(s, campaign_id)
        if (today or dt.date.today()) > campaign.end_date:
            raise bad("campaign", f"campaign ended on {campaign.end_date}", f"诊断活动已于 {campaign.end_date} 结束")
        offering = _offer(s, offering_id)
        if owner_id is not None and offering.owner_id != owner_id:
            raise bad("provider", f"provider: service offer {offering_id} is not yours",
                      f"服务商：服务项目 {offering_id} 不属于您")
        row = _link(s, campaign_id, offering_id)
        if row is not None:
            raise bad("provider", f"provider: {offering_id} already answered this campaign ({row.status})",
                      f"服务商：{offering_id} 已响应过该活动（{row.status}）")
        s.add(CampaignProvider(campaign_id=campaign_id, offering_id=offering_id, status=ProviderStatus.APPLIED,
                               message=message, applied_by=actor, updated_by=actor))
        store.audit(s, actor, ENTITY, str(campaign_id), "apply", to_status=ProviderStatus.APPLIED,
                    note=f"{offering_id}: {message[:200]}")


def _link(s, campaign_id: int, offering_id: str) -> CampaignProvider | None:
    return s.scalar(select(CampaignProvider).where(CampaignProvider.campaign_id == campaign_id,
                                                   CampaignProvider.offering_id == offering_id))


def assign(store: Store, campaign_id: int, offering_id: str, actor: str, score: float | None = None,
           note: str | None = None) -> None:
    """An official assigns a provider's service offer to the campaign (assigning it twice is refused)."""
    with store.write() as s:
        _campaign(s, campaign_id)
        _offer(s, offering_id)
        row = _link(s, campaign_id, offering_id)
        if row is not None and row.status == ProviderStatus.ASSIGNED:
            raise bad("provider", f"provider: {offering_id} is already assigned to this campaign",
                      f"服务商：{offering_id} 已分配到该活动，不能重复分配")
        before = row.status if row is not None else None
        if row is None:
            row = CampaignProvider(campaign_id=campaign_id, offering_id=offering_id, status=ProviderStatus.ASSIGNED,
                                   updated_by=actor)
            s.add(row)
        row.status, row.updated_by, row.score = ProviderStatus.ASSIGNED, actor, score
        store.audit(s, actor, ENTITY, str(campaign_id), "assign", from_status=before,
                    to_status=ProviderStatus.ASSIGNED, note=f"{offering_id}" + (f": {note}" if note else ""))


def unassign(store: Store, campaign_id: int, offering_id: str, actor: str, note: str) -> None:
    """Take an assigned provider off the campaign, saying why."""
    if not (note or "").strip():
        raise bad("note", "note is required: say why the provider is taken off", "原因为必填项：请说明取消分配的原因")
    with store.write() as s:
        row = _link(s, campaign_id, offering_id)
        if row is None or row.status != ProviderStatus.ASSIGNED:
            raise bad("provider", f"provider: {offering_id} is not assigned to this campaign",
                      f"服务商：{offering_id} 未分配到该活动")
        row.status, row.updated_by = ProviderStatus.UNASSIGNED, actor
        store.audit(s, actor, ENTITY, str(campaign_id), "unassign", from_status=ProviderStatus.ASSIGNED,
                    to_status=ProviderStatus.UNASSIGNED, note=f"{offering_id}: {note.strip()}")


def providers(store: Store, campaign_id: int) -> list[dict]:
    """The campaign's providers (answers and assignments) with the offer's title and organisation."""
    stmt = (select(CampaignProvider, OfferingRow, ServiceOffer)
            .join(OfferingRow, OfferingRow.id == CampaignProvider.offering_id)
            .join(ServiceOffer, ServiceOffer.offering_id == CampaignProvider.offering_id)
            .where(CampaignProvider.campaign_id == campaign_id).order_by(CampaignProvider.id))
    with store.read() as s:
        return [{**row_to_dict(cp), "title": o.title, "organization": o.organization, "owner_id": o.owner_id,
                 "provider_kind": so.provider_kind, "service_kind": so.service_kind}
                for cp, o, so in s.execute(stmt)]

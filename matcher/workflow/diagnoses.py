"""The enterprises a campaign diagnosed (name, date, findings, which provider) and, in one step, the scenario
listing made from an enterprise's findings: pre-filled from the campaign, then moderated like any scenario.
Audited under the campaign (entity 'campaign'); bad input names each field in zh and en and saves nothing."""
from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select

from matcher.domain.organisations import normalise_name
from matcher.domain.records import FieldError, RecordStatus, RecordValidationError, Side, validate_record
from matcher.storage.schema import CampaignDiagnosis, CampaignProvider, CampaignRow, OrganisationRow
from matcher.storage.store import Store, row_to_dict
from matcher.workflow.campaigns import ENTITY, ProviderStatus, bad, pydantic_errors


class DiagnosisIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    enterprise: str = Field(..., min_length=1, max_length=200)
    diagnosed_on: dt.date
    findings: str = Field(..., min_length=1, max_length=5000)
    offering_id: str | None = Field(None, max_length=64)


def record_diagnosis(store: Store, campaign_id: int, data: dict[str, Any], actor: str,
                     today: dt.date | None = None) -> int:
    """One enterprise diagnosed: not before the campaign started, not in the future, once per campaign, and
    (when a provider is named) by a provider assigned to the campaign."""
    try:
        diag = DiagnosisIn.model_validate({k: (v or None) if k == "offering_id" else v for k, v in data.items()})
    except ValidationError as exc:
        raise RecordValidationError(pydantic_errors(exc)) from None
    with store.write() as s:
        campaign = s.get(CampaignRow, campaign_id)
        if campaign is None:
            raise bad("campaign", f"campaign {campaign_id} does not exist", f"诊断活动 {campaign_id} 不存在")
        errors = []
        if diag.diagnosed_on < campaign.start_date:
            errors.append(FieldError("diagnosed_on", f"diagnosed_on {diag.diagnosed_on} is before the campaign "
                                     f"starts ({campaign.start_date})",
                                     f"诊断日期 {diag.diagnosed_on} 早于活动开始日期 {campaign.start_date}"))
        if diag.diagnosed_on > (today or dt.date.today()):
            errors.append(FieldError("diagnosed_on", f"diagnosed_on {diag.diagnosed_on} is in the future",
                                     f"诊断日期 {diag.diagnosed_on} 晚于今天"))
        key = normalise_name(diag.enterprise)
        if s.scalar(select(CampaignDiagnosis.id).where(CampaignDiagnosis.campaign_id == campaign_id,
                                                       CampaignDiagnosis.name_key == key)):
            errors.append(FieldError("enterprise", f"enterprise {diag.enterprise} is already diagnosed in this campaign",
                                     f"企业“{diag.enterprise}”已在该活动中登记过诊断"))
        if diag.offering_id and not s.scalar(select(CampaignProvider.id).where(
                CampaignProvider.campaign_id == campaign_id, CampaignProvider.offering_id == diag.offering_id,
                CampaignProvider.status == ProviderStatus.ASSIGNED)):
            errors.append(FieldError("offering_id", f"provider {diag.offering_id} is not assigned to this campaign",
                                     f"服务商 {diag.offering_id} 未分配到该活动"))
        if errors:
            raise RecordValidationError(errors)
        org_id = s.scalar(select(OrganisationRow.id).where(OrganisationRow.name_key == key))
        row = CampaignDiagnosis(campaign_id=campaign_id, enterprise=diag.enterprise, name_key=key,
                                organisation_id=org_id, offering_id=diag.offering_id,
                                diagnosed_on=diag.diagnosed_on, findings=diag.findings, recorded_by=actor)
        s.add(row)
        s.flush()
        store.audit(s, actor, ENTITY, str(campaign_id), "diagnose", to_status="diagnosed",
                    note=f"{diag.enterprise} on {diag.diagnosed_on}" + (f" by {diag.offering_id}" if diag.offering_id else ""))
        return row.id


def list_diagnoses(store: Store, campaign_id: int) -> list[dict]:
    with store.read() as s:
        return [row_to_dict(r) for r in s.scalars(select(CampaignDiagnosis).where(
            CampaignDiagnosis.campaign_id == campaign_id).order_by(CampaignDiagnosis.diagnosed_on, CampaignDiagnosis.id))]


def get_diagnosis(store: Store, diagnosis_id: int) -> dict | None:
    with store.read() as s:
        row = s.get(CampaignDiagnosis, diagnosis_id)
        return row_to_dict(row) if row else None


def scenario_draft(campaign: dict, diagnosis: dict) -> dict[str, Any]:
    """The scenario listing pre-filled from a diagnosis: the findings are the problem, the enterprise posts it,
    the campaign's first industry and district, and a keyword naming the campaign."""
    first_line = diagnosis["findings"].strip().splitlines()[0][:80]
    return {"title": f"{diagnosis['enterprise']}：{first_line}"[:200], "description": diagnosis["findings"],
            "organization": diagnosis["enterprise"], "industry": (campaign["industries"] or [None])[0],
            "region": campaign.get("district"), "keywords": "智能制造诊断"}


def create_scenario(platform, diagnosis_id: int, data: dict[str, Any], actor: str) -> str:
    """Turn a diagnosis's findings into a scenario listing (waiting for moderation), linked to the diagnosis.
    The owner is the enterprise's account when its organisation profile has one, so it can edit it."""
    store = platform.store
    diagnosis = get_diagnosis(store, diagnosis_id)
    if diagnosis is None:
        raise bad("diagnosis", f"diagnosis {diagnosis_id} does not exist", f"诊断记录 {diagnosis_id} 不存在")
    if diagnosis["scenario_id"]:
        raise bad("diagnosis", f"{diagnosis['enterprise']} already has scenario {diagnosis['scenario_id']}",
                  f"“{diagnosis['enterprise']}”的诊断已生成场景 {diagnosis['scenario_id']}")
    validate_record(Side.DEMAND, data)      # every bad field named before anything is written
    owner = None
    if diagnosis["organisation_id"]:
        with store.read() as s:
            owner = s.get(OrganisationRow, diagnosis["organisation_id"]).owner_id
    scenario_id = platform.submit(Side.DEMAND, data, actor, owner_id=owner, status=RecordStatus.PENDING)
    with store.write() as s:
        row = s.get(CampaignDiagnosis, diagnosis_id)
        row.scenario_id = scenario_id
        store.audit(s, actor, ENTITY, str(row.campaign_id), "scenario", to_status="pending",
                    note=f"{row.enterprise} -> {scenario_id}")
    return scenario_id

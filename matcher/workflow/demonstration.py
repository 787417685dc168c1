"""Demonstration projects (示范应用场景): a deployed pairing applies for support, is reviewed, meets its
milestones, reports the scenario's indicators measured, and once completed becomes a case. All audited.

applied ──approve (support ≤ request, ≤ budget left)──► approved ──report──► reported ──accept──► completed
   └──reject (note)──► rejected                            ▲                    │
                                                           └──return (note)─────┘
"""
from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select

from matcher.domain.indicators import split_indicators
from matcher.domain.records import FieldError, PairingStatus, RecordValidationError
from matcher.storage.schema import (CaseRow, DemonstrationProject, Milestone, OfferingRow, Pairing, RecordOrganisation,
                                    ScenarioRow)
from matcher.storage.store import Store, row_to_dict
from matcher.workflow import cases
from matcher.workflow.review import ReviewError


class ProjectStatus(StrEnum):
    APPLIED = "applied"
    APPROVED = "approved"
    REPORTED = "reported"
    COMPLETED = "completed"
    REJECTED = "rejected"


GRANTED = (ProjectStatus.APPROVED, ProjectStatus.REPORTED, ProjectStatus.COMPLETED)
FIELD_ZH = {"title": "项目名称", "plan": "申报内容", "requested_wan": "申请支持金额（万元）", "milestones": "里程碑",
            "due": "计划完成日期", "support_wan": "支持金额（万元）", "results": "成效", "indicator": "指标",
            "measured": "实测值", "summary": "成效总结"}


class MilestoneIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    title: str = Field(..., min_length=1, max_length=200)
    due: dt.date


class ApplicationIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    title: str = Field(..., min_length=1, max_length=200)
    plan: str = Field(..., min_length=1, max_length=5000)
    requested_wan: float = Field(..., gt=0, le=100_000)
    milestones: list[MilestoneIn] = Field(..., min_length=1)


class OutcomeIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")
    results: list[cases.ResultIn] = Field(..., min_length=1)
    summary: str = Field(..., min_length=1, max_length=5000)


def _validate(model: type[BaseModel], data: dict[str, Any]):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RecordValidationError(cases.field_errors(exc, FIELD_ZH, {})) from None


def _bad(field: str, en: str, zh: str) -> RecordValidationError:
    return RecordValidationError([FieldError(field, en, zh)])


def propose(store: Store, pairing_id: int, data: dict[str, Any], actor: str) -> int:
    """Apply for demonstration support for a deployed pairing (one project per pairing)."""
    app = _validate(ApplicationIn, data)
    with store.write() as s:
        pairing = s.get(Pairing, pairing_id)
        if pairing is None or pairing.status != PairingStatus.DEPLOYED:
            raise ReviewError("Only a deployed pairing can become a demonstration project",
                              "只有已落地的对接才能申报示范应用场景项目")
        if s.scalar(select(DemonstrationProject.id).where(DemonstrationProject.pairing_id == pairing_id)):
            raise ReviewError("This pairing already has a demonstration project", "该对接已申报过示范项目")
        project = DemonstrationProject(pairing_id=pairing_id, title=app.title, plan=app.plan,
                                       requested_wan=app.requested_wan, year=dt.date.today().year,
                                       status=ProjectStatus.APPLIED, applicant=actor)
        s.add(project)
        s.flush()
        s.add_all(Milestone(project_id=project.id, title=m.title, due=m.due) for m in app.milestones)
        store.audit(s, actor, "demonstration", str(project.id), "apply", to_status=ProjectStatus.APPLIED,
                    note=f"pairing {pairing_id}, {app.requested_wan:g} (10k CNY) requested")
        return project.id


def budget_left(store: Store, year: int, budget_wan: float) -> float:
    """The year's support budget minus what approved, reported and completed projects were granted."""
    with store.read() as s:
        granted = s.scalar(select(func.coalesce(func.sum(DemonstrationProject.support_wan), 0.0)).where(
            DemonstrationProject.year == year, DemonstrationProject.status.in_(GRANTED)))
    return round(budget_wan - float(granted or 0.0), 4)


def _move(store: Store, s, project: DemonstrationProject, to: ProjectStatus, actor: str, action: str,
          note: str | None = None) -> None:
    before, project.status = project.status, str(to)
    project.version += 1
    store.audit(s, actor, "demonstration", str(project.id), action, from_status=before, to_status=str(to), note=note)


def _get(s, project_id: int, expected: tuple[ProjectStatus, ...]) -> DemonstrationProject:
    project = s.get(DemonstrationProject, project_id)
    if project is None:
        raise ReviewError(f"Demonstration project {project_id} does not exist", f"示范项目 {project_id} 不存在")
    if project.status not in expected:
        raise ReviewError(f"Project {project_id} is {project.status}; this step needs {'/'.join(expected)}",
                          f"示范项目 {project_id} 当前为 {project.status}，此操作需要 {'/'.join(expected)}")
    return project


def review_project(store: Store, project_id: int, approve: bool, actor: str, budget_wan: float,
                   support_wan: float | None = None, note: str | None = None) -> None:
    """An official approves with a support amount (万元) or rejects with a note. An amount above the request
    or above what is left of the year's budget is refused, and nothing changes."""
    with store.write() as s:
        project = _get(s, project_id, (ProjectStatus.APPLIED,))
        if not approve:
            if not (note or "").strip():
                raise _bad("note", "A rejection needs a note saying why", "驳回需要填写原因")
            _move(store, s, project, ProjectStatus.REJECTED, actor, "reject", note)
            return
        if support_wan is None or support_wan <= 0:
            raise _bad("support_wan", "support_wan must be a positive amount (10k CNY)", "支持金额（万元）必须大于 0")
        if support_wan > project.requested_wan:
            raise _bad("support_wan", f"support_wan {support_wan:g} is more than the {project.requested_wan:g} requested",
                       f"支持金额 {support_wan:g} 万元超过申请的 {project.requested_wan:g} 万元")
        granted = s.scalar(select(func.coalesce(func.sum(DemonstrationProject.support_wan), 0.0)).where(
            DemonstrationProject.year == project.year, DemonstrationProject.status.in_(GRANTED)))
        left = budget_wan - float(granted or 0.0)
        if support_wan > left + 1e-9:
            raise _bad("support_wan", f"support_wan {support_wan:g} is over the budget: {left:g} of "
                                      f"{budget_wan:g} (10k CNY) is left for {project.year}",
                       f"支持金额 {support_wan:g} 万元超出预算：{project.year} 年预算 {budget_wan:g} 万元，剩余 {left:g} 万元")
        project.support_wan = support_wan
        _move(store, s, project, ProjectStatus.APPROVED, actor, "approve", f"{support_wan:g} (10k CNY); {note or ''}".strip("; "))


def complete_milestone(store: Store, milestone_id: int, actor: str, done_on: dt.date | None = None) -> None:
    with store.write() as s:
        m = s.get(Milestone, milestone_id)
        if m is None:
            raise ReviewError(f"Milestone {milestone_id} does not exist", f"里程碑 {milestone_id} 不存在")
        _get(s, m.project_id, (ProjectStatus.APPROVED,))
        m.done_on = done_on or dt.date.today()
        store.audit(s, actor, "demonstration", str(m.project_id), "milestone", note=f"{m.title}: {m.done_on}")


def report_outcome(store: Store, project_id: int, data: dict[str, Any], actor: str) -> None:
    """The outcome report: every indicator the scenario stated, measured. A missing one is named."""
    outcome = _validate(OutcomeIn, data)
    with store.write() as s:
        project = _get(s, project_id, (ProjectStatus.APPROVED,))
        scenario = s.get(ScenarioRow, s.get(Pairing, project.pairing_id).scenario_id)
        given = {r.indicator for r in outcome.results}
        missing = [i for i in split_indicators(scenario.indicators) if i not in given]
        if missing:
            raise RecordValidationError([FieldError("results", f"results miss the scenario's indicator: {i}",
                                                    f"成效缺少场景指标：{i}") for i in missing])
        open_ms = s.scalars(select(Milestone.title).where(Milestone.project_id == project_id,
                                                          Milestone.done_on.is_(None))).all()
        if open_ms:
            raise RecordValidationError([FieldError("milestones", f"milestone not done yet: {m}",
                                                    f"里程碑尚未完成：{m}") for m in open_ms])
        project.outcome = [r.model_dump() for r in outcome.results]
        project.outcome_summary = outcome.summary
        _move(store, s, project, ProjectStatus.REPORTED, actor, "report")


def accept(store: Store, project_id: int, actor: str, accept_report: bool = True, note: str | None = None) -> None:
    """An official accepts the outcome report (the project is completed) or returns it with a note."""
    if not accept_report and not (note or "").strip():
        raise _bad("note", "Returning a report needs a note saying what is missing", "退回成效报告需要说明原因")
    with store.write() as s:
        project = _get(s, project_id, (ProjectStatus.REPORTED,))
        if accept_report:
            _move(store, s, project, ProjectStatus.COMPLETED, actor, "complete", note)
        else:
            _move(store, s, project, ProjectStatus.APPROVED, actor, "return", note)


def publish_case(store: Store, project_id: int, actor: str, title: str | None = None,
                 contact: str | None = None, case_id: str | None = None) -> str:
    """A completed project becomes a case in the library: the scenario's problem, the offering's solution,
    the supplier, and the measured results."""
    with store.read() as s:
        project = _get(s, project_id, (ProjectStatus.COMPLETED,))
        if s.scalar(select(CaseRow.id).where(CaseRow.project_id == project_id)):
            raise ReviewError("This project is already a case", "该项目已入选案例库")
        pairing = s.get(Pairing, project.pairing_id)
        scen, off = s.get(ScenarioRow, pairing.scenario_id), s.get(OfferingRow, pairing.offering_id)
        link = s.get(RecordOrganisation, ("supply", off.id))
    data = {"id": case_id, "title": title or project.title, "problem": scen.description,
            "solution": f"{off.title}\n{off.description}\n{project.outcome_summary or ''}".strip(),
            "supplier": off.organization, "adopter": scen.organization, "industry": scen.industry,
            "region": scen.region, "results": project.outcome or [], "contact": contact}
    return cases.add_case(store, data, actor, project_id=project_id,
                          supplier_org_id=link.organisation_id if link else None)


def get_project(store: Store, project_id: int) -> dict | None:
    with store.read() as s:
        project = s.get(DemonstrationProject, project_id)
        if project is None:
            return None
        ms = s.scalars(select(Milestone).where(Milestone.project_id == project_id).order_by(Milestone.due))
        pairing = s.get(Pairing, project.pairing_id)
        return {**row_to_dict(project), "milestones": [row_to_dict(m) for m in ms],
                "scenario_id": pairing.scenario_id, "offering_id": pairing.offering_id}


def list_projects(store: Store, pairing_ids: list[int] | None = None) -> list[dict]:
    stmt = (select(DemonstrationProject, Pairing.scenario_id, Pairing.offering_id)
            .join(Pairing, Pairing.id == DemonstrationProject.pairing_id).order_by(DemonstrationProject.id))
    if pairing_ids is not None:
        stmt = stmt.where(DemonstrationProject.pairing_id.in_(pairing_ids))
    with store.read() as s:
        return [{**row_to_dict(p), "scenario_id": sid, "offering_id": oid} for p, sid, oid in s.execute(stmt)]

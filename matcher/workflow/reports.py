"""Reports officials hand upwards: listings, pairings by stage, demonstration projects and support granted,
cases added, and the tagged enterprises involved, for one scope (a year, a campaign, a call for scenarios).

A scope is a record filter: it says which offerings and scenarios it covers, and by default everything else
follows from them (their pairings, those pairings' projects, those projects' cases, the organisations behind
the listings). A scope overrides a step where its own rule differs: a year takes the pairings, projects and
cases of that year; a campaign adds the enterprises it diagnosed and its providers; a call (征集批次) covers
the scenarios submitted to it and the organisations on both sides of their pairings.
Pure reads; the labelled tables and the workbook are in matcher/io/report_workbook.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import extract, or_, select

from matcher.domain.records import PairingStatus
from matcher.storage.schema import (CallRow, CallScenario, CampaignDiagnosis, CampaignProvider, CampaignRow, CaseRow,
                                    DemonstrationProject,
                                    OfferingRow, OrganisationRow, OrganisationTagRow, Pairing, RecordOrganisation,
                                    ScenarioRow, utcnow)
from matcher.storage.store import Store, row_to_dict
from matcher.workflow.demonstration import GRANTED


PAIRING_ROWS = select(Pairing.id, Pairing.status)   # a year holds thousands of pairings: no ORM objects


class Scope:
    """What a report covers. Subclasses set kind and implement records(); the other steps have defaults."""
    kind = ""

    def records(self, s) -> tuple[set[str], set[str]]:
        """(offering ids, scenario ids) in scope."""
        raise NotImplementedError

    def pairings(self, s, offerings: set[str], scenarios: set[str]) -> list:
        """(id, status) rows of the pairings in scope."""
        return s.execute(PAIRING_ROWS.where(or_(Pairing.offering_id.in_(offerings),
                                                Pairing.scenario_id.in_(scenarios)))).all()

    def projects(self, s, pairing_ids: set[int]) -> list[DemonstrationProject]:
        return list(s.scalars(select(DemonstrationProject).where(DemonstrationProject.pairing_id.in_(pairing_ids))
                              .order_by(DemonstrationProject.id)))

    def cases(self, s, project_ids: set[int]) -> list[CaseRow]:
        return list(s.scalars(select(CaseRow).where(CaseRow.project_id.in_(project_ids)).order_by(CaseRow.id)))

    def involved(self, s, offerings: set[str], scenarios: set[str]) -> dict[int, set[str]]:
        """Organisation id -> how it took part (supply, demand, and for campaigns diagnosed, provider)."""
        out: dict[int, set[str]] = {}
        for side, ids in (("supply", offerings), ("demand", scenarios)):
            for org_id in s.scalars(select(RecordOrganisation.organisation_id).where(
                    RecordOrganisation.side == side, RecordOrganisation.record_id.in_(ids))):
                out.setdefault(org_id, set()).add(side)
        return out


@dataclass(frozen=True)
class YearScope(Scope):
    """Everything of one calendar year: listings and pairings created, projects of that budget year, cases added."""
    year: int
    kind = "year"

    def records(self, s):
        return tuple({*s.scalars(select(row.id).where(extract("year", row.created_at) == self.year))}
                     for row in (OfferingRow, ScenarioRow))

    def pairings(self, s, offerings, scenarios):
        return s.execute(PAIRING_ROWS.where(extract("year", Pairing.created_at) == self.year)).all()

    def projects(self, s, pairing_ids):
        return list(s.scalars(select(DemonstrationProject).where(DemonstrationProject.year == self.year)
                              .order_by(DemonstrationProject.id)))

    def cases(self, s, project_ids):
        return list(s.scalars(select(CaseRow).where(extract("year", CaseRow.created_at) == self.year)
                              .order_by(CaseRow.id)))


@dataclass(frozen=True)
class CampaignScope(Scope):
    """One diagnosis campaign: its providers' service offers, the scenarios made from its findings, the
    pairings of those scenarios, and the enterprises it diagnosed."""
    campaign_id: int
    kind = "campaign"

    def records(self, s):
        offers = set(s.scalars(select(CampaignProvider.offering_id).where(
            CampaignProvider.campaign_id == self.campaign_id, CampaignProvider.status == "assigned")))
        scenarios = set(s.scalars(select(CampaignDiagnosis.scenario_id).where(
            CampaignDiagnosis.campaign_id == self.campaign_id, CampaignDiagnosis.scenario_id.is_not(None))))
        return offers, scenarios

    def pairings(self, s, offerings, scenarios):
        # a provider's service offer is paired with scenarios city-wide: only this campaign's scenarios count
        return s.execute(PAIRING_ROWS.where(Pairing.scenario_id.in_(scenarios))).all()

    def involved(self, s, offerings, scenarios):
        out = super().involved(s, offerings, set())          # providers (supply side of the campaign)
        out = {org: {"provider"} for org in out}
        for org_id in s.scalars(select(CampaignDiagnosis.organisation_id).where(
                CampaignDiagnosis.campaign_id == self.campaign_id, CampaignDiagnosis.organisation_id.is_not(None))):
            out.setdefault(org_id, set()).add("diagnosed")
        for org, roles in super().involved(s, set(), scenarios).items():
            out.setdefault(org, set()).update(roles)
        return out


@dataclass(frozen=True)
class CallScope(Scope):
    """One call for scenarios (征集批次): the scenarios submitted to it, their pairings, and the organisations on
    both sides of those pairings."""
    call_id: int
    kind = "call"

    def records(self, s):
        return set(), set(s.scalars(select(CallScenario.scenario_id).where(CallScenario.call_id == self.call_id)))

    def involved(self, s, offerings, scenarios):
        paired = set(s.scalars(select(Pairing.offering_id).where(Pairing.scenario_id.in_(scenarios))))
        return super().involved(s, paired, scenarios)


@dataclass
class Report:
    scope: Scope
    generated_at: dt.datetime
    listings: list[dict]          # {side, status, count}
    pairings: list[dict]          # {stage, count}, every stage in pipeline order
    projects: list[dict]          # project rows (title, status, year, requested_wan, support_wan)
    support_wan: float            # granted to approved, reported and completed projects
    cases: list[dict]
    tagged: list[dict]            # {name, district, tags: [(tag, level, year)], roles}
    campaign: dict | None = None  # for a campaign: its row, planned/diagnosed counts, providers, scenarios
    call: dict | None = None      # for a call: its row
    summary: dict = field(default_factory=dict)


def build_report(store: Store, scope: Scope) -> Report:
    with store.read() as s:
        offerings, scenarios = scope.records(s)
        listings = []
        for side, row_cls, ids in (("supply", OfferingRow, offerings), ("demand", ScenarioRow, scenarios)):
            statuses = s.scalars(select(row_cls.status).where(row_cls.id.in_(ids))).all()
            listings += [{"side": side, "status": st, "count": statuses.count(st)} for st in sorted(set(statuses))]
        pairings = scope.pairings(s, offerings, scenarios)
        stages = [p.status for p in pairings]
        by_stage = [{"stage": st.value, "count": stages.count(st.value)} for st in PairingStatus]
        projects = scope.projects(s, {p.id for p in pairings})
        cases = scope.cases(s, {p.id for p in projects})
        tagged = _tagged(s, scope.involved(s, offerings, scenarios))
        campaign = _campaign(s, scope.campaign_id) if isinstance(scope, CampaignScope) else None
        call = _call(s, scope.call_id) if isinstance(scope, CallScope) else None
        project_rows = [row_to_dict(p) for p in projects]
        case_rows = [row_to_dict(c) for c in cases]
    support = round(sum(p["support_wan"] or 0.0 for p in project_rows if p["status"] in GRANTED), 4)
    summary = {"offerings": len(offerings), "scenarios": len(scenarios), "pairings": len(pairings),
               "deployed": stages.count(PairingStatus.DEPLOYED.value), "projects": len(project_rows),
               "support": support, "cases": len(case_rows), "tagged": len(tagged)}
    if campaign:
        summary.update(planned=campaign["enterprise_count"], diagnosed=campaign["diagnosed"],
                       providers=len(campaign["providers"]), scenarios_out=len(campaign["scenarios"]))
    return Report(scope, utcnow(), listings, by_stage, project_rows, support, case_rows, tagged, campaign, call,
                  summary)


def _tagged(s, involved: dict[int, set[str]]) -> list[dict]:
    """Organisations involved that hold at least one verified tag, with those tags."""
    held: dict[int, list[tuple]] = {}
    for org_id, *tag in s.execute(select(OrganisationTagRow.organisation_id, OrganisationTagRow.tag,
                                         OrganisationTagRow.level, OrganisationTagRow.year).where(
            OrganisationTagRow.status == "verified").order_by(OrganisationTagRow.tag)):
        if org_id in involved:
            held.setdefault(org_id, []).append(tuple(tag))
    return [{"name": org.name, "district": org.district, "tags": held[org.id], "roles": sorted(involved[org.id])}
            for org in s.scalars(select(OrganisationRow).where(OrganisationRow.id.in_(held)).order_by(OrganisationRow.name))]


def _campaign(s, campaign_id: int) -> dict:
    row = s.get(CampaignRow, campaign_id)
    if row is None:
        raise KeyError(campaign_id)
    found = s.scalars(select(CampaignDiagnosis).where(CampaignDiagnosis.campaign_id == campaign_id)).all()
    providers = s.execute(select(OfferingRow.organization).join(
        CampaignProvider, CampaignProvider.offering_id == OfferingRow.id).where(
        CampaignProvider.campaign_id == campaign_id, CampaignProvider.status == "assigned")).scalars().all()
    return {**row_to_dict(row), "diagnosed": len(found), "providers": sorted(set(providers)),
            "scenarios": [d.scenario_id for d in found if d.scenario_id]}


def _call(s, call_id: int) -> dict:
    row = s.get(CallRow, call_id)
    if row is None:
        raise KeyError(call_id)
    return row_to_dict(row)


def report_years(store: Store) -> list[int]:
    """Years that have listings, newest first (and this year, always)."""
    with store.read() as s:
        years = {int(y) for row in (OfferingRow, ScenarioRow)
                 for y in s.scalars(select(extract("year", row.created_at)).distinct()) if y is not None}
    return sorted(years | {dt.date.today().year}, reverse=True)

"""Demo data for the city's programme: the cultivation list (verified tags), a few claims still to verify,
past cases, two demonstration projects (one completed and published as a case, one under way), and diagnosis
campaigns with their providers, answers, assignments and diagnoses (one turned into a scenario)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from matcher.domain.records import PairingStatus as P
from matcher.domain.records import RecordStatus, Side
from matcher.io.cases import import_cases
from matcher.io.organisations import import_organisations
from matcher.search.ranking import Suggestion
from matcher.workflow import campaigns as cp
from matcher.workflow import demonstration as demo
from matcher.workflow import diagnoses
from matcher.workflow import organisations, review

ACTOR = "demo"


def _deployed_pairing(platform, scenario_id: str, offering_id: str) -> int:
    """The pairing of the two demo records, created if the engine did not suggest it, moved to deployed."""
    found = [s for s in platform.suggestions(Side.DEMAND, scenario_id, k=50) if s.offering_id == offering_id]
    review.save_suggestions(platform.store, found or [Suggestion(scenario_id, offering_id, 0.0, {}, [], [])], 0.0)
    [pairing] = review.list_pairings(platform.store, review.PairingQuery(scenario_ids=(scenario_id,),
                                                                         offering_ids=(offering_id,)))
    for status in (P.APPROVED, P.CONTACTED, P.PILOTING, P.DEPLOYED):
        pairing = review.transition(platform.store, pairing["id"], status, ACTOR, pairing["version"],
                                    note="demo data")
    return pairing["id"]


def seed_registry(platform, folder: Path) -> None:
    """The cultivation list, claims still to verify, and past cases (each file skipped when absent)."""
    store = platform.store
    if (folder / "organisations.csv").exists():
        import_organisations(store, folder / "organisations.csv", "organisations.csv", ACTOR, verified=True)
        # Listings loaded before the list carry the same names: link them to these rows, not to new ones.
        organisations.link_records(store, actor=ACTOR)
    if (folder / "organisation_claims.csv").exists():
        import_organisations(store, folder / "organisation_claims.csv", "organisation_claims.csv", ACTOR,
                             verified=False)
    if (folder / "cases.csv").exists():
        import_cases(store, folder / "cases.csv", "cases.csv", ACTOR)


def seed_projects(platform, folder: Path) -> None:
    """Two demonstration projects: one completed and published as a case, one under way."""
    store, budget = platform.store, platform.settings.demonstration_budget_wan
    projects = folder / "projects.json"
    for spec in json.loads(projects.read_text("utf-8")) if projects.exists() else []:
        pairing_id = _deployed_pairing(platform, spec["scenario_id"], spec["offering_id"])
        pid = demo.propose(store, pairing_id, {k: spec[k] for k in ("title", "plan", "requested_wan", "milestones")},
                           ACTOR)
        demo.review_project(store, pid, True, ACTOR, budget, spec["support_wan"], note="demo data")
        for m, ms in zip(demo.get_project(store, pid)["milestones"], sorted(spec["milestones"], key=lambda x: x["due"])):
            if ms.get("done"):
                demo.complete_milestone(store, m["id"], ACTOR, done_on=m["due"])
        if spec.get("complete"):
            demo.report_outcome(store, pid, {"results": spec["outcome"], "summary": spec["summary"]}, ACTOR)
            demo.accept(store, pid, ACTOR, note="demo data")
            case_id = demo.publish_case(store, pid, ACTOR, contact=spec.get("contact"), case_id=spec.get("case_id"))
            from matcher.workflow.cases import set_consent

            set_consent(store, case_id, "supply", True, ACTOR)
            set_consent(store, case_id, "demand", True, ACTOR)


def seed_campaigns(platform, folder: Path, today: dt.date | None = None) -> None:
    """Providers' service offers (published), campaigns dated around today, answers, assignments, diagnoses;
    a diagnosis marked "scenario" becomes a scenario listing, published as a moderator would."""
    path = folder / "campaigns.json"
    if not path.exists():
        return
    spec, today = json.loads(path.read_text("utf-8")), today or dt.date.today()
    store, offer = platform.store, {}
    for p in spec["providers"]:
        data = {k: v for k, v in p.items() if k not in ("key", "provider_kind", "service_kind")}
        offer[p["key"]] = cp.submit_service_offer(platform, data, p["provider_kind"], p["service_kind"], ACTOR,
                                                  status=RecordStatus.PUBLISHED)
    for c in spec["campaigns"]:
        data = {k: v for k, v in c.items() if k not in ("answers", "assigned", "diagnoses")}
        data["start_date"] = today + dt.timedelta(days=c["start_offset_days"])
        data["end_date"] = today + dt.timedelta(days=c["end_offset_days"])
        cid = cp.create_campaign(store, data, ACTOR)
        for a in c["answers"]:
            cp.apply(store, cid, offer[a["provider"]], a["message"], ACTOR, today=today)
        for key in c["assigned"]:
            cp.assign(store, cid, offer[key], ACTOR, note="demo data")
        for d in c["diagnoses"]:
            did = diagnoses.record_diagnosis(store, cid, {
                "enterprise": d["enterprise"], "findings": d["findings"], "offering_id": offer[d["provider"]],
                "diagnosed_on": today + dt.timedelta(days=d["offset_days"])}, ACTOR, today=today)
            if d.get("scenario"):
                draft = diagnoses.scenario_draft(cp.get_campaign(store, cid), diagnoses.get_diagnosis(store, did))
                sid = diagnoses.create_scenario(platform, did, draft, ACTOR)
                platform.set_status(Side.DEMAND, sid, RecordStatus.PUBLISHED, ACTOR, note="demo data")

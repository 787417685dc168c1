"""Exports (CLI and download buttons): records of either side, or pairings with both sides' facts, their
interest and last decision, with headers and code values in the reader's language."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from matcher.domain.records import Side
from matcher.io import labels
from matcher.io.imports import HEADERS_ZH
from matcher.io.workbook import Sheet, csv_bytes, xlsx_bytes
from matcher.storage.schema import AuditLog
from matcher.storage.store import Store
from matcher.workflow import queue, review

RECORD_COLUMNS = ["id", "title", "description", "organization", "industry", "industry_inferred", "maturity",
                  "region", "keywords", "budget_wan", "deadline", "indicators", "required_maturity",
                  "contact_name", "contact_email", "contact_phone", "status", "language", "created_at",
                  "updated_at"]
SIDE_ONLY = {Side.SUPPLY: {"budget_wan", "deadline", "indicators", "required_maturity"}, Side.DEMAND: {"maturity"}}
PAIRING_COLUMNS = ["id", "scenario_title", "scenario_org", "scenario_industry", "scenario_region",
                   "offering_title", "offering_org", "offering_industry", "offering_region", "offering_maturity",
                   "score", "status", "interest", "last_decision", "last_decision_at", "reviewer", "reason_code",
                   "note", "scenario_contact", "offering_contact", "scenario_id", "offering_id", "created_at",
                   "updated_at"]
CODED = {"industry": "industry", "maturity": "maturity", "required_maturity": "maturity", "status": "rstatus",
         "language": "language", "industry_inferred": "bool", "scenario_industry": "industry",
         "offering_industry": "industry", "offering_maturity": "maturity", "reason_code": "reason"}
KINDS = ("offerings", "scenarios", "pairings")


def record_columns(side: Side) -> list[str]:
    return [c for c in RECORD_COLUMNS if c not in SIDE_ONLY[side]]


def export_rows(store: Store, kind: str, pairing_query: review.PairingQuery | None = None) -> list[dict]:
    """Raw rows (codes, field names) of kind: offerings, scenarios or pairings. Every column is present even
    when the table is empty."""
    if kind == "pairings":
        rows = review.list_pairings(store, pairing_query or review.PairingQuery(), limit=1_000_000)
        return _with_decisions(store, rows)
    side = Side.SUPPLY if kind == "offerings" else Side.DEMAND
    return [{c: r.get(c) for c in record_columns(side)} for r in store.list_records(side)]


def _contact(store: Store, side: Side, record_id: str) -> str:
    rec = store.get_record(side, record_id) or {}
    return " · ".join(x for x in (rec.get("contact_name"), rec.get("contact_email"), rec.get("contact_phone")) if x)


def _with_decisions(store: Store, rows: list[dict]) -> list[dict]:
    """Adds interest, the last official decision (status change by a person) and both contacts."""
    last: dict[str, AuditLog] = {}
    with store.read() as s:
        for entry in s.scalars(select(AuditLog).where(AuditLog.entity == "pairing", AuditLog.action == "status")
                               .order_by(AuditLog.id)):
            last[entry.entity_id] = entry
    out = []
    for r in rows:
        decision = last.get(str(r["id"]))
        interest = ("both" if r["interest_supply"] and r["interest_demand"] else "supply" if r["interest_supply"]
                    else "demand" if r["interest_demand"] else "none")
        out.append({**{c: r.get(c) for c in PAIRING_COLUMNS}, "interest": interest,
                    "last_decision": decision.to_status if decision else None,
                    "last_decision_at": decision.at if decision else None,
                    "scenario_contact": _contact(store, Side.DEMAND, r["scenario_id"]),
                    "offering_contact": _contact(store, Side.SUPPLY, r["offering_id"])})
    return out


def columns_of(kind: str) -> list[str]:
    if kind == "pairings":
        return PAIRING_COLUMNS
    return record_columns(Side.SUPPLY if kind == "offerings" else Side.DEMAND)


def labelled_sheet(kind: str, rows: list[dict], lang: str) -> Sheet:
    """rows as a sheet for people: headers and code values in lang, dates kept as dates."""
    columns = columns_of(kind)
    coded = dict(CODED)
    if kind == "pairings":
        coded.update(status="pstatus", last_decision="pstatus", interest="interest")
    body = []
    for r in rows:
        line = []
        for c in columns:
            v = r.get(c)
            if c in coded:
                v = labels.value(coded[c], str(v) if isinstance(v, bool) else v, lang)
            elif c == "score" and v is not None:
                v = round(float(v), 3)
            line.append(v)
        body.append(line)
    return Sheet(labels.sheet_name(kind, lang), [labels.header(c, lang) for c in columns], body)


def raw_sheet(kind: str, rows: list[dict], lang: str) -> Sheet:
    """rows as a sheet for machines: codes as stored; headers are field names, or with lang zh the Chinese
    headers the importer accepts (so the file re-imports)."""
    columns = columns_of(kind)
    names = [HEADERS_ZH.get(c, c) if lang == "zh" else c for c in columns]
    return Sheet(kind, names, [[r.get(c) for c in columns] for r in rows])


def export_file(store: Store, kind: str, fmt: str, lang: str = "en",
                query: queue.QueueQuery | None = None, labelled: bool = True) -> bytes:
    """The bytes of an export: fmt is csv or xlsx; labelled (for people) or raw codes (for machines and
    re-import). With a queue query, pairings are those the queue shows (every page). Empty tables still
    carry their header row."""
    if kind == "pairings" and query is not None:
        rows = _with_decisions(store, queue.search(store, replace(query, page=1, page_size=10**9)).rows)
    else:
        rows = export_rows(store, kind)
    sheet = labelled_sheet(kind, rows, lang) if labelled else raw_sheet(kind, rows, lang)
    return xlsx_bytes(sheet) if fmt == "xlsx" else csv_bytes(sheet)

"""Rows for export (CLI and download buttons): records of either side, or pairings with both titles."""
from __future__ import annotations

from matcher.workflow import review
from matcher.domain.records import Side
from matcher.storage.store import Store

RECORD_COLUMNS = ["id", "title", "description", "organization", "industry", "industry_inferred", "maturity",
                  "region", "keywords", "budget_wan", "deadline", "indicators", "required_maturity",
                  "contact_name", "contact_email", "contact_phone", "status", "language", "created_at",
                  "updated_at"]
PAIRING_COLUMNS = ["id", "scenario_id", "scenario_title", "scenario_org", "offering_id", "offering_title",
                   "offering_org", "score", "status", "reviewer", "reason_code", "note", "created_at",
                   "updated_at"]


def export_rows(store: Store, kind: str, pairing_query: review.PairingQuery | None = None) -> list[dict]:
    """kind is offerings, scenarios or pairings. Columns a side lacks are left out."""
    if kind == "pairings":
        rows = review.list_pairings(store, pairing_query or review.PairingQuery(), limit=1_000_000)
        return [{c: r.get(c) for c in PAIRING_COLUMNS} for r in rows]
    records = store.list_records(Side.SUPPLY if kind == "offerings" else Side.DEMAND)
    columns = [c for c in RECORD_COLUMNS if not records or c in records[0]]
    return [{c: r.get(c) for c in columns} for r in records]

"""Indicator checks in the officials' review queue: per-pairing counts, the "all indicators met" filter,
the "most indicators met" order, and the checklist of one pairing (computed fresh from both records)."""
from __future__ import annotations

from sqlalchemy import select

from matcher.domain.indicators import MET, UNMET, check_all
from matcher.domain.records import Side, record_text
from matcher.storage.schema import OfferingRow, ScenarioRow
from matcher.storage.store import Store, row_to_dict

COUNT_KEYS = ("indicators_total", "indicators_met", "indicators_unmet")


def checklist(scenario: dict | None, offering: dict | None) -> list[dict]:
    """[{"indicator", "status", "evidence"}] in the scenario's order; [] when either record is missing."""
    if not scenario or not offering or not scenario.get("indicators"):
        return []
    return [c.to_dict() for c in check_all(scenario["indicators"], record_text(offering))]


def pairing_checklist(store: Store, pairing: dict) -> list[dict]:
    """The checklist of one pairing, from the records as they are now (they may have been edited)."""

    return checklist(store.get_record(Side.DEMAND, pairing["scenario_id"]),
                     store.get_record(Side.SUPPLY, pairing["offering_id"]))


def with_indicator_counts(store: Store, rows: list[dict]) -> list[dict]:
    """Queue rows (review.list_pairings) with indicators_total/met/unmet. Pairings saved by the ranking carry
    the counts in their channels; older ones are checked here, reading both records once per pairing."""
    missing = [r for r in rows if not all(k in (r.get("channels") or {}) for k in COUNT_KEYS)]
    fresh: dict[int, list[dict]] = {}
    if missing:
        with store.read() as s:
            scen = {r.id: row_to_dict(r) for r in s.scalars(select(ScenarioRow).where(
                ScenarioRow.id.in_({r["scenario_id"] for r in missing})))}
            offs = {r.id: row_to_dict(r) for r in s.scalars(select(OfferingRow).where(
                OfferingRow.id.in_({r["offering_id"] for r in missing})))}
        fresh = {r["id"]: checklist(scen.get(r["scenario_id"]), offs.get(r["offering_id"])) for r in missing}
    out = []
    for row in rows:
        if row["id"] in fresh:
            checks = fresh[row["id"]]
            counts = {"indicators_total": len(checks),
                      "indicators_met": sum(c["status"] == MET for c in checks),
                      "indicators_unmet": sum(c["status"] == UNMET for c in checks)}
        else:
            counts = {k: int(row["channels"][k]) for k in COUNT_KEYS}
        out.append({**row, **counts})
    return out


def all_met(row: dict) -> bool:
    """The pairing's scenario states indicators and the offering meets every one of them."""
    return row["indicators_total"] > 0 and row["indicators_met"] == row["indicators_total"]


def arrange(rows: list[dict], only_all_met: bool = False, by_met: bool = False) -> list[dict]:
    """The review queue's indicator filter and order. by_met: most indicators met first, then fewest unmet,
    then the score (the queue's own order)."""
    kept = [r for r in rows if all_met(r)] if only_all_met else list(rows)
    if by_met:
        kept.sort(key=lambda r: (-r["indicators_met"], r["indicators_unmet"], -r["score"], r["id"]))
    return kept


def summary_label(row: dict) -> str:
    """'2/3' (met of stated indicators, with ✗n for unmet), '–' when the scenario states none."""
    if not row["indicators_total"]:
        return "–"
    unmet = f" ✗{row['indicators_unmet']}" if row["indicators_unmet"] else ""
    return f"{row['indicators_met']}/{row['indicators_total']}{unmet}"

"""Figures for the dashboard: pure queries returning pandas DataFrames (the UI only draws them)."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from matcher.domain.records import PairingStatus, RecordStatus, Side
from matcher.storage.schema import AuditLog, OfferingRow, Pairing, ScenarioRow
from matcher.storage.store import ROW_FOR_SIDE, Store
from matcher.domain.taxonomy import load_taxonomy

UNCLASSIFIED = {"zh": "未分类", "en": "Unclassified"}


def industry_name(code: str | None, lang: str) -> str:
    industry = load_taxonomy().industries.get(code or "")
    return industry.name(lang) if industry else UNCLASSIFIED.get(lang, UNCLASSIFIED["en"])


def records_by_industry(store: Store, lang: str = "en", statuses: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Columns: industry (code), industry_name, side, count. Every status unless statuses is given."""
    rows = []
    with store.read() as s:
        for side in Side:
            row_cls = ROW_FOR_SIDE[side]
            stmt = select(row_cls.industry, func.count()).group_by(row_cls.industry)
            if statuses:
                stmt = stmt.where(row_cls.status.in_(statuses))
            rows += [(code, industry_name(code, lang), side.value, n) for code, n in s.execute(stmt)]
    return pd.DataFrame(rows, columns=["industry", "industry_name", "side", "count"])


def pairings_by_status(store: Store) -> pd.DataFrame:
    """Columns: status, count; every pipeline status appears, in pipeline order, zero if none."""
    with store.read() as s:
        found = dict(s.execute(select(Pairing.status, func.count()).group_by(Pairing.status)).all())
    return pd.DataFrame([(st.value, int(found.get(st.value, 0))) for st in PairingStatus],
                        columns=["status", "count"])


def score_distribution(store: Store) -> pd.DataFrame:
    """One row per pairing: id, score, status."""
    with store.read() as s:
        rows = s.execute(select(Pairing.id, Pairing.score, Pairing.status)).all()
    return pd.DataFrame(rows, columns=["id", "score", "status"])


def _best_scores(store: Store, column) -> dict[str, float]:
    with store.read() as s:
        return dict(s.execute(select(column, func.max(Pairing.score))
                              .where(Pairing.status != PairingStatus.REJECTED).group_by(column)).all())


def _gaps(store: Store, side: Side, column, gap_score: float, lang: str) -> pd.DataFrame:
    best = _best_scores(store, column)
    rows = []
    for rec in store.list_records(side, status=RecordStatus.PUBLISHED):
        score = best.get(rec["id"])
        if score is None or score < gap_score:
            rows.append((rec["id"], rec["title"], rec["organization"], rec["industry"],
                         industry_name(rec["industry"], lang), rec["region"], score))
    df = pd.DataFrame(rows, columns=["id", "title", "organization", "industry", "industry_name", "region",
                                     "best_score"])
    return df.sort_values("best_score", na_position="first", kind="stable").reset_index(drop=True)


def gap_scenarios(store: Store, gap_score: float, lang: str = "en") -> pd.DataFrame:
    """Published scenarios with no good supply: no pairing, or none (not rejected) scoring gap_score or more.
    Candidates for open calls or for attracting investment."""
    return _gaps(store, Side.DEMAND, Pairing.scenario_id, gap_score, lang)


def gap_offerings(store: Store, gap_score: float, lang: str = "en") -> pd.DataFrame:
    """Published offerings that no scenario needs: never paired at gap_score or above."""
    return _gaps(store, Side.SUPPLY, Pairing.offering_id, gap_score, lang)


def pairings_over_time(store: Store, freq: str = "D") -> pd.DataFrame:
    """Columns: date, status, count: pairings created per period (freq: pandas offset, D/W/MS) by current status."""
    with store.read() as s:
        rows = s.execute(select(Pairing.created_at, Pairing.status)).all()
    if not rows:
        return pd.DataFrame(columns=["date", "status", "count"])
    df = pd.DataFrame(rows, columns=["created_at", "status"])
    df["date"] = pd.to_datetime(df["created_at"]).dt.to_period(freq).dt.start_time
    return df.groupby(["date", "status"]).size().reset_index(name="count")


def totals(store: Store) -> dict[str, int]:
    """Headline counts: offerings, scenarios (published), pending records, pairings, approved or later."""
    later = [PairingStatus.APPROVED, PairingStatus.CONTACTED, PairingStatus.PILOTING, PairingStatus.DEPLOYED]
    with store.read() as s:
        def count(stmt) -> int:
            return int(s.scalar(stmt) or 0)
        return {
            "offerings": count(select(func.count()).select_from(OfferingRow)
                               .where(OfferingRow.status == RecordStatus.PUBLISHED)),
            "scenarios": count(select(func.count()).select_from(ScenarioRow)
                               .where(ScenarioRow.status == RecordStatus.PUBLISHED)),
            "pending": count(select(func.count()).select_from(OfferingRow)
                             .where(OfferingRow.status == RecordStatus.PENDING))
            + count(select(func.count()).select_from(ScenarioRow).where(ScenarioRow.status == RecordStatus.PENDING)),
            "pairings": count(select(func.count()).select_from(Pairing)),
            "approved": count(select(func.count()).select_from(Pairing).where(Pairing.status.in_(later))),
        }


FUNNEL = ("suggested", "under_review", "approved", "contacted", "piloting", "deployed")
_RANK = {**{s: i for i, s in enumerate(FUNNEL)}, "shortlisted": 1}   # shortlisting is a first review step


def funnel(store: Store) -> pd.DataFrame:
    """The pipeline as a funnel. Columns: stage, reached (pairings that ever got that far, from the audit log
    and the current status; a rejected pairing counts for the stages it passed), rate (share of the stage
    before, None for the first), overall (share of all pairings)."""
    furthest: dict[str, int] = {}
    with store.read() as s:
        for pid, status in s.execute(select(Pairing.id, Pairing.status)):
            furthest[str(pid)] = _RANK.get(status, 0)
        for pid, status in s.execute(select(AuditLog.entity_id, AuditLog.to_status)
                                     .where(AuditLog.entity == "pairing", AuditLog.to_status.is_not(None))):
            if pid in furthest:
                furthest[pid] = max(furthest[pid], _RANK.get(status, 0))
    reached = [sum(1 for rank in furthest.values() if rank >= i) for i in range(len(FUNNEL))]
    total = reached[0]
    rows = [(stage, n, None if i == 0 else (n / reached[i - 1] if reached[i - 1] else 0.0),
             n / total if total else 0.0) for i, (stage, n) in enumerate(zip(FUNNEL, reached))]
    return pd.DataFrame(rows, columns=["stage", "reached", "rate", "overall"])


def time_span_days(store: Store) -> int:
    """Days between the first and the last pairing (0 with fewer than two)."""
    with store.read() as s:
        first, last = s.execute(select(func.min(Pairing.created_at), func.max(Pairing.created_at))).one()
    return (last - first).days if first and last else 0

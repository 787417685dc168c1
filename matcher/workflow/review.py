"""Pairing workflow: suggestions become pairings; officials move them through the pipeline, audited."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from matcher.search.ranking import Suggestion
from matcher.domain.records import PairingStatus as P
from matcher.domain.records import REJECTION_REASONS, ReasonCode
from matcher.storage.schema import AuditLog, OfferingRow, Pairing, ScenarioRow, utcnow
from matcher.storage.store import Store, row_to_dict
from matcher.workflow import notifications

# Where a pairing may go from each status. Rejected pairings can be reopened for review.
TRANSITIONS: dict[P, set[P]] = {
    P.SUGGESTED: {P.SHORTLISTED, P.UNDER_REVIEW, P.APPROVED, P.REJECTED},
    P.SHORTLISTED: {P.UNDER_REVIEW, P.APPROVED, P.REJECTED},
    P.UNDER_REVIEW: {P.SHORTLISTED, P.APPROVED, P.REJECTED},
    P.APPROVED: {P.CONTACTED, P.REJECTED},
    P.CONTACTED: {P.PILOTING, P.REJECTED},
    P.PILOTING: {P.DEPLOYED, P.REJECTED},
    P.DEPLOYED: set(),
    P.REJECTED: {P.UNDER_REVIEW},
}
# The reason codes each decision accepts; a rejection must give one, approval and shortlisting may.
R = ReasonCode
REASONS: dict[P, tuple[ReasonCode, ...]] = {
    P.APPROVED: (R.STRONG_FIT, R.ENTERPRISE_INTEREST, R.CAPABILITY_VERIFIED, R.POLICY_PRIORITY, R.OTHER),
    P.SHORTLISTED: (R.PROMISING, R.NEEDS_DETAILS, R.ENTERPRISE_INTEREST, R.OTHER),
    P.REJECTED: REJECTION_REASONS,
}
# Statuses at or after approval: contact details are visible to both parties from here on.
CONTACT_VISIBLE = {P.APPROVED, P.CONTACTED, P.PILOTING, P.DEPLOYED}


def _label(status, lang: str) -> str:
    """A status as users read it (error messages name statuses, never their codes)."""
    return notifications.STATUS_LABELS[lang].get(str(status), str(status))


class ReviewError(ValueError):
    """A pairing action that cannot be done, explained in both languages. key and params (status and
    reason codes) let a UI word it with its own labels instead of codes."""

    def __init__(self, en: str, zh: str, key: str | None = None, **params):
        self.en, self.zh, self.key, self.params = en, zh, key, params
        super().__init__(en)

    def message(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class ConcurrentChangeError(ReviewError):
    """Someone else changed the pairing since it was shown: nothing was changed by this action."""


def save_suggestions(store: Store, suggestions: list[Suggestion], min_score: float) -> int:
    """Record suggestions at or above min_score as pairings. Refreshes the scores of untouched suggestions;
    pairings an official has already acted on keep their status. Returns how many pairings are new."""
    def work(s) -> int:   # run again from the start after a transient error (Store.retrying)
        new = 0
        for sug in suggestions:
            if sug.score < min_score or not sug.scenario_id or not sug.offering_id:
                continue
            fields = dict(score=sug.score, channels=sug.channels, matched_terms=sug.matched_terms,
                          reasons=[r.__dict__ for r in sug.reasons])
            existing = s.scalar(select(Pairing).where(Pairing.scenario_id == sug.scenario_id,
                                                      Pairing.offering_id == sug.offering_id))
            if existing is None:
                pairing = Pairing(scenario_id=sug.scenario_id, offering_id=sug.offering_id,
                                  status=P.SUGGESTED, **fields)
                s.add(pairing)
                s.flush()
                store.audit(s, "engine", "pairing", str(pairing.id), "suggest", to_status=P.SUGGESTED,
                            note=f"score {sug.score:.3f}")
                notifications.notify_pairing_parties(s, pairing, "new_suggestion", score=f"{sug.score:.2f}")
                new += 1
            elif existing.status == P.SUGGESTED:
                for key, value in fields.items():
                    setattr(existing, key, value)
        return new

    return store.retrying(work)


def transition(store: Store, pairing_id: int, to_status: P, actor: str, expected_version: int,
               reason_code: ReasonCode | None = None, note: str | None = None) -> dict:
    """Move one pairing to a new status, exactly once: the update only applies if the version the
    official saw is still current (optimistic locking). Writes an audit row in the same transaction."""
    to_status = P(to_status)
    if to_status == P.REJECTED and not reason_code:
        raise ReviewError("A rejection needs a reason code", "驳回需要选择原因", "reason_needed")
    if reason_code and ReasonCode(reason_code) not in REASONS.get(to_status, ()):
        raise ReviewError(f"The reason {reason_code} does not fit a move to {to_status}",
                          f"所选原因不适用于此操作（{to_status}）", "reason_misfit",
                          reason=str(reason_code), to_status=str(to_status))

    def work(s) -> None:   # run again from the start after a transient error (Store.retrying)
        # Row lock (FOR UPDATE on PostgreSQL; SQLite's write transaction already excludes other writers):
        # the version check and the update below see the same row.
        current = s.get(Pairing, pairing_id, with_for_update=True)
        if current is None:
            raise ReviewError(f"Pairing {pairing_id} does not exist", f"对接 {pairing_id} 不存在")
        if current.version != expected_version:
            raise ConcurrentChangeError(
                f"Pairing {pairing_id} was changed by {current.reviewer or 'someone else'} meanwhile "
                f"(now: {_label(current.status, 'en')}); reload and try again",
                f"对接 {pairing_id} 已被 {current.reviewer or '他人'} 修改（当前：{_label(current.status, 'zh')}），请刷新后重试",
                "stale", id=pairing_id, who=current.reviewer or "", status=current.status)
        if to_status not in TRANSITIONS[P(current.status)]:
            raise ReviewError(f"Cannot move a pairing from {_label(current.status, 'en')} to {_label(to_status, 'en')}",
                              f"对接不能从“{_label(current.status, 'zh')}”变为“{_label(to_status, 'zh')}”", "illegal",
                              from_status=current.status, to_status=str(to_status))
        from_status = current.status
        done = s.execute(update(Pairing).where(Pairing.id == pairing_id, Pairing.version == expected_version)
                         .values(status=to_status, reviewer=actor, version=expected_version + 1,
                                 reason_code=str(reason_code) if reason_code else None, note=note,
                                 updated_at=utcnow()))
        if done.rowcount != 1:  # a writer on another database engine got there first
            raise ConcurrentChangeError(f"Pairing {pairing_id} was changed meanwhile; reload and try again",
                                        f"对接 {pairing_id} 已被他人修改，请刷新后重试")
        store.audit(s, actor, "pairing", str(pairing_id), "status", from_status=from_status,
                    to_status=to_status, reason_code=str(reason_code) if reason_code else None, note=note)
        event = "pairing_approved" if to_status == P.APPROVED else "pairing_status"
        notifications.notify_pairing_parties(s, current, event, status=str(to_status))

    store.retrying(work)
    return get_pairing(store, pairing_id)


def express_interest(store: Store, pairing_id: int, side: str, actor: str) -> None:
    """An enterprise on one side (supply or demand) says it wants this pairing to go ahead."""
    column = Pairing.interest_supply if side == "supply" else Pairing.interest_demand
    with store.write() as s:
        s.execute(update(Pairing).where(Pairing.id == pairing_id).values({column: True}))
        store.audit(s, actor, "pairing", str(pairing_id), f"interest_{side}")
        pairing = s.get(Pairing, pairing_id)
        scen, off = notifications.pairing_parties(s, pairing)
        mine, other = (off, scen) if side == "supply" else (scen, off)
        notifications.notify(s, [other["owner"]], "interest_received",
                             {"pairing": pairing_id, "page": "my-submissions", "title": other["title"],
                              "other": mine["title"]})
        notifications.notify(s, notifications.officials(s), "interest_official",
                             {"pairing": pairing_id, "page": "review", "title": scen["title"], "other": off["title"]})


def get_pairing(store: Store, pairing_id: int) -> dict | None:
    with store.read() as s:
        row = s.get(Pairing, pairing_id)
        return row_to_dict(row) if row else None


REGION_MAX = 100  # the length of the region columns (schema.py)


@dataclass(frozen=True)
class PairingQuery:
    """Filters of the review queue. None means 'any'."""
    statuses: tuple[str, ...] | None = None
    industry: str | None = None
    region: str | None = None
    min_score: float = 0.0
    language: str | None = None
    since: dt.date | None = None
    scenario_ids: tuple[str, ...] | None = None
    offering_ids: tuple[str, ...] | None = None


def list_pairings(store: Store, q: PairingQuery = PairingQuery(), limit: int = 1000) -> list[dict]:
    """Pairings joined with both records' titles and facts, best score first."""
    stmt = (select(Pairing, ScenarioRow, OfferingRow)
            .join(ScenarioRow, ScenarioRow.id == Pairing.scenario_id)
            .join(OfferingRow, OfferingRow.id == Pairing.offering_id)
            .where(Pairing.score >= q.min_score).order_by(Pairing.score.desc(), Pairing.id).limit(limit))
    if q.statuses:
        stmt = stmt.where(Pairing.status.in_(q.statuses))
    if q.industry:
        stmt = stmt.where((ScenarioRow.industry == q.industry) | (OfferingRow.industry == q.industry))
    if q.region and len(q.region) > REGION_MAX:  # longer than any stored region: nothing can match, and a
        return []                                 # huge LIKE pattern makes SQLite fail ("pattern too complex")
    if q.region:
        # icontains: case-insensitive on both backends (SQLite's LIKE is, PostgreSQL's is not)
        stmt = stmt.where(ScenarioRow.region.icontains(q.region) | OfferingRow.region.icontains(q.region))
    if q.language:
        stmt = stmt.where(ScenarioRow.language == q.language)
    if q.since:
        stmt = stmt.where(Pairing.created_at >= dt.datetime.combine(q.since, dt.time()))
    if q.scenario_ids is not None:
        stmt = stmt.where(Pairing.scenario_id.in_(q.scenario_ids))
    if q.offering_ids is not None:
        stmt = stmt.where(Pairing.offering_id.in_(q.offering_ids))
    out = []
    with store.read() as s:
        for pairing, scen, off in s.execute(stmt):
            row = row_to_dict(pairing)
            row.update(scenario_title=scen.title, scenario_org=scen.organization, scenario_industry=scen.industry,
                       scenario_region=scen.region, scenario_language=scen.language,
                       offering_title=off.title, offering_org=off.organization, offering_industry=off.industry,
                       offering_region=off.region, offering_maturity=off.maturity)
            out.append(row)
    return out


def history(store: Store, pairing_id: int) -> list[dict]:
    """The pairing's audit trail, oldest first."""
    with store.read() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.entity == "pairing",
                                                AuditLog.entity_id == str(pairing_id)).order_by(AuditLog.id))
        return [row_to_dict(r) for r in rows]

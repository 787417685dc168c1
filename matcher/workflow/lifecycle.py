"""Listing lifecycle: published listings expire (scenarios after their deadline, offerings after
offering_valid_days), owners are reminded before, and renew.

`plan` is pure: given the listings' facts and today, it says what expires and who needs a reminder. `sweep`
applies a plan in one write transaction, audited as actor 'system': expired listings get status 'expired'
(so everything that filters on 'published' drops them: matching, the indexes, suggestions, browse pages),
the change feed tells the other processes' indexes, and each owner gets one inbox entry (and e-mail).
A reminder is sent once per listing and expiry date: renewal moves the date, so the next expiry is
reminded again. The plan is recomputed inside the write transaction, so two processes sweeping at once
never expire or remind twice.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, null, or_, select
from sqlalchemy.orm import Session

from matcher.domain.records import FieldError, RecordStatus, RecordValidationError, Side
from matcher.storage.schema import ListingTerm, OfferingRow, ScenarioRow
from matcher.storage.store import ENTITY_FOR_SIDE, ROW_FOR_SIDE, Store
from matcher.workflow.notifications import notify

SYSTEM = "system"
RENEWABLE = {RecordStatus.PUBLISHED, RecordStatus.EXPIRED}
MAX_DEADLINE_YEARS = 5   # a renewed deadline further out is almost surely a typing error (2207 for 2027)


@dataclass(frozen=True)
class Listing:
    """What the sweep needs to know of one published listing."""
    side: Side
    id: str
    title: str
    owner_id: int | None
    ends_on: dt.date            # last listed day; expires the day after
    reminded_for: dt.date | None = None
    dated: bool = False         # a scenario whose deadline is its end (else: the validity period)


@dataclass
class Plan:
    expire: list[Listing] = field(default_factory=list)
    remind: list[Listing] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.expire or self.remind)


def ends_on(side: Side, created_at: dt.datetime, deadline: dt.date | None, valid_until: dt.date | None,
            valid_days: int) -> dt.date:
    """A listing's last listed day: a scenario's deadline; else the term's end; else creation + valid_days."""
    if side == Side.DEMAND and deadline is not None:
        return deadline
    if valid_until is not None:
        return valid_until
    return created_at.date() + dt.timedelta(days=valid_days)


def plan(listings: list[Listing], today: dt.date, remind_days: int) -> Plan:
    """Which published listings expire today (their last day has passed) and which owners to remind (the
    last day is within remind_days, and this expiry date was not reminded of before)."""
    out = Plan()
    for item in listings:
        if today > item.ends_on:
            out.expire.append(item)
        elif (item.ends_on - today).days <= remind_days and item.reminded_for != item.ends_on \
                and item.owner_id is not None:
            out.remind.append(item)
    return out


def _listings(s: Session, valid_days: int, horizon: dt.date) -> list[Listing]:
    """The published listings whose last day is on or before horizon (today + the reminder window). The
    filter runs in SQL, so a sweep with nothing due reads no rows (it runs in an app request every 10 min)."""
    created_before = dt.datetime.combine(horizon - dt.timedelta(days=valid_days - 1), dt.time())
    out = []
    for side, row_cls in ((Side.SUPPLY, OfferingRow), (Side.DEMAND, ScenarioRow)):
        term_on = and_(ListingTerm.side == str(side), ListingTerm.record_id == row_cls.id)
        by_term = or_(and_(ListingTerm.valid_until.is_not(None), ListingTerm.valid_until <= horizon),
                      and_(ListingTerm.valid_until.is_(None), row_cls.created_at < created_before))
        if side == Side.DEMAND:
            deadline_col = ScenarioRow.deadline
            due = or_(and_(deadline_col.is_not(None), deadline_col <= horizon), and_(deadline_col.is_(None), by_term))
        else:
            deadline_col, due = null().label("deadline"), by_term
        stmt = (select(row_cls.id, row_cls.title, row_cls.owner_id, row_cls.created_at, deadline_col,
                       ListingTerm.valid_until, ListingTerm.reminded_for)
                .outerjoin(ListingTerm, term_on).where(row_cls.status == RecordStatus.PUBLISHED, due))
        for rid, title, owner, created, deadline, valid_until, reminded in s.execute(stmt):
            out.append(Listing(side, rid, title, owner, ends_on(side, created, deadline, valid_until, valid_days),
                               reminded, dated=deadline is not None))
    return out


def _term(s: Session, side: Side, record_id: str) -> ListingTerm:
    term = s.get(ListingTerm, (str(side), record_id))
    if term is None:
        term = ListingTerm(side=str(side), record_id=record_id)
        s.add(term)
    return term


@dataclass
class SweepResult:
    expired: dict[Side, list[str]] = field(default_factory=dict)
    reminded: int = 0
    calls_closed: int = 0

    @property
    def expired_count(self) -> int:
        return sum(len(v) for v in self.expired.values())


def sweep(store: Store, today: dt.date, valid_days: int, remind_days: int) -> SweepResult:
    """Expire and remind as plan() says, in one transaction (nothing to do: no write at all)."""
    horizon = today + dt.timedelta(days=remind_days)
    with store.read() as s:
        if not plan(_listings(s, valid_days, horizon), today, remind_days):
            return SweepResult()
    result = SweepResult()
    with store.write() as s:
        todo = plan(_listings(s, valid_days, horizon), today, remind_days)   # again, under the write lock
        for item in todo.expire:
            row = s.get(ROW_FOR_SIDE[item.side], item.id)
            row.status, row.version = str(RecordStatus.EXPIRED), row.version + 1
            why = "deadline_passed" if item.dated else "validity_ended"
            store.audit(s, SYSTEM, ENTITY_FOR_SIDE[item.side], item.id, "status", from_status=RecordStatus.PUBLISHED,
                        to_status=RecordStatus.EXPIRED, reason_code=why, note=f"last listed day {item.ends_on}")
            notify(s, [item.owner_id], "listing_expired", {"record": item.id, "page": "my-submissions",
                                                           "title": item.title, "date": item.ends_on.isoformat()})
            result.expired.setdefault(item.side, []).append(item.id)
        for side, ids in result.expired.items():
            store.changed(s, side, ids)
        for item in todo.remind:
            _term(s, item.side, item.id).reminded_for = item.ends_on
            store.audit(s, SYSTEM, ENTITY_FOR_SIDE[item.side], item.id, "remind_expiry",
                        note=f"expires after {item.ends_on}")
            notify(s, [item.owner_id], "listing_expiring", {"record": item.id, "page": "my-submissions",
                                                            "title": item.title, "date": item.ends_on.isoformat()})
            result.reminded += 1
    return result


def listing_end(store: Store, side: Side, record: dict, valid_days: int) -> dt.date:
    """The last listed day of one stored record (shown to its owner)."""
    with store.read() as s:
        term = s.get(ListingTerm, (str(side), record["id"]))
    return ends_on(side, record["created_at"], record.get("deadline"), term.valid_until if term else None, valid_days)


def started(store: Store, side: Side, record_id: str, today: dt.date, valid_days: int) -> None:
    """First publication by an official: the validity runs from today (time spent in moderation is not
    lost). Later publications keep the term they have."""
    with store.write() as s:
        term = s.get(ListingTerm, (str(side), record_id))
        if term is None:
            s.add(ListingTerm(side=str(side), record_id=record_id,
                              valid_until=today + dt.timedelta(days=valid_days)))


def check_deadline(deadline, today: dt.date) -> dt.date:
    """A renewed scenario's new deadline: a date after today and within MAX_DEADLINE_YEARS."""
    if not isinstance(deadline, dt.date):
        raise RecordValidationError([FieldError("deadline", "deadline is required: enter the new deadline",
                                                "截止日期为必填项：请填写新的截止日期")])
    if deadline <= today:
        raise RecordValidationError([FieldError(
            "deadline", f"deadline must be later than today ({today})", f"截止日期必须晚于今天（{today}）")])
    if deadline > today.replace(year=today.year + MAX_DEADLINE_YEARS):
        raise RecordValidationError([FieldError(
            "deadline", f"deadline must be within {MAX_DEADLINE_YEARS} years",
            f"截止日期不能晚于 {MAX_DEADLINE_YEARS} 年之后")])
    return deadline


def renew(store: Store, side: Side, record_id: str, actor: str, today: dt.date, valid_days: int,
          deadline: dt.date | None = None) -> dt.date:
    """Extend a published or expired listing: an offering (or undated scenario) by valid_days from today, a
    scenario with deadline to the new deadline (validated). An expired listing is published again. One
    transaction, audited; returns the new last listed day. Raises RecordValidationError on a bad deadline
    or a listing that cannot be renewed, KeyError for an unknown id."""
    with store.write() as s:
        row = s.get(ROW_FOR_SIDE[side], record_id)
        if row is None:
            raise KeyError(record_id)
        if row.status not in RENEWABLE:
            raise RecordValidationError([FieldError(
                "status", "only published or expired listings can be renewed",
                "只有已发布或已过期的记录可以续期")])
        term = _term(s, side, record_id)
        if side == Side.DEMAND and (row.deadline is not None or deadline is not None):
            row.deadline = end = check_deadline(deadline, today)
        else:
            term.valid_until = end = today + dt.timedelta(days=valid_days)
        old = row.status
        row.status, row.version = str(RecordStatus.PUBLISHED), row.version + 1
        entity = ENTITY_FOR_SIDE[side]
        store.audit(s, actor, entity, record_id, "renew", from_status=old, to_status=RecordStatus.PUBLISHED,
                    note=f"listed until {end}")
        store._to_backlog(s, side, record_id)   # its pairings are computed again, even after a crash
        store.changed(s, side, [record_id])
    return end

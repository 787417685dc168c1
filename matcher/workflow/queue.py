"""The officials' review queue as a query: saved views, filters, keyword search over both sides, and pages.

One page of pairings is fetched with its total count, so the UI never truncates silently. Keyword search
is a case-insensitive substring match (SQL LIKE) of every word over both records' titles, descriptions and
organisations: substring matching works for Chinese without a tokenizer, and the queue is small enough
(thousands of pairings) that an index-free scan answers well inside a page run.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from matcher.domain.organisations import TagStatus
from matcher.domain.records import PairingStatus as P
from matcher.domain.records import RecordStatus, Side
from matcher.storage.schema import OfferingRow, OrganisationTagRow, Pairing, RecordOrganisation, ScenarioRow
from matcher.storage.store import Store, row_to_dict

# Saved views: which statuses each shows. "to decide" holds what waits for an official's decision,
# "in pipeline" what was approved and is being carried on towards deployment.
VIEWS: dict[str, tuple[str, ...] | None] = {
    "to_decide": (P.SUGGESTED, P.SHORTLISTED, P.UNDER_REVIEW),
    "in_pipeline": (P.APPROVED, P.CONTACTED, P.PILOTING),
    "all": None,
}
PAGE_SIZES = (10, 20, 50, 100)


@dataclass(frozen=True)
class QueueQuery:
    """What the official asked for. None / empty means 'any'. page counts from 1."""
    view: str = "to_decide"
    text: str = ""
    statuses: tuple[str, ...] | None = None   # narrows the view further (None: the view's statuses)
    industry: str | None = None
    region: str | None = None
    min_score: float = 0.0
    language: str | None = None
    since: dt.date | None = None
    tags: tuple[str, ...] = ()                # either side's organisation holds one of these verified tags
    tag_level: str | None = None              # ... at this level (alone: any verified tag at this level)
    page: int = 1
    page_size: int = 20


@dataclass
class QueuePage:
    rows: list[dict]
    total: int
    page: int
    pages: int
    query: QueueQuery = field(repr=False, default_factory=QueueQuery)

    @property
    def first(self) -> int:
        """1-based position of the first row shown (0 when the page is empty)."""
        return (self.page - 1) * self.query.page_size + 1 if self.rows else 0


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching_ids(row_cls, word: str):
    """Ids of one side's records whose title, description or organisation contains word."""
    pattern = _like(word)
    return select(row_cls.id).where(or_(*(col.ilike(pattern, escape="\\") for col in (
        row_cls.title, row_cls.description, row_cls.organization))))


def _tagged_ids(side: Side, tags: tuple[str, ...], level: str | None):
    """Ids of one side's records whose organisation holds a verified tag of these kinds (and level)."""
    stmt = (select(RecordOrganisation.record_id)
            .join(OrganisationTagRow, OrganisationTagRow.organisation_id == RecordOrganisation.organisation_id)
            .where(RecordOrganisation.side == side.value, OrganisationTagRow.status == str(TagStatus.VERIFIED)))
    if tags:
        stmt = stmt.where(OrganisationTagRow.tag.in_([str(t) for t in tags]))
    if level:
        stmt = stmt.where(OrganisationTagRow.level == str(level))
    return stmt


def _conditions(q: QueueQuery, scen, off) -> tuple[list, bool]:
    """WHERE conditions of the query, and whether they need the records joined in."""
    view = VIEWS.get(q.view, None) if q.view in VIEWS else VIEWS["to_decide"]
    statuses = tuple(s for s in (q.statuses or view or ()) if view is None or s in view)
    where, joined = [Pairing.score >= q.min_score], False
    if q.statuses or view is not None:
        where.append(Pairing.status.in_([str(s) for s in statuses]))
    if view == VIEWS["to_decide"]:
        # Nothing to decide on a pairing whose listing left the platform (expired, withdrawn, back in
        # moderation): it returns here when the listing is published again.
        where += [scen.status == RecordStatus.PUBLISHED, off.status == RecordStatus.PUBLISHED]
        joined = True
    if q.industry:
        where.append(or_(scen.industry == q.industry, off.industry == q.industry))
        joined = True
    if q.region:
        where.append(or_(scen.region.contains(q.region, autoescape=True),
                         off.region.contains(q.region, autoescape=True)))
        joined = True
    if q.language:
        where.append(scen.language == q.language)
        joined = True
    if q.since:
        where.append(Pairing.created_at >= dt.datetime.combine(q.since, dt.time()))
    if q.tags or q.tag_level:   # only verified tags count, as in ranking (matcher/workflow/organisations.py)
        where.append(or_(Pairing.scenario_id.in_(_tagged_ids(Side.DEMAND, q.tags, q.tag_level)),
                         Pairing.offering_id.in_(_tagged_ids(Side.SUPPLY, q.tags, q.tag_level))))
    # Each word must occur on one side or the other. The records are matched first (one scan of each
    # side's table per word) and the pairings by id, rather than LIKE on every joined pairing row.
    for word in q.text.split():
        where.append(or_(Pairing.scenario_id.in_(_matching_ids(ScenarioRow, word)),
                         Pairing.offering_id.in_(_matching_ids(OfferingRow, word))))
    return where, joined


def search(store: Store, q: QueueQuery) -> QueuePage:
    """One page of the queue, best score first (ties by id), with the total count of matching pairings.
    A page past the end is clamped to the last page."""
    scen, off = aliased(ScenarioRow), aliased(OfferingRow)
    conditions, joined = _conditions(q, scen, off)
    where = and_(*conditions)
    counted = select(func.count(Pairing.id)).select_from(Pairing)
    if joined:
        counted = counted.join(scen, scen.id == Pairing.scenario_id).join(off, off.id == Pairing.offering_id)
    base = (select(Pairing, scen, off).join(scen, scen.id == Pairing.scenario_id)
            .join(off, off.id == Pairing.offering_id).where(where))
    size = max(1, int(q.page_size))
    with store.read() as s:
        total = s.scalar(counted.where(where)) or 0
        pages = max(1, math.ceil(total / size))
        page = min(max(1, int(q.page)), pages)
        # Walk the score index in order and stop after the page: SQLite's own choice (the status index) sorts
        # every matching pairing first, about 30 times slower at 10,000 pairings.
        stmt = (base.with_hint(Pairing, "INDEXED BY ix_pairings_score", dialect_name="sqlite")
                .order_by(Pairing.score.desc(), Pairing.id).offset((page - 1) * size).limit(size))
        rows = [joined_row(p, sc, of) for p, sc, of in s.execute(stmt)]
    return QueuePage(rows, total, page, pages, replace(q, page=page, page_size=size))


def joined_row(pairing: Pairing, scen: ScenarioRow, off: OfferingRow) -> dict:
    """A pairing with the facts of both records the queue and the exports show."""
    row = row_to_dict(pairing)
    row.update(scenario_title=scen.title, scenario_org=scen.organization, scenario_industry=scen.industry,
               scenario_region=scen.region, scenario_language=scen.language, scenario_status=scen.status,
               offering_title=off.title, offering_org=off.organization, offering_industry=off.industry,
               offering_region=off.region, offering_maturity=off.maturity, offering_status=off.status)
    return row

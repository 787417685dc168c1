"""Use cases shared by the CLI and the web app: submit, import, moderate, match, seed the demo data."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from matcher.workflow import calls, duplicates, learning, lifecycle, notifications, organisations, review
from matcher.workflow.cases import CaseHit, CaseIndex, case_text
from matcher.config import Settings
from matcher.search import evidence
from matcher.search.encoders import create_encoder
from matcher.search.engine import OTHER, Engine
from matcher.io import import_jobs
from matcher.io.imports import parse_records, read_source
from matcher.search.ranking import Filters, Lift, Suggestion
from matcher.domain.records import RecordStatus, Side, record_text, validate_record
from matcher.storage.changefeed import ChangeFeed
from matcher.storage.store import Store

Progress = Callable[[float, str], None]
PAIRING_CHUNK = 50      # records whose pairings are saved in one transaction (refresh_pairings)
SWEEP_SECONDS = 600.0   # how often a long-lived process expires listings and sends reminders (catch_up)
log = logging.getLogger(__name__)
_imports_lock = threading.Lock()


class Imported(list):
    """The ids an import committed. deferred is None, or why indexing/matching stopped after the commit
    (the rows are saved whatever it says; the next start indexes and matches what is missing)."""
    deferred: str | None = None


def _quiet(_fraction: float, _message: str) -> None:
    pass


@dataclass
class Platform:
    """The store and the engine of one process, with the operations users perform on them."""

    settings: Settings
    store: Store
    engine: Engine
    synced_at: float = field(default_factory=time.monotonic)
    case_index: CaseIndex = field(default_factory=CaseIndex)                            # problems: similar cases
    case_search: CaseIndex = field(default_factory=lambda: CaseIndex(case_text))        # the library's search box
    feed: ChangeFeed | None = None
    swept_at: float = float("-inf")                                                     # lifecycle sweep (catch_up)
    _imports: Any = None

    @classmethod
    def open(cls, settings: Settings, encoder=None, sync: bool = True, follow: bool = False) -> "Platform":
        """follow=True (long-lived processes: the app) applies other processes' writes to the indexes as they
        commit (storage/changefeed.py); short CLI commands do not need it."""
        from matcher.domain import units

        # the indicator checks' unit registry (pint, ~2-4 s) is built while the model loads, not at the first view
        threading.Thread(target=units.warm, name="indicator-units", daemon=True).start()
        store = Store(settings.database_url)
        platform = cls(settings, store, Engine(settings, store, encoder or create_encoder(settings)))
        platform.engine.learned = learning.current(store)
        # The organisation and verified tags of each indexed record live beside the indexes (lifts without SQL);
        # a change to them (a tag verified, a listing linked) refreshes those records here after its commit,
        # and in other processes through the change feed.
        platform.engine.links = lambda side, ids: organisations.record_links(store, side, ids)
        store.listeners.append(platform.engine.refresh)
        if follow:  # before the sync: a write committed during the sync is applied (again, harmlessly)
            platform.feed = ChangeFeed(store, platform.engine.refresh)
        if sync:
            platform.engine.sync()
            # Listings from before organisations existed carry a free-text name: link each to a row.
            organisations.link_records(store)
            platform.repair_pairings()
            import_jobs.sweep(store)   # imports a crash stopped show as interrupted, never as running
        if platform.feed is not None:
            platform.feed.start()
        return platform

    def repair_pairings(self) -> int:
        """Compute the pairings of records left in the backlog (a crash after their commit); returns how many."""
        done = 0
        for side in Side:
            if ids := self.store.backlog(side):
                log.info("computing pairings of %d %s records left from an interrupted run", len(ids), side)
                self.refresh_pairings(side, ids)
                done += len(ids)
        return done

    def catch_up(self, every_seconds: float = 300.0) -> None:
        """Safety net behind the change feed: every few minutes a cheap id/hash comparison of the indexes
        with the database, re-indexing only what differs (also covers writes made outside the store)."""
        if time.monotonic() - self.synced_at >= every_seconds:
            self.engine.sync()
            self.engine.learned = learning.current(self.store)   # an admin elsewhere may have learned or rolled back
            self.synced_at = time.monotonic()
        if time.monotonic() - self.swept_at >= SWEEP_SECONDS:   # the first run of the app sweeps at once
            self.swept_at = time.monotonic()
            try:
                self.expire_listings()
            except Exception:  # noqa: BLE001 - a failed sweep must not break the page; the next one retries
                log.exception("listing lifecycle sweep failed")

    def feed_head(self) -> int:
        """Id of the newest change-feed row (how far a follower must have read to be up to date)."""
        return (self.feed or ChangeFeed(self.store, lambda side, ids: None)).head()

    def close(self) -> None:
        """Stop following the feed, write changed indexes, release the database connections."""
        if self.feed is not None:
            self.feed.stop()
        self.engine.flush()
        self.store.engine.dispose()

    # --- records ------------------------------------------------------------------------------

    def submit(self, side: Side, data: dict[str, Any], actor: str, owner_id: int | None = None,
               status: RecordStatus = RecordStatus.PENDING) -> str:
        """Validate and save one record (raises RecordValidationError naming each bad field)."""
        record = validate_record(side, data)
        [record_id] = self.store.add_records(side, [record], actor=actor, owner_id=owner_id, status=status)
        organisations.link_records(self.store, side, [record_id], actor=actor)
        if status == RecordStatus.PENDING:
            notifications.submission_waiting(self.store, side, record_id)
        self._after_change(side, [record_id])
        return record_id

    def update(self, side: Side, record_id: str, data: dict[str, Any], actor: str) -> None:
        record = validate_record(side, {**data, "id": record_id})
        self.store.update_record(side, record_id, record, actor)
        self._after_change(side, [record_id])

    def set_status(self, side: Side, record_id: str, status: RecordStatus, actor: str,
                   note: str | None = None, reason_code: str | None = None) -> None:
        self.store.set_record_status(side, record_id, status, actor, note=note, reason_code=reason_code)
        if status == RecordStatus.PUBLISHED:   # the listing's validity runs from its first publication
            lifecycle.started(self.store, side, record_id, dt.date.today(), self.settings.offering_valid_days)
        notifications.record_status(self.store, side, record_id, status, note, reason_code)
        self._after_change(side, [record_id])

    def import_file(self, side: Side, source: Path | bytes, filename: str, actor: str,
                    owner_id: int | None = None, status: RecordStatus = RecordStatus.PUBLISHED,
                    progress: Progress = _quiet, on_commit: Callable | None = None) -> list[str]:
        """All or nothing: every row valid and stored in one transaction, or nothing stored at all.

        The same file content imported before on this side is refused (RecordValidationError, field 'file').
        Once the rows are committed this returns them, whatever happens next: a failure while indexing or
        matching (a full disk, say) is logged and reported in Imported.deferred, and the next start completes
        the indexes (Engine.sync) and the pairings (the backlog). on_commit(session, ids) runs inside the
        records' transaction (Store.add_records)."""
        progress(0.05, "parse")
        data = read_source(source)
        records = parse_records(side, data, filename)
        progress(0.2, "save")
        ids = Imported(self.store.add_records(side, records, actor=actor, owner_id=owner_id, status=status,
                                              file=(hashlib.sha256(data).hexdigest(), filename), on_commit=on_commit))
        try:
            organisations.link_records(self.store, side, ids, actor=actor)
            progress(0.3, "index")
            self._after_change(side, ids, progress)
            self.engine.flush()
        except Exception as exc:  # noqa: BLE001  (the commit stands; report, do not raise)
            log.exception("import of %s committed; indexing or matching stopped", filename)
            ids.deferred = f"{type(exc).__name__}: {exc}"
        progress(1.0, "done")
        return ids

    @property
    def imports(self) -> "import_jobs.ImportJobs":
        """The background import jobs of this platform (the web page's imports)."""
        with _imports_lock:  # two sessions' first imports at once still share one worker
            if self._imports is None:
                self._imports = import_jobs.ImportJobs(self)
        return self._imports

    def _after_change(self, side: Side, record_ids: list[str], progress: Progress = _quiet) -> None:
        """Re-index the changed records and refresh their suggested pairings."""
        self.engine.refresh(side, record_ids)
        self.refresh_pairings(side, record_ids, progress)

    # --- listing lifecycle and calls (workflow/lifecycle.py, workflow/calls.py) ------------------------

    def expire_listings(self, today: dt.date | None = None) -> lifecycle.SweepResult:
        """Expire published listings past their last day, remind owners of coming expiries, close calls past
        their closing date; the expired listings leave this process's indexes now (others' by the feed)."""
        today = today or dt.date.today()
        result = lifecycle.sweep(self.store, today, self.settings.offering_valid_days,
                                 self.settings.expiry_reminder_days)
        result.calls_closed = calls.close_overdue(self.store, today)
        for side, ids in result.expired.items():
            self.engine.refresh(side, ids)
        return result

    def renew(self, side: Side, record_id: str, actor: str, deadline: dt.date | None = None,
              today: dt.date | None = None) -> dt.date:
        """Extend a listing (see lifecycle.renew); an expired one is published and matched again."""
        end = lifecycle.renew(self.store, side, record_id, actor, today or dt.date.today(),
                              self.settings.offering_valid_days, deadline)
        self._after_change(side, [record_id])
        return end

    def listing_end(self, side: Side, record: dict) -> dt.date:
        return lifecycle.listing_end(self.store, side, record, self.settings.offering_valid_days)

    # --- matching -----------------------------------------------------------------------------

    def suggestions(self, side: Side, record_id: str, k: int | None = None, filters: Filters | None = None,
                    tags: list[str] | None = None, tag_level: str | None = None) -> list[Suggestion]:
        """Counterparts of a stored record. tags / tag_level: only counterparts whose organisation holds a
        verified tag of one of these kinds (at this level); the tag ranking signal is not affected."""
        own = self.engine.sides[side]
        with own.lock:   # a published record's ranking fields are in memory beside the indexes: no SQL
            found = own.facts.records([record_id])
        record = found[0] if found else self.store.get_record(side, record_id)
        if record is None:
            raise KeyError(record_id)
        if tags or tag_level:
            only = self.tag_filter(OTHER[side], tags or [], tag_level)
            filters = filters or Filters()
            filters = replace(filters, only_ids=only if filters.only_ids is None else filters.only_ids & only)
        return self.engine.match(record, side, k, filters, self.lifts(side, record))

    def lifts(self, side: Side, query: dict) -> dict[str, list[Lift]]:
        """Bounded lifts for the counterparts of query (see matcher/search/evidence.py): verified tags of
        their organisations (unless switched off), and, for a scenario, suppliers of similar past cases."""
        facts = self.engine.sides[OTHER[side]].facts    # only indexed (published) records can be candidates
        with self.engine.sides[OTHER[side]].lock:
            tagged = facts.tagged() if self.settings.tag_lift_max > 0 else {}
        tags = (evidence.tag_lifts(tagged, self.settings.tag_lift_max)
                if tagged and organisations.tag_signal_on(self.store) else {})
        if side != Side.DEMAND or self.settings.case_lift_max <= 0:
            return tags
        hits = self.similar_cases(query)
        suppliers = organisations.case_suppliers(self.store, [h.id for h in hits])
        with self.engine.sides[Side.SUPPLY].lock:
            offered = facts.of_organisations(set(suppliers.values()))
        return evidence.merge(tags, evidence.case_lifts([(h.id, h.score) for h in hits],
                                                        {cid: offered.get(oid, []) for cid, oid in suppliers.items()},
                                                        self.settings.case_lift_max))

    def similar_cases(self, query: dict | str, k: int = 3) -> list[CaseHit]:
        """Past cases most similar to a scenario (or a text), at or above case_min_similarity."""
        text = query if isinstance(query, str) else record_text(query)
        return self.case_index.search(self.engine, self.store, text, k, self.settings.case_min_similarity,
                                      remember=not isinstance(query, str) and query.get("id") is not None)

    def search_cases(self, text: str, k: int = 20) -> list[CaseHit]:
        """The case library's search: problem, solution and results, best first."""
        return self.case_search.search(self.engine, self.store, text, k, min_score=0.01)

    def tag_filter(self, side: Side, tags: list[str], level: str | None = None) -> frozenset[str]:
        """Ids of side's records whose organisation holds a verified tag of one of these kinds (any kind when
        tags is empty), at level when given. Only verified tags count."""
        wanted = {str(t) for t in tags}
        return frozenset(rid for rid, held in organisations.verified_tags_by_record(self.store, side).items()
                         if any((not wanted or tag in wanted) and (not level or lvl == str(level))
                                for tag, lvl, _year in held))

    def refresh_pairings(self, side: Side, record_ids: list[str], progress: Progress = _quiet) -> int:
        """Match each published record and store the good suggestions as pairings to review.

        In chunks of PAIRING_CHUNK records: one read of their rows and one write of their pairings per chunk
        (a transaction per record made a 400-row import on PostgreSQL spend half its time in round trips);
        each chunk leaves the backlog once its pairings are saved."""
        new = 0
        for start in range(0, len(record_ids), PAIRING_CHUNK):
            chunk = record_ids[start:start + PAIRING_CHUNK]
            records = self.store.get_records(side, chunk)
            found = []
            for n, record_id in enumerate(chunk, start + 1):
                record = records.get(record_id)
                if record and record["status"] == RecordStatus.PUBLISHED:
                    found += self.engine.match(record, side, self.settings.top_k, lifts=self.lifts(side, record))
                progress(0.3 + 0.7 * n / max(len(record_ids), 1), "match")
            new += review.save_suggestions(self.store, found, self.settings.min_pair_score)
            self.store.done_backlog(side, chunk)
        return new

    def near_duplicates(self, side: Side, data: dict[str, Any], owner_id: int | None = None,
                        threshold: float = 0.85) -> list[duplicates.Duplicate]:
        """Records on the same side very close to this draft: published ones, ones waiting for moderation,
        and the owner's own earlier submissions."""
        return duplicates.find(self.store, self.engine, side, data, owner_id=owner_id, threshold=threshold)

    # --- learning from decisions ----------------------------------------------------------------

    def learn_from_decisions(self, actor: str) -> list[learning.Proposal]:
        """Per-industry signal parameters from the decisions so far (audited); the ranking uses them at once."""
        changes = learning.learn(self.store, actor, self.settings.learning_min_decisions)
        self.engine.learned = learning.current(self.store)
        return changes

    def rollback_learning(self, industry: str, actor: str) -> None:
        learning.rollback(self.store, industry, actor)
        self.engine.learned = learning.current(self.store)

    def freeze_learning(self, industry: str, is_frozen: bool, actor: str) -> None:
        learning.set_frozen(self.store, industry, is_frozen, actor)

    # --- demo data ----------------------------------------------------------------------------

    def seed_demo(self, progress: Progress = _quiet) -> bool:
        """Load data/demo into an empty database. Returns False (and does nothing) if it holds records."""
        if self.store.count(Side.SUPPLY) or self.store.count(Side.DEMAND):
            return False
        demo = self.settings.demo_dir
        off = self.import_file(Side.SUPPLY, demo / "offerings.csv", "offerings.csv", "demo",
                               progress=lambda f, m: progress(0.5 * f, m))
        from matcher.workflow import programme_demo

        # Organisations, tags and cases before the scenarios, so the scenarios' pairings carry their lifts.
        programme_demo.seed_registry(self, demo)
        self.import_file(Side.DEMAND, demo / "scenarios.csv", "scenarios.csv", "demo",
                         progress=lambda f, m: progress(0.5 + 0.45 * f, m))
        programme_demo.seed_projects(self, demo)
        programme_demo.seed_campaigns(self, demo)
        progress(1.0, "done")
        return bool(off)


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            qrels.setdefault(row["scenario_id"], {})[row["offering_id"]] = int(row["relevance"])
    return qrels

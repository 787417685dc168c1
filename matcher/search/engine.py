"""The matching engine: keeps both sides' vector and lexical indexes in step with the store, answers matches."""
from __future__ import annotations

import ctypes
import gc
import json
import logging
import shutil
import sys
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping

import numpy as np
from sqlalchemy import select

from matcher.config import Settings
from matcher.search.encoders import Encoder, safe_name
from matcher.search.facts import COLUMNS, Link, RecordFacts
from matcher.search.index import IVF_NPROBE, VectorIndex
from matcher.search.lexical import LexicalIndex
from matcher.search.ranking import Filters, Lift, Suggestion, rank_candidates, same_organisation
from matcher.domain.records import RecordStatus, Side, content_hash, record_text
from matcher.storage.store import ROW_FOR_SIDE, Store, chunked, row_to_dict
from matcher.domain.taxonomy import load_taxonomy

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; run one writing process per index folder there
    fcntl = None

log = logging.getLogger(__name__)

CANDIDATES_PER_CHANNEL = 100   # each channel nominates this many; both channels score the union
# A hard id filter (e.g. organisations holding a verified tag) up to this size has all its records scored,
# not only those the channels nominate: a tagged counterpart ranked 101st is still found.
MAX_SCORED_FILTER_IDS = 1000
# Index files are rewritten at most this often after single-record changes; a crash in between loses
# nothing, because sync() at start re-adds the missing ids from the embedding cache.
SAVE_EVERY_SECONDS = 30.0
OTHER = {Side.SUPPLY: Side.DEMAND, Side.DEMAND: Side.SUPPLY}


RECENT_MAX, RECENT_BATCH_MAX = 256, 16   # vectors of the app's last texts kept in memory (see RecentVectors)


class RecentVectors:
    """The last few (model, content hash) -> vector pairs this process encoded or looked up, in memory. One submit
    needs the same text's vector 3-4 times (duplicate check, suggestions, similar cases, case lifts): each
    after the first costs a dict lookup instead of an encode or a database round trip. Thread-safe."""

    def __init__(self, size: int = RECENT_MAX):
        self._items: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._size, self._lock = size, threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple[str, str]) -> np.ndarray | None:
        with self._lock:
            vector = self._items.get(key)
            if vector is not None:
                self._items.move_to_end(key)
            return vector

    def put(self, items: Mapping[tuple[str, str], np.ndarray]) -> None:
        with self._lock:
            for key, vector in items.items():
                self._items[key] = vector
                self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


RELEASE_AFTER = 1000   # records indexed by one sync past which freed heap memory is given back to the OS


def release_freed_memory() -> None:
    """Return the C heap's free pages to the OS (glibc's malloc_trim; elsewhere nothing): after a bulk index
    build, the temporary rows, texts and arrays it freed would otherwise stay in the process's RSS."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@dataclass
class CandidatePool:
    """One query's candidates, aligned arrays: what rank_candidates (and calibration) need."""
    records: list[dict]
    dense: np.ndarray           # cosine to the query
    lexical: np.ndarray         # raw BM25
    doc_coverage: np.ndarray    # share of each candidate the model reads
    query_coverage: float
    lexical_ref: float          # the query's BM25 against itself
    terms: Callable[[int], list[str]]


@dataclass
class SyncReport:
    side: Side
    added: int
    removed: int
    total: int


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Cross-process lock on an index folder. Several processes (the app, CLI imports, workers) may
    save the same folder: without it their fixed-name temp files collide (FileNotFoundError reaching
    the user after the record was committed) and a load can pair one writer's vectors with another's ids."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


class SideIndex:
    """Vector + lexical index of one side's published records, with per-record model coverage."""

    def __init__(self, folder: Path, dim: int, ann_threshold: int | None = None, precision: str = "float32",
                 nprobe: int = IVF_NPROBE):
        self.folder = folder
        with _folder_lock(folder):
            # From ann_threshold vectors on, the dense index is approximate (IVF; see index.py).
            self.vectors = VectorIndex.load(folder, dim, ann_threshold, precision, nprobe)
            # An unreadable file is not fatal: it loads empty and sync() re-indexes from the database.
            try:
                self.lexical = (LexicalIndex.load(folder / "lexical") if (folder / "lexical").exists()
                                else LexicalIndex())
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                log.warning("lexical index in %s unreadable (%s): re-indexing", folder, exc)
                self.lexical = LexicalIndex()
            try:
                coverage = json.loads((folder / "coverage.json").read_text("utf-8"))
                self.coverage: dict[str, float] = coverage if isinstance(coverage, dict) else {}
            except (OSError, ValueError):
                self.coverage = {}
        # What ranking reads of each indexed record (search/facts.py): rebuilt from the database by sync(),
        # never saved, so it cannot disagree with a database swapped underneath.
        self.facts = RecordFacts()
        self.lock = threading.RLock()
        self._save_lock = threading.Lock()
        self.dirty, self.saved_at = False, time.monotonic()

    def nbytes(self) -> dict[str, int]:
        """Bytes held per structure (see each one's nbytes)."""
        with self.lock:
            coverage = sys.getsizeof(self.coverage) + sum(sys.getsizeof(v) for v in self.coverage.values())
            return {"vectors": self.vectors.nbytes(), "lexical": self.lexical.nbytes(),
                    "facts": self.facts.nbytes(), "coverage": coverage}

    def save(self) -> None:
        """Snapshot in memory under the side's lock, then write to disk without it: searches and writes
        wait for the copy (~0.1 s at 100k records), never for the disk (seconds at 100k)."""
        with self._save_lock:                  # one save at a time, so an older snapshot never lands last
            with self.lock:
                self.dirty, self.saved_at = False, time.monotonic()
                vectors, lexical = self.vectors.snapshot(), self.lexical.snapshot()
                coverage = dict(self.coverage)
            with _folder_lock(self.folder):
                VectorIndex.write(self.folder, vectors)
                LexicalIndex.write(self.folder / "lexical", lexical)
                tmp = self.folder / "coverage.json.tmp"
                tmp.write_text(json.dumps(coverage), encoding="utf-8")
                tmp.replace(self.folder / "coverage.json")


def database_index_dir(settings: Settings, database_id: str) -> Path:
    """The index folder of one database: <index_dir>/<database id>/ (one sub-folder per encoder model)."""
    return settings.index_dir / database_id


def _claim(root: Path, database_id: str) -> None:
    """Make root the index folder of this database. A folder marked as another database's (copied or
    moved var folders, a database swapped underneath) is emptied, and sync() rebuilds it from the database:
    vectors come from the embeddings table, nothing is re-encoded."""
    marker = root / "database.json"
    try:
        owner = json.loads(marker.read_text("utf-8")).get("database_id")
    except (OSError, ValueError, AttributeError):
        owner = None
    if owner == database_id:
        return
    if owner is not None:
        log.warning("index folder %s belongs to database %s, not to this database %s: rebuilding it from the "
                    "embeddings table", root, owner, database_id)
        shutil.rmtree(root, ignore_errors=True)
    elif root.exists() and any(root.iterdir()):
        log.warning("index folder %s has no owner mark: rebuilding it from the embeddings table", root)
        shutil.rmtree(root, ignore_errors=True)
    else:
        log.info("new index folder %s for database %s: building it from the embeddings table", root, database_id)
    root.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"database_id": database_id}), "utf-8")


class Engine:
    """One per process (Streamlit shares it across sessions); every index write holds the side's lock."""

    def __init__(self, settings: Settings, store: Store, encoder: Encoder):
        self.settings, self.store, self.encoder = settings, store, encoder
        self.index_root = database_index_dir(settings, store.database_id) / safe_name(encoder.name)
        with _folder_lock(self.index_root.parent):   # beside the folder: _claim may delete it
            _claim(self.index_root, store.database_id)
        self.sides = {side: SideIndex(self.index_root / side.value, encoder.dim, settings.ann_threshold,
                                      settings.vector_precision, settings.ann_nprobe)
                      for side in Side}
        self.taxonomy = load_taxonomy()
        # per scenario industry, signal parameters learned from decisions (set by the service layer: the
        # search package never reads the workflow tables itself)
        self.learned: dict[str, dict[str, float]] = {}
        self._recent = RecentVectors()
        # side, record ids -> each record's organisation and its verified tags (set by the service layer,
        # for the same reason); None: no organisation data (benchmarks, evaluation)
        self.links: Callable[[Side, list[str]], Mapping[str, Link]] | None = None

    # --- keeping indexes in step with the store ------------------------------------------------

    def embed(self, texts: list[str], progress: bool = False, remember: bool = True,
              stored: bool = True) -> np.ndarray:
        """Vectors for texts, encoding only those whose (model, content hash) is not cached yet: first the few
        vectors this process made last (RecentVectors), then the database's embedding cache.

        remember=False skips writing new vectors to the database cache (free-text queries: one write per search
        would serialise every searcher on the database's write lock); stored=False skips reading it too (a
        lookup per search costs a database round trip and rarely hits)."""
        hashes = [content_hash(t) for t in texts]
        model = self.encoder.name
        cached = {h: v for h in hashes if (v := self._recent.get((model, h))) is not None}
        if stored and len(cached) < len(set(hashes)):
            cached.update(self.store.get_embeddings(model, [h for h in set(hashes) if h not in cached]))
        todo = {h: t for h, t in zip(hashes, texts) if h not in cached}
        if todo:
            fresh = self.encoder.encode(list(todo.values()), progress=progress)
            new = dict(zip(todo.keys(), fresh))
            if remember:
                self.store.put_embeddings(self.encoder.name, new)
            cached.update(new)
        if len(texts) <= RECENT_BATCH_MAX:   # the app's single texts, not bulk imports
            self._recent.put({(model, h): v for h, v in cached.items()})
        return np.stack([cached[h] for h in hashes]) if texts else np.zeros((0, self.encoder.dim), np.float32)

    def sync(self, progress: bool = False) -> list[SyncReport]:
        """Check each side's indexes against the database; re-index only missing, changed or extra ids."""
        reports = [self._sync_side(side, progress) for side in Side]
        if sum(r.added for r in reports) > RELEASE_AFTER:
            gc.collect()
            release_freed_memory()
        return reports

    def _sync_side(self, side: Side, progress: bool) -> SyncReport:
        index = self.sides[side]
        row_cls = ROW_FOR_SIDE[side]
        with self.store.read() as s:
            want = {rid: (h, v) for rid, h, v in s.execute(select(row_cls.id, row_cls.content_hash, row_cls.version)
                                                             .where(row_cls.status == RecordStatus.PUBLISHED))}
        with index.lock:
            have = index.vectors.hashes
            lexical_ids = set(index.lexical.ids)
            extra = [rid for rid in set(have) | lexical_ids | set(index.facts.ids()) if rid not in want]
            stale = [rid for rid, (h, _v) in want.items()
                     if have.get(rid) != h or rid not in lexical_ids or rid not in index.coverage]
            if extra:
                self._remove(side, extra)
            if stale:
                self._index(side, stale, progress)
            # Facts are never saved: after a start every record needs them; an edit of the structured fields
            # alone (region, maturity: same text) shows as a new version.
            todo = set(stale)
            facts = [rid for rid, (_h, v) in want.items() if rid not in todo and index.facts.version(rid) != v]
            if facts:
                self._load_facts(side, facts)
            report = SyncReport(side, len(stale), len(extra), len(index.vectors))
        if extra or stale:
            index.save()   # outside the lock: the disk write never blocks searches
        return report

    def _index(self, side: Side, record_ids: list[str], progress: bool = False) -> None:
        index = self.sides[side]
        row_cls = ROW_FOR_SIDE[side]
        with self.store.read() as s:
            rows = [row_to_dict(r) for part in chunked(record_ids)
                    for r in s.scalars(select(row_cls).where(row_cls.id.in_(part)))]
        texts = [record_text(r) for r in rows]
        ids = [r["id"] for r in rows]
        vectors = self.embed(texts, progress=progress)
        links = self._links(side, ids)
        with index.lock:
            index.vectors.upsert(ids, vectors, [r["content_hash"] for r in rows])
            index.lexical.add(ids, texts)          # replaces any earlier version of these ids
            index.coverage.update({i: self.encoder.coverage(t) for i, t in zip(ids, texts)})
            index.facts.put(rows, links)

    def _load_facts(self, side: Side, record_ids: list[str]) -> None:
        """(Re)load the facts of indexed records from the database, without touching vectors or words."""
        table = ROW_FOR_SIDE[side].__table__
        cols = [c for c in table.c if c.key in COLUMNS]
        wanted = set(record_ids)
        with self.store.read() as s:
            if len(wanted) > 2000:   # a start: one scan of the side beats thousands of IN lists
                rows = [m for m in s.execute(select(*cols).where(table.c.status == RecordStatus.PUBLISHED))
                        .mappings() if m["id"] in wanted]
            else:
                rows = [m for part in chunked(record_ids, 500)
                        for m in s.execute(select(*cols).where(table.c.id.in_(part))).mappings()]
        links = self._links(side, [r["id"] for r in rows])
        with self.sides[side].lock:
            self.sides[side].facts.put(rows, links)

    def _links(self, side: Side, record_ids: list[str]) -> Mapping[str, Link]:
        return self.links(side, record_ids) if self.links is not None and record_ids else {}

    def _remove(self, side: Side, record_ids: list[str]) -> None:
        index = self.sides[side]
        with index.lock:
            index.vectors.remove(record_ids)
            index.lexical.remove(record_ids)
            index.facts.drop(record_ids)
            for rid in record_ids:
                index.coverage.pop(rid, None)

    def refresh(self, side: Side, record_ids: list[str]) -> None:
        """Bring these records' index entries in line with the store (after create, edit or status change, or a
        change beside the record: its organisation's tags). A published record whose text is indexed as it
        stands only gets its facts re-read: the same text has the same vector, words and coverage."""
        index = self.sides[side]
        with index.lock:
            records = {r["id"]: r for r in self._fetch(side, record_ids)}
            live = [rid for rid in record_ids if records.get(rid, {}).get("status") == RecordStatus.PUBLISHED]
            alive = set(live)
            gone = [rid for rid in record_ids if rid not in alive
                    and (index.vectors.hash_of(rid) is not None or rid in index.facts)]
            same = [rid for rid in live if index.vectors.hash_of(rid) == records[rid]["content_hash"]
                    and rid in index.coverage]
            kept = set(same)
            changed = [rid for rid in live if rid not in kept]
            if gone:
                self._remove(side, gone)
            if changed:
                self._index(side, changed)
            if same:
                index.facts.put([records[rid] for rid in same], self._links(side, same))
            if gone or changed:  # a pending record changes no index, and facts are not saved
                index.dirty = True
            due = index.dirty and time.monotonic() - index.saved_at > SAVE_EVERY_SECONDS
        if due:
            index.save()   # outside the lock: the disk write never blocks searches

    def flush(self) -> None:
        """Write every index changed since its last save (end of an import, a CLI command, shutdown)."""
        for index in self.sides.values():
            if index.dirty:
                index.save()

    # --- matching ------------------------------------------------------------------------------

    def match_record(self, side: Side, record_id: str, k: int | None = None,
                     filters: Filters | None = None, lifts: Mapping[str, list[Lift]] | None = None
                     ) -> list[Suggestion]:
        """Counterparts for a stored record (any status: an enterprise sees suggestions before moderation)."""
        found = self._fetch(side, [record_id])
        if not found:
            raise KeyError(record_id)
        return self.match(found[0], side, k, filters, lifts)

    def match_text(self, text: str, side: Side, k: int | None = None, filters: Filters | None = None,
                   **fields) -> list[Suggestion]:
        """Counterparts for free text posted on `side` (supply text finds scenarios, and vice versa)."""
        return self.match({"id": None, "title": text, "description": "", **fields}, side, k, filters)

    def match(self, query: dict, side: Side, k: int | None = None, filters: Filters | None = None,
              lifts: Mapping[str, list[Lift]] | None = None, exclude_own: bool = True,
              among: frozenset[str] | None = None) -> list[Suggestion]:
        """Counterparts of query on the other side.

        lifts: candidate id -> bounded lifts from evidence the engine does not hold (tags, cases).
        exclude_own: leave out the query organisation's own records (off for labelled benchmark sets).
        among: rank exactly these counterparts (a sub-population such as service offers) instead of the
            ones the channels nominate, so none of them is missed however large the index.
        """
        only = filters.only_ids if filters is not None else None
        include = only if only is not None and len(only) <= MAX_SCORED_FILTER_IDS else None
        pool = self.candidates(query, side, exclude_own, among, include)
        if pool is None:
            return []
        return rank_candidates(query, side, pool.records, pool.dense, pool.lexical, pool.query_coverage,
                               pool.doc_coverage, pool.terms, k or self.settings.top_k, filters,
                               lexical_ref=pool.lexical_ref, calibration=self.encoder.profile.calibration,
                               lifts=lifts, learned=self.learned)

    def candidates(self, query: dict, side: Side, exclude_own: bool = True,
                   among: frozenset[str] | None = None,
                   include: frozenset[str] | None = None) -> CandidatePool | None:
        """The published counterparts either channel nominates for the query (or exactly the indexed ones of
        among; and the indexed ones of include, such as a small tag filter's records, are always scored),
        with both channels' raw scores."""
        target = self.sides[OTHER[side]]
        text = record_text(query)
        qvec = self.query_vector(query, side, text)
        with target.lock:
            lex = target.lexical.search(text, CANDIDATES_PER_CHANNEL)
            if among is None:
                pool = {rid for rid, _ in target.vectors.search(qvec, CANDIDATES_PER_CHANNEL)[0]}
                pool.update(rid for rid, _ in lex.top)
            else:
                pool = {rid for rid in among if target.vectors.hash_of(rid) is not None}
            if include:
                pool.update(rid for rid in include if target.vectors.hash_of(rid) is not None)
            pool.discard(query.get("id"))
            ids = sorted(pool)
            if not ids:
                return None
            dense = target.vectors.vectors(ids) @ qvec[0]
            lexical = lex.scores_for(ids)
            doc_cov = np.array([target.coverage.get(rid, 1.0) for rid in ids])
            # From memory, not the database: the facts hold exactly the published records indexed here.
            candidates = {r["id"]: r for r in target.facts.records(ids)
                          if not (exclude_own and same_organisation(query, r))}
        keep = [i for i, rid in enumerate(ids) if rid in candidates]
        cands = [candidates[ids[i]] for i in keep]

        match_terms = target.lexical.term_matcher(text, lex.terms)

        def terms(i: int) -> list[str]:  # only the k suggestions shown need their terms
            return match_terms(cands[i]["id"], lambda: record_text(cands[i]))
        return CandidatePool(cands, dense[keep], lexical[keep], doc_cov[keep], self.encoder.coverage(text),
                             lex.self_score, terms)

    def query_vector(self, query: dict, side: Side, text: str) -> np.ndarray:
        """The query's vector without the embedding cache where it is not needed: a stored record indexed with
        this very text reuses its indexed vector (the cached one, rounded to the index's precision); free text is
        encoded (a cache lookup per search costs a database round trip and rarely hits), or taken from the few
        vectors this process made last (a submit checks its draft for duplicates, then matches the same text).
        Other stored records (pending, or an edit not yet indexed) go through the cache as before."""
        rid = query.get("id")
        if rid is None:
            return self.embed([text], remember=False, stored=False)
        own = self.sides[side]
        with own.lock:
            if own.vectors.hash_of(rid) == content_hash(text):
                return own.vectors.vectors([rid])
        return self.embed([text])

    def _fetch(self, side: Side, record_ids: list[str]) -> list[dict]:
        row_cls = ROW_FOR_SIDE[side]
        with self.store.read() as s:
            # Core rows, not ORM objects: the same dicts as row_to_dict (same columns and types), but
            # building ~150 ORM instances per match was its largest cost after BM25 (benchmarks/RESULTS.md).
            return [dict(m) for m in s.execute(select(row_cls.__table__)
                                               .where(row_cls.id.in_(record_ids))).mappings()]

"""The matching engine: keeps both sides' vector and lexical indexes in step with the store, answers matches."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select

from matcher.config import Settings
from matcher.encoder import Encoder
from matcher.index import VectorIndex
from matcher.lexical import LexicalIndex
from matcher.ranking import Filters, Suggestion, rank_candidates
from matcher.records import RecordStatus, Side, content_hash, record_text
from matcher.store import ROW_FOR_SIDE, Store, row_to_dict
from matcher.taxonomy import load_taxonomy

CANDIDATES_PER_CHANNEL = 100   # each channel nominates this many; both channels score the union
OTHER = {Side.SUPPLY: Side.DEMAND, Side.DEMAND: Side.SUPPLY}


@dataclass
class SyncReport:
    side: Side
    added: int
    removed: int
    total: int


class SideIndex:
    """Vector + lexical index of one side's published records, with per-record model coverage."""

    def __init__(self, folder: Path, dim: int):
        self.folder = folder
        self.vectors = VectorIndex.load(folder, dim)
        self.lexical = LexicalIndex.load(folder / "lexical") if (folder / "lexical").exists() else LexicalIndex()
        coverage_file = folder / "coverage.json"
        self.coverage: dict[str, float] = (json.loads(coverage_file.read_text("utf-8"))
                                           if coverage_file.exists() else {})
        self.lock = threading.RLock()

    def save(self) -> None:
        with self.lock:
            self.vectors.save(self.folder)
            self.lexical.save(self.folder / "lexical")
            tmp = self.folder / "coverage.json.tmp"
            tmp.write_text(json.dumps(self.coverage), encoding="utf-8")
            tmp.replace(self.folder / "coverage.json")


class Engine:
    """One per process (Streamlit shares it across sessions); every index write holds the side's lock."""

    def __init__(self, settings: Settings, store: Store, encoder: Encoder):
        self.settings, self.store, self.encoder = settings, store, encoder
        root = settings.index_dir / _safe_name(encoder.name)
        self.sides = {side: SideIndex(root / side.value, encoder.dim) for side in Side}
        self.taxonomy = load_taxonomy()

    # --- keeping indexes in step with the store ------------------------------------------------

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Vectors for texts, encoding only those whose (model, content hash) is not cached yet."""
        hashes = [content_hash(t) for t in texts]
        cached = self.store.get_embeddings(self.encoder.name, list(set(hashes)))
        todo = {h: t for h, t in zip(hashes, texts) if h not in cached}
        if todo:
            fresh = self.encoder.encode(list(todo.values()), progress=progress)
            new = dict(zip(todo.keys(), fresh))
            self.store.put_embeddings(self.encoder.name, new)
            cached.update(new)
        return np.stack([cached[h] for h in hashes]) if texts else np.zeros((0, self.encoder.dim), np.float32)

    def sync(self, progress: bool = False) -> list[SyncReport]:
        """Check each side's indexes against the database; re-index only missing, changed or extra ids."""
        return [self._sync_side(side, progress) for side in Side]

    def _sync_side(self, side: Side, progress: bool) -> SyncReport:
        index = self.sides[side]
        row_cls = ROW_FOR_SIDE[side]
        with self.store.read() as s:
            want = dict(s.execute(select(row_cls.id, row_cls.content_hash)
                                  .where(row_cls.status == RecordStatus.PUBLISHED)).all())
        with index.lock:
            have = index.vectors.hashes
            lexical_ids = set(index.lexical.ids)
            extra = [rid for rid in set(have) | lexical_ids if rid not in want]
            stale = [rid for rid, h in want.items()
                     if have.get(rid) != h or rid not in lexical_ids or rid not in index.coverage]
            if extra:
                self._remove(side, extra)
            if stale:
                self._index(side, stale, progress)
            if extra or stale:
                index.save()
            return SyncReport(side, len(stale), len(extra), len(index.vectors))

    def _index(self, side: Side, record_ids: list[str], progress: bool = False) -> None:
        index = self.sides[side]
        with self.store.read() as s:
            rows = [row_to_dict(r) for r in s.scalars(select(ROW_FOR_SIDE[side])
                                                      .where(ROW_FOR_SIDE[side].id.in_(record_ids)))]
        texts = [record_text(r) for r in rows]
        ids = [r["id"] for r in rows]
        vectors = self.embed(texts, progress=progress)
        with index.lock:
            index.vectors.upsert(ids, vectors, [r["content_hash"] for r in rows])
            index.lexical.remove([i for i in ids if i in set(index.lexical.ids)])
            index.lexical.add(ids, texts)
            index.coverage.update({i: self.encoder.coverage(t) for i, t in zip(ids, texts)})

    def _remove(self, side: Side, record_ids: list[str]) -> None:
        index = self.sides[side]
        with index.lock:
            index.vectors.remove(record_ids)
            index.lexical.remove([i for i in record_ids if i in set(index.lexical.ids)])
            for rid in record_ids:
                index.coverage.pop(rid, None)

    def refresh(self, side: Side, record_ids: list[str]) -> None:
        """Bring these records' index entries in line with the store (after create, edit or status change)."""
        index = self.sides[side]
        with index.lock:
            records = {r["id"]: r for r in self._fetch(side, record_ids)}
            live = [rid for rid in record_ids if records.get(rid, {}).get("status") == RecordStatus.PUBLISHED]
            gone = [rid for rid in record_ids if rid not in live and rid in index.vectors.hashes]
            if gone:
                self._remove(side, gone)
            if live:
                self._index(side, live)
            index.save()

    # --- matching ------------------------------------------------------------------------------

    def match_record(self, side: Side, record_id: str, k: int | None = None,
                     filters: Filters | None = None) -> list[Suggestion]:
        """Counterparts for a stored record (any status: an enterprise sees suggestions before moderation)."""
        found = self._fetch(side, [record_id])
        if not found:
            raise KeyError(record_id)
        return self.match(found[0], side, k, filters)

    def match_text(self, text: str, side: Side, k: int | None = None, filters: Filters | None = None,
                   **fields) -> list[Suggestion]:
        """Counterparts for free text posted on `side` (supply text finds scenarios, and vice versa)."""
        return self.match({"id": None, "title": text, "description": "", **fields}, side, k, filters)

    def match(self, query: dict, side: Side, k: int | None = None,
              filters: Filters | None = None) -> list[Suggestion]:
        k = k or self.settings.top_k
        target = self.sides[OTHER[side]]
        text = record_text(query)
        qvec = self.embed([text])
        with target.lock:
            pool = {rid for rid, _ in target.vectors.search(qvec, CANDIDATES_PER_CHANNEL)[0]}
            pool.update(rid for rid, _ in target.lexical.top(text, CANDIDATES_PER_CHANNEL))
            pool.discard(query.get("id"))
            ids = sorted(pool)
            if not ids:
                return []
            dense = target.vectors.vectors(ids) @ qvec[0]
            lexical = target.lexical.scores(text, ids)
            doc_cov = np.array([target.coverage.get(rid, 1.0) for rid in ids])
        candidates = {r["id"]: r for r in self._fetch(OTHER[side], ids)
                      if r["status"] == RecordStatus.PUBLISHED}
        keep = [i for i, rid in enumerate(ids) if rid in candidates]
        cands = [candidates[ids[i]] for i in keep]
        terms = [target.lexical.matched_terms(text, record_text(c)) for c in cands]
        return rank_candidates(query, side, cands, dense[keep], lexical[keep], self.encoder.coverage(text),
                               doc_cov[keep], terms, k, filters)

    def _fetch(self, side: Side, record_ids: list[str]) -> list[dict]:
        row_cls = ROW_FOR_SIDE[side]
        with self.store.read() as s:
            return [row_to_dict(r) for r in s.scalars(select(row_cls).where(row_cls.id.in_(record_ids)))]


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[-80:]

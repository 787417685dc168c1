"""Use cases shared by the CLI and the web app: submit, import, moderate, match, seed the demo data."""
from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from matcher.workflow import notifications, review
from matcher.config import Settings
from matcher.search.encoders import create_encoder
from matcher.search.engine import OTHER, Engine
from matcher.io.imports import parse_records
from matcher.search.ranking import Filters, Suggestion
from matcher.domain.records import RecordStatus, Side, validate_record
from matcher.storage.store import Store

Progress = Callable[[float, str], None]


def _quiet(_fraction: float, _message: str) -> None:
    pass


@dataclass
class Platform:
    """The store and the engine of one process, with the operations users perform on them."""

    settings: Settings
    store: Store
    engine: Engine
    synced_at: float = field(default_factory=time.monotonic)

    @classmethod
    def open(cls, settings: Settings, encoder=None, sync: bool = True) -> "Platform":
        store = Store(settings.database_url)
        platform = cls(settings, store, Engine(settings, store, encoder or create_encoder(settings)))
        if sync:
            platform.engine.sync()
        return platform

    def catch_up(self, every_seconds: float = 30.0) -> None:
        """Pick up records that other processes (a CLI import, another app worker) wrote since the last
        check: a cheap id/hash comparison, re-indexing only what differs."""
        if time.monotonic() - self.synced_at >= every_seconds:
            self.engine.sync()
            self.synced_at = time.monotonic()

    # --- records ------------------------------------------------------------------------------

    def submit(self, side: Side, data: dict[str, Any], actor: str, owner_id: int | None = None,
               status: RecordStatus = RecordStatus.PENDING) -> str:
        """Validate and save one record (raises RecordValidationError naming each bad field)."""
        record = validate_record(side, data)
        [record_id] = self.store.add_records(side, [record], actor=actor, owner_id=owner_id, status=status)
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
        notifications.record_status(self.store, side, record_id, status, note, reason_code)
        self._after_change(side, [record_id])

    def import_file(self, side: Side, source: Path | bytes, filename: str, actor: str,
                    owner_id: int | None = None, status: RecordStatus = RecordStatus.PUBLISHED,
                    progress: Progress = _quiet) -> list[str]:
        """All or nothing: every row valid and stored in one transaction, or nothing stored at all."""
        progress(0.05, "parse")
        records = parse_records(side, source, filename)
        progress(0.2, "save")
        ids = self.store.add_records(side, records, actor=actor, owner_id=owner_id, status=status)
        progress(0.3, "index")
        self._after_change(side, ids, progress)
        self.engine.flush()
        progress(1.0, "done")
        return ids

    def _after_change(self, side: Side, record_ids: list[str], progress: Progress = _quiet) -> None:
        """Re-index the changed records and refresh their suggested pairings."""
        self.engine.refresh(side, record_ids)
        self.refresh_pairings(side, record_ids, progress)

    # --- matching -----------------------------------------------------------------------------

    def suggestions(self, side: Side, record_id: str, k: int | None = None,
                    filters: Filters | None = None) -> list[Suggestion]:
        return self.engine.match_record(side, record_id, k, filters)

    def refresh_pairings(self, side: Side, record_ids: list[str], progress: Progress = _quiet) -> int:
        """Match each published record and store the good suggestions as pairings to review."""
        new = 0
        for n, record_id in enumerate(record_ids, 1):
            record = self.store.get_record(side, record_id)
            if record and record["status"] == RecordStatus.PUBLISHED:
                found = self.engine.match(record, side, self.settings.top_k)
                new += review.save_suggestions(self.store, found, self.settings.min_pair_score)
            progress(0.3 + 0.7 * n / max(len(record_ids), 1), "match")
        return new

    def near_duplicates(self, side: Side, data: dict[str, Any], threshold: float = 0.85) -> list[Suggestion]:
        """Published records on the same side whose text is very close to this draft."""
        found = self.engine.match({"id": data.get("id"), **data}, OTHER[side], k=3)
        return [s for s in found if s.channels["text"] >= threshold]

    # --- demo data ----------------------------------------------------------------------------

    def seed_demo(self, progress: Progress = _quiet) -> bool:
        """Load data/demo into an empty database. Returns False (and does nothing) if it holds records."""
        if self.store.count(Side.SUPPLY) or self.store.count(Side.DEMAND):
            return False
        demo = self.settings.demo_dir
        off = self.import_file(Side.SUPPLY, demo / "offerings.csv", "offerings.csv", "demo",
                               progress=lambda f, m: progress(0.5 * f, m))
        self.import_file(Side.DEMAND, demo / "scenarios.csv", "scenarios.csv", "demo",
                         progress=lambda f, m: progress(0.5 + 0.5 * f, m))
        return bool(off)


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            qrels.setdefault(row["scenario_id"], {})[row["offering_id"]] = int(row["relevance"])
    return qrels

"""Persistence: the SQLAlchemy engine, transactions, and record CRUD. Single source of truth."""
from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from matcher.domain.records import (FieldError, RecordStatus, RecordValidationError, Side, content_hash, detect_language,
                             new_id)
from matcher.domain.taxonomy import load_taxonomy
from matcher.storage import backup as backups
from matcher.storage.backends import dialect_of, is_transient, make_engine, normalise_url, write_mode
from matcher.storage.backup import RestoreError, hold_database, restore  # noqa: F401  (the public names of backup/restore)
from matcher.storage.schema import (AuditLog, Change, Embedding, ImportedFile, Meta, OfferingRow, PairingBacklog,
                                    ScenarioRow)

log = logging.getLogger(__name__)
T = TypeVar("T")

ROW_FOR_SIDE = {Side.SUPPLY: OfferingRow, Side.DEMAND: ScenarioRow}
ENTITY_FOR_SIDE = {Side.SUPPLY: "offering", Side.DEMAND: "scenario"}
CHANGE_CHANNEL = "matcher_changes"          # PostgreSQL NOTIFY channel of the change feed
_TOUCHED = "matcher_touched"                # session.info key: side -> record ids touched() in the transaction
CHANGES_KEPT = dt.timedelta(days=2)         # feed rows older than this are pruned (a process that was away
                                            # longer catches up with a full sync, see Platform.catch_up)


class Store:
    """Owns the database. Every write runs in one transaction: it all lands or none of it does."""

    def __init__(self, url: str):
        self.url = normalise_url(url)
        self.dialect = dialect_of(self.url)          # "sqlite" or "postgresql" (backends.py)
        self.is_sqlite = self.dialect == "sqlite"
        self.engine = make_engine(self.url)
        self.origin = uuid.uuid4().hex          # marks this instance's rows in the change feed
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Called as listener(side, record_ids) after a commit that touched() them (the engine's refresh).
        self.listeners: list[Callable[[Side, list[str]], None]] = []
        self._create_schema()

    def _create_schema(self) -> None:
        """Create or migrate the schema to head (storage/migrations), under the write lock: processes that
        start together migrate one after the other, and a failed migration changes nothing."""
        from matcher.storage import migrations

        with self.write() as s:
            self.migrated_from, self.revision = migrations.upgrade(s.connection(), self.dialect)
            # The database's identity: index folders are named by it, so two databases never share one.
            if (row := s.get(Meta, "database_id")) is None:
                row = Meta(key="database_id", value=uuid.uuid4().hex)
                s.add(row)
            self.database_id = row.value

    # --- transactions ----------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: commits on success, rolls back everything on any error. After the commit, the
        records it marked with touched() are handed to this store's listeners (see touched)."""
        token = write_mode.set(True)
        try:
            with self._sessions.begin() as session:
                yield session
            touched = session.info.pop(_TOUCHED, None)
        finally:
            write_mode.reset(token)
        for side, ids in (touched or {}).items():
            for listener in self.listeners:
                try:
                    listener(side, list(ids))
                except Exception:  # noqa: BLE001 - the commit stands; the next sync repairs the listener's copy
                    log.exception("listener of %s changes failed after the commit", side)

    def retrying(self, work: Callable[[Session], T], attempts: int = 5) -> T:
        """Run work(session) in a write transaction, again from the start after a transient failure
        (deadlock, serialisation failure, lock timeout, lost connection; SQLite: still locked after
        busy_timeout). work must do nothing outside the session that cannot be repeated."""
        for attempt in range(1, attempts + 1):
            try:
                with self.write() as s:
                    return work(s)
            except Exception as exc:
                if attempt == attempts or not is_transient(exc):
                    raise
                log.warning("transient database error (attempt %d of %d), retrying: %s", attempt, attempts,
                            str(exc).splitlines()[0])
                time.sleep(0.05 * 2 ** attempt)
        raise AssertionError("unreachable")

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def schema_version(self) -> int:
        with self.read() as s:
            return int(s.get(Meta, "schema_version").value)

    def audit(self, s: Session, actor: str, entity: str, entity_id: str, action: str, **fields: Any) -> None:
        s.add(AuditLog(actor=actor, entity=entity, entity_id=str(entity_id), action=action, **fields))

    def changed(self, s: Session, side: Side, record_ids: list[str]) -> None:
        """Tell other processes (the change feed) that these records changed, in the same transaction:
        the feed row commits with the record or not at all. PostgreSQL delivers the NOTIFY at commit."""
        s.add_all(Change(side=side.value, record_id=rid, origin=self.origin) for rid in record_ids)
        if not self.is_sqlite:
            s.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANGE_CHANNEL, "payload": self.origin})
        s.flush()
        last = s.scalar(select(func.max(Change.id)))
        if last and last % 1000 < len(record_ids):   # now and then, in a writer's transaction: prune
            s.execute(Change.__table__.delete().where(Change.at < dt.datetime.now(dt.timezone.utc)
                                                      .replace(tzinfo=None) - CHANGES_KEPT, Change.id < last))

    def touched(self, s: Session, side: Side, record_ids: list[str]) -> None:
        """Data beside these records changed (their organisation link, its verified tags): what ranking reads
        of them must be re-read. Other processes hear it through the change feed (same transaction); this
        process's listeners are called right after the commit, as the feed skips a process's own rows."""
        if not record_ids:
            return
        self.changed(s, side, record_ids)
        s.info.setdefault(_TOUCHED, {}).setdefault(side, {}).update(dict.fromkeys(record_ids))

    # --- records -----------------------------------------------------------------------------

    def add_records(self, side: Side, records: list, actor: str = "system", owner_id: int | None = None,
                    status: RecordStatus = RecordStatus.PUBLISHED, file: tuple[str, str] | None = None,
                    on_commit: Callable[[Session, list[str]], None] | None = None) -> list[str]:
        """Insert validated records in one transaction. Ids already stored are refused, row by row.

        on_commit(session, ids) runs last inside that transaction (an import job records its count there, so
        the count commits with the rows or not at all).

        file = (sha256, filename) of an imported file: a file whose content was imported before on this side
        is refused, and this one is remembered in the same transaction. Every record also enters the pairing
        backlog in that transaction (see PairingBacklog)."""
        row_cls, ids = ROW_FOR_SIDE[side], [r.id for r in records if r.id]
        with self.write() as s:
            taken = {rid for part in chunked(ids)
                     for rid in s.scalars(select(row_cls.id).where(row_cls.id.in_(part)))}
            if taken:
                raise RecordValidationError([
                    FieldError("id", f"id {r.id} already exists", f"编号 {r.id} 已存在",
                               row=getattr(r, "_row", None) or i + 2)
                    for i, r in enumerate(records) if r.id in taken])
            if file is not None:
                before = s.scalar(select(ImportedFile).where(ImportedFile.side == str(side),
                                                             ImportedFile.sha256 == file[0]))
                if before is not None:
                    when = before.at.strftime("%Y-%m-%d %H:%M")
                    raise RecordValidationError([FieldError(
                        "file", f"This file was already imported ({before.rows} rows, {before.filename}, {when} "
                        f"UTC, by {before.actor}); importing it again would duplicate them. Nothing imported.",
                        f"该文件已导入过（{before.rows} 行，{before.filename}，{when} UTC，{before.actor}），"
                        "再次导入会产生重复记录。本次未导入任何内容。")])
                s.add(ImportedFile(side=str(side), sha256=file[0], filename=file[1][:300], actor=actor,
                                   rows=len(records)))
            out = []
            for rec in records:
                row = row_cls(**self._row_fields(rec), status=str(status), owner_id=owner_id)
                row.id = rec.id or new_id(side)
                s.add(row)
                self.audit(s, actor, ENTITY_FOR_SIDE[side], row.id, "create", to_status=str(status))
                out.append(row.id)
            self.changed(s, side, out)
            s.add_all(PairingBacklog(side=str(side), record_id=i) for i in out)
            if on_commit is not None:
                on_commit(s, out)
        return out

    def _to_backlog(self, s: Session, side: Side, record_id: str) -> None:
        if s.get(PairingBacklog, (str(side), record_id)) is None:
            s.add(PairingBacklog(side=str(side), record_id=record_id))

    def backlog(self, side: Side) -> list[str]:
        """Record ids whose pairings must still be computed (after a crash, or a change not yet matched)."""
        with self.read() as s:
            return list(s.scalars(select(PairingBacklog.record_id).where(PairingBacklog.side == str(side))
                                  .order_by(PairingBacklog.record_id)))

    def done_backlog(self, side: Side, record_ids: list[str]) -> None:
        with self.write() as s:
            for part in chunked(record_ids, 500):
                s.query(PairingBacklog).filter(PairingBacklog.side == str(side), PairingBacklog.record_id.in_(
                    part)).delete(synchronize_session=False)

    def update_record(self, side: Side, record_id: str, record, actor: str) -> None:
        """Replace a record's content; an edited published record goes back to moderation if the actor wants."""
        with self.write() as s:
            row = s.get(ROW_FOR_SIDE[side], record_id)
            if row is None:
                raise KeyError(record_id)
            for key, value in self._row_fields(record).items():
                setattr(row, key, value)
            row.version += 1
            self._to_backlog(s, side, record_id)
            self.audit(s, actor, ENTITY_FOR_SIDE[side], record_id, "update")
            self.changed(s, side, [record_id])

    def set_record_status(self, side: Side, record_id: str, status: RecordStatus, actor: str,
                          note: str | None = None, reason_code: str | None = None) -> None:
        with self.write() as s:
            row = s.get(ROW_FOR_SIDE[side], record_id)
            if row is None:
                raise KeyError(record_id)
            old, row.status = row.status, str(status)
            row.version += 1
            self._to_backlog(s, side, record_id)
            self.audit(s, actor, ENTITY_FOR_SIDE[side], record_id, "status", from_status=old,
                       to_status=str(status), note=note, reason_code=reason_code)
            self.changed(s, side, [record_id])

    @staticmethod
    def _row_fields(rec) -> dict[str, Any]:
        fields = rec.model_dump(exclude={"id"})
        body = rec.text()
        fields["industry_inferred"] = False
        if not fields.get("industry"):
            code, _conf = load_taxonomy().infer_industry(body)
            fields["industry"], fields["industry_inferred"] = code, code is not None
        for key in ("maturity", "required_maturity"):
            if fields.get(key) is not None:
                fields[key] = str(fields[key])
        fields["content_hash"] = content_hash(body)
        fields["language"] = detect_language(body)
        return fields

    def get_record(self, side: Side, record_id: str) -> dict | None:
        with self.read() as s:
            row = s.get(ROW_FOR_SIDE[side], record_id)
            return row_to_dict(row) if row else None

    def get_records(self, side: Side, record_ids: list[str]) -> dict[str, dict]:
        """The records of these ids that exist, by id, in one query."""
        row_cls = ROW_FOR_SIDE[side]
        with self.read() as s:
            return {row.id: row_to_dict(row) for row in s.scalars(select(row_cls).where(row_cls.id.in_(record_ids)))}

    def list_records(self, side: Side, status: str | list[str] | None = None,
                     owner_id: int | None = None) -> list[dict]:
        row_cls = ROW_FOR_SIDE[side]
        query = select(row_cls).order_by(row_cls.created_at, row_cls.id)
        if status is not None:
            query = query.where(row_cls.status.in_([status] if isinstance(status, str) else status))
        if owner_id is not None:
            query = query.where(row_cls.owner_id == owner_id)
        with self.read() as s:
            return [row_to_dict(r) for r in s.scalars(query)]

    def count(self, side: Side) -> int:
        with self.read() as s:
            return s.scalar(select(func.count()).select_from(ROW_FOR_SIDE[side])) or 0

    # --- embedding cache ---------------------------------------------------------------------

    def get_embeddings(self, model: str, hashes: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self.read() as s:
            for part in chunked(hashes, 500):
                for e in s.scalars(select(Embedding).where(Embedding.model == model,
                                                           Embedding.content_hash.in_(part))):
                    out[e.content_hash] = np.frombuffer(e.vector, dtype=np.float32)
        return out

    def put_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Cache vectors; hashes already cached are left as they are (same model and text, same vector).
        INSERT … ON CONFLICT DO NOTHING: two processes caching the same text at once both succeed."""
        rows = [dict(model=model, content_hash=h, dim=int(vec.shape[0]),
                     vector=np.asarray(vec, dtype=np.float32).tobytes()) for h, vec in vectors.items()]
        insert = sqlite_insert if self.is_sqlite else pg_insert
        with self.write() as s:
            for part in chunked(rows, 500):
                s.execute(insert(Embedding).on_conflict_do_nothing(), part)

    # --- maintenance -------------------------------------------------------------------------

    def backup(self, target: Path) -> None:
        """A consistent copy taken while the app keeps writing: SQLite's online backup API, or pg_dump."""
        if self.is_sqlite:
            backups.backup_sqlite(Path(self.url.split("///", 1)[1]), Path(target))
        else:
            backups.backup_postgres(self.url, Path(target))

    def integrity_check(self) -> str:
        with self.read() as s:
            return s.execute(text("PRAGMA integrity_check")).scalar() if self.is_sqlite else "ok"


IN_LIST_MAX = 10_000   # ids per IN (...) list: SQLite refuses more than 32,766 parameters (250,000 in some builds)


def chunked(items: list[T], size: int | None = None) -> Iterator[list[T]]:
    """items in slices of at most size (IN_LIST_MAX), for IN lists or batches of any length (a 1M-row import)."""
    size = size or IN_LIST_MAX
    for start in range(0, len(items), size):
        yield items[start:start + size]


def row_to_dict(row) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}

"""Persistence: the SQLAlchemy engine, transactions, and record CRUD. Single source of truth."""
from __future__ import annotations

import contextvars
import fcntl
import functools
import os
import re
import tempfile
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from matcher.domain.records import (FieldError, RecordStatus, RecordValidationError, Side, content_hash, detect_language,
                             new_id)
from matcher.storage.schema import (SCHEMA_VERSION, AuditLog, Base, Embedding, ImportedFile, Meta, OfferingRow,
                                    PairingBacklog, ScenarioRow)
from matcher.domain.taxonomy import load_taxonomy

ROW_FOR_SIDE = {Side.SUPPLY: OfferingRow, Side.DEMAND: ScenarioRow}
ENTITY_FOR_SIDE = {Side.SUPPLY: "offering", Side.DEMAND: "scenario"}

# Writers take SQLite's write lock at BEGIN (BEGIN IMMEDIATE), so a read-then-write transaction
# waits on busy_timeout instead of failing with "database is locked" when another writer commits.
_write_mode: contextvars.ContextVar[bool] = contextvars.ContextVar("matcher_write_mode", default=False)


def _sqlite_pragmas(engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_mode.get() else "BEGIN")


_AUDIT_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]


class Store:
    """Owns the database. Every write runs in one transaction: it all lands or none of it does."""

    def __init__(self, url: str):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite and ":memory:" not in url:
            Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, connect_args={"timeout": 30} if self.is_sqlite else {})
        if self.is_sqlite:
            _sqlite_pragmas(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._create_schema()

    def _create_schema(self) -> None:
        with self.write() as s:
            Base.metadata.create_all(s.connection())
            if self.is_sqlite:
                for ddl in _AUDIT_TRIGGERS:
                    s.execute(text(ddl))
            if s.get(Meta, "schema_version") is None:
                s.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))

    # --- transactions ----------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: commits on success, rolls back everything on any error."""
        token = _write_mode.set(True)
        try:
            with self._sessions.begin() as session:
                yield session
        finally:
            _write_mode.reset(token)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def schema_version(self) -> int:
        with self.read() as s:
            return int(s.get(Meta, "schema_version").value)

    def audit(self, s: Session, actor: str, entity: str, entity_id: str, action: str, **fields: Any) -> None:
        s.add(AuditLog(actor=actor, entity=entity, entity_id=str(entity_id), action=action, **fields))

    # --- records -----------------------------------------------------------------------------

    def add_records(self, side: Side, records: list, actor: str = "system", owner_id: int | None = None,
                    status: RecordStatus = RecordStatus.PUBLISHED, file: tuple[str, str] | None = None) -> list[str]:
        """Insert validated records in one transaction. Ids already stored are refused, row by row.

        file = (sha256, filename) of an imported file: a file whose content was imported before on this side
        is refused, and this one is remembered in the same transaction. Every record also enters the pairing
        backlog in that transaction (see PairingBacklog)."""
        row_cls, ids = ROW_FOR_SIDE[side], [r.id for r in records if r.id]
        with self.write() as s:
            taken = set(s.scalars(select(row_cls.id).where(row_cls.id.in_(ids)))) if ids else set()
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
            s.add_all(PairingBacklog(side=str(side), record_id=i) for i in out)
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
            for chunk in range(0, len(record_ids), 500):
                s.query(PairingBacklog).filter(PairingBacklog.side == str(side), PairingBacklog.record_id.in_(
                    record_ids[chunk:chunk + 500])).delete(synchronize_session=False)

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
            for chunk in range(0, len(hashes), 500):
                part = hashes[chunk:chunk + 500]
                for e in s.scalars(select(Embedding).where(Embedding.model == model,
                                                           Embedding.content_hash.in_(part))):
                    out[e.content_hash] = np.frombuffer(e.vector, dtype=np.float32)
        return out

    def put_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        """Cache vectors; hashes already cached are left as they are (same model and text, same vector)."""
        with self.write() as s:
            hashes = list(vectors)
            known: set[str] = set()
            for chunk in range(0, len(hashes), 500):
                known.update(s.scalars(select(Embedding.content_hash).where(
                    Embedding.model == model, Embedding.content_hash.in_(hashes[chunk:chunk + 500]))))
            s.add_all(Embedding(model=model, content_hash=h, dim=int(vec.shape[0]),
                                vector=np.asarray(vec, dtype=np.float32).tobytes())
                      for h, vec in vectors.items() if h not in known)

    # --- maintenance -------------------------------------------------------------------------

    def backup(self, target: Path) -> None:
        """Copy the live SQLite database with SQLite's online backup API (safe during writes)."""
        if not self.is_sqlite:
            raise RuntimeError("backup is implemented for SQLite; use the database's own tools otherwise")
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(self.url.split("///", 1)[1], timeout=30)
        dst = sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst, pages=256)
        finally:
            dst.close()
            src.close()

    def integrity_check(self) -> str:
        with self.read() as s:
            return s.execute(text("PRAGMA integrity_check")).scalar() if self.is_sqlite else "ok"


class RestoreError(ValueError):
    """A backup that must not replace the live database; the live database was left untouched."""


def _schema(con: sqlite3.Connection) -> dict[str, dict]:
    """Every table (its columns), index, trigger and view of a database, in comparable form."""
    def norm(sql: str | None) -> str:
        return re.sub(r"\s+", " ", re.sub(r"(?i)\bif not exists\b", "", sql or "")).strip().lower()

    out: dict[str, dict] = {"table": {}, "index": {}, "trigger": {}, "view": {}}
    for kind, name, table, sql in con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"):
        if kind == "table" and not name.startswith("sqlite_"):
            out["table"][name] = [tuple(c[1:6]) for c in con.execute(f'PRAGMA table_info("{name}")')]
        elif kind in ("index", "trigger", "view"):
            out[kind][name] = (table, norm(sql))
    return out


@functools.lru_cache(maxsize=1)
def expected_schema() -> dict[str, dict]:
    """The schema this version creates (Base.metadata and the audit triggers), read from a scratch database."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/expected.db")
        store.engine.dispose()
        con = sqlite3.connect(f"{tmp}/expected.db")
        try:
            return _schema(con)
        finally:
            con.close()


def _schema_problems(found: dict[str, dict]) -> list[str]:
    """How a backup's schema differs from the expected one. Tables a later version added may be missing (they
    are created at start, with their indexes); anything extra or different is refused."""
    want, problems = expected_schema(), []
    if found["view"]:
        problems.append(f"unexpected views: {', '.join(sorted(found['view']))}")
    if extra := sorted(set(found["table"]) - set(want["table"])):
        problems.append(f"unexpected tables: {', '.join(extra)}")
    for table in sorted(set(found["table"]) & set(want["table"])):
        if found["table"][table] != want["table"][table]:
            have = {c[0] for c in found["table"][table]}
            need = {c[0] for c in want["table"][table]}
            diff = [f"missing {', '.join(sorted(need - have))}" if need - have else "",
                    f"unexpected {', '.join(sorted(have - need))}" if have - need else ""]
            problems.append(f"columns of {table} differ ({'; '.join(d for d in diff if d) or 'types or keys'})")
    for kind in ("index", "trigger"):
        present = {n: v for n, v in want[kind].items() if v[0] in found["table"]}
        if extra := sorted(n for n, v in found[kind].items() if present.get(n) != v):
            problems.append(f"unexpected or altered {kind}es: {', '.join(extra)}" if kind == "index"
                            else f"unexpected or altered triggers: {', '.join(extra)}")
        if kind == "index" and (missing := sorted(set(present) - set(found[kind]))):
            problems.append(f"missing indexes: {', '.join(missing)}")
    return problems


def _in_use_path(live: Path) -> Path:
    return live.with_name(live.name + ".in-use")


def hold_database(live: Path) -> int:
    """Mark the database as held by this process (the app) until it exits: restore refuses while any process
    holds it. Returns the descriptor of the shared lock; keep it open."""
    live.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_in_use_path(live), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def _check_backup(path: Path) -> int:
    """integrity_check and the schema of a database file; returns its schema version or raises RestoreError."""
    try:
        con = sqlite3.connect(path)
        try:
            problems = [row[0] for row in con.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise RestoreError(f"integrity_check failed: {'; '.join(problems[:3])}")
            found = _schema(con)
            tables = set(found["table"])
            version = (con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                       if "meta" in tables else None)
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:  # not a database, encrypted, truncated header …
        raise RestoreError(f"not a readable SQLite database ({exc})") from exc
    # Tables a later schema version adds are created at start (create_all); these must come from the backup.
    missing = {"users", "offerings", "scenarios", "pairings", "audit_log"} - tables
    if version is None or missing:
        why = (["no meta table with schema_version"] if version is None else []) + \
              ([f"missing tables: {', '.join(sorted(missing))}"] if missing else [])
        raise RestoreError(f"not a matcher database ({'; '.join(why)})")
    if not str(version[0]).isdigit() or int(version[0]) > SCHEMA_VERSION:
        raise RestoreError(f"schema version {version[0]} is not one this version can open (≤ {SCHEMA_VERSION})")
    if problems := _schema_problems(found):
        raise RestoreError(f"the schema is not this version's ({'; '.join(problems)})")
    return int(version[0])


def restore(backup: Path, live: Path) -> Path | None:
    """Replace the live SQLite database by a backup, safely. Stop the app and every CLI process first.

    The backup is copied into a temp file beside the live database and checked there (integrity_check,
    meta.schema_version, every table); a bad file raises RestoreError and the live database is untouched.
    The live database (WAL included) is kept as <name>.before-restore; its -wal/-shm are checkpointed and
    removed so they can never be replayed onto the restored file; then os.replace swaps the file in.
    Returns the path of the kept previous database (None if there was none). Indexes are re-synced from the
    restored rows at the next start (Engine.sync)."""
    backup, live = Path(backup), Path(live)
    if not backup.is_file():
        raise RestoreError(f"{backup} is not a file")
    live.parent.mkdir(parents=True, exist_ok=True)
    in_use = os.open(_in_use_path(live), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(in_use, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held until the swap is done: no app starts meanwhile
    except BlockingIOError:
        os.close(in_use)
        raise RestoreError("the database is in use by the app (or another process holding it); stop it first") \
            from None
    try:
        return _restore_unlocked(backup, live)
    finally:
        os.close(in_use)


def _restore_unlocked(backup: Path, live: Path) -> Path | None:
    tmp = live.with_name(f".{live.name}.restore-{os.getpid()}.tmp")
    try:
        shutil.copyfile(backup, tmp)
        _check_backup(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        kept = None
        if live.exists():
            kept = live.with_name(live.name + ".before-restore")
            src, dst = sqlite3.connect(live, timeout=30), sqlite3.connect(kept)
            try:
                src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                with dst:
                    src.backup(dst)
            finally:
                dst.close()
                src.close()
        for suffix in ("-wal", "-shm"):  # a stale WAL must never be replayed onto the restored file
            live.with_name(live.name + suffix).unlink(missing_ok=True)
        os.replace(tmp, live)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)
    dir_fd = os.open(live.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return kept


def row_to_dict(row) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}

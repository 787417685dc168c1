"""Database backends: one SQLAlchemy engine per URL, with the same transaction semantics on SQLite and PostgreSQL.

The store's contract is SQLite's: a write transaction holds the database's one write lock from its first
statement to commit (BEGIN IMMEDIATE), so a read-then-write never acts on stale rows; readers are never
blocked (WAL / MVCC); a writer that cannot get the lock waits up to 30 s (busy_timeout) instead of failing.

On PostgreSQL the same contract is kept with a transaction-level advisory lock taken at the start of every
write transaction (released by COMMIT/ROLLBACK, so a crashed process never leaves it held) and
lock_timeout = 30 s. Every write path written for SQLite (records, pairings, accounts, and the tables other
features add) is therefore correct on PostgreSQL unchanged. Row locks (SELECT … FOR UPDATE) are taken where
a decision depends on a row (a pairing's version, an account's failure count), so they stay correct even for
a writer that does not go through Store.write(). Transient errors (deadlock, serialisation failure, lock
timeout, a dropped connection) are retried by Store.retrying().
"""
from __future__ import annotations

import contextvars
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

BUSY_TIMEOUT_MS = 30_000
# Key of the advisory lock every PostgreSQL write transaction takes (any constant unique to this app).
WRITE_LOCK_KEY = 0x6D61746368  # "match"

# True while a Store.write() transaction is being opened: its BEGIN takes the write lock.
write_mode: contextvars.ContextVar[bool] = contextvars.ContextVar("matcher_write_mode", default=False)

_SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]
_PG_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE OR REPLACE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE OR REPLACE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]
# SQLSTATEs worth a retry: serialisation failure, deadlock, lock timeout, connection lost.
_PG_TRANSIENT = {"40001", "40P01", "55P03", "57P01", "08000", "08003", "08006"}


def dialect_of(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// (no driver) mean psycopg 3, the driver the requirements install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    """The engine for url with the write-lock contract above installed."""
    kind = dialect_of(url)
    if kind == "sqlite":
        if ":memory:" not in url:
            Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_events(engine)
    elif kind == "postgresql":
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                               connect_args={"options": f"-c lock_timeout={BUSY_TIMEOUT_MS} -c timezone=UTC",
                                             "application_name": "matcher"})
        _postgres_events(engine)
    else:
        raise ValueError(f"unsupported database URL {url.split(':', 1)[0]}:… (use sqlite:/// or postgresql://)")
    return engine


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_mode.get() else "BEGIN")


def _postgres_events(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _begin(conn):
        if write_mode.get():
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def install_triggers(connection, kind: str) -> None:
    """The audit log refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL) for everyone, the app included."""
    for ddl in _SQLITE_TRIGGERS if kind == "sqlite" else _PG_TRIGGERS:
        connection.execute(text(ddl))


def is_transient(exc: BaseException) -> bool:
    """An error after which running the same transaction again can succeed."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlstate", None)
    if code is not None:
        return code in _PG_TRANSIENT
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)

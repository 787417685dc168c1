"""Backup and restore: SQLite's online backup API and a checked file swap; pg_dump / pg_restore on PostgreSQL."""
from __future__ import annotations

import datetime as dt
import fcntl
import functools
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from matcher.storage.schema import SCHEMA_VERSION

# Tables a later schema version adds are created at start (migrations); these must come from the backup.
REQUIRED_TABLES = {"users", "offerings", "scenarios", "pairings", "audit_log"}


def backup_sqlite(db_path: Path, target: Path) -> None:
    """Copy the live SQLite database with SQLite's online backup API (safe during writes)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(db_path, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst, pages=256)
    finally:
        dst.close()
        src.close()


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
    from matcher.storage.store import Store   # the store imports this module

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


# --- PostgreSQL ------------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """pg_dump / pg_restore: from PATH, else the newest Debian/Ubuntu postgresql-client install."""
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                         if p.parent.name.isdigit() else 0, reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    raise RestoreError(f"{name} not found: install the PostgreSQL client tools (Debian: postgresql-client)")


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """libpq connection options for a SQLAlchemy URL; the password goes in the environment, not argv."""
    u = make_url(url)
    args = ["--dbname", u.database or "postgres"]
    host = u.host or u.query.get("host")
    if host:
        args += ["--host", str(host)]
    if u.port or u.query.get("port"):
        args += ["--port", str(u.port or u.query.get("port"))]
    if u.username:
        args += ["--username", u.username]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if u.password:
        env["PGPASSWORD"] = u.password
    return args, env


def _run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RestoreError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[:500]}")
    return done


def backup_postgres(url: str, target: Path) -> None:
    """pg_dump in custom format: a consistent snapshot taken while the app keeps writing."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    args, env = _pg_args(url)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(tmp), *args], env)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _check_pg_archive(path: Path) -> int:
    """A pg_dump archive of a matcher database at a schema this version opens; returns its schema version."""
    tool = _pg_tool("pg_restore")
    listing = subprocess.run([tool, "--list", str(path)], capture_output=True, text=True)
    if listing.returncode != 0:
        raise RestoreError(f"not a readable pg_dump archive ({listing.stderr.strip()[:200]})")
    tables = set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing.stdout, re.M))
    meta = subprocess.run([tool, "--data-only", "--table=meta", "--file=-", str(path)],
                          capture_output=True, text=True)
    version = re.search(r"^schema_version\t(\S+)$", meta.stdout, re.M) if meta.returncode == 0 else None
    missing = REQUIRED_TABLES - tables
    if version is None or missing:
        why = (["no meta table with schema_version"] if version is None else []) + \
              ([f"missing tables: {', '.join(sorted(missing))}"] if missing else [])
        raise RestoreError(f"not a matcher database ({'; '.join(why)})")
    if not version[1].isdigit() or int(version[1]) > SCHEMA_VERSION:
        raise RestoreError(f"schema version {version[1]} is not one this version can open (≤ {SCHEMA_VERSION})")
    return int(version[1])


def restore_postgres(url: str, backup: Path, keep_dir: Path) -> Path:
    """Replace the live PostgreSQL database's contents by a pg_dump archive. Stop the app first.

    The archive is checked first (pg_restore --list, the meta table, every table); the live database is then
    dumped to keep_dir/before-restore-<UTC time>.dump, and pg_restore --clean runs in one transaction, so a
    failure part-way leaves the live database as it was. Returns the path of the kept dump."""
    backup = Path(backup)
    if not backup.is_file():
        raise RestoreError(f"{backup} is not a file")
    _check_pg_archive(backup)
    kept = Path(keep_dir) / f"before-restore-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}.dump"
    backup_postgres(url, kept)
    args, env = _pg_args(url)
    _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--no-owner",
          "--exit-on-error", *args, str(backup)], env)
    return kept

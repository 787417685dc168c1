"""`python -m matcher restore FILE`: a checked backup replaces the live database; anything else is refused
and leaves the live database untouched."""
import hashlib
import os
import sqlite3

import pytest

from matcher.cli import main
from matcher.domain.records import RecordStatus, Side
from matcher.service import Platform
from matcher.storage.store import Store

RECORDS_BEFORE, RECORDS_AFTER = 40, 25


def _offer(i: int) -> dict:
    return {"title": f"Graphene film {i}", "description": f"Thermal film number {i} for battery packs",
            "organization": f"Org {i}", "contact_email": f"c{i}@x.example"}


def _rows(store: Store) -> dict:
    """Every record, user and audit row, whole, keyed by table and id."""
    with sqlite3.connect(store.url.split("///", 1)[1]) as con:
        return {table: sorted(con.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall())
                for table in ("offerings", "scenarios", "users", "pairings", "audit_log")}


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def live(settings):
    """A platform with RECORDS_BEFORE published offerings and a scenario; closed by the test before restore."""
    platform = Platform.open(settings)
    for i in range(RECORDS_BEFORE):
        platform.submit(Side.SUPPLY, _offer(i), "test", status=RecordStatus.PUBLISHED)
    platform.submit(Side.DEMAND, {"title": "Battery pack overheats", "description": "Need a thermal film",
                                  "organization": "Pack Co"}, "test", status=RecordStatus.PUBLISHED)
    return platform


def test_backup_more_writes_restore_gives_exactly_the_backed_up_records(live, settings, tmp_path, capsys):
    backup = tmp_path / "backup.db"
    assert main(["backup", str(backup)]) == 0
    wanted = _rows(live.store)
    for i in range(RECORDS_BEFORE, RECORDS_BEFORE + RECORDS_AFTER):  # written after the backup
        live.submit(Side.SUPPLY, _offer(i), "test", status=RecordStatus.PUBLISHED)
    first = live.store.list_records(Side.SUPPLY)[0]["id"]
    live.set_status(Side.SUPPLY, first, RecordStatus.WITHDRAWN, "test")
    live.engine.flush()
    after = _rows(live.store)
    assert len(after["offerings"]) == RECORDS_BEFORE + RECORDS_AFTER
    live.store.engine.dispose()  # "stop the app"

    assert main(["restore", str(backup)]) == 0
    out = capsys.readouterr().out
    assert "restored" in out and "before-restore" in out and "re-synced" in out

    db = settings.var_dir / "matcher.db"
    assert not (settings.var_dir / "matcher.db-wal").exists() and not (settings.var_dir / "matcher.db-shm").exists()
    assert not list(settings.var_dir.glob(".matcher.db.restore-*"))
    restored = Store(settings.database_url)
    assert restored.integrity_check() == "ok"
    assert _rows(restored) == wanted  # exactly the backed-up rows: nothing lost, nothing from after the backup
    kept = Store(f"sqlite:///{db}.before-restore")
    assert _rows(kept) == after  # the replaced database, with its WAL content, is kept
    restored.engine.dispose()
    kept.engine.dispose()

    # Indexes still hold the post-backup records; the next start re-syncs them to the restored rows.
    platform = Platform.open(settings)
    for side in Side:
        published = {r["id"] for r in platform.store.list_records(side, status=RecordStatus.PUBLISHED)}
        assert set(platform.engine.sides[side].vectors.hashes) == published
        assert set(platform.engine.sides[side].lexical.ids) == published
    assert len(platform.store.list_records(Side.SUPPLY, status=RecordStatus.PUBLISHED)) == RECORDS_BEFORE


def _corrupt_files(tmp_path, good):
    data = good.read_bytes()
    page = 4096
    flipped = bytearray(data)
    for at in range(2 * page + 100, len(data) - page, page):  # damage the middle of every later page
        flipped[at:at + 64] = bytes(64)
    newer = tmp_path / "newer.db"
    newer.write_bytes(data)
    with sqlite3.connect(newer) as con:
        con.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    no_meta = tmp_path / "no_meta.db"
    no_meta.write_bytes(data)
    with sqlite3.connect(no_meta) as con:
        con.execute("DROP TABLE meta")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    cases = {"garbage.db": b"this is not a database" * 100, "empty.db": b"",
             "truncated.db": data[:len(data) // 3], "header_only.db": data[:100],
             "pages_zeroed.db": bytes(flipped), "csv_renamed.db": "id,title\n1,x\n".encode()}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    return [tmp_path / name for name in cases] + [newer, no_meta, other, tmp_path / "missing.db"]


def test_corrupt_or_foreign_backups_are_refused_and_the_live_database_is_untouched(live, settings, tmp_path,
                                                                                     capsys):
    good = tmp_path / "good.db"
    assert main(["backup", str(good)]) == 0
    live.engine.flush()
    live.store.engine.dispose()
    db = settings.var_dir / "matcher.db"
    with sqlite3.connect(db) as con:  # fold the WAL in, so the file digest is the whole database
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before, rows = _digest(db), _rows(Store(settings.database_url))
    bad = _corrupt_files(tmp_path, good)
    for path in bad:
        assert main(["restore", str(path)]) == 1, path.name
        err = capsys.readouterr().err
        assert err.startswith(f"Not restored: {path}") and "was not changed" in err, err
        assert _digest(db) == before, path.name
        assert not (settings.var_dir / "matcher.db.before-restore").exists()
        assert not list(settings.var_dir.glob(".matcher.db.restore-*"))
    assert _rows(Store(settings.database_url)) == rows
    assert len(bad) == 10
    assert main(["restore", str(good)]) == 0  # and the good one goes in


# Backups with the right tables but a tampered schema (benchmarks/attack_checks.py tries them too).
TAMPERED = {
    "extra_column.db": ["ALTER TABLE users ADD COLUMN is_superuser INTEGER"],
    "column_dropped.db": ["ALTER TABLE offerings DROP COLUMN keywords"],
    "column_renamed.db": ["ALTER TABLE scenarios RENAME COLUMN budget_wan TO budget"],
    "users_rebuilt_typeless.db": ["PRAGMA foreign_keys=OFF", "ALTER TABLE users RENAME TO old_users",
                                  "CREATE TABLE users (id, email, role, organization, contact_name, password_hash,"
                                  " active, is_demo, failed_logins, locked_until, created_at, contact_phone, contact_email,"
                                  " must_change_password)",
                                  "INSERT INTO users SELECT * FROM old_users", "DROP TABLE old_users"],
    "role_trigger.db": ["CREATE TRIGGER promote AFTER INSERT ON users BEGIN "
                        "UPDATE users SET role='admin' WHERE id=NEW.id; END"],
    "audit_trigger_dropped_and_replaced.db": [
        "DROP TRIGGER audit_no_update",
        "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log BEGIN SELECT 1; END"],
    "extra_table.db": ["CREATE TABLE backdoor (cmd TEXT)"],
    "view.db": ["CREATE VIEW admins AS SELECT * FROM users WHERE role='admin'"],
    "extra_index.db": ["CREATE INDEX ix_users_hash ON users(password_hash)"],
    "index_dropped.db": ["DROP INDEX ix_offerings_status"],
}


def _tampered(tmp_path, good, name, *sql):
    path = tmp_path / name
    path.write_bytes(good.read_bytes())
    con = sqlite3.connect(path)
    with con:
        for statement in sql:
            con.execute(statement)
    con.close()
    return path


def test_backups_with_the_wrong_schema_are_refused(live, settings, tmp_path, capsys):
    """Before: only table names were checked. Wrong columns were accepted (the next start failed), and extra
    triggers were accepted (a new enterprise stored as an admin, the audit log rewritable)."""
    good = tmp_path / "good.db"
    assert main(["backup", str(good)]) == 0
    live.store.engine.dispose()
    cases = TAMPERED
    live.engine.flush()
    db = settings.var_dir / "matcher.db"
    with sqlite3.connect(db) as con:  # fold the WAL in, so the file digest is the whole database
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _digest(db)
    for name, sql in cases.items():
        path = _tampered(tmp_path, good, name, *sql)
        assert main(["restore", str(path)]) == 1, name
        err = capsys.readouterr().err
        assert "the schema is not this version's" in err, (name, err)
        assert _digest(db) == before, name
    # A backup without a table a later version added (created at start) still goes in.
    path = _tampered(tmp_path, good, "older.db", "DROP TABLE pairing_backlog")
    assert main(["restore", str(path)]) == 0
    assert Platform.open(settings).store.backlog(Side.SUPPLY) == []


def test_restore_is_refused_while_the_app_holds_the_database(live, settings, tmp_path, capsys):
    from matcher.storage.store import hold_database

    good = tmp_path / "good.db"
    assert main(["backup", str(good)]) == 0
    db = settings.var_dir / "matcher.db"
    held = hold_database(db)  # what the app does at start (ui/resources.py)
    try:
        assert main(["restore", str(good)]) == 1
        assert "in use by the app" in capsys.readouterr().err
    finally:
        os.close(held)
    assert main(["restore", str(good)]) == 0

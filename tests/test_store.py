"""Store: schema on first use, all-or-nothing writes, append-only audit, embedding cache, backup.
Runs on SQLite and on the PostgreSQL test server (tests/pg_cluster.py)."""
import sqlite3
import threading
import time

import numpy as np
import pytest
from sqlalchemy import text

from matcher.domain.records import RecordStatus, RecordValidationError, Side, validate_record
from matcher.storage.store import Store

pytestmark = pytest.mark.backends("sqlite", "postgresql")


def _rec(side=Side.SUPPLY, **kw):
    return validate_record(side, {"title": "碳纤维车身件", "description": "减重40%", "organization": "甲公司", **kw})


@pytest.fixture
def store(tmp_path, db_url):
    store = Store(db_url or f"sqlite:///{tmp_path / 'm.db'}")
    yield store
    store.engine.dispose()


@pytest.mark.backends("sqlite")
def test_schema_version_wal_and_busy_timeout(store):
    assert store.schema_version() == 1
    with store.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_add_records_infers_industry_and_audits(store):
    [rid] = store.add_records(Side.SUPPLY, [_rec(description="石墨烯导热膜，用于电池热管理")], actor="tester")
    row = store.get_record(Side.SUPPLY, rid)
    assert row["industry"] and row["industry_inferred"] is True
    assert row["language"] == "zh" and row["status"] == RecordStatus.PUBLISHED
    with store.read() as s:
        actions = s.execute(text("SELECT actor, action FROM audit_log")).all()
    assert actions == [("tester", "create")]


def test_existing_id_refuses_whole_batch(store):
    store.add_records(Side.SUPPLY, [_rec(id="O-1")])
    with pytest.raises(RecordValidationError) as exc:
        store.add_records(Side.SUPPLY, [_rec(id="O-2"), _rec(id="O-1")])
    assert exc.value.errors[0].row == 3 and exc.value.errors[0].field == "id"
    assert store.count(Side.SUPPLY) == 1       # O-2 was not saved either


def test_id_checks_of_any_batch_size_run_in_bounded_in_lists(store, monkeypatch):
    """SQLite refuses IN lists past its parameter limit (a 1M-row bench import failed so): ids go in slices."""
    from matcher.storage import store as store_module

    monkeypatch.setattr(store_module, "IN_LIST_MAX", 3)
    store.add_records(Side.SUPPLY, [_rec(id=f"O-{i}") for i in range(7)])
    with pytest.raises(RecordValidationError) as exc:
        store.add_records(Side.SUPPLY, [_rec(id=f"O-{i}") for i in range(10, 16)] + [_rec(id="O-6")])
    assert [e.row for e in exc.value.errors] == [8]   # the taken id in the last slice is found
    assert store.count(Side.SUPPLY) == 7


def test_audit_log_is_append_only(store):
    store.add_records(Side.SUPPLY, [_rec()])
    with pytest.raises(Exception, match="append-only"):
        with store.write() as s:
            s.execute(text("UPDATE audit_log SET actor='mallory'"))
    with pytest.raises(Exception, match="append-only"):
        with store.write() as s:
            s.execute(text("DELETE FROM audit_log"))
    if not store.is_sqlite:
        with pytest.raises(Exception, match="append-only"):
            with store.write() as s:
                s.execute(text("TRUNCATE audit_log"))
    with store.read() as s:
        assert s.execute(text("SELECT count(*) FROM audit_log")).scalar() == 1


def test_status_change_is_audited(store):
    [rid] = store.add_records(Side.DEMAND, [_rec(Side.DEMAND)], status=RecordStatus.PENDING)
    store.set_record_status(Side.DEMAND, rid, RecordStatus.PUBLISHED, actor="official", note="ok")
    with store.read() as s:
        row = s.execute(text("SELECT from_status, to_status, actor FROM audit_log WHERE action='status'")).one()
    assert tuple(row) == ("pending", "published", "official")


def test_embedding_cache_round_trip(store):
    vec = np.arange(4, dtype=np.float32)
    store.put_embeddings("m", {"h": vec})
    store.put_embeddings("m", {"h": vec})            # idempotent
    assert np.array_equal(store.get_embeddings("m", ["h", "x"])["h"], vec)
    assert store.get_embeddings("other-model", ["h"]) == {}


@pytest.mark.backends("sqlite")
def test_backup_copies_every_record(store, tmp_path):
    store.add_records(Side.SUPPLY, [_rec() for _ in range(50)])
    store.backup(tmp_path / "b.db")
    con = sqlite3.connect(tmp_path / "b.db")
    assert con.execute("SELECT count(*) FROM offerings").fetchone()[0] == 50
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_write_transactions_exclude_each_other_and_readers_are_not_blocked(store):
    """The contract both backends keep (backends.py): a read-then-write never acts on a stale read."""
    store.add_records(Side.SUPPLY, [_rec(id="O-1")])
    inside, release = threading.Event(), threading.Event()
    order = []

    def first():
        with store.write() as s:
            s.execute(text("SELECT version FROM offerings WHERE id='O-1'")).scalar()
            inside.set()
            release.wait(5)
            s.execute(text("UPDATE offerings SET version = version + 1 WHERE id='O-1'"))
            order.append("first")

    def second():
        inside.wait(5)
        with store.write() as s:   # waits here until first commits
            seen = s.execute(text("SELECT version FROM offerings WHERE id='O-1'")).scalar()
            s.execute(text("UPDATE offerings SET version = :v WHERE id='O-1'"), {"v": seen + 1})
            order.append("second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    inside.wait(5)
    time.sleep(0.3)
    assert store.get_record(Side.SUPPLY, "O-1")["version"] == 1   # a reader is not blocked by the writer
    assert order == []                                              # the second writer is waiting
    release.set()
    for t in threads:
        t.join(10)
    assert order == ["first", "second"]
    assert store.get_record(Side.SUPPLY, "O-1")["version"] == 3     # neither update was lost


def test_retrying_runs_the_transaction_again_after_a_transient_error(store):
    from sqlalchemy.exc import OperationalError

    calls = []

    class Locked(Exception):
        pass

    def work(s):
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("INSERT", {}, Locked("database is locked"))
        store.audit(s, "tester", "offering", "O-1", "note")
        return "done"

    assert store.retrying(work) == "done" and len(calls) == 3
    with pytest.raises(ValueError):
        store.retrying(lambda s: (_ for _ in ()).throw(ValueError("not transient")))
    with store.read() as s:
        assert s.execute(text("SELECT count(*) FROM audit_log")).scalar() == 1


def test_concurrent_embedding_caches_of_the_same_text_both_succeed(store):
    vec = np.ones(8, dtype=np.float32)
    errors = []

    def put():
        try:
            store.put_embeddings("m", {f"h{i}": vec for i in range(200)})
        except Exception as exc:  # a unique-key violation would land here
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == [] and len(store.get_embeddings("m", [f"h{i}" for i in range(200)])) == 200


@pytest.mark.backends("postgresql")
def test_postgres_backup_and_restore_round_trip(store, db_url, tmp_path, monkeypatch, capsys):
    from matcher.cli import main
    from matcher.config import get_settings

    monkeypatch.setenv("MATCHER_DB_URL", db_url)
    monkeypatch.setenv("MATCHER_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    store.add_records(Side.SUPPLY, [_rec(id=f"O-{i}") for i in range(30)])
    assert main(["backup", str(tmp_path / "b.dump")]) == 0
    store.add_records(Side.SUPPLY, [_rec(id="O-after")])
    (tmp_path / "junk.dump").write_bytes(b"not a dump")
    assert main(["restore", str(tmp_path / "junk.dump")]) == 1
    assert "was not changed" in capsys.readouterr().err and store.count(Side.SUPPLY) == 31
    store.engine.dispose()
    assert main(["restore", str(tmp_path / "b.dump")]) == 0
    assert "previous contents kept" in capsys.readouterr().out
    assert store.count(Side.SUPPLY) == 30 and store.get_record(Side.SUPPLY, "O-after") is None
    with pytest.raises(Exception, match="append-only"):   # the restored audit log is still protected
        with store.write() as s:
            s.execute(text("DELETE FROM audit_log"))
    get_settings.cache_clear()

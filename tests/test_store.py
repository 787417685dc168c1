"""Store: schema on first use, all-or-nothing writes, append-only audit, embedding cache, backup."""
import sqlite3

import numpy as np
import pytest
from sqlalchemy import text

from matcher.domain.records import RecordStatus, RecordValidationError, Side, validate_record
from matcher.storage.store import Store


def _rec(side=Side.SUPPLY, **kw):
    return validate_record(side, {"title": "碳纤维车身件", "description": "减重40%", "organization": "甲公司", **kw})


@pytest.fixture
def store(tmp_path):
    return Store(f"sqlite:///{tmp_path / 'm.db'}")


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


def test_audit_log_is_append_only(store):
    store.add_records(Side.SUPPLY, [_rec()])
    with pytest.raises(Exception, match="append-only"):
        with store.write() as s:
            s.execute(text("UPDATE audit_log SET actor='mallory'"))
    with pytest.raises(Exception, match="append-only"):
        with store.write() as s:
            s.execute(text("DELETE FROM audit_log"))


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


def test_backup_copies_every_record(store, tmp_path):
    store.add_records(Side.SUPPLY, [_rec() for _ in range(50)])
    store.backup(tmp_path / "b.db")
    con = sqlite3.connect(tmp_path / "b.db")
    assert con.execute("SELECT count(*) FROM offerings").fetchone()[0] == 50
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

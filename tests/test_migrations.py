"""Schema migrations: a v1 database made by the pre-Alembic code upgrades to head without loss, on both
backends; a fresh database and an upgraded one end up with the same tables and columns."""
import sqlite3

import pytest
from sqlalchemy import create_engine, inspect, text

from matcher.cli import main
from matcher.config import get_settings
from matcher.storage import migrations
from matcher.storage.store import Store

pytestmark = pytest.mark.backends("sqlite", "postgresql")

# Rows as the v1 code wrote them (every table, every column kind: JSON, BLOB, dates, booleans, nulls).
V1_ROWS = [
    "INSERT INTO users (id, email, role, organization, contact_name, password_hash, active, is_demo, failed_logins, "
    "locked_until, created_at) VALUES (1, 'o@x.cn', 'official', '工信局', '王', '$argon2id$x', TRUE, FALSE, 2, NULL, "
    "'2026-11-30 08:00:00')",
    "INSERT INTO offerings (id, title, description, organization, industry, industry_inferred, region, keywords, "
    "contact_name, contact_email, contact_phone, language, content_hash, status, owner_id, version, created_at, "
    "updated_at, maturity) VALUES ('O-1', '石墨烯导热膜', '电池 热管理', '甲公司', 'carbon_materials', TRUE, '武进', "
    "'石墨烯', '李', 'li@a.cn', '0519', 'zh', 'h1', 'published', 1, 3, '2026-11-30 08:00:00', "
    "'2026-11-30 09:00:00', 'pilot')",
    "INSERT INTO scenarios (id, title, description, organization, industry, industry_inferred, region, keywords, "
    "contact_name, contact_email, contact_phone, language, content_hash, status, owner_id, version, created_at, "
    "updated_at, budget_wan, deadline, indicators, required_maturity) VALUES ('S-1', '电池过热', '需要导热材料', "
    "'乙厂', NULL, FALSE, NULL, NULL, NULL, NULL, NULL, 'zh', 'h2', 'pending', NULL, 1, '2026-11-30 08:00:00', "
    "'2026-11-30 08:00:00', 200.5, '2027-01-31', '温升≤5℃', 'pilot')",
    "INSERT INTO pairings (id, scenario_id, offering_id, score, channels, matched_terms, reasons, status, reviewer, "
    "reason_code, note, interest_supply, interest_demand, version, created_at, updated_at) VALUES (1, 'S-1', 'O-1', "
    "0.71, '{\"text\": 0.71}', '[\"导热\"]', '[{\"code\": \"text\", \"en\": \"e\", \"zh\": \"z\"}]', 'approved', "
    "'o@x.cn', NULL, '好', TRUE, FALSE, 2, '2026-11-30 08:00:00', '2026-11-30 10:00:00')",
    "INSERT INTO audit_log (id, at, actor, entity, entity_id, action, from_status, to_status, reason_code, note) "
    "VALUES (1, '2026-11-30 10:00:00', 'o@x.cn', 'pairing', '1', 'status', 'suggested', 'approved', NULL, '好')",
    "INSERT INTO meta (key, value) VALUES ('schema_version', '1')",
]


def _v1_database(url: str, dialect: str) -> None:
    """What `python -m matcher init` of the pre-Alembic code left: the v1 tables, triggers and rows."""
    engine = create_engine(url)
    with engine.begin() as con:
        for statement in migrations.v1_statements(dialect):
            con.exec_driver_sql(statement)
        for row in V1_ROWS:
            con.exec_driver_sql(row)
        con.execute(text("INSERT INTO embeddings VALUES ('m', 'h1', 2, :v)"), {"v": b"\x00\x00\x80?\x00\x00\x00@"})
        if dialect == "postgresql":  # rows inserted with explicit ids: move the sequences on, as real use would
            for table in ("users", "pairings", "audit_log"):
                con.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
    engine.dispose()


def _dump(url: str) -> dict:
    engine = create_engine(url)
    out = {}
    with engine.connect() as con:
        for table in ("users", "offerings", "scenarios", "pairings", "audit_log"):
            out[table] = [tuple(r) for r in con.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
        # the start adds the database id (indexes are named by it); every v1 key stays as it was
        out["meta"] = [tuple(r) for r in con.execute(text("SELECT * FROM meta WHERE key <> 'database_id'"))]
        # init indexes O-1 and caches its vector under the fake model; the v1 row must be untouched
        out["embeddings"] = [tuple(r) for r in con.execute(text("SELECT * FROM embeddings WHERE model = 'm'"))]
    engine.dispose()
    return out


def _shape(url: str) -> dict:
    engine = create_engine(url)
    insp = inspect(engine)
    shape = {t: sorted(c["name"] for c in insp.get_columns(t)) for t in insp.get_table_names()}
    engine.dispose()
    return shape


@pytest.fixture
def url(tmp_path, db_url, backend, monkeypatch):
    url = db_url or f"sqlite:///{tmp_path / 'var' / 'matcher.db'}"
    (tmp_path / "var").mkdir()
    monkeypatch.setenv("MATCHER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MATCHER_DB_URL", url)
    monkeypatch.setenv("MATCHER_ENCODER", "fake")
    monkeypatch.setenv("MATCHER_SEED_DEMO", "false")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_a_v1_database_upgrades_to_head_without_loss(url, backend, capsys, make_db_url, tmp_path):
    _v1_database(url, backend)
    before = _dump(url)
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert f"migrated {migrations.UNSTAMPED_V1} -> {migrations.head()}" in out
    after = _dump(url)
    for table, rows in before.items():                  # every row, every value, unchanged; columns added by
        kept = [row[:len(rows[0])] for row in after[table][:len(rows)]] if rows else []   # later revisions
        assert kept == rows, table                       # come after the v1 ones (0004: users' account columns)
    # The only additions: the free-text organisations of the listings became organisation rows (issue 11),
    # each audited as created by the migration.
    added = after["audit_log"][len(before["audit_log"]):]
    assert all(row[2] == "migration" and row[3] == "organisation" and row[5] == "create" for row in added), added
    assert all(len(after[t]) == len(rows) for t, rows in before.items() if t != "audit_log")
    store = Store(url)
    assert store.revision == migrations.head() and store.schema_version() == 1 and len(store.database_id) == 32
    with pytest.raises(Exception, match="append-only"):           # the v1 trigger still guards the log
        with store.write() as s:
            s.execute(text("DELETE FROM audit_log"))
    store.engine.dispose()
    assert main(["init"]) == 0 and "up to date" in capsys.readouterr().out   # idempotent
    # An upgraded database and a fresh one have the same tables and columns (a forgotten migration fails here).
    fresh = make_db_url() or f"sqlite:///{tmp_path / 'fresh.db'}"
    Store(fresh).engine.dispose()
    assert _shape(url) == _shape(fresh)


def test_an_unknown_unstamped_schema_is_refused_and_left_alone(url, backend):
    _v1_database(url, backend)
    engine = create_engine(url)
    with engine.begin() as con:
        con.execute(text("UPDATE meta SET value = '7' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(RuntimeError, match="schema_version '7'"):
        Store(url)
    assert "alembic_version" not in _shape(url)

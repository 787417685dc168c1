"""Schema migrations (Alembic), configured in code: no alembic.ini. `Store()` calls `upgrade()` at every start.

What `upgrade(connection)` does, inside the store's write transaction (so two processes starting at once
migrate one after the other, and a failing migration leaves the database as it was):

- an empty database gets today's tables from the models (`Base.metadata.create_all`) and is stamped at head;
- a database from before Alembic (no `alembic_version` table, `meta.schema_version` = 1) is stamped at the
  baseline revision `0001_v1` (its tables are exactly schema v1, captured in v1_sqlite.sql / v1_postgresql.sql);
- then every revision between the database's stamp and head runs, in order;
- finally `create_all` adds any table the models have and no revision creates yet, so a feature that appends a
  table to schema.py works before its migration is written (missing *columns* are never added that way).

Adding a migration (one small file in versions/, named NNNN_what.py, `down_revision` = the current head):

    revision, down_revision = "0002_notifications", "0001_v1"

    def upgrade():
        create_tables("notifications", "outbox")          # new tables, as schema.py declares them
        op.add_column("pairings", sa.Column("campaign_id", sa.String(64)))   # a new column: spelled out

`create_tables` (from this package) creates tables from the models with checkfirst, so it is also correct on a
database where `create_all` already made them. A column is always spelled out with `op.add_column` (wrapped
in `op.batch_alter_table` for anything SQLite cannot ALTER in place): the revision must keep meaning the same
when schema.py changes later. tests/test_migrations.py checks that an upgraded v1 database and a fresh one
end up with the same tables and columns, so a forgotten column migration fails there.
"""
from __future__ import annotations

import logging
from pathlib import Path

from alembic import command, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from matcher.storage.schema import SCHEMA_VERSION, Base, Meta

log = logging.getLogger(__name__)
FOLDER = Path(__file__).resolve().parent
BASELINE = "0001_v1"


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(FOLDER))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(FOLDER / "versions"))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head()


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


UNSTAMPED_V1 = "unstamped schema v1"


def upgrade(connection: Connection, dialect: str) -> tuple[str | None, str]:
    """Bring the database to head (see the module docstring). Returns (revision before, revision after);
    before is None for a new database and UNSTAMPED_V1 for one from before the migrations."""
    from matcher.storage.backends import install_triggers

    cfg = config(connection)
    tables = set(inspect(connection).get_table_names())
    before = current(connection) if "alembic_version" in tables else None
    if before is None and "meta" not in tables:
        Base.metadata.create_all(connection)
        install_triggers(connection, dialect)
        connection.execute(Meta.__table__.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        command.stamp(cfg, "head")
        return None, head()
    if before is None:
        version = connection.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
        if str(version) != "1":
            raise RuntimeError(f"database has schema_version {version!r} and no migration stamp: "
                               "only a version 1 database can be adopted by the migrations")
        command.stamp(cfg, BASELINE)
        log.info("pre-migration database (schema v1) stamped at baseline %s", BASELINE)
        before = UNSTAMPED_V1
    command.upgrade(cfg, "head")
    Base.metadata.create_all(connection)      # tables no revision creates yet (see the docstring)
    install_triggers(connection, dialect)
    after = current(connection)
    if after != before:
        log.info("database migrated from %s to %s", before, after)
    return before, after


def create_tables(*names: str) -> None:
    """In a revision: create these tables as the models declare them, unless they exist already."""
    bind = op.get_bind()
    for name in names:
        Base.metadata.tables[name].create(bind, checkfirst=True)


def v1_statements(dialect: str) -> list[str]:
    """The schema v1 DDL exactly as the pre-Alembic code created it (captured at commit 130b3d8)."""
    body = (FOLDER / f"v1_{dialect}.sql").read_text("utf-8")
    lines = [line for line in body.splitlines() if not line.startswith("--")]
    return [stmt.strip() for stmt in "\n".join(lines).split(";\n") if stmt.strip().rstrip(";")]

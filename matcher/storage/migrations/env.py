"""Alembic's environment: runs on the connection the store passes in (config.attributes["connection"])."""
from alembic import context

from matcher.storage.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through matcher.storage.migrations.upgrade() (python -m matcher init)")
# render_as_batch: SQLite cannot ALTER most things in place; batch mode copies the table instead.
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()

"""Baseline: schema v1, the tables the pre-Alembic code created (users, records, embeddings, pairings, audit)."""
from alembic import op

from matcher.storage.backends import install_triggers
from matcher.storage.migrations import v1_statements

revision = "0001_v1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for statement in v1_statements(bind.dialect.name):
        op.execute(statement)
    install_triggers(bind, bind.dialect.name)
    op.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: restore a backup instead")

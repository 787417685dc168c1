"""Change feed: the changes table (one row per record written; storage/changefeed.py)."""
from matcher.storage.migrations import create_tables

revision = "0002_change_feed"
down_revision = "0001_v1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tables("changes")


def downgrade() -> None:
    from alembic import op

    op.drop_table("changes")

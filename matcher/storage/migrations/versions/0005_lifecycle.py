"""Listing lifecycle and calls (issue 15): listing terms (validity, reminders), calls and the scenarios of a
call. New tables only; no existing table changes."""
from matcher.storage.migrations import create_tables

revision = "0005_lifecycle"
down_revision = "0004_campaigns"
branch_labels = None
depends_on = None

TABLES = ("listing_terms", "calls", "call_scenarios")


def upgrade() -> None:
    create_tables(*TABLES)


def downgrade() -> None:
    from alembic import op

    for table in reversed(TABLES):
        op.drop_table(table)

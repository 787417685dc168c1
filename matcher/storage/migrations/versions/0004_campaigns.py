"""Diagnosis campaigns (issue 11 item 2, branch campaigns), all new tables: service offers (offerings marked
as a provider's service), campaigns, providers on campaigns, and the enterprises diagnosed."""
from matcher.storage.migrations import create_tables

revision = "0004_campaigns"
down_revision = "0003_programme_sessions_learning"
branch_labels = None
depends_on = None

TABLES = ("service_offers", "campaigns", "campaign_providers", "campaign_diagnoses")


def upgrade() -> None:
    create_tables(*TABLES)


def downgrade() -> None:
    from alembic import op

    for table in reversed(TABLES):
        op.drop_table(table)

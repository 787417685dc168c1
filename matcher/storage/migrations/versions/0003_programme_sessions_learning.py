"""Tables of the features merged after the change feed, all new (no existing table changes):
organisations and their tags, listing links, demonstration projects, milestones and cases (issue 11);
learned signal weights (issue 10); the pairing backlog and imported-file hashes (issue 14); sign-in
sessions, notifications, the e-mail outbox and opt-outs (issue 9)."""
from matcher.storage.migrations import create_tables

revision = "0003_programme_sessions_learning"
down_revision = "0002_change_feed"
branch_labels = None
depends_on = None

TABLES = ("organisations", "organisation_tags", "record_organisations", "demonstration_projects",
          "demonstration_milestones", "cases", "learned_weights", "pairing_backlog", "imported_files",
          "auth_sessions", "notifications", "mail_outbox", "notification_opt_outs")


def upgrade() -> None:
    create_tables(*TABLES)


def downgrade() -> None:
    from alembic import op

    for table in reversed(TABLES):
        op.drop_table(table)

"""Background imports (issue 14): the import_jobs table (state, progress and outcome of each web import)."""
from matcher.storage.migrations import create_tables

revision = "0007_imports"
down_revision = "0006_account"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tables("import_jobs")


def downgrade() -> None:
    from alembic import op

    op.drop_table("import_jobs")

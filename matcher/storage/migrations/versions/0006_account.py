"""Account page (issue 15, item 7): users get contact_phone, contact_email (the contact details new listings
start from) and must_change_password (set by an admin's password reset until the user picks a new one)."""
import sqlalchemy as sa
from alembic import op

revision = "0006_account"
down_revision = "0005_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite does it in place; a batch copy of users would trip the foreign keys onto it).
    op.add_column("users", sa.Column("contact_phone", sa.String(30)))
    op.add_column("users", sa.Column("contact_email", sa.String(200)))
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    for column in ("must_change_password", "contact_email", "contact_phone"):
        op.drop_column("users", column)

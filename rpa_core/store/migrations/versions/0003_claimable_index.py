"""work_items: a partial index of the claimable items in claim order

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The literal predicate of rpa_core.store.models.CLAIMABLE_SQL as it was at this revision.
CLAIMABLE = sa.text("state IN ('PENDING', 'APPLICATION_ERROR')")


def upgrade() -> None:
    op.create_index(
        "ix_work_items_claimable",
        "work_items",
        ["queue", "available_at", "id"],
        postgresql_where=CLAIMABLE,
        sqlite_where=CLAIMABLE,
    )


def downgrade() -> None:
    op.drop_index("ix_work_items_claimable", table_name="work_items")

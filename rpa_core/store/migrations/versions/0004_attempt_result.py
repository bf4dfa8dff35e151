"""item_attempts.result: the JSON result a worker releases an item with (what the robot did, for reports)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("item_attempts", sa.Column("result", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("item_attempts") as batch:
        batch.drop_column("result")

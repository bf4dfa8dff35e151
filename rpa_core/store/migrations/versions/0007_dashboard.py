"""users, login_failures, audit_log (the dashboard); indexes for its lists (runs, manual cases, queue, run items)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 19:00:00
"""

import sqlalchemy as sa
from alembic import op

from rpa_core.store.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("disabled", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("address", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_failures"),
    )
    op.create_index("ix_login_failures_user", "login_failures", ["user", "at"])
    op.create_index("ix_login_failures_address", "login_failures", ["address", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("target", sa.String(200), nullable=False, server_default=""),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("details", sa.Text(), nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_runs_started", "runs", ["started_at"])
    op.create_index("ix_work_items_state_code", "work_items", ["state", "last_code"])
    op.create_index("ix_work_items_updated", "work_items", ["updated_at", "id"])
    op.create_index("ix_work_items_created_run", "work_items", ["created_run_id"])


def downgrade() -> None:
    op.drop_index("ix_work_items_created_run", table_name="work_items")
    op.drop_index("ix_work_items_updated", table_name="work_items")
    op.drop_index("ix_work_items_state_code", table_name="work_items")
    op.drop_index("ix_runs_started", table_name="runs")
    for table in ("audit_log", "login_failures", "users"):
        op.drop_table(table)

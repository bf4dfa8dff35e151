"""schedule_runs (each schedule's due times, each started at most once), schedulers, schedule_marks; runs.profile

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 18:00:00
"""

import sqlalchemy as sa
from alembic import op

from rpa_core.store.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The literal predicate of rpa_core.store.models.SCHEDULE_RUNNING_SQL as it was at this revision.
RUNNING = sa.text("state = 'RUNNING'")


def upgrade() -> None:
    op.add_column("runs", sa.Column("profile", sa.String(200), nullable=True))
    op.create_table(
        "schedule_runs",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("robot", sa.String(200), nullable=False),
        sa.Column("profile", sa.String(200), nullable=False, server_default=""),
        sa.Column("schedule", sa.String(100), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("scheduler_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("host", sa.String(200), nullable=False, server_default=""),
        sa.Column("pid", sa.Integer()),
        sa.Column("run_id", sa.String(64)),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime()),
        sa.Column("ended_at", UTCDateTime()),
        sa.Column("outcome", sa.String(20)),
        sa.Column("message", sa.Text()),
        sa.Column("mailed_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_schedule_runs"),
        sa.UniqueConstraint("robot", "profile", "schedule", "due_at", name="uq_schedule_runs_due"),
    )
    op.create_index(
        "ix_schedule_runs_running",
        "schedule_runs",
        ["robot", "profile"],
        unique=True,
        postgresql_where=RUNNING,
        sqlite_where=RUNNING,
    )
    op.create_index("ix_schedule_runs_state", "schedule_runs", ["state", "due_at"])
    op.create_index("ix_schedule_runs_due_at", "schedule_runs", ["due_at"])
    op.create_table(
        "schedulers",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("host", sa.String(200), nullable=False, server_default=""),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(50), nullable=False, server_default=""),
        sa.Column("robots", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("last_tick", UTCDateTime(), nullable=False),
        sa.Column("stopped_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_schedulers"),
    )
    op.create_table(
        "schedule_marks",
        sa.Column("robot", sa.String(200), nullable=False),
        sa.Column("profile", sa.String(200), nullable=False, server_default=""),
        sa.Column("schedule", sa.String(100), nullable=False),
        sa.Column("checked_until", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("robot", "profile", "schedule", name="pk_schedule_marks"),
    )


def downgrade() -> None:
    for table in ("schedule_marks", "schedulers", "schedule_runs"):
        op.drop_table(table)
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("profile")

"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:39:54.025631
"""

import sqlalchemy as sa
from alembic import op

import rpa_core.store.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("robot", sa.String(length=200), nullable=False),
        sa.Column("robot_version", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", rpa_core.store.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", rpa_core.store.types.UTCDateTime(), nullable=True),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("artifacts_dir", sa.Text(), nullable=False),
        sa.Column("kill_switch", sa.Integer(), nullable=True),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_table(
        "work_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("queue", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", rpa_core.store.types.UTCDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", rpa_core.store.types.UTCDateTime(), nullable=True),
        sa.Column("last_code", sa.String(length=200), nullable=True),
        sa.Column("last_message", sa.Text(), nullable=True),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_run_id", sa.String(length=64), nullable=True),
        sa.Column("last_run_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", rpa_core.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", rpa_core.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_items")),
        sa.UniqueConstraint("queue", "reference", name="uq_work_items_queue_reference"),
    )
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.create_index("ix_work_items_claim", ["queue", "state", "available_at"], unique=False)
        batch_op.create_index("ix_work_items_last_run", ["last_run_id"], unique=False)
        batch_op.create_index("ix_work_items_lease", ["state", "lease_expires_at"], unique=False)

    op.create_table(
        "item_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("started_at", rpa_core.store.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", rpa_core.store.types.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("code", sa.String(length=200), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["work_items.id"],
            name=op.f("fk_item_attempts_item_id_work_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_attempts")),
        sa.UniqueConstraint("item_id", "number", name="uq_item_attempts_item_number"),
    )
    with op.batch_alter_table("item_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_item_attempts_run", ["run_id", "ended_at"], unique=False)

    op.create_table(
        "item_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", rpa_core.store.types.UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["work_items.id"], name=op.f("fk_item_events_item_id_work_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_events")),
    )
    with op.batch_alter_table("item_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_events_item_id"), ["item_id"], unique=False)

    op.create_table(
        "item_files",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", rpa_core.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["work_items.id"], name=op.f("fk_item_files_item_id_work_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_files")),
        sa.UniqueConstraint("item_id", "name", name="uq_item_files_item_name"),
    )
    op.create_table(
        "run_steps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("started_at", rpa_core.store.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", rpa_core.store.types.UTCDateTime(), nullable=True),
        sa.Column("output_dir", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_steps_run_id_runs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_steps")),
    )
    with op.batch_alter_table("run_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_steps_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_steps_run_id"))

    op.drop_table("run_steps")
    op.drop_table("item_files")
    with op.batch_alter_table("item_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_events_item_id"))

    op.drop_table("item_events")
    with op.batch_alter_table("item_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_item_attempts_run")

    op.drop_table("item_attempts")
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_index("ix_work_items_lease")
        batch_op.drop_index("ix_work_items_last_run")
        batch_op.drop_index("ix_work_items_claim")

    op.drop_table("work_items")
    op.drop_table("runs")

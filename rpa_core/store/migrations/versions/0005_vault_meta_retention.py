"""vault_keys and vault_secrets (the encrypted vault), store_meta (the store's own values), retention_log

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:00:00
"""

import sqlalchemy as sa
from alembic import op

from rpa_core.store.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "vault_keys",
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("check_value", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("key_id", name="pk_vault_keys"),
    )
    op.create_table(
        "vault_secrets",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("changed_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_vault_secrets"),
        sa.UniqueConstraint("name", "field", name="uq_vault_secrets_name_field"),
    )
    op.create_table(
        "store_meta",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_store_meta"),
    )
    op.create_table(
        "retention_log",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False, server_default=""),
        sa.Column("dry_run", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_retention_log"),
    )


def downgrade() -> None:
    for table in ("retention_log", "store_meta", "vault_secrets", "vault_keys"):
        op.drop_table(table)

"""The store's tables: runs and their steps, work items with their attempts, events and files."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from rpa_core.store.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
Id = BigInteger().with_variant(Integer(), "sqlite")

runs = Table(
    "runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("robot", String(200), nullable=False),
    Column("robot_version", String(50), nullable=False, default=""),
    Column("status", String(20), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    Column("host", String(200), nullable=False, default=""),
    Column("artifacts_dir", Text, nullable=False, default=""),
    Column("kill_switch", Integer),
    Column("stop_reason", Text),
)

run_steps = Table(
    "run_steps",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", String(64), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("worker", String(200), nullable=False, default=""),
    Column("status", String(20), nullable=False),
    Column("exit_code", Integer),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    Column("output_dir", Text, nullable=False, default=""),
    Column("message", Text),  # why a failed process failed (its first failed task, CPR masked); revision 0002
)

# The states a worker may claim, written into SQL as literals: the claimable-items index is partial on exactly this
# predicate, and a database uses a partial index only when the query says the same (bound parameters would not).
# Must match rpa_core.queue.lifecycle.CLAIMABLE (a test checks it); the store layer does not import the queue.
CLAIMABLE_STATE_VALUES = ("PENDING", "APPLICATION_ERROR")
CLAIMABLE_SQL = "state IN ('PENDING', 'APPLICATION_ERROR')"

work_items = Table(
    "work_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("queue", String(200), nullable=False),
    Column("reference", String(500), nullable=False),
    Column("state", String(30), nullable=False),
    Column("payload", Text, nullable=False, default="{}"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("max_attempts", Integer, nullable=False, default=3),
    Column("available_at", UTCDateTime(), nullable=False),
    Column("lease_owner", String(200)),
    Column("lease_expires_at", UTCDateTime()),
    Column("last_code", String(200)),
    Column("last_message", Text),
    Column("parent_id", Id),
    Column("created_run_id", String(64)),
    Column("last_run_id", String(64)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("queue", "reference", name="uq_work_items_queue_reference"),
    Index("ix_work_items_claim", "queue", "state", "available_at"),
    # Revision 0003: the claim reads this index in (available_at, id) order and stops at the first unlocked row,
    # instead of sorting every waiting item of the queue on each claim.
    Index(
        "ix_work_items_claimable",
        "queue",
        "available_at",
        "id",
        postgresql_where=text(CLAIMABLE_SQL),
        sqlite_where=text(CLAIMABLE_SQL),
    ),
    Index("ix_work_items_lease", "state", "lease_expires_at"),
    Index("ix_work_items_last_run", "last_run_id"),
)

item_attempts = Table(
    "item_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("item_id", Id, ForeignKey("work_items.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("run_id", String(64)),
    Column("worker", String(200), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    Column("outcome", String(30)),
    Column("code", String(200)),
    Column("message", Text),
    Column("result", Text),  # JSON: what the worker did (revision 0004)
    UniqueConstraint("item_id", "number", name="uq_item_attempts_item_number"),
    Index("ix_item_attempts_run", "run_id", "ended_at"),
)

item_events = Table(
    "item_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("item_id", Id, ForeignKey("work_items.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("actor", String(200), nullable=False, default=""),
    Column("message", Text),
)

item_files = Table(
    "item_files",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("item_id", Id, ForeignKey("work_items.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(500), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("item_id", "name", name="uq_item_files_item_name"),
)

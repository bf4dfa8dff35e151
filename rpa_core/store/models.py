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
    Column("profile", String(200)),  # the profile the run used, when it used one (revision 0006)
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

# The vault (rpa_core.vault, revision 0005): each key that ever sealed a secret, with a check value that tells
# at once whether a given key is that key; and each secret field, sealed (a versioned envelope naming its key).
vault_keys = Table(
    "vault_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("check_value", Text, nullable=False),  # an envelope of a known text, sealed with the key
    Column("created_at", UTCDateTime(), nullable=False),
    Column("retired_at", UTCDateTime()),  # set when rotate-key replaced it; a retired key opens nothing
)

vault_secrets = Table(
    "vault_secrets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("field", String(200), nullable=False),
    Column("sealed", Text, nullable=False),  # the envelope: version, key id, nonce, ciphertext
    Column("description", Text, nullable=False, default=""),
    Column("changed_by", String(200), nullable=False, default=""),
    Column("changed_at", UTCDateTime(), nullable=False),
    UniqueConstraint("name", "field", name="uq_vault_secrets_name_field"),
)

# Values the store keeps for itself (revision 0005), e.g. the key of the keyed hash that replaces CPR numbers
# in work-item references.
store_meta = Table(
    "store_meta",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# What `rpa retention prune` did (revision 0005): when, by whom, and the counts by kind of thing deleted.
retention_log = Table(
    "retention_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(200), nullable=False, default=""),
    Column("dry_run", Integer, nullable=False, default=0),
    Column("counts", Text, nullable=False),  # JSON: {"run_folders": n, "payloads": n, ...}
)

# The scheduler (rpa_core.scheduler.records, revision 0006). One row per schedule and due time: its unique
# constraint is what makes a due time start at most once across every scheduler and machine, and the partial
# unique index on the RUNNING rows that no robot+profile runs twice at once. A literal predicate, as above.
SCHEDULE_RUNNING_SQL = "state = 'RUNNING'"
# The schedule name of a run a person started ("run now"); ':' is never in a schedule's own name. At most one
# of them WAITING per robot+profile (revision 0008): a double click or two operators start one run, not two.
MANUAL_SCHEDULE = ":manual"
# (In text() a colon starts a bound parameter: it is escaped.)
MANUAL_WAITING_SQL = f"schedule = '{MANUAL_SCHEDULE}' AND state = 'WAITING'".replace(":", "\\:")

schedule_runs = Table(
    "schedule_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("robot", String(200), nullable=False),
    Column("profile", String(200), nullable=False, default=""),  # "" for none: never NULL, so the uniques hold
    Column("schedule", String(100), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("state", String(20), nullable=False),
    Column("scheduler_id", String(200), nullable=False, default=""),
    Column("host", String(200), nullable=False, default=""),
    Column("pid", Integer),  # the child process's, once started
    Column("run_id", String(64)),
    Column("claimed_at", UTCDateTime(), nullable=False),
    Column("started_at", UTCDateTime()),
    Column("ended_at", UTCDateTime()),
    Column("outcome", String(20)),
    Column("message", Text),
    Column("mailed_at", UTCDateTime()),
    UniqueConstraint("robot", "profile", "schedule", "due_at", name="uq_schedule_runs_due"),
    Index(
        "ix_schedule_runs_running",
        "robot",
        "profile",
        unique=True,
        postgresql_where=text(SCHEDULE_RUNNING_SQL),
        sqlite_where=text(SCHEDULE_RUNNING_SQL),
    ),
    Index(
        "ix_schedule_runs_manual_waiting",
        "robot",
        "profile",
        unique=True,
        postgresql_where=text(MANUAL_WAITING_SQL),
        sqlite_where=text(MANUAL_WAITING_SQL),
    ),
    Index("ix_schedule_runs_state", "state", "due_at"),
    Index("ix_schedule_runs_due_at", "due_at"),
)

# A heartbeat row per scheduler process (revision 0006).
schedulers = Table(
    "schedulers",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("host", String(200), nullable=False, default=""),
    Column("pid", Integer, nullable=False),
    Column("version", String(50), nullable=False, default=""),
    Column("robots", Text, nullable=False, default="[]"),  # JSON: the names of the robots it serves
    Column("started_at", UTCDateTime(), nullable=False),
    Column("last_tick", UTCDateTime(), nullable=False),
    Column("stopped_at", UTCDateTime()),
)

# How far each schedule's due times have been looked at (revision 0006); only ever moves forward.
schedule_marks = Table(
    "schedule_marks",
    metadata,
    Column("robot", String(200), primary_key=True),
    Column("profile", String(200), primary_key=True, default=""),
    Column("schedule", String(100), primary_key=True),
    Column("checked_until", UTCDateTime(), nullable=False),
)

# The dashboard's people (revision 0007): a local login each, argon2-hashed; a role says what they may do.
users = Table(
    "users",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("role", String(20), nullable=False),  # viewer, operator or admin (rpa_core.dashboard.users.Role)
    Column("password_hash", Text, nullable=False),
    Column("disabled", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("changed_at", UTCDateTime(), nullable=False),
)

# Failed logins (revision 0007), counted per user name and per address to slow guessing down.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("user", String(100), nullable=False),
    Column("address", String(100), nullable=False),
    Index("ix_login_failures_user", "user", "at"),
    Index("ix_login_failures_address", "address", "at"),
)

# Every operator action (revision 0007): who, when, what, on what, and why.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("user", String(100), nullable=False),
    Column("action", String(50), nullable=False),
    Column("target", String(200), nullable=False, default=""),
    Column("reason", Text, nullable=False, default=""),
    Column("details", Text, nullable=False, default="{}"),  # JSON
    Index("ix_audit_log_at", "at"),
)

# For the dashboard's lists (revision 0007): runs newest first, manual cases by reason, the queue by last change,
# and the items a run created.
Index("ix_runs_started", runs.c.started_at)
Index("ix_work_items_state_code", work_items.c.state, work_items.c.last_code)
Index("ix_work_items_updated", work_items.c.updated_at, work_items.c.id)
Index("ix_work_items_created_run", work_items.c.created_run_id)

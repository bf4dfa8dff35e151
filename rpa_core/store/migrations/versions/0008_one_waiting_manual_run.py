"""schedule_runs: at most one WAITING "run now" (schedule ':manual') per robot+profile, enforced by the store

Two operators (or one double click) could both pass the dashboard's look for a waiting run-now and both insert
one. A partial unique index makes the second insert do nothing. Duplicates an earlier version left are settled
first: the oldest waits on, the others are SKIPPED with a message saying why.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:00:00
"""

import sqlalchemy as sa
from alembic import op

from rpa_core.store.types import UTCDateTime, utcnow

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The literal predicate of rpa_core.store.models.MANUAL_WAITING_SQL as it was at this revision.
MANUAL_WAITING = sa.text(r"schedule = '\:manual' AND state = 'WAITING'")  # the colon escaped: not a parameter
SETTLED = "skipped by store revision 0008: another run-now for this robot was already waiting"


def upgrade() -> None:
    op.get_bind().execute(
        sa.text(
            "UPDATE schedule_runs SET state = 'SKIPPED', ended_at = :now, message = :message"
            r" WHERE schedule = '\:manual' AND state = 'WAITING' AND id > ("
            r"  SELECT MIN(first.id) FROM schedule_runs AS first WHERE first.schedule = '\:manual'"
            "  AND first.state = 'WAITING' AND first.robot = schedule_runs.robot"
            "  AND first.profile = schedule_runs.profile)"
        ).bindparams(sa.bindparam("now", type_=UTCDateTime())),
        {"now": utcnow(), "message": SETTLED},
    )
    op.create_index(
        "ix_schedule_runs_manual_waiting",
        "schedule_runs",
        ["robot", "profile"],
        unique=True,
        postgresql_where=MANUAL_WAITING,
        sqlite_where=MANUAL_WAITING,
    )


def downgrade() -> None:
    op.drop_index("ix_schedule_runs_manual_waiting", table_name="schedule_runs")

"""The work queue's hot-path SQL, built once per dialect.

SQLite claims inside an immediate transaction with ``UPDATE ... RETURNING``; PostgreSQL picks the candidate
row with ``FOR UPDATE SKIP LOCKED`` and, in one statement, also inserts the attempt row (a data-modifying CTE),
so a claim or a release costs one round trip.
"""

from __future__ import annotations

import functools

from sqlalchemy import String, bindparam, case, insert, select, text, update

from rpa_core.queue.states import ItemState, Outcome
from rpa_core.store.models import CLAIMABLE_SQL, item_attempts, work_items
from rpa_core.store.types import UTCDateTime

wi = work_items


class Statements:
    """The hot-path statements, built once: building SQLAlchemy statements costs more than running them."""

    def __init__(self, postgres: bool) -> None:
        # Typed, because in the claim's INSERT ... SELECT nothing else tells SQLAlchemy what they are.
        now = bindparam("p_now", type_=UTCDateTime())
        worker, run_id = bindparam("p_worker", type_=String()), bindparam("p_run_id", type_=String())
        queue, item_id = bindparam("p_queue"), bindparam("p_item_id")
        candidate = (
            select(wi.c.id)
            .where(wi.c.queue == queue, text(f"work_items.{CLAIMABLE_SQL}"), wi.c.available_at <= now)
            .order_by(wi.c.available_at, wi.c.id)
            .limit(1)
        )
        expired = select(wi.c.id).where(
            wi.c.queue == queue, wi.c.state == ItemState.IN_PROGRESS.value, wi.c.lease_expires_at < now
        )
        held = select(wi.c.attempts, wi.c.max_attempts).where(
            wi.c.id == item_id, wi.c.lease_owner == worker, wi.c.state == ItemState.IN_PROGRESS.value
        )
        if postgres:
            candidate = candidate.with_for_update(skip_locked=True)
            expired = expired.with_for_update(skip_locked=True)
            held = held.with_for_update()
        self.held = held
        self.candidate = candidate  # the claim's row choice, for tests that read its query plan
        self.claim = (
            update(wi)
            .where(wi.c.id == candidate.scalar_subquery())
            .values(
                state=ItemState.IN_PROGRESS.value,
                attempts=wi.c.attempts + 1,
                lease_owner=worker,
                lease_expires_at=bindparam("p_expires"),
                last_run_id=run_id,
                updated_at=now,
            )
            .returning(*wi.c)
        )
        self.expire = (
            update(wi)
            .where(wi.c.id.in_(expired.scalar_subquery()))
            .values(
                state=case(
                    (wi.c.attempts >= wi.c.max_attempts, ItemState.ABANDONED.value),
                    else_=ItemState.APPLICATION_ERROR.value,
                ),
                lease_owner=None,
                lease_expires_at=None,
                available_at=now,
                last_code=Outcome.LEASE_EXPIRED.value,
                last_message=bindparam("p_message"),
                updated_at=now,
            )
            .returning(wi.c.id, wi.c.attempts, wi.c.state)
        )
        self.start_attempt = insert(item_attempts).values(
            item_id=item_id, number=bindparam("p_number"), run_id=run_id, worker=worker, started_at=now
        )
        self.end_attempt = (
            update(item_attempts)
            .where(item_attempts.c.item_id == item_id, item_attempts.c.number == bindparam("p_number"))
            .values(
                ended_at=now, outcome=bindparam("p_outcome"), code=bindparam("p_code"), message=bindparam("p_message")
            )
        )
        self.finish = (
            update(wi)
            .where(wi.c.id == item_id, wi.c.lease_owner == worker, wi.c.state == ItemState.IN_PROGRESS.value)
            .values(
                state=bindparam("p_state"),
                lease_owner=None,
                lease_expires_at=None,
                available_at=bindparam("p_available_at"),
                last_code=bindparam("p_code"),
                last_message=bindparam("p_message"),
                updated_at=now,
            )
            .returning(wi.c.attempts, wi.c.id)
        )
        if postgres:
            claimed = self.claim.cte("claimed")
            attempt = insert(item_attempts).from_select(
                ["item_id", "number", "run_id", "worker", "started_at"],
                select(claimed.c.id, claimed.c.attempts, run_id, worker, now),
            )
            self.claim_with_attempt = select(claimed).add_cte(attempt.cte("attempt"))
            finished = self.finish.cte("finished")
            self.finish_with_attempt = (
                update(item_attempts)
                .where(item_attempts.c.item_id == finished.c.id, item_attempts.c.number == finished.c.attempts)
                .values(
                    ended_at=now,
                    outcome=bindparam("p_outcome"),
                    code=bindparam("p_code"),
                    message=bindparam("p_message"),
                )
                .returning(item_attempts.c.number)
                .add_cte(finished)
            )
        self.heartbeat = (
            update(wi)
            .where(
                wi.c.id == item_id,
                wi.c.lease_owner == worker,
                wi.c.state == ItemState.IN_PROGRESS.value,
                wi.c.lease_expires_at >= now,
            )
            .values(lease_expires_at=bindparam("p_expires"), updated_at=now)
        )


@functools.cache
def statements(postgres: bool) -> Statements:
    """The statements for SQLite (``postgres=False``) or PostgreSQL, built on first use."""
    return Statements(postgres)

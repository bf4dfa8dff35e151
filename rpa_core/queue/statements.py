"""The work queue's hot-path SQL, built once per dialect.

SQLite claims inside an immediate transaction with ``UPDATE ... RETURNING``; PostgreSQL picks the candidate
row with ``FOR UPDATE SKIP LOCKED`` and, in one statement, also inserts the attempt row (a data-modifying CTE),
so a claim or a release costs one round trip.
"""

from __future__ import annotations

import functools

from sqlalchemy import String, bindparam, insert, select, text, update

from rpa_core.queue.lifecycle import Action, Outcome, Trigger, sources, target_sql, transition
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
        leased = wi.c.state.in_(sources(Outcome.DONE))  # every ending of an attempt starts from a lease
        expired = select(wi.c.id).where(
            wi.c.queue == queue, wi.c.state.in_(sources(Outcome.LEASE_EXPIRED)), wi.c.lease_expires_at < now
        )
        # A worker holds an item while its lease runs: once it expired, every write is refused (fenced).
        holds = (wi.c.id == item_id) & (wi.c.lease_owner == worker) & leased & (wi.c.lease_expires_at >= now)
        held = select(wi.c.attempts, wi.c.max_attempts).where(holds)
        if postgres:
            candidate = candidate.with_for_update(skip_locked=True)
            expired = expired.with_for_update(skip_locked=True)
            held = held.with_for_update()
        self.held = held
        self.holds = holds
        self.candidate = candidate  # the claim's row choice, for tests that read its query plan
        self.claim = (
            update(wi)
            .where(wi.c.id == candidate.scalar_subquery())
            .values(
                state=transition_target(Action.CLAIM),
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
                state=target_sql(Outcome.LEASE_EXPIRED, wi.c.attempts, wi.c.max_attempts),
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
                ended_at=now,
                outcome=bindparam("p_outcome"),
                code=bindparam("p_code"),
                message=bindparam("p_message"),
                result=bindparam("p_result", None),
            )
        )
        self.finish = (
            update(wi)
            .where(holds)
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
                    result=bindparam("p_result", None),
                )
                .returning(item_attempts.c.number)
                .add_cte(finished)
            )
        self.heartbeat = update(wi).where(holds).values(lease_expires_at=bindparam("p_expires"), updated_at=now)
        # A stopped run gives the item back: PENDING again, and the attempt it used is given back too.
        self.give_back = (
            update(wi)
            .where(holds)
            .values(
                state=transition_target(Outcome.RETURNED),
                max_attempts=wi.c.max_attempts + 1,
                lease_owner=None,
                lease_expires_at=None,
                available_at=now,
                updated_at=now,
            )
            .returning(wi.c.attempts)
        )


def transition_target(trigger: Trigger) -> str:
    """The one state ``trigger`` leads to (a transition without a retry-or-abandon rule)."""
    move = transition(trigger)
    assert move.exhausted is None, f"{trigger} depends on the attempts: use target_sql"
    return move.target.value


@functools.cache
def statements(postgres: bool) -> Statements:
    """The statements for SQLite (``postgres=False``) or PostgreSQL, built on first use."""
    return Statements(postgres)

"""The work queue's hot-path SQL, built once per dialect.

SQLite claims inside an immediate transaction with ``UPDATE ... RETURNING``; PostgreSQL picks the candidate
row with ``FOR UPDATE SKIP LOCKED`` and, in one statement, also inserts the attempt row (a data-modifying CTE),
so a claim or a release costs one round trip. On PostgreSQL those statements are also compiled once to
psycopg's SQL (:class:`DriverStatement`) and run on its cursor; states are SQL literals, never expanded per call.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Executable, String, bindparam, insert, literal_column, select, text, update
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

from rpa_core.queue.lifecycle import Action, ItemState, Outcome, Trigger, sources, target_sql, transition
from rpa_core.store.models import CLAIMABLE_SQL, item_attempts, work_items
from rpa_core.store.types import UTCDateTime

wi = work_items


def _to_driver(value: Any) -> Any:
    """A parameter as the store keeps it: an aware datetime as naive UTC (what UTCDateTime does)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


@dataclass(frozen=True)
class DriverStatement:
    """A statement compiled once for psycopg: its SQL, the ``p_*`` parameters it takes, the values of the
    constants SQLAlchemy bound in it, and the names of the columns it returns. The queue runs it on psycopg's own
    cursor, so it gets rows as the driver gives them (datetimes naive UTC: see :meth:`row`)."""

    sql: str
    names: tuple[str, ...]
    constants: Mapping[str, Any]
    columns: tuple[str, ...]

    @classmethod
    def of(cls, statement: Executable) -> DriverStatement:
        compiled = statement.compile(dialect=PGDialect_psycopg())
        names = tuple(name for name in compiled.params if name.startswith("p_"))
        constants = {name: _to_driver(v) for name, v in compiled.params.items() if not name.startswith("p_")}
        columns = tuple(column.key for column in statement.exported_columns)
        return cls(str(compiled), names, constants, columns)

    def params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The driver's parameters from the call's ``p_*`` values."""
        return {**self.constants, **{name: _to_driver(values[name]) for name in self.names}}

    def row(self, values: tuple[Any, ...]) -> dict[str, Any]:
        """A returned row by column name, its datetimes aware UTC (what UTCDateTime gives when SQLAlchemy reads)."""
        return {
            name: value.replace(tzinfo=UTC) if isinstance(value, datetime) else value
            for name, value in zip(self.columns, values, strict=True)
        }


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
        leased = state_in(sources(Outcome.DONE))  # every ending of an attempt starts from a lease
        expired = select(wi.c.id).where(
            wi.c.queue == queue, state_in(sources(Outcome.LEASE_EXPIRED)), wi.c.lease_expires_at < now
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
        # After a lost reply (the connection broke while a statement ran), whether the server did it anyway:
        # the item this claim took (its worker, lease and time are the call's own), or this release's attempt.
        self.claimed_by = select(wi).where(
            wi.c.lease_owner == worker, leased, wi.c.lease_expires_at == bindparam("p_expires"), wi.c.updated_at == now
        )
        self.released_by = select(item_attempts.c.number).where(
            item_attempts.c.item_id == item_id,
            item_attempts.c.worker == worker,
            item_attempts.c.ended_at == now,
            item_attempts.c.outcome == bindparam("p_outcome"),
        )
        if postgres:
            # The hot path on PostgreSQL runs these on psycopg's cursor: SQLAlchemy's work per execution (its
            # connection and result objects, parameter and row processing) cost more CPU than psycopg's own.
            self.pg_claim = DriverStatement.of(self.claim_with_attempt)
            self.pg_claimed_by = DriverStatement.of(self.claimed_by)
            self.pg_finish = DriverStatement.of(self.finish_with_attempt)
            self.pg_released_by = DriverStatement.of(self.released_by)
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


def state_in(states: Iterable[ItemState]) -> ColumnElement[bool]:
    """``work_items.state IN (...)`` with the states as SQL literals: the statement compiles once, where a bound
    IN list is expanded again on every execution."""
    return wi.c.state.in_([literal_column(f"'{ItemState(state).value}'", String()) for state in states])


def transition_target(trigger: Trigger) -> str:
    """The one state ``trigger`` leads to (a transition without a retry-or-abandon rule)."""
    move = transition(trigger)
    assert move.exhausted is None, f"{trigger} depends on the attempts: use target_sql"
    return move.target.value


@functools.cache
def statements(postgres: bool) -> Statements:
    """The statements for SQLite (``postgres=False``) or PostgreSQL, built on first use."""
    return Statements(postgres)

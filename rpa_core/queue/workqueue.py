"""The work queue: create items once per reference, claim atomically with a lease, release with an outcome.

Claims are one write transaction: on SQLite an immediate transaction (the database's single writer lock)
around ``UPDATE ... RETURNING``; on PostgreSQL the same statement whose candidate row is chosen with
``FOR UPDATE SKIP LOCKED``, so concurrent workers never wait for or take each other's item.

On PostgreSQL a claim and a DONE or business-exception release are each one self-committing statement that
also writes the attempt row: one round trip, one commit. When the connection breaks while one runs, the queue
asks a new connection whether the server did it (a lost reply) before running it again, see ``_one_statement``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from rpa_core.privacy import contains_cpr, mask_text
from rpa_core.queue.errors import LeaseLostError
from rpa_core.queue.items import QueuePolicy, WorkItem
from rpa_core.queue.lifecycle import CLAIMABLE, EventKind, ItemState, Outcome, next_state
from rpa_core.queue.references import reference_key, stored_reference
from rpa_core.queue.statements import DriverStatement, statements
from rpa_core.store import Store
from rpa_core.store.models import item_events, item_files, work_items
from rpa_core.store.types import utcnow

wi = work_items
_SWEEP_SECONDS = 5.0
_LEASE_EXPIRED = "the worker's lease expired before it released the item (worker stopped or hung)"


def _masked(text: str | None) -> str | None:
    return mask_text(text) if text else text


class WorkQueue:
    """One named queue in a store."""

    def __init__(self, store: Store, name: str, policy: QueuePolicy | None = None) -> None:
        if not name or not name.strip():
            raise ValueError("a queue needs a name")
        self.store = store
        self.name = name
        self.policy = policy or QueuePolicy()
        self._postgres = not store.is_sqlite
        self._next_sweep = 0.0
        self._reference_key: bytes | None = None

    def stored_reference(self, reference: str) -> str:
        """``reference`` as the store keeps it: CPR numbers replaced by keyed pseudonyms (``queue.references``)."""
        if not reference or not contains_cpr(str(reference)):
            return reference  # no CPR: no key needed (an empty one is refused by _create)
        if self._reference_key is None:
            self._reference_key = reference_key(self.store)  # its own transaction, before the item's
        return stored_reference(self.store, reference, self._reference_key)

    # ----------------------------------------------------------------- create
    def create(
        self,
        reference: str,
        payload: Mapping[str, Any] | None = None,
        *,
        files: Mapping[str, bytes] | None = None,
        run_id: str | None = None,
        parent_id: int | None = None,
    ) -> tuple[WorkItem, bool]:
        """Create the item for ``reference``, or return the existing one. Returns (item, created).

        A CPR number in ``reference`` is stored as its keyed pseudonym (:meth:`stored_reference`)."""
        stored = self.stored_reference(reference)
        with self.store.engine.begin() as conn:
            return self._create(
                conn, stored, payload, files=files, run_id=run_id, parent_id=parent_id, clear=str(reference)
            )

    def create_many(self, items: Iterable[tuple[str, Mapping[str, Any] | None]], *, run_id: str | None = None) -> int:
        """Create many (reference, payload) items in one transaction; returns how many were new."""
        created = 0
        given = [(self.stored_reference(reference), str(reference), payload) for reference, payload in items]
        with self.store.engine.begin() as conn:
            for stored, clear, payload in given:
                created += self._create(conn, stored, payload, run_id=run_id, clear=clear)[1]
        return created

    def _create(
        self,
        conn: Connection,
        reference: str,
        payload: Mapping[str, Any] | None,
        *,
        files: Mapping[str, bytes] | None = None,
        run_id: str | None = None,
        parent_id: int | None = None,
        clear: str | None = None,
    ) -> tuple[WorkItem, bool]:
        if not reference or not str(reference).strip():
            raise ValueError("a work item needs a non-empty reference")
        if clear is not None and clear != reference:  # an item made before pseudonyms keeps its clear reference
            legacy = conn.execute(select(wi).where(wi.c.queue == self.name, wi.c.reference == clear)).first()
            if legacy is not None:
                return WorkItem.from_row(legacy), False
        now = utcnow()
        values = {
            "queue": self.name,
            "reference": str(reference),
            "state": ItemState.PENDING.value,
            "payload": json.dumps(dict(payload or {}), ensure_ascii=False, default=str),
            "attempts": 0,
            "max_attempts": self.policy.max_attempts,
            "available_at": now,
            "parent_id": parent_id,
            "created_run_id": run_id,
            "created_at": now,
            "updated_at": now,
        }
        dialect_insert = pg_insert if self._postgres else sqlite_insert
        stmt = (
            dialect_insert(wi)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["queue", "reference"])
            .returning(*wi.c)
        )
        row = conn.execute(stmt).first()
        if row is None:
            existing = conn.execute(select(wi).where(wi.c.queue == self.name, wi.c.reference == str(reference)))
            return WorkItem.from_row(existing.one()), False
        for name, content in (files or {}).items():
            conn.execute(insert(item_files).values(item_id=row.id, name=name, content=content, created_at=now))
        return WorkItem.from_row(row), True

    # ------------------------------------------------------------------ claim
    def claim(self, worker: str, *, run_id: str | None = None) -> WorkItem | None:
        """Take the next available item with a lease for ``worker``, or None when none is available now."""
        now = utcnow()
        sql = statements(self._postgres)
        sweep = time.monotonic() >= self._next_sweep
        if sweep:
            with self.store.engine.begin() as conn:
                self._expire_leases(conn, now)
        params = {
            "p_queue": self.name,
            "p_now": now,
            "p_worker": worker,
            "p_expires": now + timedelta(seconds=self.policy.lease_seconds),
            "p_run_id": run_id,
        }
        if self._postgres:
            # One statement (claim and attempt row together), committed on its own: no BEGIN/COMMIT trips.
            row = self._one_statement(sql.pg_claim, params, done=sql.pg_claimed_by)
        else:
            with self.store.engine.begin() as conn:
                row = conn.execute(sql.claim, params).first()
                if row is not None:
                    attempt = {"p_item_id": row.id, "p_number": row.attempts, "p_run_id": run_id}
                    conn.execute(sql.start_attempt, {**attempt, "p_worker": worker, "p_now": now})
        if row is None:
            if sweep:
                return None
            self._next_sweep = 0.0  # nothing free: look for expired leases once before saying so
            return self.claim(worker, run_id=run_id)
        return WorkItem.from_row(row)

    def _one_statement(
        self, statement: DriverStatement, params: Mapping[str, Any], *, done: DriverStatement
    ) -> dict[str, Any] | None:
        """Run one self-committing statement (PostgreSQL) and return its first row, surviving a lost reply.

        When the connection breaks while the statement runs, the server may have committed it without the reply
        reaching us: ``done`` asks, on a new connection, for the row the statement would have returned (the item
        this claim took, the attempt this release ended), and only when there is none is the statement run again.
        A claim the server commits after that question was asked (the broken connection's backend still running
        it) is not found: the worker never learns of that item, and its lease expires and the sweep returns it.
        """
        try:
            return self._run_on_driver(statement, params)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        row = self._run_on_driver(done, params)
        return row if row is not None else self._run_on_driver(statement, params)

    def _run_on_driver(self, statement: DriverStatement, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """One statement in autocommit on a pooled connection, through psycopg's cursor; errors as SQLAlchemy's."""
        dbapi = self.store.engine.dialect.loaded_dbapi
        try:
            pooled = self.store.engine.raw_connection()  # the pool's checkout check runs here
        except dbapi.Error as exc:  # the pool hands over the driver's own error: wrap it as engine.connect() does
            raise DBAPIError.instance(None, None, exc, dbapi.Error) from exc
        driver = pooled.driver_connection
        try:
            driver.autocommit = True
            try:
                with driver.cursor() as cursor:
                    cursor.execute(statement.sql, statement.params(params))
                    values = cursor.fetchone()
            finally:
                if not (driver.broken or driver.closed):
                    driver.autocommit = False  # the pool's other users expect transactions
        except dbapi.Error as exc:
            lost = driver.broken or driver.closed
            if lost:
                pooled.invalidate(exc)
            raise DBAPIError.instance(statement.sql, None, exc, dbapi.Error, connection_invalidated=lost) from exc
        finally:
            pooled.close()
        return None if values is None else statement.row(values)

    def _expire_leases(self, conn: Connection, now: datetime) -> None:
        """Return items whose worker stopped renewing its lease to the queue (or abandon them).

        Done on the first claim, then at most every ``_SWEEP_SECONDS`` while items are being found, and
        always before a claim reports the queue empty: an expired item waits a few seconds at most.
        """
        self._next_sweep = time.monotonic() + min(_SWEEP_SECONDS, self.policy.lease_seconds / 4)
        sql = statements(self._postgres)
        rows = conn.execute(sql.expire, {"p_queue": self.name, "p_now": now, "p_message": _LEASE_EXPIRED}).all()
        for item_id, attempts, state in rows:
            conn.execute(
                sql.end_attempt,
                {
                    "p_item_id": item_id,
                    "p_number": attempts,
                    "p_now": now,
                    "p_outcome": Outcome.LEASE_EXPIRED.value,
                    "p_code": None,
                    "p_message": _LEASE_EXPIRED,
                },
            )
            self._event(conn, item_id, now, EventKind.LEASE_EXPIRED, _LEASE_EXPIRED)
            if state == ItemState.ABANDONED.value:
                self._event(conn, item_id, now, EventKind.ABANDONED, f"no attempts left ({attempts} used)")

    # -------------------------------------------------------------- heartbeat
    def heartbeat(self, item_id: int, worker: str) -> datetime:
        """Extend ``worker``'s lease on the item; raises LeaseLostError when it no longer holds it."""
        now = utcnow()
        expires = now + timedelta(seconds=self.policy.lease_seconds)
        with self.store.engine.begin() as conn:
            result = conn.execute(
                statements(self._postgres).heartbeat,
                {"p_item_id": item_id, "p_worker": worker, "p_now": now, "p_expires": expires},
            )
            if result.rowcount != 1:
                raise LeaseLostError(f"work item {item_id}: lease held by '{worker}' has expired")
        return expires

    # ---------------------------------------------------------------- release
    def release(
        self,
        item_id: int,
        worker: str,
        outcome: Outcome,
        *,
        code: str | None = None,
        message: str | None = None,
        result: Mapping[str, Any] | None = None,
    ) -> ItemState:
        """End ``worker``'s attempt with ``outcome`` (and what it did, ``result``); returns the item's new state.

        APPLICATION_ERROR goes back to the queue after a backoff while attempts remain, else ABANDONED.
        Code, message and result are stored masked (secrets, names, CPR). LeaseLostError when ``worker`` no longer
        holds the item (its lease expired, or another worker has it): nothing is written then.
        """
        outcome = Outcome(outcome)
        if outcome in (Outcome.LEASE_EXPIRED, Outcome.RETURNED):
            raise ValueError(f"{outcome.value} is set by the queue (expiry) or give_back, not released by a worker")
        now = utcnow()
        code, message = _masked(code), _masked(message)
        result_json = _masked(json.dumps(dict(result), ensure_ascii=False, default=str)) if result else None
        sql = statements(self._postgres)
        if self._postgres and outcome is not Outcome.APPLICATION_ERROR:
            # The common path on PostgreSQL: item and attempt in one statement, committed on its own.
            params = {
                "p_item_id": item_id,
                "p_worker": worker,
                "p_state": next_state(ItemState.IN_PROGRESS, outcome).value,
                "p_outcome": outcome.value,
                "p_available_at": now,
                "p_code": code,
                "p_message": message,
                "p_result": result_json,
                "p_now": now,
            }
            if self._one_statement(sql.pg_finish, params, done=sql.pg_released_by) is None:
                raise LeaseLostError(
                    f"work item {item_id}: '{worker}' does not hold it (lease expired or already released)"
                )
            return next_state(ItemState.IN_PROGRESS, outcome)
        lost = LeaseLostError(f"work item {item_id}: '{worker}' does not hold it (lease expired or already released)")
        with self.store.engine.begin() as conn:
            finish = {"p_item_id": item_id, "p_worker": worker, "p_code": code, "p_message": message, "p_now": now}
            if outcome is Outcome.APPLICATION_ERROR:
                # The new state and the backoff depend on the attempts used: read them under the row lock.
                row = conn.execute(sql.held, {"p_item_id": item_id, "p_worker": worker, "p_now": now}).first()
                if row is None:
                    raise lost
                attempts, max_attempts = row
                state = next_state(ItemState.IN_PROGRESS, outcome, attempts=attempts, max_attempts=max_attempts)
                available_at = now if state is ItemState.ABANDONED else now + self.policy.backoff(attempts)
                conn.execute(sql.finish, {**finish, "p_state": state.value, "p_available_at": available_at})
            else:
                # The common path, one statement: the lease check and the update together.
                state = next_state(ItemState.IN_PROGRESS, outcome)
                attempts = conn.execute(sql.finish, {**finish, "p_state": state.value, "p_available_at": now}).scalar()
                if attempts is None:
                    raise lost
            conn.execute(
                sql.end_attempt,
                {
                    "p_item_id": item_id,
                    "p_number": attempts,
                    "p_now": now,
                    "p_outcome": outcome.value,
                    "p_code": code,
                    "p_message": message,
                    "p_result": result_json,
                },
            )
            if state is ItemState.ABANDONED:
                self._event(conn, item_id, now, EventKind.ABANDONED, f"no attempts left ({attempts} used)")
        return state

    def settle(self, item_id: int, worker: str, exit_code: int) -> ItemState:
        """Release an item ``worker``'s process still held when it exited: DONE when it exited 0, else an
        APPLICATION_ERROR (rpaframework's own rule for a task that failed), recorded as SETTLED."""
        outcome = Outcome.DONE if exit_code == 0 else Outcome.APPLICATION_ERROR
        message = f"the step process exited with code {exit_code} while holding the item"
        state = self.release(item_id, worker, outcome, message=None if exit_code == 0 else message)
        with self.store.engine.begin() as conn:
            self._event(conn, item_id, utcnow(), EventKind.SETTLED, f"{message}: released {outcome.value}")
        return state

    def give_back(self, item_id: int, worker: str, reason: str, *, kind: EventKind = EventKind.RETURNED) -> bool:
        """A stopped run returns ``worker``'s item: PENDING, uncharged (the attempt is given back). False when
        ``worker`` did not hold it (released already, or its lease was lost)."""
        now = utcnow()
        reason = _masked(reason) or ""
        sql = statements(self._postgres)
        with self.store.engine.begin() as conn:
            attempts = conn.execute(sql.give_back, {"p_item_id": item_id, "p_worker": worker, "p_now": now}).scalar()
            if attempts is None:
                return False
            conn.execute(
                sql.end_attempt,
                {
                    "p_item_id": item_id,
                    "p_number": attempts,
                    "p_now": now,
                    "p_outcome": Outcome.RETURNED.value,
                    "p_code": None,
                    "p_message": reason,
                },
            )
            self._event(conn, item_id, now, kind, reason, actor=worker)
        return True

    # ------------------------------------------------------- payload and files
    def _fence(self, conn: Connection, item_id: int, worker: str | None, now: datetime) -> None:
        """With a ``worker``, refuse the write unless it still holds the item's lease (LeaseLostError)."""
        if worker is None:
            return
        held = conn.execute(statements(self._postgres).held, {"p_item_id": item_id, "p_worker": worker, "p_now": now})
        if held.first() is None:
            raise LeaseLostError(
                f"work item {item_id}: '{worker}' no longer holds its lease (expired, or another worker has the item); "
                "this worker's changes to it are refused"
            )

    def save_payload(self, item_id: int, payload: Mapping[str, Any], *, worker: str | None = None) -> None:
        """Replace the item's payload (a worker recording progress, or a producer's output); fenced by ``worker``."""
        now = utcnow()
        with self.store.engine.begin() as conn:
            self._fence(conn, item_id, worker, now)
            conn.execute(
                update(wi)
                .where(wi.c.id == item_id)
                .values(payload=json.dumps(dict(payload), ensure_ascii=False, default=str), updated_at=now)
            )

    def add_file(self, item_id: int, name: str, content: bytes, *, worker: str | None = None) -> None:
        """Attach (or replace) a file on the item; fenced by ``worker``."""
        now = utcnow()
        with self.store.engine.begin() as conn:
            self._fence(conn, item_id, worker, now)
            conn.execute(item_files.delete().where(item_files.c.item_id == item_id, item_files.c.name == name))
            conn.execute(insert(item_files).values(item_id=item_id, name=name, content=content, created_at=now))

    def remove_file(self, item_id: int, name: str, *, worker: str | None = None) -> None:
        now = utcnow()
        with self.store.engine.begin() as conn:
            self._fence(conn, item_id, worker, now)
            conn.execute(item_files.delete().where(item_files.c.item_id == item_id, item_files.c.name == name))

    def list_files(self, item_id: int) -> list[str]:
        with self.store.read() as conn:
            rows = conn.execute(
                select(item_files.c.name).where(item_files.c.item_id == item_id).order_by(item_files.c.name)
            )
            return [name for (name,) in rows]

    def get_file(self, item_id: int, name: str) -> bytes:
        with self.store.read() as conn:
            content = conn.execute(
                select(item_files.c.content).where(item_files.c.item_id == item_id, item_files.c.name == name)
            ).scalar()
        if content is None:
            raise FileNotFoundError(f"work item {item_id} has no file '{name}'")
        return content

    # ------------------------------------------------------------ inspection
    def next_wakeup(self) -> datetime | None:
        """When an unfinished item may next become claimable; None when every item is final."""
        when = case((wi.c.state == ItemState.IN_PROGRESS.value, wi.c.lease_expires_at), else_=wi.c.available_at)
        # MIN keeps the column type, so the value comes back as an aware UTC datetime on both backends.
        with self.store.read() as conn:
            return conn.execute(
                select(func.min(when)).where(
                    wi.c.queue == self.name,
                    wi.c.state.in_([*CLAIMABLE, ItemState.IN_PROGRESS]),
                )
            ).scalar()

    def counts(self) -> dict[str, int]:
        """How many items the queue holds in each state."""
        with self.store.read() as conn:
            rows = conn.execute(select(wi.c.state, func.count()).where(wi.c.queue == self.name).group_by(wi.c.state))
            return {state: count for state, count in rows}

    @staticmethod
    def _event(
        conn: Connection, item_id: int, at: datetime, kind: EventKind, message: str, actor: str = "queue"
    ) -> None:
        conn.execute(
            insert(item_events).values(item_id=item_id, at=at, kind=EventKind(kind).value, actor=actor, message=message)
        )

"""Looking at queues and acting by hand: list and filter items, one item's history, requeue, kill-switch count."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, insert, select, update

from rpa_core.privacy import mask_text
from rpa_core.queue.errors import ItemNotFoundError, QueueError
from rpa_core.queue.items import Attempt, Event, WorkItem
from rpa_core.queue.lifecycle import Action, EventKind, ItemState, Outcome, next_state, sources
from rpa_core.store import Store
from rpa_core.store.models import item_attempts, item_events, work_items
from rpa_core.store.types import utcnow

wi = work_items


@dataclass(frozen=True)
class ItemHistory:
    """An item with every attempt and event, oldest first."""

    item: WorkItem
    attempts: list[Attempt]
    events: list[Event]


def list_items(
    store: Store,
    *,
    queue: str | None = None,
    states: list[ItemState] | None = None,
    run_id: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[WorkItem]:
    """Items filtered by queue, states and the run that last touched or created them; newest first."""
    query = select(wi).order_by(wi.c.id.desc()).limit(limit).offset(offset)
    if queue:
        query = query.where(wi.c.queue == queue)
    if states:
        query = query.where(wi.c.state.in_([ItemState(s).value for s in states]))
    if run_id:
        query = query.where((wi.c.last_run_id == run_id) | (wi.c.created_run_id == run_id))
    with store.read() as conn:
        return [WorkItem.from_row(row) for row in conn.execute(query)]


def count_items(store: Store, *, queue: str | None = None, run_id: str | None = None) -> dict[str, int]:
    """Item counts by state, for one queue and/or the items one run created or worked on."""
    query = select(wi.c.state, func.count()).group_by(wi.c.state)
    if queue:
        query = query.where(wi.c.queue == queue)
    if run_id:
        query = query.where((wi.c.last_run_id == run_id) | (wi.c.created_run_id == run_id))
    with store.read() as conn:
        return {state: count for state, count in conn.execute(query)}


def get_item(store: Store, item_id: int) -> WorkItem:
    with store.read() as conn:
        row = conn.execute(select(wi).where(wi.c.id == item_id)).first()
    if row is None:
        raise ItemNotFoundError(f"no work item with id {item_id}")
    return WorkItem.from_row(row)


def item_history(store: Store, item_id: int) -> ItemHistory:
    """The item, its attempts and its events."""
    item = get_item(store, item_id)
    with store.read() as conn:
        attempts = [
            Attempt.from_row(row)
            for row in conn.execute(
                select(item_attempts).where(item_attempts.c.item_id == item_id).order_by(item_attempts.c.number)
            )
        ]
        events = [
            Event(at=row.at, kind=row.kind, actor=row.actor, message=row.message)
            for row in conn.execute(
                select(item_events).where(item_events.c.item_id == item_id).order_by(item_events.c.id)
            )
        ]
    return ItemHistory(item=item, attempts=attempts, events=events)


def requeue(store: Store, item_id: int, *, by: str, reason: str = "", extra_attempts: int = 3) -> WorkItem:
    """Put a failed or excepted item back in its queue by hand, with ``extra_attempts`` more tries.

    Records who and when. DONE items are refused: redoing finished work could pay a citizen twice.
    """
    if extra_attempts < 1:
        raise QueueError("extra attempts must be at least 1")
    now = utcnow()
    with store.engine.begin() as conn:
        row = conn.execute(select(wi.c.state, wi.c.attempts).where(wi.c.id == item_id)).first()
        if row is None:
            raise ItemNotFoundError(f"no work item with id {item_id}")
        state, attempts = ItemState(row.state), row.attempts
        if state not in sources(Action.REQUEUE):
            allowed = ", ".join(s.value for s in sources(Action.REQUEUE))
            raise QueueError(f"work item {item_id} is {state.value}; only {allowed} items can be requeued")
        conn.execute(
            update(wi)
            .where(wi.c.id == item_id)
            .values(
                state=next_state(state, Action.REQUEUE).value,
                available_at=now,
                max_attempts=attempts + extra_attempts,
                updated_at=now,
            )
        )
        message = f"requeued from {state.value}" + (f": {mask_text(reason)}" if reason else "")
        kind = EventKind.REQUEUED.value
        conn.execute(insert(item_events).values(item_id=item_id, at=now, kind=kind, actor=by, message=message))
    return get_item(store, item_id)


def consecutive_failures(store: Store, run_id: str, window: int) -> int:
    """How many of the run's most recent finished attempts (up to ``window``) failed technically in a row."""
    failed = {outcome.value for outcome in Outcome if outcome.technical_failure}
    query = (
        select(item_attempts.c.outcome)
        .where(
            item_attempts.c.run_id == run_id,
            item_attempts.c.outcome.is_not(None),
            item_attempts.c.outcome != Outcome.RETURNED.value,  # a stopped run's items: neither failure nor success
        )
        .order_by(item_attempts.c.ended_at.desc(), item_attempts.c.id.desc())
        .limit(window)
    )
    streak = 0
    with store.read() as conn:
        for (outcome,) in conn.execute(query):
            if outcome not in failed:
                break
            streak += 1
    return streak


def attempts_by_worker(store: Store, worker: str) -> int:
    """How many items ``worker`` has claimed (a worker id is unique per process launch)."""
    with store.read() as conn:
        return conn.execute(select(func.count()).where(item_attempts.c.worker == worker)).scalar_one()


def held_by(store: Store, worker: str) -> list[WorkItem]:
    """The items ``worker`` holds a lease on (what a step process still had when it exited or was stopped)."""
    query = select(wi).where(wi.c.lease_owner == worker, wi.c.state == ItemState.IN_PROGRESS.value)
    with store.read() as conn:
        return [WorkItem.from_row(row) for row in conn.execute(query.order_by(wi.c.id))]


def latest_attempts(store: Store, item_ids: list[int]) -> dict[int, Attempt]:
    """Each item's latest finished attempt (outcome, code, message, result): what reports and listings show."""
    if not item_ids:
        return {}
    latest = (
        select(item_attempts.c.item_id, func.max(item_attempts.c.number).label("number"))
        .where(item_attempts.c.item_id.in_(item_ids), item_attempts.c.outcome.is_not(None))
        .group_by(item_attempts.c.item_id)
        .subquery()
    )
    query = select(item_attempts).join(
        latest, (item_attempts.c.item_id == latest.c.item_id) & (item_attempts.c.number == latest.c.number)
    )
    with store.read() as conn:
        return {row.item_id: Attempt.from_row(row) for row in conn.execute(query)}


def returned_items(store: Store, run_id: str) -> int:
    """How many items a stopped run gave back to their queues (attempts that ended RETURNED)."""
    query = select(func.count(distinct(item_attempts.c.item_id))).where(
        item_attempts.c.run_id == run_id, item_attempts.c.outcome == Outcome.RETURNED.value
    )
    with store.read() as conn:
        return conn.execute(query).scalar_one()

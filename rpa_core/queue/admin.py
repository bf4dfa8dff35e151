"""Looking at queues and acting by hand: list and filter items, one item's history, requeue, abandon, mark handled,
kill-switch count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import distinct, func, insert, select, update

from rpa_core.errors import UserError
from rpa_core.privacy import mask_text
from rpa_core.queue.errors import ItemNotFoundError, QueueError
from rpa_core.queue.items import Attempt, Event, WorkItem
from rpa_core.queue.lifecycle import Action, EventKind, ItemState, Outcome, next_state, sources
from rpa_core.store import Store
from rpa_core.store.models import item_attempts, item_events, work_items
from rpa_core.store.types import utcnow

wi = work_items


class UnknownItemError(ItemNotFoundError, UserError):
    """A person named a work item id the store does not have (one line, exit code 2)."""


class ActionRefusedError(QueueError, UserError):
    """A person's action the item's state does not allow, or one without its reason (one line, exit code 2)."""


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
        raise UnknownItemError(f"no work item with id {item_id}")
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
    reason = mask_text(reason.strip()) if reason else ""
    return _act(
        store,
        item_id,
        Action.REQUEUE,
        by=by,
        kind=EventKind.REQUEUED,
        message=lambda state: f"requeued from {state.value}" + (f": {reason}" if reason else ""),
        values={"available_at": utcnow(), "max_attempts": wi.c.attempts + extra_attempts},
    )


def abandon(store: Store, item_id: int, *, by: str, reason: str) -> WorkItem:
    """Give up a PENDING, APPLICATION_ERROR or BUSINESS_EXCEPTION item by hand: ABANDONED, worked no more.

    An item IN_PROGRESS is refused (a worker holds it); a requeue brings an abandoned item back. The reason is
    required and kept masked in the item's ABANDONED event with who did it.
    """
    reason = _required(reason, f"give a reason for abandoning work item {item_id}")
    return _act(
        store,
        item_id,
        Action.ABANDON,
        by=by,
        kind=EventKind.ABANDONED,
        message=lambda state: f"abandoned by hand from {state.value}: {reason}",
    )


def mark_handled(store: Store, item_id: int, *, by: str, note: str) -> WorkItem:
    """Record that a caseworker handled a BUSINESS_EXCEPTION by hand: a HANDLED event with who and the note.

    The state stays BUSINESS_EXCEPTION (the robot did not finish the case); the item leaves the caseworkers'
    list of cases still to handle until a later attempt ends in a business exception again.
    """
    note = _required(note, f"write a note on how work item {item_id} was handled")
    return _act(store, item_id, Action.MARK_HANDLED, by=by, kind=EventKind.HANDLED, message=lambda state: note)


_VERBS = {Action.REQUEUE: "requeued", Action.ABANDON: "abandoned", Action.MARK_HANDLED: "marked handled"}


def _required(text: str, missing: str) -> str:
    text = mask_text((text or "").strip())
    if not text:
        raise ActionRefusedError(missing)
    return text


def _refusal(item_id: int, state: ItemState, action: Action) -> str:
    allowed = ", ".join(s.value for s in sources(action))
    why = f"work item {item_id} is {state.value}"
    if state is ItemState.IN_PROGRESS and action is Action.ABANDON:
        why += ": a worker holds it, so a person cannot abandon it (stop the run or wait for its attempt to end)"
    return f"{why}; only {allowed} items can be {_VERBS[action]}"


def _act(
    store: Store,
    item_id: int,
    action: Action,
    *,
    by: str,
    kind: EventKind,
    message: Callable[[ItemState], str],
    values: dict[str, Any] | None = None,
) -> WorkItem:
    """Make ``action``'s transition on the item and record ``kind`` with ``message(from_state)``, in one
    transaction; the update only takes while the item is still in the state read (a worker may claim it)."""
    now = utcnow()
    with store.engine.begin() as conn:
        row = conn.execute(select(wi.c.state).where(wi.c.id == item_id)).first()
        if row is None:
            raise UnknownItemError(f"no work item with id {item_id}")
        state = ItemState(row.state)
        if state not in sources(action):
            raise ActionRefusedError(_refusal(item_id, state, action))
        changed = conn.execute(
            update(wi)
            .where(wi.c.id == item_id, wi.c.state == state.value)
            .values(state=next_state(state, action).value, updated_at=now, **(values or {}))
        )
        if changed.rowcount != 1:
            raise ActionRefusedError(f"work item {item_id} changed meanwhile (a worker took it?): look at it again")
        conn.execute(
            insert(item_events).values(
                item_id=item_id, at=now, kind=EventKind(kind).value, actor=by, message=message(state)
            )
        )
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

"""Retention of work-item data: the payloads and files of final items whose last change is older than a cutoff.

A pruned item keeps its state, reference, attempts (outcome, code, message, result) and events: what happened
stays visible; only what the robot needed to do the work (the payload, with its CPR numbers, and the files)
goes. Each pruned item gets a PAYLOAD_PRUNED event. An item that is not final (pending, being worked, waiting
for a retry) is never touched, and the prune re-checks this in the statement that blanks the payload, so an
item requeued meanwhile is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, or_, select, update

from rpa_core.queue.lifecycle import FINAL, EventKind
from rpa_core.store import Store
from rpa_core.store.models import item_events, item_files, work_items

wi = work_items
EMPTY_PAYLOAD = "{}"
_BATCH = 500


def _expired(queues: Sequence[str], cutoff: datetime) -> ColumnElement[bool]:
    has_files = exists().where(item_files.c.item_id == wi.c.id)
    return and_(
        wi.c.queue.in_(list(queues)),
        wi.c.state.in_([state.value for state in FINAL]),
        wi.c.updated_at < cutoff,
        or_(wi.c.payload != EMPTY_PAYLOAD, has_files),
    )


def expired_payloads(store: Store, queues: Sequence[str], cutoff: datetime) -> list[int]:
    """The final items in ``queues`` last changed before ``cutoff`` that still have a payload or files."""
    if not queues:
        return []
    with store.read() as conn:
        return list(conn.execute(select(wi.c.id).where(_expired(queues, cutoff)).order_by(wi.c.id)).scalars())


def count_files(store: Store, ids: Sequence[int]) -> int:
    """How many files the items ``ids`` have."""
    total = 0
    with store.read() as conn:
        for start in range(0, len(ids), _BATCH):
            batch = list(ids[start : start + _BATCH])
            total += conn.execute(
                select(func.count()).select_from(item_files).where(item_files.c.item_id.in_(batch))
            ).scalar_one()
    return total


def blank_payloads(
    store: Store, ids: Sequence[int], queues: Sequence[str], cutoff: datetime, *, now: datetime, actor: str, days: int
) -> tuple[int, int]:
    """Blank the payloads and delete the files of ``ids`` that are still expired; returns (items, files)."""
    items = files = 0
    message = f"retention: payload and files deleted, {days} day(s) after the item's last change"
    for start in range(0, len(ids), _BATCH):
        batch = list(ids[start : start + _BATCH])
        with store.engine.begin() as conn:
            blank = (
                update(wi)
                .where(wi.c.id.in_(batch), _expired(queues, cutoff))
                .values(payload=EMPTY_PAYLOAD)
                .returning(wi.c.id)
            )
            pruned = list(conn.execute(blank).scalars())
            if not pruned:
                continue
            files += conn.execute(delete(item_files).where(item_files.c.item_id.in_(pruned))).rowcount
            kind = EventKind.PAYLOAD_PRUNED.value
            events = [{"item_id": i, "at": now, "kind": kind, "actor": actor, "message": message} for i in pruned]
            conn.execute(insert(item_events), events)
            items += len(pruned)
    return items, files

"""The work queue: items with a unique reference, atomic leased claims, retries, and their history."""

from rpa_core.queue.admin import (
    ItemHistory,
    attempts_by_worker,
    consecutive_failures,
    count_items,
    get_item,
    held_by,
    item_history,
    latest_attempts,
    list_items,
    requeue,
    returned_items,
)
from rpa_core.queue.errors import ItemNotFoundError, LeaseLostError, QueueError
from rpa_core.queue.items import Attempt, Event, QueuePolicy, WorkItem
from rpa_core.queue.lifecycle import FINAL, EventKind, ItemState, Outcome
from rpa_core.queue.workqueue import WorkQueue

__all__ = [
    "FINAL",
    "Attempt",
    "Event",
    "EventKind",
    "ItemHistory",
    "ItemNotFoundError",
    "ItemState",
    "LeaseLostError",
    "Outcome",
    "QueueError",
    "QueuePolicy",
    "WorkItem",
    "WorkQueue",
    "attempts_by_worker",
    "consecutive_failures",
    "count_items",
    "get_item",
    "held_by",
    "item_history",
    "latest_attempts",
    "list_items",
    "requeue",
    "returned_items",
]

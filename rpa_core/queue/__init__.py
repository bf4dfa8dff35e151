"""The work queue: items with a unique reference, atomic leased claims, retries, and their history."""

from rpa_core.queue.admin import (
    ActionRefusedError,
    ItemHistory,
    UnknownItemError,
    abandon,
    attempts_by_worker,
    consecutive_failures,
    count_items,
    get_item,
    held_by,
    item_history,
    latest_attempts,
    list_items,
    mark_handled,
    requeue,
    returned_items,
)
from rpa_core.queue.errors import ItemNotFoundError, LeaseLostError, QueueError
from rpa_core.queue.items import Attempt, Event, QueuePolicy, WorkItem
from rpa_core.queue.lifecycle import FINAL, EventKind, ItemState, Outcome
from rpa_core.queue.workqueue import WorkQueue

__all__ = [
    "FINAL",
    "ActionRefusedError",
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
    "UnknownItemError",
    "WorkItem",
    "WorkQueue",
    "abandon",
    "attempts_by_worker",
    "consecutive_failures",
    "count_items",
    "get_item",
    "held_by",
    "item_history",
    "latest_attempts",
    "list_items",
    "mark_handled",
    "requeue",
    "returned_items",
]

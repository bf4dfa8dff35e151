"""The errors of the queue."""

from __future__ import annotations


class QueueError(Exception):
    """A queue operation could not be done."""


class LeaseLostError(QueueError):
    """The worker no longer holds the item: its lease expired and the item went back to the queue (or another
    worker took it). Every later write of that worker on the item is refused."""


class ItemNotFoundError(QueueError):
    """No work item with that id."""

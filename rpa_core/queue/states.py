"""Work item states, outcomes and the errors of the queue."""

from __future__ import annotations

from enum import StrEnum


class ItemState(StrEnum):
    """Where a work item is in its life."""

    PENDING = "PENDING"  # waiting to be claimed
    IN_PROGRESS = "IN_PROGRESS"  # claimed by a worker holding a lease
    DONE = "DONE"  # finished
    BUSINESS_EXCEPTION = "BUSINESS_EXCEPTION"  # a caseworker must act; never retried automatically
    APPLICATION_ERROR = "APPLICATION_ERROR"  # last attempt failed technically; retried after a backoff
    ABANDONED = "ABANDONED"  # out of attempts; needs a person to requeue it


class Outcome(StrEnum):
    """How one attempt ended."""

    DONE = "DONE"
    BUSINESS_EXCEPTION = "BUSINESS_EXCEPTION"
    APPLICATION_ERROR = "APPLICATION_ERROR"
    LEASE_EXPIRED = "LEASE_EXPIRED"  # the worker died or hung; the lease ran out


CLAIMABLE = (ItemState.PENDING, ItemState.APPLICATION_ERROR)
FINAL = (ItemState.DONE, ItemState.BUSINESS_EXCEPTION, ItemState.ABANDONED)
# States a person may requeue by hand. DONE is left out on purpose: redoing a finished item could pay twice.
REQUEUEABLE = (ItemState.BUSINESS_EXCEPTION, ItemState.ABANDONED, ItemState.APPLICATION_ERROR)


class QueueError(Exception):
    """A queue operation could not be done."""


class LeaseLostError(QueueError):
    """The worker no longer holds the item: its lease expired and the item went back to the queue."""


class ItemNotFoundError(QueueError):
    """No work item with that id."""

"""The work item as the queue hands it out, and the queue's retry and lease policy."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rpa_core.queue.lifecycle import ItemState, Outcome


@dataclass(frozen=True)
class QueuePolicy:
    """How long a lease lasts and how application errors are retried."""

    max_attempts: int = 3
    backoff_seconds: float = 5.0
    backoff_max_seconds: float = 900.0
    lease_seconds: float = 300.0

    def backoff(self, attempts: int) -> timedelta:
        """Wait before attempt ``attempts + 1``: doubling from ``backoff_seconds``, capped."""
        seconds = min(self.backoff_seconds * (2 ** max(0, attempts - 1)), self.backoff_max_seconds)
        return timedelta(seconds=seconds)


@dataclass(frozen=True)
class WorkItem:
    """One unit of work: a payload and a reference unique in its queue."""

    id: int
    queue: str
    reference: str
    state: ItemState
    payload: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    max_attempts: int = 3
    available_at: datetime | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    last_code: str | None = None
    last_message: str | None = None
    parent_id: int | None = None
    created_run_id: str | None = None
    last_run_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> WorkItem:
        data = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
        data["state"] = ItemState(data["state"])
        data["payload"] = json.loads(data["payload"] or "{}")
        return cls(**data)


@dataclass(frozen=True)
class Attempt:
    """One claim of an item by a worker, and how it ended."""

    number: int
    run_id: str | None
    worker: str
    started_at: datetime
    ended_at: datetime | None
    outcome: Outcome | None
    code: str | None
    message: str | None
    result: dict[str, Any] | None = None

    @classmethod
    def from_row(cls, row: Any) -> Attempt:
        data = {name: row._mapping[name] for name in cls.__dataclass_fields__}
        data["outcome"] = Outcome(data["outcome"]) if data["outcome"] else None
        data["result"] = json.loads(data["result"]) if data["result"] else None
        return cls(**data)


@dataclass(frozen=True)
class Event:
    """Something that happened to an item outside an attempt: requeued by hand, lease expired, abandoned."""

    at: datetime
    kind: str
    actor: str
    message: str | None

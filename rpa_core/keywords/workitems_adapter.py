"""rpaframework's ``RPA.Robocorp.WorkItems`` backed by our work queue.

The runner sets ``RPA_WORKITEMS_ADAPTER=rpa_core.keywords.workitems_adapter.QueueAdapter`` and the run's
context (store, run id, worker id, queues) in the environment, so a robot written with ``For Each Input Work
Item``, ``Release Input Work Item`` and ``Create Output Work Item`` runs here unmodified.

- A step with an input queue claims items with a lease, renewed by a heartbeat thread while the item is worked.
- A step without one (a producer) gets a single empty seed item, as with rpaframework's file adapter, so that
  ``Create Output Work Item`` has a parent; or, for the first step of ``rpa run --input``, the devdata items
  (payload and files) the runner wrote to the run's queue context (``rpa_core.packaging.references``).
- An output item's reference comes from robot.toml ``[queue] reference`` (a payload variable or a template), so
  a producer run twice creates nothing new: a duplicate is a WARN in the log, its writes go nowhere, the existing
  item is untouched. Without a declaration every output is a new item with a fresh unique reference.
- A failure rpaframework releases as an application error is classified first (``rpa_core.queue.classify``):
  a business exception keeps its code and is never retried; a stop by a signal gives the item back uncharged.
- Every write on an input item (payload, files, release) is fenced by the lease: once this worker lost it (it
  hung past its lease, another worker took the item) the write is refused with LeaseLostError.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from robot.api import logger as rf_logger
from RPA.Robocorp.WorkItems import BaseAdapter, EmptyQueue, Error, State

from rpa_core import context
from rpa_core.keywords.items import business_codes
from rpa_core.packaging.references import DUPLICATE_WARNING, QUEUE_CONTEXT_FILE, render_reference
from rpa_core.privacy import mask_text
from rpa_core.privacy.payloads import register_payload_names
from rpa_core.queue import (
    ItemState,
    LeaseLostError,
    Outcome,
    QueuePolicy,
    WorkQueue,
    consecutive_failures,
    get_item,
)
from rpa_core.queue.classify import classify
from rpa_core.store import open_store
from rpa_core.store.types import utcnow

log = logging.getLogger(__name__)

SEED_PREFIX = "seed:"
DUPLICATE_PREFIX = "duplicate:"
_POLL_MAX_SECONDS = 2.0


@dataclass
class _LocalItem:
    """An item that lives only in this process: a seed (devdata input) or a duplicate output's scratch copy."""

    payload: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes | Path] = field(default_factory=dict)  # a devdata file is read when asked for


def queue_context() -> dict[str, Any]:
    """What the runner wrote for this run's steps (reference source, devdata input); {} outside a run."""
    folder = os.environ.get(context.ARTIFACTS_DIR)
    path = Path(folder) / QUEUE_CONTEXT_FILE if folder else None
    if path is None or not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


class _Heartbeat:
    """Renews one item's lease every third of the lease time until stopped."""

    def __init__(self, queue: WorkQueue, item_id: int, worker: str) -> None:
        self._queue, self._item_id, self._worker = queue, item_id, worker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{item_id}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        interval = max(self._queue.policy.lease_seconds / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                self._queue.heartbeat(self._item_id, self._worker)
            except LeaseLostError as exc:
                log.warning("%s", exc)
                return
            except Exception as exc:  # a passing database hiccup: try again next beat
                log.warning("heartbeat for work item %s failed: %s", self._item_id, exc)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class QueueAdapter(BaseAdapter):
    """Work item adapter over ``rpa_core.queue``; configured entirely from the environment."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.store = open_store(os.environ.get(context.STORE_URL))
        self.run_id = os.environ.get(context.RUN_ID) or None
        self.worker = os.environ.get(context.WORKER_ID) or f"{socket.gethostname()}:{os.getpid()}"
        self.policy = QueuePolicy(
            max_attempts=int(_env_float(context.MAX_ATTEMPTS, 3)),
            backoff_seconds=_env_float(context.BACKOFF_SECONDS, 5.0),
            lease_seconds=_env_float(context.LEASE_SECONDS, 300.0),
        )
        kill = os.environ.get(context.KILL_SWITCH)
        self.kill_switch = int(kill) if kill else None
        self.wait_forever = os.environ.get(context.WAIT_FOREVER) == "1"
        input_name, output_name = os.environ.get(context.INPUT_QUEUE), os.environ.get(context.OUTPUT_QUEUE)
        self.input = WorkQueue(self.store, input_name, self.policy) if input_name else None
        self.output = WorkQueue(self.store, output_name, self.policy) if output_name else None
        shared = queue_context()
        self.reference_source: str | None = shared.get("reference")
        given = shared.get("input") or {}
        seeds = given.get("items") if given.get("step") == os.environ.get(context.STEP_NAME) else None
        self._seeds = [
            _LocalItem(dict(i.get("payload") or {}), {n: Path(f) for n, f in (i.get("files") or {}).items()})
            for i in seeds or [{}]
        ]
        self._seeds_given = 0
        self._local: dict[str, _LocalItem] = {}
        self._heartbeats: dict[int, _Heartbeat] = {}
        self._claimed: set[int] = set()  # input items this worker claimed: their writes are fenced by the lease
        self._results: dict[int, dict[str, Any]] = {}
        self.business_codes = business_codes()

    # -------------------------------------------------------------- input side
    def reserve_input(self) -> str:
        if self.input is None:
            if self._seeds_given >= len(self._seeds):
                raise EmptyQueue("this step takes no work items (no input_queue in robot.toml)")
            seed_id = f"{SEED_PREFIX}{self.run_id or uuid.uuid4().hex}:{self._seeds_given + 1}"
            self._local[seed_id] = self._seeds[self._seeds_given]
            self._seeds_given += 1
            return seed_id
        while True:
            if self._kill_switch_tripped():
                raise EmptyQueue("kill switch: too many application errors in a row; no more items taken")
            item = self.input.claim(self.worker, run_id=self.run_id)
            if item is not None:
                log.info("Claimed work item %s (%s), attempt %s", item.id, mask_text(item.reference), item.attempts)
                self._heartbeats[item.id] = _Heartbeat(self.input, item.id, self.worker)
                self._claimed.add(item.id)
                return str(item.id)
            wakeup = self.input.next_wakeup()
            if wakeup is None and not self.wait_forever:
                raise EmptyQueue(f"queue '{self.input.name}' has no more work items")
            time.sleep(self._sleep_until(wakeup))

    def _sleep_until(self, wakeup: datetime | None) -> float:
        if wakeup is None:
            return _POLL_MAX_SECONDS
        return min(max((wakeup - utcnow()).total_seconds(), 0.05), _POLL_MAX_SECONDS)

    def _kill_switch_tripped(self) -> bool:
        if not self.kill_switch or not self.run_id:
            return False
        return consecutive_failures(self.store, self.run_id, self.kill_switch) >= self.kill_switch

    def release_input(self, item_id: str, state: State, exception: dict | None = None) -> None:
        if item_id in self._local:
            return
        number = int(item_id)
        heartbeat = self._heartbeats.pop(number, None)
        if heartbeat:
            heartbeat.stop()
        exception = exception or {}
        code, message = exception.get("code"), exception.get("message")
        if state == State.DONE:
            outcome = Outcome.DONE
        elif exception.get("type") == Error.BUSINESS.value:
            outcome = Outcome.BUSINESS_EXCEPTION
        else:  # rpaframework releases every failed task as APPLICATION: the classifier knows better
            verdict = classify(message or "", business_codes=self.business_codes)
            outcome, code = verdict.outcome, code or verdict.code
        result = self._results.pop(number, None)
        if outcome is Outcome.RETURNED:
            if self.input.give_back(number, self.worker, f"the step was stopped: {message}"):
                log.info("Returned work item %s to the queue, uncharged: the step was stopped", number)
            return
        new_state = self.input.release(number, self.worker, outcome, code=code, message=message, result=result)
        log.info("Released work item %s as %s (now %s)", number, outcome.value, new_state.value)
        if new_state is ItemState.ABANDONED:
            log.warning("Work item %s abandoned: no attempts left", number)

    def set_result(self, item_id: str, fields: dict[str, Any]) -> None:
        """What the robot did with an input item (``Set Work Item Result``); stored with its attempt on release."""
        if str(item_id) not in self._local:
            self._results.setdefault(int(item_id), {}).update(fields)

    def _fenced(self, item_id: str) -> str | None:
        """The worker to fence a write with: this worker for the input items it claimed, else none."""
        return self.worker if int(item_id) in self._claimed else None

    # ------------------------------------------------------------- output side
    def create_output(self, parent_id: str, payload: Any = None) -> str:
        if self.output is None:
            raise RuntimeError("this step has no output_queue in robot.toml, so it cannot create output work items")
        data = payload if isinstance(payload, dict) else ({} if payload is None else {"value": payload})
        register_payload_names(data)  # the names it carries are masked in every log of this process from now on
        if self.reference_source:  # a missing field fails this item's keyword, naming the field
            reference = render_reference(self.reference_source, data)
        else:
            reference = f"{self.run_id or 'item'}:{uuid.uuid4().hex}"
        parent = None if (not parent_id or parent_id in self._local) else int(parent_id)
        item, created = self.output.create(reference, data, run_id=self.run_id, parent_id=parent)
        if created:
            return str(item.id)
        self._warn(
            f"{DUPLICATE_WARNING} {mask_text(reference)} in queue '{self.output.name}': work item {item.id} "
            f"({item.state.value}) already has it, so this output is not created again"
        )
        scratch = f"{DUPLICATE_PREFIX}{item.id}:{uuid.uuid4().hex}"  # later writes to it change nothing stored
        self._local[scratch] = _LocalItem(dict(data))
        return scratch

    def _warn(self, text: str) -> None:
        """A WARN the runner counts (a duplicate reference): in the step's Robot Framework log here."""
        rf_logger.warn(text)

    # ------------------------------------------------------ payload and files
    def _queue(self) -> WorkQueue:
        return self.input or self.output or WorkQueue(self.store, "_", self.policy)

    def load_payload(self, item_id: str) -> Any:
        """The item's payload; the citizens' names in it (``[privacy] name_fields``) are registered for masking."""
        if item_id in self._local:
            payload = dict(self._local[item_id].payload)
        else:
            payload = get_item(self.store, int(item_id)).payload
        register_payload_names(payload)
        return payload

    def save_payload(self, item_id: str, payload: Any) -> None:
        register_payload_names(payload)
        if item_id in self._local:
            self._local[item_id].payload = dict(payload or {})
            return
        self._queue().save_payload(int(item_id), payload or {}, worker=self._fenced(item_id))

    def list_files(self, item_id: str) -> list[str]:
        if item_id in self._local:
            return sorted(self._local[item_id].files)
        return self._queue().list_files(int(item_id))

    def get_file(self, item_id: str, name: str) -> bytes:
        if item_id in self._local:
            content = self._local[item_id].files[name]
            return content.read_bytes() if isinstance(content, Path) else content
        return self._queue().get_file(int(item_id), name)

    def add_file(self, item_id: str, name: str, *, original_name: str, content: bytes) -> None:
        if item_id in self._local:
            self._local[item_id].files[name] = content
            return
        self._queue().add_file(int(item_id), name, content, worker=self._fenced(item_id))

    def remove_file(self, item_id: str, name: str) -> None:
        if item_id in self._local:
            self._local[item_id].files.pop(name, None)
            return
        self._queue().remove_file(int(item_id), name, worker=self._fenced(item_id))

"""What a run hands its steps' work-item adapter: the declared reference source and ``rpa run --input``'s items.

A first step that takes work items gets the input items in its input queue; a first step that makes them (a
producer) reads them from the run's queue-context file, as its input items instead of one empty seed item.
"""

from __future__ import annotations

import json
from pathlib import Path

from rpa_core.errors import ConfigError
from rpa_core.packaging import Robot, Step
from rpa_core.packaging.references import QUEUE_CONTEXT_FILE, ReferenceSourceError, render_reference
from rpa_core.queue import QueuePolicy, WorkQueue
from rpa_core.queue.devdata import DevItem
from rpa_core.store import Store


def write_queue_context(
    store: Store,
    robot: Robot,
    policy: QueuePolicy,
    run_dir: Path,
    run_id: str,
    first: Step | None,
    input_items: list[DevItem] | None,
) -> None:
    """Write ``run_dir/QUEUE_CONTEXT_FILE``; put the input items in the first step's queue when it takes items.

    Every reference is worked out before any item is created, so an item without one creates nothing.
    """
    source = robot.manifest.queue.reference
    document: dict = {"reference": source}
    if input_items is not None and first is not None:
        if first.takes_work_items:
            references = []
            for number, item in enumerate(input_items, start=1):
                try:
                    references.append(render_reference(source, item.payload) if source else f"input:{number}")
                except ReferenceSourceError as exc:
                    raise ConfigError(f"--input work item {number}: {exc}") from None
            queue = WorkQueue(store, first.input_queue, policy)
            for reference, item in zip(references, input_items, strict=True):
                queue.create(
                    reference if source else f"{run_id}:{reference}",
                    item.payload,
                    files=item.read_files(),
                    run_id=run_id,
                )
        else:
            items = [{"payload": i.payload, "files": {n: str(f) for n, f in i.files.items()}} for i in input_items]
            document["input"] = {"step": first.name, "items": items}
    (run_dir / QUEUE_CONTEXT_FILE).write_text(json.dumps(document, ensure_ascii=False, default=str), "utf-8")

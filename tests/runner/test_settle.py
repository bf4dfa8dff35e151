"""A step process that exits on its own while still holding a work item: the runner settles the item.

Exit 0 means the step did its work: the item is DONE, so a step that never releases its input item runs once and
makes its outputs once (not once per lease expiry until the item is abandoned). Any other exit code is an
application error, charged and retried like a failed task.
"""

from __future__ import annotations

import time

import pytest

from rpa_core.queue import EventKind, ItemState, Outcome, WorkQueue, item_history, list_items
from rpa_core.runner.records import list_steps

pytestmark = pytest.mark.slow


def test_a_step_that_exits_0_holding_its_input_runs_once_and_the_item_is_done(store, run_robot):
    item, _ = WorkQueue(store, "keep-in").create("keep:1", {"number": 7})

    result = run_robot("keeps_item")

    history = item_history(store, item.id)
    assert history.item.state is ItemState.DONE
    assert [a.outcome for a in history.attempts] == [Outcome.DONE]
    assert [e.kind for e in history.events] == [EventKind.SETTLED.value]
    outputs = list_items(store, queue="keep-out")
    assert [o.payload for o in outputs] == [{"number": 7}], "the step's output was made once"
    assert [(s.name, s.exit_code) for s in list_steps(store, result.run_id)] == [("transform", 0)]


def test_a_process_that_exits_non_zero_holding_an_item_is_charged_and_retried(store, run_robot):
    item, _ = WorkQueue(store, "dies").create("dies:1", {})

    started = time.monotonic()
    result = run_robot("dies_holding")
    took = time.monotonic() - started

    history = item_history(store, item.id)
    assert history.item.state is ItemState.DONE
    first, second = history.attempts
    assert first.outcome is Outcome.APPLICATION_ERROR
    assert first.message == "the step process exited with code 3 while holding the item"
    assert second.outcome is Outcome.DONE
    assert EventKind.SETTLED.value in [e.kind for e in history.events]
    assert [s.exit_code for s in list_steps(store, result.run_id)] == [3, 0]
    assert took < 45, "retried at once, not after the item's 60 s lease ran out"

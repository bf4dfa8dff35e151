"""The rpaframework adapter over our queue, tested directly as plain storage (rpaframework's own pattern)."""

from __future__ import annotations

import time

import pytest
from RPA.Robocorp.WorkItems import EmptyQueue, Error, State

from rpa_core import context
from rpa_core.keywords.workitems_adapter import QueueAdapter
from rpa_core.queue import ItemState, LeaseLostError, Outcome, WorkQueue, get_item, item_history, latest_attempts


@pytest.fixture
def adapter_for(monkeypatch, store):
    """An adapter as a step process of run ``run-1`` gets it, on the test's store."""

    def make(worker: str = "w1", *, lease: float = 30, kill_switch: int | None = None, codes: str = ""):
        monkeypatch.setenv(context.STORE_URL, store.url_string())
        monkeypatch.setenv(context.RUN_ID, "run-1")
        monkeypatch.setenv(context.WORKER_ID, worker)
        monkeypatch.setenv(context.INPUT_QUEUE, "q")
        monkeypatch.setenv(context.LEASE_SECONDS, str(lease))
        monkeypatch.setenv(context.BACKOFF_SECONDS, "0")
        monkeypatch.setenv(context.BUSINESS_CODES, codes)
        if kill_switch:
            monkeypatch.setenv(context.KILL_SWITCH, str(kill_switch))
        else:
            monkeypatch.delenv(context.KILL_SWITCH, raising=False)
        return QueueAdapter()

    return make


def test_the_worker_side_kill_switch_refuses_to_claim_once_tripped(adapter_for, store):
    WorkQueue(store, "q").create_many((f"i{n}", {}) for n in range(5))
    adapter = adapter_for(kill_switch=2)
    for _ in range(2):
        item = adapter.reserve_input()
        adapter.release_input(item, State.FAILED, {"type": Error.APPLICATION.value, "message": "system down"})
    with pytest.raises(EmptyQueue, match="kill switch"):
        adapter.reserve_input()
    assert WorkQueue(store, "q").counts()["PENDING"] == 3


def test_a_failure_rpaframework_calls_application_is_classified(adapter_for, store):
    WorkQueue(store, "q").create_many([("a", {}), ("b", {}), ("c", {})])
    adapter = adapter_for(codes="NO_WAGE")
    first, second, third = adapter.reserve_input(), adapter.reserve_input(), adapter.reserve_input()
    adapter.release_input(first, State.FAILED, {"type": "APPLICATION", "message": "NO_WAGE: ingen løn"})
    adapter.release_input(second, State.FAILED, {"type": "APPLICATION", "message": "Execution terminated by signal"})
    adapter.set_result(third, {"outcome": "CALCULATED"})
    adapter.release_input(third, State.DONE)
    assert get_item(store, int(first)).state is ItemState.BUSINESS_EXCEPTION
    assert get_item(store, int(first)).last_code == "NO_WAGE"
    returned = get_item(store, int(second))
    assert returned.state is ItemState.PENDING and returned.max_attempts - returned.attempts == 3
    assert item_history(store, int(second)).attempts[0].outcome is Outcome.RETURNED
    assert latest_attempts(store, [int(third)])[int(third)].result == {"outcome": "CALCULATED"}


def test_a_worker_that_lost_its_lease_cannot_save_or_release(adapter_for, store):
    WorkQueue(store, "q").create("a", {"progress": {}})
    hung = adapter_for("hung", lease=0.2)
    item = hung.reserve_input()
    hung._heartbeats.pop(int(item)).stop()  # it hangs: no more heartbeats
    time.sleep(0.3)
    live = adapter_for("live", lease=30)
    assert live.reserve_input() == item
    with pytest.raises(LeaseLostError):
        hung.save_payload(item, {"progress": {"registered": True}})
    with pytest.raises(LeaseLostError):
        hung.add_file(item, "note.txt", original_name="note.txt", content=b"x")
    with pytest.raises(LeaseLostError):
        hung.release_input(item, State.DONE)
    live.save_payload(item, {"progress": {"registered": True}})
    live.release_input(item, State.DONE)
    assert get_item(store, int(item)).payload == {"progress": {"registered": True}}

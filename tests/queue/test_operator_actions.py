"""A person's actions on an item, through the lifecycle table: abandon (never an item a worker holds), mark a
business exception handled (the state stays), on both stores; refusals as one line; the rpa queue commands."""

from __future__ import annotations

import time

import pytest
from support import assert_one_clear_line, rpa

from rpa_core.errors import UserError
from rpa_core.privacy import register_name
from rpa_core.queue import (
    ActionRefusedError,
    EventKind,
    ItemState,
    Outcome,
    QueuePolicy,
    UnknownItemError,
    WorkQueue,
    abandon,
    get_item,
    item_history,
    mark_handled,
    requeue,
)
from rpa_core.queue.lifecycle import ABANDONABLE, Action, IllegalTransitionError, next_state, sources

FAST = QueuePolicy(max_attempts=2, backoff_seconds=0.01, lease_seconds=30)


def _in_state(store, state: ItemState, reference: str = "a") -> int:
    """An item of queue ``q`` brought to ``state`` the way the queue does it."""
    queue = WorkQueue(store, "q", FAST)
    item, _ = queue.create(reference, {"cpr": "0101901234"})
    if state is not ItemState.PENDING:
        queue.claim("w")
    if state in (ItemState.DONE, ItemState.BUSINESS_EXCEPTION):
        outcome, code = Outcome(state.value), "NO_WAGE" if state is ItemState.BUSINESS_EXCEPTION else None
        queue.release(item.id, "w", outcome, code=code, message="NO_WAGE: ingen løn" if code else None)
    if state in (ItemState.APPLICATION_ERROR, ItemState.ABANDONED):
        queue.release(item.id, "w", Outcome.APPLICATION_ERROR, message="timeout")
    if state is ItemState.ABANDONED:  # its second and last attempt fails too
        time.sleep(0.05)
        assert queue.claim("w").id == item.id
        queue.release(item.id, "w", Outcome.APPLICATION_ERROR, message="timeout")
    assert get_item(store, item.id).state is state
    return item.id


def test_the_table_knows_the_new_actions():
    abandonable = {ItemState.PENDING, ItemState.APPLICATION_ERROR, ItemState.BUSINESS_EXCEPTION}
    assert set(sources(Action.ABANDON)) == set(ABANDONABLE) == abandonable
    assert ItemState.IN_PROGRESS not in sources(Action.ABANDON), "a worker holds it"
    for state in sources(Action.ABANDON):
        assert next_state(state, Action.ABANDON) is ItemState.ABANDONED
    assert sources(Action.MARK_HANDLED) == (ItemState.BUSINESS_EXCEPTION,)
    assert next_state(ItemState.BUSINESS_EXCEPTION, Action.MARK_HANDLED) is ItemState.BUSINESS_EXCEPTION
    with pytest.raises(IllegalTransitionError):
        next_state(ItemState.IN_PROGRESS, Action.ABANDON)


@pytest.mark.parametrize("state", [ItemState.PENDING, ItemState.APPLICATION_ERROR, ItemState.BUSINESS_EXCEPTION])
def test_abandon_from_each_allowed_state_records_who_and_the_reason_masked(store, state):
    item_id = _in_state(store, state)
    register_name("Jens Hansen")
    item = abandon(store, item_id, by="anna", reason="Jens Hansen 010190-1234 er fraflyttet")
    assert item.state is ItemState.ABANDONED and get_item(store, item_id).state is ItemState.ABANDONED
    event = item_history(store, item_id).events[-1]
    assert event.kind == EventKind.ABANDONED and event.actor == "anna"
    assert state.value in event.message and "010190-XXXX" in event.message
    assert "010190-1234" not in event.message and "Jens" not in event.message
    assert WorkQueue(store, "q").claim("w2") is None, "no worker takes an abandoned item"
    assert requeue(store, item_id, by="anna", reason="alligevel").state is ItemState.PENDING


@pytest.mark.parametrize("state", [ItemState.IN_PROGRESS, ItemState.DONE, ItemState.ABANDONED])
def test_abandon_is_refused_in_the_other_states_in_one_line(store, state):
    item_id = _in_state(store, state)
    events = len(item_history(store, item_id).events)
    with pytest.raises(ActionRefusedError) as refused:
        abandon(store, item_id, by="anna", reason="nej")
    message = str(refused.value)
    assert isinstance(refused.value, UserError) and "\n" not in message
    assert f"work item {item_id} is {state.value}" in message and "can be abandoned" in message
    if state is ItemState.IN_PROGRESS:
        assert "a worker holds it" in message
    assert get_item(store, item_id).state is state and len(item_history(store, item_id).events) == events


def test_mark_handled_keeps_the_state_and_records_who_and_the_note_masked(store):
    item_id = _in_state(store, ItemState.BUSINESS_EXCEPTION)
    before = get_item(store, item_id)
    register_name("Jens Hansen")
    item = mark_handled(store, item_id, by="bo", note="ringet til Jens Hansen (0101901234), udbetalt manuelt")
    assert item.state is ItemState.BUSINESS_EXCEPTION and item.attempts == before.attempts
    assert item.last_code == "NO_WAGE"
    event = item_history(store, item_id).events[-1]
    assert event.kind == EventKind.HANDLED and event.actor == "bo"
    assert event.message == "ringet til [navn] (010190-XXXX), udbetalt manuelt"


@pytest.mark.parametrize("state", [ItemState.PENDING, ItemState.IN_PROGRESS, ItemState.DONE, ItemState.ABANDONED])
def test_only_a_business_exception_can_be_marked_handled(store, state):
    item_id = _in_state(store, state)
    with pytest.raises(ActionRefusedError, match=f"is {state.value}; only BUSINESS_EXCEPTION items can be marked"):
        mark_handled(store, item_id, by="bo", note="x")
    assert not [e for e in item_history(store, item_id).events if e.kind == EventKind.HANDLED]


def test_unknown_ids_and_missing_reasons_are_refused(store):
    item_id = _in_state(store, ItemState.BUSINESS_EXCEPTION)
    for act in (abandon, requeue):
        with pytest.raises(UnknownItemError, match="no work item with id 999"):
            act(store, 999, by="x", reason="r")
    with pytest.raises(UnknownItemError):
        mark_handled(store, 999, by="x", note="n")
    with pytest.raises(ActionRefusedError, match="give a reason"):
        abandon(store, item_id, by="x", reason="  ")
    with pytest.raises(ActionRefusedError, match="write a note"):
        mark_handled(store, item_id, by="x", note="")
    assert get_item(store, item_id).state is ItemState.BUSINESS_EXCEPTION


def test_requeue_of_a_done_item_is_still_refused(store):
    item_id = _in_state(store, ItemState.DONE)
    with pytest.raises(ActionRefusedError, match=r"is DONE; only .* items can be requeued"):
        requeue(store, item_id, by="x")


def test_the_cli_abandons_and_marks_handled_and_refuses_a_wrong_state_in_one_line(sqlite_url):
    from rpa_core.store import open_store

    store = open_store(sqlite_url)
    try:
        excepted = _in_state(store, ItemState.BUSINESS_EXCEPTION, "b")
        working = _in_state(store, ItemState.IN_PROGRESS, "c")
    finally:
        store.close()
    handled = rpa(
        "queue", "handled", str(excepted), "--note", "udbetalt 010190-1234", "--by", "bo", "--store", sqlite_url
    )
    assert handled.returncode == 0 and f"work item {excepted}: marked handled by bo" in handled.stdout
    shown = rpa("queue", "show", str(excepted), "--store", sqlite_url)
    assert "HANDLED" in shown.stdout and "010190-XXXX" in shown.stdout and "010190-1234" not in shown.stdout

    refused = rpa("queue", "abandon", str(working), "--reason", "stop", "--store", sqlite_url)
    assert_one_clear_line(refused, f"work item {working} is IN_PROGRESS", "a worker holds it")
    assert_one_clear_line(
        rpa("queue", "handled", str(working), "--note", "x", "--store", sqlite_url), "only BUSINESS_EXCEPTION"
    )
    assert_one_clear_line(rpa("queue", "abandon", "999", "--reason", "x", "--store", sqlite_url), "no work item")

    abandoned = rpa("queue", "abandon", str(excepted), "--reason", "fraflyttet", "--by", "anna", "--store", sqlite_url)
    assert abandoned.returncode == 0 and "abandoned by anna" in abandoned.stdout
    for command in ("abandon", "handled"):
        usage = rpa("queue", command, "--help")
        assert usage.returncode == 0 and "Example: rpa queue" in usage.stdout

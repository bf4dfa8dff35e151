"""Work queue semantics on SQLite and PostgreSQL: references, claims, leases, retries, history, requeue."""

import time

import pytest

from rpa_core.queue import (
    ItemState,
    LeaseLostError,
    Outcome,
    QueueError,
    QueuePolicy,
    WorkQueue,
    consecutive_failures,
    get_item,
    item_history,
    list_items,
    requeue,
)

FAST = QueuePolicy(max_attempts=3, backoff_seconds=0.05, lease_seconds=30)


def test_creating_an_existing_reference_returns_the_existing_item(store):
    queue = WorkQueue(store, "q")
    first, created = queue.create("flexloen:010190-1234:2026-11", {"a": 1})
    again, created_again = queue.create("flexloen:010190-1234:2026-11", {"a": 2})
    assert created and not created_again
    assert again.id == first.id and again.payload == {"a": 1}
    assert WorkQueue(store, "other").create("flexloen:010190-1234:2026-11")[1], "references are unique per queue"
    assert queue.counts() == {"PENDING": 1}


def test_claim_gives_each_item_once_with_a_lease(store):
    queue = WorkQueue(store, "q", FAST)
    queue.create_many([("a", {}), ("b", {})])
    one, two = queue.claim("w1"), queue.claim("w2")
    assert {one.reference, two.reference} == {"a", "b"}
    assert one.state is ItemState.IN_PROGRESS and one.lease_owner == "w1" and one.attempts == 1
    assert one.lease_expires_at > one.updated_at
    assert queue.claim("w3") is None


def test_release_done_and_business_exception_are_final(store):
    queue = WorkQueue(store, "q", FAST)
    queue.create_many([("a", {}), ("b", {})])
    a, b = queue.claim("w"), queue.claim("w")
    assert queue.release(a.id, "w", Outcome.DONE) is ItemState.DONE
    assert (
        queue.release(b.id, "w", Outcome.BUSINESS_EXCEPTION, code="NO_WAGE", message="ingen løn")
        == "BUSINESS_EXCEPTION"
    )
    assert queue.claim("w") is None
    assert get_item(store, b.id).last_code == "NO_WAGE"
    with pytest.raises(LeaseLostError):
        queue.release(a.id, "w", Outcome.DONE)


def test_application_errors_are_retried_with_backoff_then_abandoned(store):
    # A backoff a loaded machine cannot outrun between a release and the next claim (0.05 s could be).
    queue = WorkQueue(store, "q", QueuePolicy(max_attempts=3, backoff_seconds=0.4, lease_seconds=30))
    item, _ = queue.create("a")
    for attempt in (1, 2):
        claimed = queue.claim("w")
        assert claimed.attempts == attempt
        assert queue.release(item.id, "w", Outcome.APPLICATION_ERROR, message="timeout") is ItemState.APPLICATION_ERROR
        assert queue.claim("w") is None, "not before the backoff"
        assert queue.next_wakeup() is not None
        time.sleep(0.4 * 2 ** (attempt - 1) + 0.1)
    queue.claim("w")
    assert queue.release(item.id, "w", Outcome.APPLICATION_ERROR) is ItemState.ABANDONED
    assert queue.next_wakeup() is None
    history = item_history(store, item.id)
    assert [a.outcome for a in history.attempts] == ["APPLICATION_ERROR"] * 3
    assert [e.kind for e in history.events] == ["ABANDONED"]


def test_expired_lease_returns_the_item_and_the_old_worker_cannot_release(store):
    queue = WorkQueue(store, "q", QueuePolicy(max_attempts=3, lease_seconds=0.2))
    item, _ = queue.create("a")
    queue.claim("dead-worker")
    with pytest.raises(LeaseLostError):
        time.sleep(0.3)
        queue.heartbeat(item.id, "dead-worker")
    taken = WorkQueue(store, "q", QueuePolicy(lease_seconds=30)).claim("live-worker")
    assert taken.id == item.id and taken.attempts == 2
    with pytest.raises(LeaseLostError):
        queue.release(item.id, "dead-worker", Outcome.DONE)
    queue.release(item.id, "live-worker", Outcome.DONE)
    history = item_history(store, item.id)
    assert [a.outcome for a in history.attempts] == ["LEASE_EXPIRED", "DONE"]
    assert history.events[0].kind == "LEASE_EXPIRED"


def test_heartbeat_keeps_the_lease(store):
    queue = WorkQueue(store, "q", QueuePolicy(lease_seconds=0.4))
    item, _ = queue.create("a")
    queue.claim("w")
    for _ in range(4):
        time.sleep(0.15)
        queue.heartbeat(item.id, "w")
    assert WorkQueue(store, "q").claim("other") is None
    assert queue.release(item.id, "w", Outcome.DONE) is ItemState.DONE


def test_item_crashing_every_worker_is_abandoned_not_retried_forever(store):
    queue = WorkQueue(store, "q", QueuePolicy(max_attempts=2, lease_seconds=0.1))
    item, _ = queue.create("poison")
    for worker in ("w1", "w2"):
        assert queue.claim(worker).id == item.id
        time.sleep(0.15)
    assert queue.claim("w3") is None
    assert get_item(store, item.id).state is ItemState.ABANDONED


def test_messages_are_stored_with_cpr_masked(store):
    queue = WorkQueue(store, "q", FAST)
    item, _ = queue.create("a")
    queue.claim("w")
    queue.release(item.id, "w", Outcome.BUSINESS_EXCEPTION, code="X 0101901234", message="borger 010190-1234")
    stored = item_history(store, item.id).attempts[0]
    assert stored.message == "borger 010190-XXXX" and stored.code == "X 010190-XXXX"
    assert get_item(store, item.id).last_message == "borger 010190-XXXX"


def test_requeue_by_hand_is_recorded_and_done_is_refused(store):
    queue = WorkQueue(store, "q", FAST)
    bad, _ = queue.create("bad")
    good, _ = queue.create("good")
    queue.claim("w")
    queue.release(bad.id, "w", Outcome.BUSINESS_EXCEPTION, message="no master data")
    queue.claim("w")
    queue.release(good.id, "w", Outcome.DONE)
    again = requeue(store, bad.id, by="sagsbehandler@kommune", reason="stamdata rettet")
    assert again.state is ItemState.PENDING and again.max_attempts == again.attempts + 3
    event = item_history(store, bad.id).events[-1]
    assert (event.kind, event.actor) == ("REQUEUED", "sagsbehandler@kommune")
    assert "stamdata rettet" in event.message
    with pytest.raises(QueueError, match="is DONE"):
        requeue(store, good.id, by="x")
    assert queue.claim("w").id == bad.id


def test_list_filters_by_state_and_run(store):
    queue = WorkQueue(store, "q", FAST)
    queue.create("a", run_id="r1")
    queue.create("b", run_id="r2")
    item = queue.claim("w", run_id="r3")
    queue.release(item.id, "w", Outcome.DONE)
    assert [i.reference for i in list_items(store, queue="q", states=[ItemState.PENDING])] == ["b"]
    assert [i.reference for i in list_items(store, run_id="r3")] == ["a"]
    assert {i.reference for i in list_items(store, run_id="r2")} == {"b"}


def test_files_travel_with_the_item(store):
    queue = WorkQueue(store, "q")
    item, _ = queue.create("a", files={"lønseddel.pdf": b"%PDF-1"})
    queue.add_file(item.id, "note.txt", b"hej")
    queue.add_file(item.id, "note.txt", b"hej igen")
    assert queue.list_files(item.id) == ["lønseddel.pdf", "note.txt"]
    assert queue.get_file(item.id, "note.txt") == b"hej igen"
    queue.remove_file(item.id, "note.txt")
    with pytest.raises(FileNotFoundError):
        queue.get_file(item.id, "note.txt")


def test_consecutive_failures_counts_the_runs_latest_streak(store):
    queue = WorkQueue(store, "q", QueuePolicy(max_attempts=1))
    queue.create_many([(r, {}) for r in "abcd"])
    for outcome in (Outcome.APPLICATION_ERROR, Outcome.DONE, Outcome.APPLICATION_ERROR, Outcome.APPLICATION_ERROR):
        item = queue.claim("w", run_id="run")
        queue.release(item.id, "w", outcome)
        time.sleep(0.002)
    assert consecutive_failures(store, "run", 5) == 2
    assert consecutive_failures(store, "other-run", 5) == 0


def test_bad_references_are_refused(store):
    with pytest.raises(ValueError, match="non-empty reference"):
        WorkQueue(store, "q").create("  ")

"""The one lifecycle table: every transition as the table says it, every statement agreeing with it, on both
stores; returned items uncharged; leases fencing every write; results stored with the attempt."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest

from rpa_core.errors import BusinessException
from rpa_core.queue import (
    EventKind,
    ItemState,
    LeaseLostError,
    Outcome,
    QueuePolicy,
    WorkQueue,
    consecutive_failures,
    get_item,
    held_by,
    item_history,
    latest_attempts,
    requeue,
)
from rpa_core.queue.classify import classify
from rpa_core.queue.lifecycle import (
    CLAIMABLE,
    TRANSITIONS,
    Action,
    IllegalTransitionError,
    next_state,
    sources,
    transition,
)
from rpa_core.store.models import CLAIMABLE_STATE_VALUES

ROOT = Path(__file__).resolve().parents[2]
FAST = QueuePolicy(max_attempts=2, backoff_seconds=0.01, lease_seconds=30)


def test_each_trigger_has_one_transition_and_every_pair_is_legal_or_refused():
    triggers = [t.trigger for t in TRANSITIONS]
    assert len(triggers) == len(set(triggers)) == len(Outcome) + len(Action)
    for trigger in triggers:
        for state in ItemState:
            if state in transition(trigger).sources:
                assert next_state(state, trigger, attempts=1, max_attempts=3) in ItemState
            else:
                with pytest.raises(IllegalTransitionError):
                    next_state(state, trigger)


def test_the_table_says_what_the_readme_says():
    assert (
        next_state(ItemState.IN_PROGRESS, Outcome.APPLICATION_ERROR, attempts=2, max_attempts=3) == "APPLICATION_ERROR"
    )
    assert next_state(ItemState.IN_PROGRESS, Outcome.APPLICATION_ERROR, attempts=3, max_attempts=3) == "ABANDONED"
    assert next_state(ItemState.IN_PROGRESS, Outcome.LEASE_EXPIRED, attempts=3, max_attempts=3) == "ABANDONED"
    assert next_state(ItemState.IN_PROGRESS, Outcome.RETURNED, attempts=3, max_attempts=3) == "PENDING"
    assert ItemState.DONE not in sources(Action.REQUEUE), "redoing finished work could pay twice"
    assert sources(Action.CLAIM) == CLAIMABLE == tuple(ItemState(v) for v in CLAIMABLE_STATE_VALUES)
    assert [o for o in Outcome if o.technical_failure] == [Outcome.APPLICATION_ERROR, Outcome.LEASE_EXPIRED]
    assert [o for o in Outcome if not o.charged] == [Outcome.RETURNED]


@pytest.mark.parametrize("outcome", [Outcome.DONE, Outcome.BUSINESS_EXCEPTION, Outcome.APPLICATION_ERROR])
def test_the_stores_release_statements_agree_with_the_table(store, outcome):
    queue = WorkQueue(store, "q", FAST)
    item, _ = queue.create("a")
    for attempt in (1, 2):
        claimed = queue.claim("w")
        if claimed is None:
            break
        expected = next_state(ItemState.IN_PROGRESS, outcome, attempts=attempt, max_attempts=FAST.max_attempts)
        assert queue.release(item.id, "w", outcome) is expected
        assert get_item(store, item.id).state is expected
        time.sleep(0.05)


def test_the_stores_expiry_statement_agrees_with_the_table(store):
    queue = WorkQueue(store, "q", QueuePolicy(max_attempts=2, lease_seconds=0.05))
    item, _ = queue.create("a")
    assert queue.claim("w1").id == item.id
    time.sleep(0.1)
    retried = next_state(ItemState.IN_PROGRESS, Outcome.LEASE_EXPIRED, attempts=1, max_attempts=2)
    assert retried is ItemState.APPLICATION_ERROR and retried in CLAIMABLE
    assert queue.claim("w2").id == item.id, "expired with an attempt left: claimable again"
    time.sleep(0.1)
    assert queue.claim("w3") is None
    exhausted = next_state(ItemState.IN_PROGRESS, Outcome.LEASE_EXPIRED, attempts=2, max_attempts=2)
    assert get_item(store, item.id).state is exhausted is ItemState.ABANDONED
    kinds = [event.kind for event in item_history(store, item.id).events]
    assert kinds == [EventKind.LEASE_EXPIRED, EventKind.LEASE_EXPIRED, EventKind.ABANDONED]


def test_a_returned_item_is_pending_again_and_uncharged(store):
    queue = WorkQueue(store, "q", FAST)
    item, _ = queue.create("a")
    claimed = queue.claim("w1")
    left_before = claimed.max_attempts - claimed.attempts + 1  # the attempts it had before this claim
    assert held_by(store, "w1")[0].id == item.id
    assert queue.give_back(item.id, "w1", "run stopped by SIGTERM")
    back = get_item(store, item.id)
    assert back.state is ItemState.PENDING and back.lease_owner is None
    assert back.max_attempts - back.attempts == left_before
    history = item_history(store, item.id)
    assert [a.outcome for a in history.attempts] == [Outcome.RETURNED]
    assert history.events[-1].kind == EventKind.RETURNED and history.events[-1].actor == "w1"
    assert not queue.give_back(item.id, "w1", "again"), "only the holder gives an item back"
    # not a failure for the kill switch, and the next worker gets every attempt it had
    assert queue.claim("w2").id == item.id
    queue.release(item.id, "w2", Outcome.APPLICATION_ERROR)
    assert get_item(store, item.id).state is ItemState.APPLICATION_ERROR


def test_a_stopped_runs_returned_attempts_do_not_count_for_the_kill_switch(store):
    queue = WorkQueue(store, "q", FAST)
    queue.create_many([(f"r{n}", {}) for n in range(3)])
    first = queue.claim("w", run_id="run")
    queue.release(first.id, "w", Outcome.APPLICATION_ERROR)
    second = queue.claim("w", run_id="run")
    queue.give_back(second.id, "w", "stopped")
    assert consecutive_failures(store, "run", 5) == 1


def test_the_kill_switch_streak_counts_expired_leases(store):
    queue = WorkQueue(store, "q", QueuePolicy(max_attempts=5, lease_seconds=0.05))
    queue.create_many([("a", {}), ("b", {})])
    queue.claim("dies", run_id="run")
    time.sleep(0.1)
    second = queue.claim("w", run_id="run")  # the sweep expires the first: LEASE_EXPIRED
    queue.release(second.id, "w", Outcome.APPLICATION_ERROR)
    assert consecutive_failures(store, "run", 5) == 2


def test_a_worker_that_lost_its_lease_can_write_nothing(store):
    queue = WorkQueue(store, "q", QueuePolicy(lease_seconds=0.1))
    item, _ = queue.create("a", {"step": "start"})
    queue.claim("hung")
    time.sleep(0.15)
    for write in (
        lambda: queue.heartbeat(item.id, "hung"),
        lambda: queue.save_payload(item.id, {"step": "paid"}, worker="hung"),
        lambda: queue.add_file(item.id, "note.txt", b"x", worker="hung"),
        lambda: queue.remove_file(item.id, "note.txt", worker="hung"),
        lambda: queue.release(item.id, "hung", Outcome.DONE),
        lambda: queue.release(item.id, "hung", Outcome.APPLICATION_ERROR),
    ):
        with pytest.raises(LeaseLostError):
            write()
    assert get_item(store, item.id).payload == {"step": "start"}
    assert queue.list_files(item.id) == []
    taken = WorkQueue(store, "q", QueuePolicy(lease_seconds=30)).claim("live")
    assert taken.id == item.id
    queue.save_payload(item.id, {"step": "live"}, worker="live")
    with pytest.raises(LeaseLostError):
        queue.save_payload(item.id, {"step": "hung"}, worker="hung")
    assert get_item(store, item.id).payload == {"step": "live"}


def test_the_result_is_stored_once_with_the_attempt_cpr_masked(store):
    queue = WorkQueue(store, "q", FAST)
    item, _ = queue.create("a")
    queue.claim("w")
    queue.release(
        item.id, "w", Outcome.DONE, result={"outcome": "CALCULATED", "subsidy": "15920.00", "cpr": "0101901234"}
    )
    attempt = latest_attempts(store, [item.id])[item.id]
    assert attempt.outcome is Outcome.DONE
    assert attempt.result == {"outcome": "CALCULATED", "subsidy": "15920.00", "cpr": "010190-XXXX"}


def test_a_requeue_reason_with_a_cpr_is_stored_masked(store):
    queue = WorkQueue(store, "q", FAST)
    item, _ = queue.create("a")
    queue.claim("w")
    queue.release(item.id, "w", Outcome.BUSINESS_EXCEPTION, code="NO_WAGE")
    requeue(store, item.id, by="sagsbehandler", reason="stamdata rettet for 010190-1234")
    event = item_history(store, item.id).events[-1]
    assert event.kind == EventKind.REQUEUED and "010190-1234" not in event.message and "010190-XXXX" in event.message


def test_the_backoff_doubles_and_is_capped():
    policy = QueuePolicy(backoff_seconds=5, backoff_max_seconds=60)
    assert [policy.backoff(n) for n in (1, 2, 3, 4, 5)] == [timedelta(seconds=s) for s in (5, 10, 20, 40, 60)]


def test_the_classifier():
    class Refused(BusinessException):
        code = "CASE_CLOSED"

    refused = Refused("CASE_CLOSED: Sagen er afsluttet")
    assert classify(str(refused)).outcome is Outcome.BUSINESS_EXCEPTION
    assert classify(f"Refused: {refused}").code == "CASE_CLOSED"
    assert classify("NO_WAGE: ingen løn", business_codes={"NO_WAGE"}).code == "NO_WAGE"
    assert classify("NO_WAGE: ingen løn").outcome is Outcome.APPLICATION_ERROR, "not a declared code"
    assert classify("TimeoutError: page did not load").outcome is Outcome.APPLICATION_ERROR
    assert classify("Execution terminated by signal").outcome is Outcome.RETURNED


STATE_LITERAL = re.compile(r"""["'](IN_PROGRESS|BUSINESS_EXCEPTION|APPLICATION_ERROR|ABANDONED|LEASE_EXPIRED)["']""")


def test_no_state_name_is_a_string_literal_outside_the_lifecycle():
    allowed = {ROOT / "rpa_core" / "queue" / "lifecycle.py", ROOT / "rpa_core" / "store" / "models.py"}
    offenders = []
    for folder in ("rpa_core", "robots", "examples", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            if path in allowed or "migrations" in path.parts or ".upstream" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if STATE_LITERAL.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []

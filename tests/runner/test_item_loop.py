"""A failing item no longer ends its worker process; each failure is classified once, at the boundary."""

from __future__ import annotations

import pytest

from rpa_core.queue import Outcome, WorkQueue, item_history, latest_attempts, list_items
from rpa_core.runner.records import list_steps

KINDS = ["ok", "closed", "ok", "no_wage", "flaky", "ok"]


@pytest.mark.timeout(120)
def test_every_outcome_in_one_process_with_its_result(run_robot, store):
    WorkQueue(store, "mixed").create_many((f"mixed:{n}", {"kind": kind}) for n, kind in enumerate(KINDS))

    result = run_robot("mixed")

    assert result.exit_code == 0, result
    consumers = [step for step in list_steps(store, result.run_id) if step.name == "consumer"]
    assert len(consumers) == 1, "the failing items did not cost a new process"
    items = {item.payload["kind"] + str(item.id): item for item in list_items(store, queue="mixed")}
    by_kind = {}
    for item in items.values():
        by_kind.setdefault(item.payload["kind"], []).append(item)
    closed, no_wage, flaky = by_kind["closed"][0], by_kind["no_wage"][0], by_kind["flaky"][0]
    assert (closed.state, closed.last_code, closed.attempts) == ("BUSINESS_EXCEPTION", "CASE_CLOSED", 1)
    assert (no_wage.state, no_wage.last_code, no_wage.attempts) == ("BUSINESS_EXCEPTION", "NO_WAGE", 1)
    assert (flaky.state, flaky.attempts) == ("DONE", 2)
    assert [a.outcome for a in item_history(store, flaky.id).attempts] == [Outcome.APPLICATION_ERROR, Outcome.DONE]
    results = latest_attempts(store, [item.id for item in items.values()])
    done = [item for item in items.values() if item.state == "DONE"]
    assert {results[item.id].result["outcome"] for item in done} == {"CALCULATED"}
    assert len({results[item.id].result["pid"] for item in done}) == 1, "one process did every item"
    outcomes = {a.outcome for item in items.values() for a in item_history(store, item.id).attempts}
    assert Outcome.LEASE_EXPIRED not in outcomes

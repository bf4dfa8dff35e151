"""Business errors of the systems end to end: headless Chromium and the APIs over the sandbox, on a real store.

Three citizens a caseworker must see, besides the ones the robot pays: the ESDH closes one's case just as the
robot's journal note arrives (the payment is made, the note is refused: CASE_CLOSED), the income register does not
know another (UNKNOWN_CPR), and a third's case is closed before the run (CASE_CLOSED, decided before anything is
paid). Each ends BUSINESS_EXCEPTION on its first attempt, under "Manuel behandling" in the report, and the consumer
takes the next item in the same process: one consumer process for the run. A caseworker reopens the first case and
requeues the item; the next run writes the note and pays nothing twice.
"""

from collections import Counter

import pytest
from conftest import run_flexloen
from openpyxl import load_workbook
from test_flexloen_e2e import assert_every_case_right, flexjob_outcomes, results

from rpa_core.queue import Outcome, item_history, list_items, requeue
from rpa_core.runner.records import list_steps

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def writes(sandbox, result="ok") -> Counter:
    return Counter((e["action"], e["object_id"]) for e in sandbox.audit() if e["result"] == result)


def report_rows(workdir, sheet: str) -> list[tuple]:
    (report,) = (workdir / "reports").glob("fleksloen-*.xlsx")
    return list(load_workbook(report)[sheet].iter_rows(min_row=2, values_only=True))


def test_business_errors_go_to_a_caseworker_in_one_process_and_a_requeue_pays_nothing_twice(
    sandbox_factory, tmp_path, store
):
    sandbox = sandbox_factory(citizens=12)
    calculated = sorted(pid for pid, o in flexjob_outcomes(sandbox).items() if o["outcome"] == "CALCULATED")
    assert len(calculated) >= 6
    refused, unknown, closed = calculated[:3]
    expected = sandbox.outcomes()
    sandbox.close_case_on_next_note(expected[refused]["case_number"])  # open when the robot looks, not after
    sandbox.forget_in_income_register(expected[unknown]["cpr"])
    sandbox.close_case(expected[closed]["case_number"])
    assert sandbox.outcomes()[closed]["reasons"] == ["CASE_CLOSED"], "the sandbox expects what the robot must do"

    first = run_flexloen(sandbox, tmp_path / "first", store)
    assert first.exit_code == 0, first
    assert first.counts == {"DONE": len(calculated) - 3, "BUSINESS_EXCEPTION": 3}, first.counts

    items = {item.payload["payment_id"]: item for item in list_items(store, queue="flexloen")}
    for pid, code in ((refused, "CASE_CLOSED"), (unknown, "UNKNOWN_CPR"), (closed, "CASE_CLOSED")):
        history = item_history(store, items[pid].id)
        assert history.item.state == "BUSINESS_EXCEPTION" and history.item.last_code == code, history.item
        assert history.item.attempts == 1 and [a.outcome for a in history.attempts] == [Outcome.BUSINESS_EXCEPTION]
        assert history.attempts[0].code == code
    assert "registreret og godkendt" in items[refused].last_message, "the caseworker reads that it is paid"
    assert "UNKNOWN_CPR" in items[unknown].last_message

    done = writes(sandbox)
    case_of = {pid: expected[pid]["case_number"] for pid in (refused, closed)}
    assert done[("register_income", refused)] == 1 and done[("approve", refused)] == 1
    assert done[("add_note", case_of[refused])] == 0 and writes(sandbox, "refused")[("add_note", case_of[refused])]
    for pid in (unknown, closed):
        assert done[("register_income", pid)] == 0 and done[("approve", pid)] == 0, "nothing is paid for it"
    assert not any(e["object_id"] == case_of[closed] for e in sandbox.audit()), "not even a refused note"
    assert_every_case_right(sandbox, store, skip={refused, unknown})  # the others are paid to the øre

    consumers = [step for step in list_steps(store, first.run_id) if step.name == "consumer"]
    assert len(consumers) == 1 and consumers[0].exit_code == 0, consumers  # no relaunch after the failures
    manual = {row[1]: row for row in report_rows(tmp_path / "first", "Manuel behandling")}
    assert {pid: manual[pid][3] for pid in (refused, unknown, closed)} == {
        refused: "CASE_CLOSED",
        unknown: "UNKNOWN_CPR",
        closed: "CASE_CLOSED",
    }
    assert manual[unknown][0] == expected[unknown]["cpr"] and manual[refused][4] == items[refused].last_message
    assert report_rows(tmp_path / "first", "Fejl") == []

    # The caseworker reopens the case and requeues the item: the robot writes the note, and nothing else.
    sandbox.reopen_case(case_of[refused])
    requeue(store, items[refused].id, by="sagsbehandler", reason="sagen er genåbnet")
    second = run_flexloen(sandbox, tmp_path / "second", store)
    assert second.exit_code == 0 and second.counts == {"DONE": 1}, second
    again = writes(sandbox)
    assert again[("register_income", refused)] == 1 and again[("approve", refused)] == 1, "paid once"
    assert again[("add_note", case_of[refused])] == 1
    assert again - done == Counter({("add_note", case_of[refused]): 1}), "the second run wrote only the note"
    item = next(i for i in list_items(store, queue="flexloen") if i.id == items[refused].id)
    assert item.state == "DONE" and item.attempts == 2
    calculation = expected[refused]["calculation"]
    result = results(store, [item])[item.id]
    assert result == {"outcome": "CALCULATED", "subsidy": calculation["subsidy"], "atp": calculation["atp"]}
    (row,) = report_rows(tmp_path / "second", "Behandlet")
    assert row[1] == refused and row[5] == "Godkendt" and f"{row[3]:.2f}" == calculation["subsidy"]

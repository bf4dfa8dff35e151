"""The resilience requirement at the adapter level: under sandbox faults (10 % HTTP 500, session expiry every
50 requests, a system dialog on 5 % of pages) a 200-operation scripted sequence finishes with every operation
done, and every write done exactly once."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from rpa_core.systems.models import PaymentStatus, Registration
from rpa_core.systems.retry import RetryPolicy

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FAULTS = {"error_rate": 0.1, "session_max_requests": 50, "dialog_rate": 0.05, "seed": 2024}
PAYMENTS = 40  # x 5 operations = 200


def test_200_operations_under_faults_write_exactly_once(sandbox, systems_factory, outcomes) -> None:
    # a write through the pages takes 3-5 requests, so at 10 % errors a few more attempts than the default
    systems = systems_factory(sandbox, retry=RetryPolicy(attempts=6, backoff_seconds=0.02, max_backoff_seconds=0.2))
    chosen = [o for o in outcomes(sandbox) if o["registration"] is not None and o["outcome"] != "ALREADY_HANDLED"]
    chosen = chosen[:PAYMENTS]
    assert len(chosen) == PAYMENTS
    sandbox.set_faults(**FAULTS)
    done: Counter[str] = Counter()
    cases: dict[str, str] = {}
    started = time.monotonic()
    for index, outcome in enumerate(chosen):
        pid, cpr = outcome["payment_id"], outcome["cpr"]
        by_web = index % 5 == 0  # a fifth of the reads and notes through the pages, the rest over the APIs
        register = systems.indkomst_web if by_web else systems.indkomst_api
        lines = register.income_lines(cpr, "2024-10")
        done["income_lines"] += 1
        wages = [line for line in lines if line.kind == "LOEN"]
        assert wages and wages[0].fields["0057"] > 0
        registration = Registration(**outcome["registration"])
        assert systems.ydelse.register(pid, registration).registration == registration
        done["register"] += 1
        assert systems.ydelse.approve(pid).status is PaymentStatus.APPROVED
        done["approve"] += 1
        esdh = systems.esdh_web if by_web else systems.esdh_api
        case = next(c for c in esdh.find_cases(cpr) if c.kind == "FLEKSJOB")
        done["find_cases"] += 1
        text = f"Fleksløntilskud for 2024-11: {registration.subsidy} kr. (betaling {pid})."
        note = esdh.add_journal_note(case.case_number, "Fleksløntilskud 2024-11", text)
        assert note.title == "Fleksløntilskud 2024-11"
        done["add_journal_note"] += 1
        cases[pid] = case.case_number
    elapsed = time.monotonic() - started
    sandbox.clear_faults()

    operations = sum(done.values())
    assert operations == 5 * PAYMENTS == 200
    stats = [adapter.stats for adapter in systems.all()]
    retries = sum(s.retries for s in stats)
    redone = sum(s.redone for s in stats)
    logins = sum(s.logins for s in stats)
    dialogs = sum(s.dialogs for s in stats)
    print(
        f"\n{operations} operations in {elapsed:.1f} s under {FAULTS}: {retries} retries after a failure, "
        f"{redone} steps redone after an expired session, {logins} logins, {dialogs} dialogs closed"
    )
    assert retries > 10 and redone > 0 and dialogs > 0  # the faults really happened

    # every write exactly once, none refused, and the systems hold what was written
    pids = sorted(cases)
    for action in ("register_income", "approve"):
        entries = sandbox.audit(system="ydelse", action=action)
        assert sorted(e["object_id"] for e in entries) == pids, action
        assert {e["result"] for e in entries} == {"ok"}
    notes = sandbox.audit(system="esdh", action="add_note")
    assert sorted(e["object_id"] for e in notes) == sorted(cases.values())
    assert {e["result"] for e in notes} == {"ok"}
    state = sandbox.payments()
    for outcome in chosen:
        paid = state[outcome["payment_id"]]
        assert paid["status"] == "APPROVED" and paid["registration"] == outcome["registration"]
        assert paid["atp"] is not None
    for pid, number in cases.items():
        matching = [n for n in systems.esdh_api.journal_notes(number) if f"(betaling {pid})" in n.text]
        assert len(matching) == 1

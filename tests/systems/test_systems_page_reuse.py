"""A write acts on the page the read before it left, when the browser still shows that document; anything that
changed the page (another page, a reload, a failure) makes the adapter open it again. Page loads are counted by
the sandbox (``GET /admin/requests``), so a test sees every request the browser sent."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from rpa_core.systems.errors import BusinessError
from rpa_core.systems.models import PaymentStatus, Registration
from rpa_core.systems.retry import TransientError

pytestmark = pytest.mark.browser


def payment_requests(sandbox, pid: str) -> list[tuple[str, str]]:
    """The requests the sandbox got for payment ``pid``'s pages, in order, as (method, path after the id)."""
    prefix = f"/ydelse/betalinger/{pid}"
    return [(r["method"], r["path"][len(prefix) :] or "/") for r in sandbox.requests(prefix)["requests"]]


def calculated(sandbox, outcomes, index: int = 0) -> tuple[str, Registration]:
    case = outcomes(sandbox, outcome="CALCULATED")[index]
    return case["payment_id"], Registration(**case["registration"])


def logged_in(systems, sandbox) -> None:
    """Log in to both systems with pages, then forget the requests that took."""
    systems.ydelse.login()
    systems.esdh_web.login()
    sandbox.clear_requests()


def test_a_paid_case_costs_four_page_loads(systems, sandbox, outcomes) -> None:
    pid, registration = calculated(sandbox, outcomes)
    logged_in(systems, sandbox)
    assert systems.ydelse.get_payment(pid).status is PaymentStatus.PENDING
    assert systems.ydelse.register(pid, registration).status is PaymentStatus.REGISTERED
    approved = systems.ydelse.approve(pid)
    # the payment page, the income form's submit (back on the payment page), the confirmation and its submit:
    # register and approve act on the page the step before left instead of opening it again (6 loads before)
    assert payment_requests(sandbox, pid) == [
        ("GET", "/"),
        ("POST", "/indkomst"), ("GET", "/"),
        ("GET", "/godkend"),
        ("POST", "/godkend"), ("GET", "/"),
    ]  # fmt: skip
    assert approved.status is PaymentStatus.APPROVED and approved.registration == registration
    paid = sandbox.payments()[pid]
    assert paid["status"] == "APPROVED"
    assert {k: Decimal(v) for k, v in paid["registration"].items()} == registration.model_dump()
    assert [(e["action"], e["result"]) for e in sandbox.audit(system="ydelse")] == [
        ("register_income", "ok"),
        ("approve", "ok"),
    ]
    sandbox.clear_requests()
    with pytest.raises(BusinessError) as caught:  # the page approve left says approved: no page load
        systems.ydelse.approve(pid)
    assert caught.value.code == "ALREADY_APPROVED" and payment_requests(sandbox, pid) == []
    with pytest.raises(BusinessError) as caught:  # after a failed step the page is opened again
        systems.ydelse.register(pid, registration)
    assert caught.value.code == "ALREADY_APPROVED" and payment_requests(sandbox, pid) == [("GET", "/")]


def test_a_page_another_step_navigated_away_from_is_opened_again(systems, sandbox, outcomes) -> None:
    pid, registration = calculated(sandbox, outcomes, 1)
    logged_in(systems, sandbox)
    payment = systems.ydelse.get_payment(pid)
    systems.indkomst_web.income_lines(payment.cpr, payment.income_month)  # the same browser page, another system
    systems.ydelse.register(pid, registration)
    assert payment_requests(sandbox, pid) == [("GET", "/"), ("GET", "/"), ("POST", "/indkomst"), ("GET", "/")]


def test_the_same_address_loaded_again_is_another_document(systems, sandbox, outcomes, page) -> None:
    pid, registration = calculated(sandbox, outcomes, 2)
    logged_in(systems, sandbox)
    systems.ydelse.get_payment(pid)
    state = sandbox.server.app.state.sandbox
    state.register(pid, {**registration.model_dump(), "subsidy": Decimal("1.00")}, "sagsbehandler")
    page.reload()  # the same URL, but a new document: what was read from the old one is not what it shows now
    assert page.locator("#payment-status").get_attribute("data-status") == "REGISTERED"
    saved = systems.ydelse.register(pid, registration)
    assert saved.registration == registration  # read again, found the caseworker's values, registered ours
    assert payment_requests(sandbox, pid) == [
        ("GET", "/"), ("GET", "/"), ("GET", "/"), ("POST", "/indkomst"), ("GET", "/")
    ]  # fmt: skip


def test_an_attempt_that_failed_is_retried_on_a_page_opened_again(systems, sandbox, outcomes, page) -> None:
    pid, registration = calculated(sandbox, outcomes, 3)
    logged_in(systems, sandbox)
    systems.ydelse.get_payment(pid)
    refused = []

    def first_submit_fails(route) -> None:
        if route.request.method == "POST" and not refused:
            refused.append(route.request.url)
            route.fulfill(status=500, body="<p id='error-message'>Intern serverfejl</p>", content_type="text/html")
        else:
            route.continue_()

    page.route(f"**/betalinger/{pid}/indkomst", first_submit_fails)
    try:
        systems.ydelse.register(pid, registration)
    finally:
        page.unroute(f"**/betalinger/{pid}/indkomst")
    assert len(refused) == 1 and systems.ydelse.stats.retries == 1
    # the failed submit never reached the system; the retry opened the page again before it wrote
    assert payment_requests(sandbox, pid) == [("GET", "/"), ("GET", "/"), ("POST", "/indkomst"), ("GET", "/")]
    assert [e["result"] for e in sandbox.audit(system="ydelse", action="register_income")] == ["ok"]


def test_a_write_on_a_page_read_before_a_caseworker_approved_is_refused(systems, sandbox, outcomes) -> None:
    """The page read is reused, so the write goes to a payment approved since: the system refuses it (409)."""
    pid, registration = calculated(sandbox, outcomes, 4)
    logged_in(systems, sandbox)
    systems.ydelse.get_payment(pid)
    state = sandbox.server.app.state.sandbox
    state.register(pid, {**registration.model_dump(), "subsidy": Decimal("2.00")}, "sagsbehandler")
    state.approve(pid, "sagsbehandler")
    with pytest.raises(BusinessError) as caught:
        systems.ydelse.register(pid, registration)
    assert caught.value.code == "ALREADY_APPROVED"
    assert sandbox.payments()[pid]["registration"]["subsidy"] == "2.00"  # the caseworker's stays
    with pytest.raises(BusinessError) as caught:  # the error page is not the payment page: opened again
        systems.ydelse.approve(pid)
    assert caught.value.code == "ALREADY_APPROVED"
    assert payment_requests(sandbox, pid) == [("GET", "/"), ("POST", "/indkomst"), ("GET", "/")]


def test_a_journal_note_after_reading_the_notes_opens_the_case_page_once(systems, sandbox, outcomes) -> None:
    case_number = outcomes(sandbox, outcome="CALCULATED")[5]["case_number"]
    logged_in(systems, sandbox)
    before = systems.esdh_web.journal_notes(case_number)
    note = systems.esdh_web.add_journal_note(case_number, "Fleksløntilskud november 2024", "Beregnet af robot.")
    assert note.title == "Fleksløntilskud november 2024"
    assert [n.title for n in systems.esdh_web.journal_notes(case_number)] == [n.title for n in before] + [note.title]
    prefix = f"/esdh/sager/{case_number}"
    requests = [(r["method"], r["path"][len(prefix) :] or "/") for r in sandbox.requests(prefix)["requests"]]
    # journal_notes, add_journal_note on that page (its submit lands on the case page), journal_notes again
    assert requests == [("GET", "/"), ("POST", "/notater"), ("GET", "/"), ("GET", "/")]
    again = systems.esdh_web.add_journal_note(case_number, "Fleksløntilskud november 2024", "Beregnet af robot.")
    assert again.note_id == note.note_id  # found on the page the read left: not written twice
    assert [e["result"] for e in sandbox.audit(system="esdh", action="add_note")] == ["ok"]


def test_a_form_that_cannot_be_filled_or_submitted_is_not_submitted(systems, sandbox, outcomes) -> None:
    """``submit`` fills and submits in one round trip: a disabled field or a missing button sends nothing."""
    approved = outcomes(sandbox, outcome="ALREADY_HANDLED")[0]["payment_id"]
    logged_in(systems, sandbox)
    ydelse = systems.ydelse
    assert ydelse.get_payment(approved).status is PaymentStatus.APPROVED  # its form's fields are disabled
    started = time.monotonic()
    with pytest.raises(TransientError, match="cannot fill #wage") as caught:
        ydelse.submit("#save-income", ready="#income-form", fill={"#wage": "1.00"})  # checked first
    assert caught.value.code == "NOT_RENDERED"
    with pytest.raises(TransientError, match="nothing to submit") as caught:
        ydelse.submit("#save-income", ready="#income-form")  # an approved payment has no save button
    assert caught.value.code == "NOT_RENDERED"
    assert time.monotonic() - started < ydelse.timeout_ms / 1000  # no wait for a navigation that cannot come
    assert payment_requests(sandbox, approved) == [("GET", "/")]
    assert sandbox.audit(system="ydelse") == []

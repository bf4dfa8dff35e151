"""YdelseWeb against the sandbox in headless Chromium: list, payment, registration, approval, and faults."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from rpa_core.systems.errors import ApplicationError, BusinessError
from rpa_core.systems.interfaces import BenefitsSystem
from rpa_core.systems.models import PaymentStatus, Registration
from rpa_core.systems.retry import RetryPolicy
from rpa_core.systems.web import YdelseWeb

pytestmark = pytest.mark.browser
MONTH = "2024-11"


def pending_in_sandbox(sandbox, unit: str = "FLEKS", grant: str = "FLT") -> set[str]:
    return {
        pid
        for pid, p in sandbox.payments().items()
        if p["status"] != "APPROVED" and p["unit"] == unit and p["grant_type"] == grant and p["month"] == MONTH
    }


def registration_of(outcome: dict) -> Registration:
    return Registration(**outcome["registration"])


def test_logs_in_and_refuses_a_wrong_password(systems, sandbox, page) -> None:
    ydelse: BenefitsSystem = systems.ydelse
    systems.ydelse.login()
    assert page.locator("#current-user").inner_text() == "robot"
    assert systems.ydelse.stats.logins == 1
    wrong = YdelseWeb(page.context.new_page(), sandbox.url("/ydelse/"), "robot", "not-the-password-42")
    with pytest.raises(ApplicationError) as caught:
        wrong.login()
    assert (caught.value.code, caught.value.system, caught.value.step) == ("LOGIN_FAILED", "Ydelsessystem", "login")
    assert "not-the-password-42" not in str(caught.value)
    assert ydelse is systems.ydelse


def test_pending_payments_pages_through_every_page_with_the_filters(systems, sandbox, page) -> None:
    pending = systems.ydelse.pending_payments(MONTH, unit="FLEKS", grant_type="FLT")
    expected = pending_in_sandbox(sandbox)
    assert len(expected) > 13 * 3  # four pages of 13
    assert [p.payment_id for p in pending] == sorted(expected)
    state = sandbox.payments()
    for payment in pending:
        raw = state[payment.payment_id]
        assert (payment.cpr, payment.unit, payment.grant_type, payment.payment_month) == (
            raw["cpr"], "FLEKS", "FLT", MONTH
        )  # fmt: skip
        assert payment.status == raw["status"] and str(payment.previous_subsidy) == raw["previous_subsidy"]
    assert {p.payment_id for p in systems.ydelse.pending_payments(MONTH, unit="LEDIG", grant_type="LY")} == (
        pending_in_sandbox(sandbox, "LEDIG", "LY")
    )
    assert systems.ydelse.pending_payments("2024-10", unit="LEDIG", grant_type="LY") == []  # another month
    with pytest.raises(BusinessError) as caught:
        systems.ydelse.pending_payments(MONTH, unit="NOPE", grant_type="FLT")
    assert caught.value.code == "UNKNOWN_UNIT"


def test_get_payment_reads_the_page_with_unpaid_holiday(systems, sandbox, outcomes) -> None:
    holiday = outcomes(sandbox, scenario="UNPAID_HOLIDAY")[0]
    raw = sandbox.payments()[holiday["payment_id"]]
    payment = systems.ydelse.get_payment(holiday["payment_id"])
    assert payment.unpaid_holiday_days == raw["unpaid_holiday_days"] > 0
    assert (payment.cpr, payment.payment_month, payment.income_month) == (raw["cpr"], MONTH, "2024-10")
    assert payment.status is PaymentStatus.PENDING and payment.registration is None and payment.atp is None
    assert payment.previous_subsidy == Decimal(raw["previous_subsidy"])
    normal = systems.ydelse.get_payment(outcomes(sandbox, outcome="CALCULATED")[0]["payment_id"])
    assert normal.unpaid_holiday_days == 0
    with pytest.raises(BusinessError) as caught:
        systems.ydelse.get_payment("B9999999")
    assert (caught.value.code, caught.value.step) == ("UNKNOWN_PAYMENT", "get_payment")


def test_register_and_approve_show_in_the_system_and_its_audit(systems, sandbox, outcomes) -> None:
    case = outcomes(sandbox, outcome="CALCULATED")[0]
    pid, registration = case["payment_id"], registration_of(case)
    registered = systems.ydelse.register(pid, registration)
    assert registered.status is PaymentStatus.REGISTERED and registered.registration == registration
    assert registered.atp == Decimal(case["calculation"]["atp"])
    assert systems.ydelse.register(pid, registration) == registered  # same values again: nothing written
    approved = systems.ydelse.approve(pid)
    assert approved.status is PaymentStatus.APPROVED and approved.registration == registration
    assert systems.ydelse.get_payment(pid) == approved
    raw = sandbox.payments()[pid]
    assert raw["status"] == "APPROVED" and raw["registration"] == case["registration"]
    actions = [(e["action"], e["object_id"], e["result"]) for e in sandbox.audit(system="ydelse")]
    assert actions == [("register_income", pid, "ok"), ("approve", pid, "ok")]
    assert pid not in {p.payment_id for p in systems.ydelse.pending_payments(MONTH, unit="FLEKS", grant_type="FLT")}


def test_a_second_approval_is_refused_already_approved(systems, sandbox, outcomes) -> None:
    case = outcomes(sandbox, outcome="CALCULATED")[1]
    systems.ydelse.register(case["payment_id"], registration_of(case))
    systems.ydelse.approve(case["payment_id"])
    with pytest.raises(BusinessError) as caught:
        systems.ydelse.approve(case["payment_id"])
    assert (caught.value.code, caught.value.system, caught.value.step) == (
        "ALREADY_APPROVED",
        "Ydelsessystem",
        "approve",
    )
    with pytest.raises(BusinessError) as caught:
        systems.ydelse.register(case["payment_id"], registration_of(case))
    assert caught.value.code == "ALREADY_APPROVED"
    handled = outcomes(sandbox, outcome="ALREADY_HANDLED")[0]
    with pytest.raises(BusinessError) as caught:
        systems.ydelse.approve(handled["payment_id"])
    assert caught.value.code == "ALREADY_APPROVED"
    assert [e["result"] for e in sandbox.audit(system="ydelse", action="approve")] == ["ok"]


def test_the_systems_refusal_of_a_racing_approval_is_already_approved(systems, sandbox, outcomes, page) -> None:
    """A caseworker approves between the robot's confirmation page and its confirm: the system refuses (409)."""
    case = outcomes(sandbox, outcome="CALCULATED")[2]
    pid = case["payment_id"]
    systems.ydelse.register(pid, registration_of(case))
    state = sandbox.server.app.state.sandbox

    def caseworker_first(route) -> None:
        if route.request.method == "POST":
            state.approve(pid, "sagsbehandler")
        route.continue_()

    page.route(f"**/betalinger/{pid}/godkend", caseworker_first)
    with pytest.raises(BusinessError) as caught:
        systems.ydelse.approve(pid)
    page.unroute(f"**/betalinger/{pid}/godkend")
    assert caught.value.code == "ALREADY_APPROVED"
    results = [(e["user"], e["result"]) for e in sandbox.audit(system="ydelse", action="approve")]
    assert results == [("sagsbehandler", "ok"), ("robot", "refused")]


def test_approve_before_registration_and_a_refused_form_are_business_errors(systems, sandbox, outcomes) -> None:
    case = outcomes(sandbox, outcome="CALCULATED")[3]
    with pytest.raises(BusinessError) as caught:
        systems.ydelse.approve(case["payment_id"])
    assert caught.value.code == "NOT_REGISTERED"
    bad = registration_of(case).model_copy(update={"subsidy": Decimal("-1")})
    with pytest.raises(BusinessError) as caught:
        systems.ydelse.register(case["payment_id"], bad)
    assert caught.value.code == "VALIDATION_ERROR" and "negativ" in caught.value.detail
    assert sandbox.audit(system="ydelse") == []


def test_logs_in_again_when_the_session_expires_and_writes_once(systems, sandbox, outcomes) -> None:
    # 4 requests a session: a paid case's 6 (payment, income form, payment, confirmation, confirm, payment)
    # send the confirmation's POST to a dead session (SessionExpired, the step redone), then the next read
    sandbox.set_faults(session_max_requests=4)
    cases = outcomes(sandbox, outcome="CALCULATED")[:2]
    for case in cases:
        systems.ydelse.register(case["payment_id"], registration_of(case))
        assert systems.ydelse.approve(case["payment_id"]).status is PaymentStatus.APPROVED
    assert len(systems.ydelse.pending_payments(MONTH, unit="FLEKS", grant_type="FLT")) == len(
        pending_in_sandbox(sandbox)
    )
    assert systems.ydelse.stats.logins > 5 and systems.ydelse.stats.redone >= 1  # a POST met the login page
    for action in ("register_income", "approve"):
        entries = sandbox.audit(system="ydelse", action=action)
        assert sorted(e["object_id"] for e in entries) == sorted(c["payment_id"] for c in cases)
        assert {e["result"] for e in entries} == {"ok"}


def test_logs_in_again_after_the_session_timed_out(sandbox_factory, systems_factory, outcomes) -> None:
    sandbox = sandbox_factory(session_ttl_seconds=1)
    systems = systems_factory(sandbox)
    case = outcomes(sandbox, outcome="CALCULATED")[0]
    systems.ydelse.get_payment(case["payment_id"])
    time.sleep(1.2)
    assert systems.ydelse.register(case["payment_id"], registration_of(case)).status is PaymentStatus.REGISTERED
    assert systems.ydelse.stats.logins >= 2  # (more if the loaded machine idles past 1 s mid-step)


def test_closes_the_system_message_on_every_page(systems, sandbox, outcomes) -> None:
    sandbox.set_faults(dialog_rate=1.0)
    case = outcomes(sandbox, outcome="CALCULATED")[0]
    assert len(systems.ydelse.pending_payments(MONTH, unit="FLEKS", grant_type="FLT")) == len(
        pending_in_sandbox(sandbox)
    )
    systems.ydelse.register(case["payment_id"], registration_of(case))
    assert systems.ydelse.approve(case["payment_id"]).status is PaymentStatus.APPROVED
    assert systems.ydelse.stats.dialogs >= 7  # login, list twice, payment, saved, payment, confirm, approved


def test_waits_for_a_late_table(systems, sandbox) -> None:
    sandbox.set_faults(slow_table_ms=800)
    started = time.monotonic()
    pending = systems.ydelse.pending_payments(MONTH, unit="LEDIG", grant_type="LY")
    assert time.monotonic() - started > 0.8
    assert {p.payment_id for p in pending} == pending_in_sandbox(sandbox, "LEDIG", "LY") != set()


def test_an_http_500_is_retried_and_then_succeeds(sandbox, systems_factory, outcomes, failing_first_seed) -> None:
    systems = systems_factory(sandbox, retry=RetryPolicy(attempts=8, backoff_seconds=0.01, max_backoff_seconds=0.05))
    case = outcomes(sandbox, outcome="CALCULATED")[0]
    systems.ydelse.login()
    sandbox.set_faults(error_rate=0.5, seed=failing_first_seed)
    payment = systems.ydelse.get_payment(case["payment_id"])
    assert payment.payment_id == case["payment_id"] and systems.ydelse.stats.retries >= 1
    sandbox.set_faults(error_rate=0.25, seed=failing_first_seed)  # a write takes 3-4 requests
    systems.ydelse.register(case["payment_id"], registration_of(case))
    systems.ydelse.approve(case["payment_id"])
    sandbox.clear_faults()
    assert sandbox.payments()[case["payment_id"]]["status"] == "APPROVED"
    assert [e["result"] for e in sandbox.audit(system="ydelse")] == ["ok", "ok"]


def test_gives_up_with_an_application_error_naming_system_and_step(systems, sandbox, outcomes) -> None:
    case = outcomes(sandbox, outcome="CALCULATED")[0]
    sandbox.set_faults(error_rate=1.0)
    with pytest.raises(ApplicationError) as caught:
        systems.ydelse.approve(case["payment_id"])
    error = caught.value
    assert (error.system, error.step, error.code) == ("Ydelsessystem", "approve", "HTTP_500")
    assert systems.ydelse.stats.retries == 2
    with pytest.raises(ApplicationError) as caught:
        systems.ydelse.pending_payments(MONTH, unit="FLEKS", grant_type="FLT")
    assert caught.value.step == "pending_payments page 1"


def test_a_page_that_does_not_render_is_retried_then_an_application_error(sandbox, page, outcomes) -> None:
    sandbox.set_faults(slow_table_ms=20_000)  # the table comes long after the wait gives up
    # 1 s for the wait: also for the page's own load, which on a loaded machine once took more than 300 ms (TIMEOUT)
    impatient = YdelseWeb(
        page, sandbox.url("/ydelse"), *sandbox.logins["ydelse"], retry=RetryPolicy(2, 0.01), timeout_ms=1000
    )
    with pytest.raises(ApplicationError) as caught:
        impatient.pending_payments(MONTH, unit="FLEKS", grant_type="FLT")
    assert caught.value.code == "NOT_RENDERED" and impatient.stats.retries == 1

"""The three systems' pages driven in headless Chromium through Playwright, as a robot would."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from rpa_core.sandbox.testing import Sandbox

pytestmark = pytest.mark.browser
FIELD_IDS = {"wage": "#wage", "own_pension": "#own-pension", "employer_pension": "#employer-pension",
             "hours": "#hours", "holiday_pay": "#holiday-pay", "subsidy": "#subsidy"}  # fmt: skip


def login(page: Page, sandbox: Sandbox, system: str, path: str = "/") -> None:
    page.goto(sandbox.url(f"/{system}{path}"))
    expect(page.locator("#login-form")).to_be_visible()
    user, password = sandbox.logins[system]
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-button")
    expect(page.locator("#current-user")).to_have_text(user)


def calculated(sandbox: Sandbox) -> dict:
    return next(o for o in sandbox.expected()["outcomes"] if o["outcome"] == "CALCULATED")


def test_list_filters_and_paginates_13_rows_a_page(page: Page, sandbox: Sandbox) -> None:
    login(page, sandbox, "ydelse")
    page.select_option("#filter-unit", "FLEKS")
    page.select_option("#filter-grant", "FLT")
    page.click("#filter-submit")
    rows = page.locator('[data-test="payment-row"]')
    pending = {o["payment_id"] for o in sandbox.expected()["outcomes"] if o["outcome"] != "ALREADY_HANDLED"}
    pages = int(page.get_attribute("#page-info", "data-pages"))
    assert pages == -(-len(pending) // 13) and pages > 1
    seen: list[str] = []
    for number in range(1, pages + 1):
        expect(page.locator("#page-info")).to_have_attribute("data-page", str(number))
        count = rows.count()
        assert count == (13 if number < pages else len(pending) - 13 * (pages - 1))
        seen += [rows.nth(i).get_attribute("data-payment-id") for i in range(count)]
        assert {rows.nth(i).locator('[data-test="grant"]').get_attribute("data-value") for i in range(count)} == {"FLT"}
        if number < pages:
            page.click("#next-page")
    expect(page.locator("#next-page")).to_have_count(0)
    assert set(seen) == pending and len(seen) == len(pending)


def test_register_confirm_approve_and_refuse_a_second_approval(page: Page, sandbox: Sandbox) -> None:
    case = calculated(sandbox)
    login(page, sandbox, "ydelse")
    page.fill("#search-cpr", case["cpr"])
    page.click("#search-submit")
    page.click(f'[data-payment-id="{case["payment_id"]}"] [data-test="open-payment"]')
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "PENDING")
    assert page.get_attribute("#previous-subsidy", "data-value") == case["previous_subsidy"]
    for name, selector in FIELD_IDS.items():
        page.fill(selector, case["registration"][name].replace(".", ","))
    page.click("#save-income")
    expect(page.locator("#flash")).to_have_attribute("data-message", "registreret")
    expect(page.locator("#atp")).to_have_attribute("data-value", case["calculation"]["atp"])
    page.click("#approve-button")
    expect(page.locator("#confirm-subsidy")).to_have_attribute("data-value", case["calculation"]["subsidy"])
    # a second tab holds the same confirmation step: the first approval wins, the second is refused
    second = page.context.new_page()
    second.goto(page.url)
    page.click("#confirm-approve")
    expect(page.locator("#flash")).to_have_attribute("data-message", "godkendt")
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "APPROVED")
    expect(page.locator("#approved-notice")).to_be_visible()
    expect(page.locator("#approve-button")).to_have_count(0)
    with second.expect_response(lambda r: r.request.method == "POST") as refused:
        second.click("#confirm-approve")
    assert refused.value.status == 409
    expect(second.locator("#error-message")).to_contain_text("allerede godkendt")
    actions = [(e["action"], e["result"]) for e in sandbox.audit(system="ydelse")]
    assert actions == [("register_income", "ok"), ("approve", "ok"), ("approve", "refused")]
    assert sandbox.payments()[case["payment_id"]]["registration"]["subsidy"] == case["calculation"]["subsidy"]


def test_income_form_errors_are_shown_on_the_page(page: Page, sandbox: Sandbox) -> None:
    case = calculated(sandbox)
    login(page, sandbox, "ydelse", f"/betalinger/{case['payment_id']}")
    page.fill("#wage", "12.345,678")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("#save-income")
    assert answer.value.status == 422
    errors = page.locator("#form-errors")
    expect(errors).to_contain_text("højst have to decimaler")
    expect(errors).to_contain_text("skal udfyldes")
    assert sandbox.audit() == []


def test_payslip_page_shows_the_income_lines(page: Page, sandbox: Sandbox) -> None:
    case = calculated(sandbox)
    login(page, sandbox, "indkomst")
    page.fill("#cpr", case["cpr"])
    page.fill("#month", "2024-10")
    page.click("#search-button")
    expect(page.locator("#payslip-cpr")).to_have_text(case["cpr"])
    wage = page.locator('[data-test="income-line"][data-kind="LOEN"]')
    expect(wage).to_have_count(1)
    assert len(wage.get_attribute("data-cvr")) == 8
    value = wage.locator('[data-field="0057"] [data-test="field-value"]')
    assert value.get_attribute("data-value") == case["registration"]["wage"]
    subsidy = page.locator('[data-test="income-line"][data-income-type="0083"]')
    expect(subsidy.locator('[data-field="0057"] [data-test="field-value"]')).to_have_attribute(
        "data-value", case["previous_subsidy"]
    )


def test_esdh_find_case_read_it_and_journalise_a_note(page: Page, sandbox: Sandbox) -> None:
    case = calculated(sandbox)
    login(page, sandbox, "esdh")
    page.fill("#cpr", case["cpr"])
    page.click("#search-button")
    page.click('[data-test="case-row"][data-kind="FLEKSJOB"] [data-test="open-case"]')
    expect(page.locator("#case-number")).to_have_text(case["case_number"])
    expect(page.locator("#case-cpr")).to_have_text(case["cpr"])
    before = page.locator('[data-test="note-row"]').count()
    page.fill("#note-title", "Fleksløntilskud for november 2024")
    page.fill("#note-text", f"Tilskud {case['calculation']['subsidy']} kr.\nBeregnet af robotten.")
    page.click("#note-submit")
    expect(page.locator("#flash")).to_have_attribute("data-message", "journaliseret")
    notes = page.locator('[data-test="note-row"]')
    expect(notes).to_have_count(before + 1)
    expect(notes.last.locator('[data-test="note-title"]')).to_have_text("Fleksløntilskud for november 2024")
    assert [e["object_id"] for e in sandbox.audit(system="esdh", action="add_note")] == [case["case_number"]]


def test_an_expired_session_sends_the_robot_to_login_and_back(page: Page, sandbox: Sandbox) -> None:
    login(page, sandbox, "ydelse", "/betalinger")
    sandbox.set_faults(session_max_requests=1)
    page.goto(sandbox.url("/ydelse/betalinger?side=2"))
    page.goto(sandbox.url("/ydelse/betalinger?side=3"))
    expect(page.locator("#login-message")).to_be_visible()
    sandbox.clear_faults()
    user, password = sandbox.logins["ydelse"]
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-button")
    expect(page.locator("#page-info")).to_have_attribute("data-page", "3")


def test_the_system_message_dialog_blocks_until_closed(page: Page, sandbox: Sandbox) -> None:
    login(page, sandbox, "ydelse", "/betalinger")
    sandbox.set_faults(dialog_rate=1.0)
    page.goto(sandbox.url("/ydelse/betalinger"))
    expect(page.locator("#system-message")).to_be_visible()
    with pytest.raises(PlaywrightTimeout):
        page.click("#next-page", timeout=700)
    page.click("#system-message-close")
    expect(page.locator("#system-message")).to_have_count(0)
    sandbox.clear_faults()
    page.click("#next-page")
    expect(page.locator("#page-info")).to_have_attribute("data-page", "2")


def test_a_slow_page_renders_its_table_late(page: Page, sandbox: Sandbox) -> None:
    login(page, sandbox, "ydelse", "/betalinger")
    sandbox.set_faults(slow_table_ms=1200)
    page.goto(sandbox.url("/ydelse/betalinger"))
    assert page.locator('[data-test="payment-row"]').count() == 0
    expect(page.locator("#payments-loading")).to_be_visible()
    expect(page.locator('[data-test="payment-row"]')).to_have_count(13, timeout=5000)
    expect(page.locator("#payments-loading")).to_have_count(0)


def test_unknown_payment_gives_a_clear_404_page(page: Page, sandbox: Sandbox) -> None:
    login(page, sandbox, "ydelse")
    response = page.goto(sandbox.url("/ydelse/betalinger/B9999999"))
    assert response.status == 404
    expect(page.locator("#error")).to_have_attribute("data-code", "UNKNOWN_PAYMENT")
    expect(page.locator("#error-message")).to_have_text("Betalingen findes ikke.")

"""The manual-handling rules: each reason with its stable code and Danish text, and the decision's order."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from flexloen import (
    TEXTS_DA,
    CaseOutcome,
    Decision,
    FlexCase,
    ManualHandling,
    ManualReason,
    Month,
    RateTable,
    decide,
    income_basis,
)
from pydantic import ValidationError

from rpa_core.privacy import contains_cpr

EMPLOYER = "12345678"
MUNICIPALITY = "29189900"


def line(field, amount, cvr=EMPLOYER, income_type=None, kind="income"):
    return {"field_code": field, "amount": amount, "employer_cvr": cvr, "income_type": income_type, "kind": kind}


def make_case(**changes):
    """A clean case: payment April 2024 on March 2024 income (L = 12.000 + 480 + 960 = 13.440)."""
    case = {
        "payment_month": "2024-04",
        "income_lines": [
            line("0057", "12000.00"),
            line("0197", "480.00"),
            line("0198", "960.00"),
            line("0096", "60"),  # hours: not money, not counted
            line("0057", "15920.00", cvr=MUNICIPALITY, income_type="0083"),  # last month's subsidy itself
        ],
        "master_data": {"loenloft": "30000.00", "pension_rate": "0.12", "case_id": "27.12.04-P20-1-24"},
        "previous_subsidy": "15920.00",
        "payment_status": "open",
    }
    case.update(changes)
    return case


def test_clean_case_is_calculated_without_the_subsidy_line():
    # L = 13.440 (the 0083 line is not wage); S = 19.952 - 0,30 * 13.440 = 15.920,00 (as worked by hand in
    # the calculation tests)
    decision = decide(make_case(), change_threshold="0.25")
    assert decision.outcome is CaseOutcome.CALCULATED
    assert decision.code is None and decision.reasons == ()
    assert decision.calculation.income_basis == D("13440.00")
    assert decision.calculation.income_month == Month(2024, 3)
    assert decision.calculation.subsidy == D("15920.00")
    assert decision.message == "Fleksløntilskud for april 2024: 15.920,00 kr. (ATP-bidrag 500,00 kr.)."
    assert "Beregning af fleksløntilskud for april 2024" in decision.journal_note
    decision.raise_for_manual()  # does nothing


def test_income_type_83_written_without_leading_zeros_is_still_excluded():
    lines = [line("0057", "12000.00"), line("57", "9000", cvr=MUNICIPALITY, income_type="83")]
    assert decide(make_case(income_lines=lines)).calculation.income_basis == D("12000.00")


@pytest.mark.parametrize("status", ["registered", "approved"])
def test_already_registered_or_approved_is_done_not_an_error(status):
    # Even a case with every problem is left alone once the payment is registered: never pay twice.
    decision = decide(make_case(payment_status=status, income_lines=[], master_data={}))
    assert decision.outcome is CaseOutcome.ALREADY_HANDLED
    assert decision.code == "ALREADY_HANDLED"
    assert decision.calculation is None and decision.journal_note is None
    assert "allerede registreret eller godkendt" in decision.message
    decision.raise_for_manual()  # not an error


def manual(decision: Decision, code: ManualReason) -> ManualHandling:
    assert decision.outcome is CaseOutcome.MANUAL
    assert decision.code == code.value
    reason = decision.reasons[0]
    assert reason.code is code
    assert reason.text_da == TEXTS_DA[code]
    assert decision.message.startswith(f"{code.value}: {TEXTS_DA[code]}")
    with pytest.raises(ManualHandling) as info:
        decision.raise_for_manual()
    assert info.value is reason
    return reason


@pytest.mark.parametrize(
    ("master_data", "missing"),
    [
        ({"pension_rate": "0.12", "case_id": "x"}, "lønloft"),
        ({"loenloft": "0", "pension_rate": "0.12", "case_id": "x"}, "lønloft"),
        ({"loenloft": "30000", "case_id": "x"}, "pensionssats"),
        ({"loenloft": "30000", "pension_rate": "0.12", "case_id": " "}, "sagsnummer"),
        ({}, "pensionssats, lønloft, sagsnummer"),
    ],
)
def test_missing_master_data(master_data, missing):
    reason = manual(decide(make_case(master_data=master_data)), ManualReason.MISSING_MASTER_DATA)
    assert reason.detail == f"Mangler eller er ugyldig: {missing}."


@pytest.mark.parametrize(
    ("lines", "detail"),
    [
        ([], "Ingen lønlinje (felt 0057) for marts 2024."),
        ([line("0197", "480.00")], "Ingen lønlinje (felt 0057) for marts 2024."),
        ([line("0057", "0.00")], "Lønnen for marts 2024 er i alt 0,00 kr."),
        # only the municipality's own subsidy: that is not wage
        ([line("0057", "15920.00", MUNICIPALITY, "0083")], "Ingen lønlinje (felt 0057) for marts 2024."),
    ],
)
def test_no_wage(lines, detail):
    reason = manual(decide(make_case(income_lines=lines)), ManualReason.NO_WAGE)
    assert reason.detail == detail


@pytest.mark.parametrize(
    "lines",
    [
        [line("0057", "6000.00"), line("0057", "6000.00")],  # two wage lines, one employer
        [line("0057", "6000.00"), line("0198", "300.00", cvr="87654321")],  # pension from another employer
        [line("0057", "6000.00"), line("0057", "2000.00", cvr="87654321")],  # two employers
    ],
)
def test_multiple_wage_lines_or_employers(lines):
    manual(decide(make_case(income_lines=lines)), ManualReason.MULTIPLE_EMPLOYERS)


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("sickness_benefit", ManualReason.SICKNESS_BENEFIT),
        ("maternity_benefit", ManualReason.MATERNITY_BENEFIT),
        ("unpaid_holiday", ManualReason.UNPAID_HOLIDAY),
    ],
)
def test_benefits_and_unpaid_holiday(kind, code):
    lines = [line("0057", "9000.00"), line("0057", "3000.00", cvr=MUNICIPALITY, kind=kind)]
    reason = manual(decide(make_case(income_lines=lines)), code)
    assert "marts 2024" in reason.detail


def test_negative_amount_is_a_correction():
    lines = [line("0057", "12000.00"), line("0197", "-480.00")]
    reason = manual(decide(make_case(income_lines=lines)), ManualReason.INCOME_CORRECTION)
    assert reason.detail == "Negativt beløb i felt 0197 for marts 2024."


def test_all_reasons_are_reported_primary_first():
    lines = [
        line("0057", "6000.00"),
        line("0057", "2000.00", cvr="87654321"),
        line("0057", "1000.00", cvr=MUNICIPALITY, kind="sickness_benefit"),
    ]
    decision = decide(make_case(income_lines=lines, master_data={"loenloft": "30000", "pension_rate": "0.1"}))
    assert decision.codes == ("MISSING_MASTER_DATA", "MULTIPLE_EMPLOYERS", "SICKNESS_BENEFIT")
    assert decision.message.endswith("Øvrige årsager: MULTIPLE_EMPLOYERS, SICKNESS_BENEFIT.")
    assert decision.calculation is None


@pytest.mark.parametrize("payment_month", ["2025-02", "2024-01"])
def test_no_rate_table_for_the_income_year(payment_month):
    # Payment February 2025 is on January 2025 income: no confirmed 2025 rate. Payment January 2024 is on
    # December 2023 income: no 2023 rate either (the year of the income month decides, not the payment's).
    reason = manual(decide(make_case(payment_month=payment_month)), ManualReason.NO_RATE_TABLE)
    assert f"Indkomståret {int(payment_month[:4]) - (payment_month[5:] == '01')}" in reason.detail


def test_no_rate_table_is_reported_with_the_other_reasons():
    decision = decide(make_case(payment_month="2025-06", income_lines=[]))
    assert decision.codes == ("NO_WAGE", "NO_RATE_TABLE")


def test_profile_rates_remove_the_no_rate_reason():
    rates = RateTable.default().with_overrides({2025: {"max": "20000", "threshold": "16000", "source": "profil"}})
    decision = decide(make_case(payment_month="2025-02"), rates=rates)
    # L = 13.440; R = 0,30 * 13.440 = 4.032; S = 20.000 - 4.032 = 15.968,00
    assert decision.outcome is CaseOutcome.CALCULATED
    assert decision.calculation.subsidy == D("15968.00")


# LARGE_CHANGE: S = 15.920,00 in the clean case; threshold 25 %.
@pytest.mark.parametrize(
    ("previous", "large"),
    [
        ("15920.00", False),  # no change
        ("12736.00", False),  # change 3.184,00 = exactly 25 % of 12.736,00: not more than the threshold
        ("12735.99", True),  # change 3.184,01 > 25 % of 12.735,99 = 3.183,9975
        ("21226.66", False),  # change 5.306,66 <= 25 % of 21.226,66 = 5.306,665
        ("21226.67", True),  # change 5.306,67 > 25 % of 21.226,67 = 5.306,6675
        ("30000.00", True),  # change 14.080,00 > 7.500,00
        ("0", True),  # after a subsidy of 0, any subsidy above 0 is more than 25 % of 0
    ],
)
def test_large_change(previous, large):
    decision = decide(make_case(previous_subsidy=previous), change_threshold="0.25")
    if large:
        reason = manual(decision, ManualReason.LARGE_CHANGE)
        assert decision.calculation.subsidy == D("15920.00")  # the caseworker sees the calculation
        assert "15.920,00 kr." in reason.detail and "25 %" in reason.detail
    else:
        assert decision.outcome is CaseOutcome.CALCULATED


def test_no_previous_subsidy_or_no_threshold_means_no_large_change_check():
    assert decide(make_case(previous_subsidy=None), change_threshold="0.25").outcome is CaseOutcome.CALCULATED
    assert decide(make_case(previous_subsidy="100.00")).outcome is CaseOutcome.CALCULATED


def test_negative_threshold_is_refused():
    with pytest.raises(ValueError, match="change_threshold"):
        decide(make_case(), change_threshold="-0.1")


def test_every_code_has_a_danish_text_and_stable_value():
    assert [reason.value for reason in ManualReason] == [
        "MISSING_MASTER_DATA",
        "NO_WAGE",
        "MULTIPLE_EMPLOYERS",
        "SICKNESS_BENEFIT",
        "MATERNITY_BENEFIT",
        "UNPAID_HOLIDAY",
        "INCOME_CORRECTION",
        "NO_RATE_TABLE",
        "CASE_CLOSED",
        "LARGE_CHANGE",
    ]
    assert set(TEXTS_DA) == set(ManualReason)
    for code in ManualReason:
        exc = ManualHandling(code)
        assert str(exc) == f"{code.value}: {TEXTS_DA[code]}"


@pytest.mark.parametrize("code", list(ManualReason))
def test_a_manual_case_is_the_frameworks_business_exception(code):
    """Raised in a work item's keywords, it ends the item BUSINESS_EXCEPTION with its code, never retried."""
    from rpa_core.errors import BusinessException, business_code_of
    from rpa_core.queue.classify import classify
    from rpa_core.queue.lifecycle import Outcome as ItemOutcome

    exc = ManualHandling(code, "Sag FJ-1.")
    assert isinstance(exc, BusinessException) and exc.code == code.value
    assert business_code_of(str(exc)) == (True, code.value)
    assert business_code_of(f"ManualHandling: {exc}") == (True, code.value)
    verdict = classify(str(exc))
    assert (verdict.outcome, verdict.code) == (ItemOutcome.BUSINESS_EXCEPTION, code.value)


def test_a_closed_case_goes_to_a_caseworker_before_anything_is_paid():
    decision = decide(make_case(case_state="closed"), change_threshold="0.25")
    reason = manual(decision, ManualReason.CASE_CLOSED)
    assert reason.detail == "Sag 27.12.04-P20-1-24 tager ikke imod journalnotater."
    assert decision.calculation is None, "nothing to register: the calculation cannot reach the case"
    assert decide(make_case(case_state="open")).outcome is CaseOutcome.CALCULATED
    assert decide(make_case(case_state=None)).outcome is CaseOutcome.CALCULATED  # not looked up: nothing checked


def test_a_closed_case_is_reported_after_the_other_reasons_and_instead_of_a_large_change():
    decision = decide(make_case(case_state="closed", payment_month="2025-06", income_lines=[]))
    assert decision.codes == ("NO_WAGE", "NO_RATE_TABLE", "CASE_CLOSED")
    large = decide(make_case(case_state="closed", previous_subsidy="1000.00"), change_threshold="0.25")
    assert large.codes == ("CASE_CLOSED",)
    assert decide(make_case(case_state="closed", payment_status="approved")).outcome is CaseOutcome.ALREADY_HANDLED


def test_a_case_number_the_esdh_does_not_have_for_the_citizen_is_missing_master_data():
    reason = manual(decide(make_case(case_state="not_found")), ManualReason.MISSING_MASTER_DATA)
    assert reason.detail == "Mangler eller er ugyldig: sagsnummer (findes ikke blandt borgerens sager i ESDH)."


def test_a_cpr_number_never_reaches_a_message():
    exc = ManualHandling(ManualReason.NO_WAGE, "Borger 010190-1234 har ingen løn.")
    assert "010190-XXXX" in exc.message
    assert not contains_cpr(str(exc))
    for lines in ([], [line("0057", "1"), line("0057", "2")], [line("0057", "1", kind="sickness_benefit")]):
        assert not contains_cpr(decide(make_case(income_lines=lines)).message)


def test_case_input_is_validated():
    with pytest.raises(ValidationError, match="payment_month"):
        FlexCase.model_validate(make_case(payment_month="april"))
    with pytest.raises(ValidationError, match="not an amount"):
        FlexCase.model_validate(make_case(income_lines=[line("0057", "tolv")]))
    with pytest.raises(ValidationError, match="cpr"):
        FlexCase.model_validate(make_case(cpr="0101901234"))  # not a field: the rules never take a CPR


def test_income_basis_sums_the_counted_lines():
    case = FlexCase.model_validate(make_case())
    basis = income_basis(case.income_lines)
    assert (basis.wage, basis.employee_pension, basis.employer_pension) == (D("12000.00"), D("480.00"), D("960.00"))


def test_the_sandbox_checks_the_same_reasons_in_the_same_order():
    """The reference systems decide independently of the robot, but the primary reason must match."""
    from rpa_core.sandbox.reasons import Reason

    assert [r.value for r in Reason] == [r.value for r in ManualReason]


def test_the_decision_reports_every_reason_it_finds_in_the_codes_order():
    """Through decide() itself: a case with every reason that can come together, reported in ManualReason's order
    (the order the sandbox shares), so reordering the checks fails here and not only in the enum."""
    lines = [
        line("0057", "9000.00"),
        line("0057", "-500.00", cvr="87654321"),  # a second employer's correction
        line("0057", "1000.00", cvr=MUNICIPALITY, kind="sickness_benefit"),
        line("0057", "1000.00", cvr=MUNICIPALITY, kind="maternity_benefit"),
        line("0057", "0.00", kind="unpaid_holiday"),
    ]
    case = make_case(
        payment_month="2025-06",  # income May 2025: no confirmed rates
        income_lines=lines,
        master_data={"loenloft": "30000", "pension_rate": "0.1"},  # no case number
    )
    decision = decide(case)
    found = set(decision.codes)
    assert found >= {"MISSING_MASTER_DATA", "MULTIPLE_EMPLOYERS", "SICKNESS_BENEFIT", "MATERNITY_BENEFIT"}
    assert found >= {"UNPAID_HOLIDAY", "INCOME_CORRECTION", "NO_RATE_TABLE"}
    assert decision.codes == tuple(reason.value for reason in ManualReason if reason.value in found)

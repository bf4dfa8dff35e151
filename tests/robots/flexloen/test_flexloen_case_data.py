"""From the systems' data to the rules' case, the registration, and the caseworkers' report."""

from datetime import datetime
from decimal import Decimal

import pytest
from flexloen import case_data, decide

WAGE = {
    "kind": "LOEN",
    "income_type": "0000",
    "cvr": "12345678",
    "fields": {"0057": "13976.82", "0096": "78.00", "0098": "0.00", "0197": "0.00", "0198": "0.00"},
}
SUBSIDY_PAID = {"kind": "FLEKSLOENTILSKUD", "income_type": "0083", "cvr": "", "fields": {"0057": "14753.31"}}
PAYMENT = {"payment_month": "2024-11", "status": "PENDING", "previous_subsidy": "14753.31", "unpaid_holiday_days": 0}
ROW = {"CPR-nr.": "311065-4264", "Sagsnummer": "FJ-1", "Pensionssats (%)": 0, "Lønloft (kr./md.)": 30000.5}


def test_case_counts_the_wage_and_not_last_months_subsidy():
    case = case_data.fleksloen_case(PAYMENT, [WAGE, SUBSIDY_PAID], ROW)
    decision = decide(case, change_threshold="0.25")
    assert decision.outcome.value == "CALCULATED"
    # L = 13,976.82 (no pension); R = 0.30 * 13,976.82 = 4,193.046; S0 = 19,952 - 4,193.046 = 15,758.954
    # lønloft room = 30,000.50 - 13,976.82 = 16,023.68 > S0, so S = 15,758.95
    assert decision.calculation.subsidy == Decimal("15758.95")


@pytest.mark.parametrize(
    ("lines", "payment", "row", "code"),
    [
        ([WAGE, {**WAGE, "cvr": "87654321"}], PAYMENT, ROW, "MULTIPLE_EMPLOYERS"),
        ([WAGE, {**WAGE, "kind": "SYGEDAGPENGE", "fields": {"0057": "900"}}], PAYMENT, ROW, "SICKNESS_BENEFIT"),
        ([WAGE], {**PAYMENT, "unpaid_holiday_days": 3}, ROW, "UNPAID_HOLIDAY"),
        ([SUBSIDY_PAID], PAYMENT, ROW, "NO_WAGE"),
        ([WAGE], PAYMENT, None, "MISSING_MASTER_DATA"),
        ([WAGE], PAYMENT, {**ROW, "Lønloft (kr./md.)": None}, "MISSING_MASTER_DATA"),
    ],
)
def test_cases_for_a_caseworker(lines, payment, row, code):
    assert decide(case_data.fleksloen_case(payment, lines, row)).code == code


def test_payment_the_robot_began_to_register_is_finished_not_skipped():
    registered = {**PAYMENT, "status": "REGISTERED"}
    assert decide(case_data.fleksloen_case(registered, [WAGE], ROW)).outcome.value == "ALREADY_HANDLED"
    resumed = case_data.fleksloen_case(registered, [WAGE], ROW, registered_by_robot=True)
    assert decide(resumed).outcome.value == "CALCULATED"


def test_unknown_line_kind_is_refused():
    with pytest.raises(ValueError, match="kind 'PENSION' is not known"):
        case_data.rule_income_lines([{**WAGE, "kind": "PENSION"}])


def test_master_row_by_cpr_with_or_without_hyphen_and_other_headings():
    rows = [{"CPR": "3110654264", "Sag": "FJ-9"}]
    columns = {"cpr": "CPR", "case_number": "Sag"}
    assert case_data.find_master_row(rows, "311065-4264", columns) is rows[0]
    assert case_data.master_data(rows[0], columns)["case_id"] == "FJ-9"
    assert case_data.find_master_row(rows, "010101-0000", columns) is None


def test_registration_takes_the_wage_lines_fields():
    assert case_data.registration([WAGE, SUBSIDY_PAID], Decimal("15758.95")) == {
        "wage": "13976.82",
        "own_pension": "0.00",
        "employer_pension": "0.00",
        "hours": "78.00",
        "holiday_pay": "0.00",
        "subsidy": "15758.95",
    }


def test_payment_month_defaults_to_this_month_in_copenhagen():
    assert case_data.resolve_payment_month("2024-11") == "2024-11"
    new_year = datetime.fromisoformat("2025-01-01T00:30:00+01:00")
    assert case_data.resolve_payment_month("", today=new_year) == "2025-01"


def test_report_sheets_and_a_reproducible_spot_check():
    items = [
        {"state": "DONE", "payload": {"cpr": f"c{i}", "payment_id": f"B{i}", "payment_month": "2024-11",
                                      "outcome": "CALCULATED", "subsidy": "100.00", "atp": "5.00"}}
        for i in range(20)
    ] + [
        {"state": "BUSINESS_EXCEPTION", "code": "NO_WAGE", "message": "Ingen løn", "payload": {"cpr": "x"}},
        {"state": "ABANDONED", "attempts": 3, "message": "timeout", "payload": {"cpr": "y"}},
    ]  # fmt: skip
    sheets = case_data.report_sheets(items, share=0.1, seed=7)
    assert [len(sheets[name]) for name in ("Behandlet", "Manuel behandling", "Fejl", "Stikprøve")] == [20, 1, 1, 2]
    assert sheets["Behandlet"][0][3] == Decimal("100.00")
    assert sheets["Stikprøve"] == case_data.report_sheets(items, share=0.1, seed=7)["Stikprøve"]
    assert case_data.spot_checks([], 0.5, 1) == [] and len(case_data.spot_checks([1, 2, 3], 0.01, 1)) == 1

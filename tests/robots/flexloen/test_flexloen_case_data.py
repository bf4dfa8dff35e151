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


OPEN_CASE = {"case_number": "FJ-1", "kind": "FLEKSJOB", "status": "Åben", "is_open": True}
CLOSED_OTHER = {"case_number": "SD-1", "kind": "SYGEDAGPENGE", "status": "Afsluttet", "is_open": False}


@pytest.mark.parametrize(
    ("cases", "state", "code"),
    [
        (None, None, None),  # not looked up: nothing is checked
        ([CLOSED_OTHER, OPEN_CASE], "open", None),
        ([{**OPEN_CASE, "status": "Afsluttet", "is_open": False}], "closed", "CASE_CLOSED"),
        ([{**OPEN_CASE, "is_open": False}], "closed", "CASE_CLOSED"),  # the adapter's is_open, whatever the text
        ([CLOSED_OTHER], "not_found", "MISSING_MASTER_DATA"),  # the row's case is not the citizen's
    ],
)
def test_the_master_datas_case_must_take_the_journal_note(cases, state, code):
    case = case_data.fleksloen_case(PAYMENT, [WAGE], ROW, cases=cases)
    assert case["case_state"] == state
    assert decide(case).code == code


def test_a_closed_case_is_not_looked_up_without_a_case_number():
    row = {**ROW, "Sagsnummer": " "}
    assert case_data.case_number(row) is None and case_data.case_number(None) is None
    assert case_data.case_number(ROW) == "FJ-1"
    case = case_data.fleksloen_case(PAYMENT, [WAGE], row, cases=[{**OPEN_CASE, "is_open": False}])
    assert case["case_state"] is None and decide(case).codes == ("MISSING_MASTER_DATA",)


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


def run_item(state, payload, result=None, **attempt):
    """An item as ``Get Run Work Items`` gives it: state, payload and its latest attempt's outcome and result."""
    return {"state": state, "attempts": 1, "payload": payload, "outcome": state, "code": None, "message": None,
            "result": result or {}} | attempt  # fmt: skip


def test_report_sheets_and_a_reproducible_spot_check():
    items = [
        run_item("DONE", {"cpr": f"c{i}", "payment_id": f"B{i}", "payment_month": "2024-11", "progress": {}},
                 {"outcome": "CALCULATED", "subsidy": "100.00", "atp": "5.00"})
        for i in range(20)
    ] + [
        run_item("DONE", {"cpr": "z", "payment_id": "B99"}, {"outcome": "ALREADY_HANDLED"}),
        run_item("BUSINESS_EXCEPTION", {"cpr": "x"}, {"outcome": "MANUAL", "reasons": ["NO_WAGE"]},
                 code="NO_WAGE", message="Ingen løn"),
        run_item("BUSINESS_EXCEPTION", {"cpr": "w"}, code="UNKNOWN_CPR", message="UNKNOWN_CPR: ukendt"),
        run_item("ABANDONED", {"cpr": "y"}, outcome="APPLICATION_ERROR", attempts=3, message="timeout"),
    ]  # fmt: skip
    sheets = case_data.report_sheets(items, share=0.1, seed=7)
    assert [len(sheets[name]) for name in ("Behandlet", "Manuel behandling", "Fejl", "Stikprøve")] == [21, 2, 1, 2]
    assert sheets["Behandlet"][0] == ["c0", "B0", "2024-11", Decimal("100.00"), Decimal("5.00"), "Godkendt"]
    assert sheets["Behandlet"][20] == ["z", "B99", "", None, None, "Allerede behandlet"]
    assert sheets["Manuel behandling"] == [
        ["x", "", "", "NO_WAGE", "Ingen løn"],
        ["w", "", "", "UNKNOWN_CPR", "UNKNOWN_CPR: ukendt"],
    ]
    assert sheets["Fejl"] == [["y", "", "", "ABANDONED", 3, "timeout"]]
    assert sheets["Stikprøve"] == case_data.report_sheets(items, share=0.1, seed=7)["Stikprøve"]
    assert all(row[1] != "B99" for row in sheets["Stikprøve"]), "only approved cases are spot-checked"


def test_the_report_reads_the_result_not_the_payload():
    """A payload's old ``outcome``/``subsidy`` fields are not what the robot did: the attempt's result is."""
    stale = {"cpr": "c", "payment_id": "B1", "payment_month": "2024-11", "outcome": "CALCULATED", "subsidy": "1.00"}
    (row,) = case_data.report_sheets([run_item("DONE", stale, {"outcome": "ALREADY_HANDLED"})], 0, 1)["Behandlet"]
    assert row == ["c", "B1", "2024-11", None, None, "Allerede behandlet"]
    assert case_data.spot_checks([], 0.5, 1) == [] and len(case_data.spot_checks([1, 2, 3], 0.01, 1)) == 1

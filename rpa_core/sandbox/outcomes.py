"""The reference decision for one pending fleksløntilskud payment, from what a robot can see.

Inputs are exactly what a robot reads: the payment (status, last month's subsidy, registered absence), the
citizen's income lines for the income month, the citizen's row in stamdata.xlsx, and whether the row's case in
the ESDH takes journal notes (a closed case: CASE_CLOSED). Reasons are checked in the order of ``Reason``;
``reasons`` lists every one that applies, the first is *the* reason. LARGE_CHANGE is only checked when nothing
else applies (the calculation is then given, so the caseworker can check it).
A payment already approved is ALREADY_HANDLED and nothing else is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from rpa_core.sandbox.calculation import calculate
from rpa_core.sandbox.model import (
    APPROVED,
    CASE_OPEN,
    MATERNITY,
    SICKNESS,
    WAGE,
    Case,
    ExpectedOutcome,
    IncomeLine,
    MasterDataRow,
    Month,
    Payment,
)
from rpa_core.sandbox.rates import RateTable
from rpa_core.sandbox.reasons import REASON_TEXTS, CaseOutcome, Reason

ZERO = Decimal("0.00")
CORRECTABLE_FIELDS = ("0057", "0197", "0198")  # a negative amount here is a correction a caseworker must see


def registration_from(line: IncomeLine) -> dict[str, Decimal]:
    """The income to register from the single wage line: 0057, 0197, 0198, 0096 and 0098."""
    f = line.fields
    return {
        "wage": f.get("0057", ZERO),
        "own_pension": f.get("0197", ZERO),
        "employer_pension": f.get("0198", ZERO),
        "hours": f.get("0096", ZERO),
        "holiday_pay": f.get("0098", ZERO),
    }


def case_takes_notes(master: MasterDataRow | None, cases: Mapping[str, Case]) -> bool:
    """Whether the stamdata row's case takes journal notes: False only for a case that exists and is closed."""
    case = cases.get(master.case_number) if master and master.case_number else None
    return case is None or case.status == CASE_OPEN


def assess(
    payment: Payment,
    lines: list[IncomeLine],
    master: MasterDataRow | None,
    rates: RateTable,
    income_month: Month,
    change_threshold: Decimal,
    scenario: str = "",
    case_open: bool = True,
) -> ExpectedOutcome:
    """The outcome a correct robot reaches for ``payment``; ``case_open``: the row's case takes notes."""
    case_number = master.case_number if master else None
    if payment.status == APPROVED:
        return ExpectedOutcome(
            payment.payment_id, payment.cpr, case_number, CaseOutcome.ALREADY_HANDLED.value, [], None, None,
            None, _str(payment.previous_subsidy), scenario,
        )  # fmt: skip
    reasons: list[Reason] = []
    master_ok = (
        master is not None
        and bool(master.case_number)
        and master.lonloft is not None
        and master.lonloft > 0
        and master.pension_rate is not None
    )
    if not master_ok:
        reasons.append(Reason.MISSING_MASTER_DATA)
    wage_lines = [line for line in lines if line.kind == WAGE]
    if not wage_lines:
        reasons.append(Reason.NO_WAGE)
    if len(wage_lines) > 1:
        reasons.append(Reason.MULTIPLE_EMPLOYERS)
    if any(line.kind == SICKNESS for line in lines):
        reasons.append(Reason.SICKNESS_BENEFIT)
    if any(line.kind == MATERNITY for line in lines):
        reasons.append(Reason.MATERNITY_BENEFIT)
    if payment.unpaid_holiday_days > 0:
        reasons.append(Reason.UNPAID_HOLIDAY)
    if any(line.fields.get(f, ZERO) < 0 for line in wage_lines for f in CORRECTABLE_FIELDS):
        reasons.append(Reason.INCOME_CORRECTION)
    rate = rates.get(income_month.year)
    if rate is None:
        reasons.append(Reason.NO_RATE_TABLE)
    if not case_open:  # a payment whose calculation cannot be put on the case is not made
        reasons.append(Reason.CASE_CLOSED)

    calculation = registration = None
    if master_ok and rate is not None and len(wage_lines) == 1:
        reg = registration_from(wage_lines[0])
        assert master is not None and master.lonloft is not None
        calc = calculate(reg["wage"], reg["own_pension"], reg["employer_pension"], master.lonloft, rate)
        previous = payment.previous_subsidy
        if not reasons and previous is not None and abs(calc.subsidy - previous) > change_threshold * previous:
            reasons.append(Reason.LARGE_CHANGE)
        calculation = calc.to_json()
        registration = {k: str(v) for k, v in reg.items()} | {"subsidy": str(calc.subsidy)}

    outcome = CaseOutcome.MANUAL if reasons else CaseOutcome.CALCULATED
    return ExpectedOutcome(
        payment_id=payment.payment_id,
        cpr=payment.cpr,
        case_number=case_number,
        outcome=outcome.value,
        reasons=[r.value for r in reasons],
        reason_text=REASON_TEXTS[reasons[0]] if reasons else None,
        calculation=calculation,
        registration=registration,
        previous_subsidy=_str(payment.previous_subsidy),
        scenario=scenario,
    )


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)

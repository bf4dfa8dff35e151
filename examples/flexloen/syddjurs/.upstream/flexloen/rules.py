"""The decision for one payment: compute it, hand it to a caseworker (and why), or leave it (already handled).

The rules read plain inputs (the income register's lines for the income month, the caseworkers' master
data, last month's subsidy, the payment's status and whether the citizen's case in the ESDH takes journal
notes) and never a CPR number, so no message can hold one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainValidator

from flexloen.calculation import Calculation, IncomeBasis, calculate_flexloentilskud
from flexloen.money import ZERO, format_kr, format_share, to_decimal
from flexloen.months import Month
from flexloen.rates import RateTable
from flexloen.reasons import ManualHandling, ManualReason

WAGE_FIELD = "0057"
EMPLOYEE_PENSION_FIELD = "0197"
EMPLOYER_PENSION_FIELD = "0198"
SUBSIDY_INCOME_TYPE = "0083"
"""Income type of the municipality's own fleksløntilskud: never counted as wage."""


def _money(value: Any) -> Decimal:
    try:
        return to_decimal(value)
    except TypeError as exc:  # pydantic reports ValueError, not TypeError, as a validation error
        raise ValueError(str(exc)) from None


def _code(value: Any) -> str:
    text = str(value).strip()
    return text.zfill(4) if text.isdigit() else text


Money = Annotated[Decimal, BeforeValidator(_money)]
Code = Annotated[str, BeforeValidator(_code)]
MonthField = Annotated[Month, PlainValidator(Month.parse)]


class IncomeKind(StrEnum):
    """What an income-register line is; anything but INCOME sends the case to a caseworker."""

    INCOME = "income"
    SICKNESS_BENEFIT = "sickness_benefit"
    MATERNITY_BENEFIT = "maternity_benefit"
    UNPAID_HOLIDAY = "unpaid_holiday"


class PaymentStatus(StrEnum):
    """The payment's status in the benefits system."""

    OPEN = "open"
    REGISTERED = "registered"
    APPROVED = "approved"


class CaseState(StrEnum):
    """The citizen's case in the ESDH (the master data's case number), as the robot found it before paying."""

    OPEN = "open"  # takes journal notes
    CLOSED = "closed"  # closed: the calculation cannot be journalised (CASE_CLOSED)
    NOT_FOUND = "not_found"  # the case number is not among the citizen's cases (MISSING_MASTER_DATA)


class CaseOutcome(StrEnum):
    """What the robot does with the payment: the case's outcome (not the work item's, rpa_core.queue.Outcome)."""

    CALCULATED = "CALCULATED"
    MANUAL = "MANUAL"
    ALREADY_HANDLED = "ALREADY_HANDLED"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class IncomeLine(_Model):
    """One amount from the income register for the income month: ``field_code`` (e.g. "0057"), ``amount``
    in kr., the employer's CVR, the income type ("0083" is the subsidy itself) and its kind."""

    field_code: Code
    amount: Money
    employer_cvr: str | None = None
    income_type: Code | None = None
    kind: IncomeKind = IncomeKind.INCOME


class MasterData(_Model):
    """The caseworkers' data for the citizen: lønloft (kr./month), pension rate and case id."""

    loenloft: Money | None = None
    pension_rate: Money | None = None
    case_id: str | None = None


class FlexCase(_Model):
    """Everything the decision needs for one payment month."""

    payment_month: MonthField
    income_lines: tuple[IncomeLine, ...] = ()
    master_data: MasterData = MasterData()
    previous_subsidy: Money | None = None
    payment_status: PaymentStatus = PaymentStatus.OPEN
    case_state: CaseState | None = None
    """The ESDH case of the master data's case number; None: not looked up (no case number, or not asked)."""

    @property
    def income_month(self) -> Month:
        """The month whose income the payment is computed on (the month before the payment month)."""
        return self.payment_month.previous()


@dataclass(frozen=True)
class Decision:
    """The outcome for one payment, with the calculation when there is one and the reasons when manual."""

    outcome: CaseOutcome
    payment_month: Month
    calculation: Calculation | None = None
    reasons: tuple[ManualHandling, ...] = ()

    @property
    def code(self) -> str | None:
        """The primary reason code when MANUAL, "ALREADY_HANDLED" when already handled, else None."""
        if self.outcome is CaseOutcome.MANUAL:
            return self.reasons[0].code.value
        return CaseOutcome.ALREADY_HANDLED.value if self.outcome is CaseOutcome.ALREADY_HANDLED else None

    @property
    def codes(self) -> tuple[str, ...]:
        """All reason codes, primary first."""
        return tuple(reason.code.value for reason in self.reasons)

    @property
    def message(self) -> str:
        """One Danish line for the work queue: the result, or the reason(s) for manual handling."""
        month = self.payment_month.danish()
        if self.outcome is CaseOutcome.ALREADY_HANDLED:
            return f"Udbetalingen for {month} er allerede registreret eller godkendt; robotten har intet skrevet."
        if self.outcome is CaseOutcome.MANUAL:
            others = self.codes[1:]
            return self.reasons[0].message + (f" Øvrige årsager: {', '.join(others)}." if others else "")
        assert self.calculation is not None
        calc = self.calculation
        return f"Fleksløntilskud for {month}: {format_kr(calc.subsidy)} (ATP-bidrag {format_kr(calc.atp)})."

    @property
    def journal_note(self) -> str | None:
        """The journal-note text of the calculation, if there is one."""
        return self.calculation.journal_note() if self.calculation is not None else None

    def raise_for_manual(self) -> None:
        """Raise the primary ``ManualHandling`` when the outcome is MANUAL; otherwise do nothing."""
        if self.outcome is CaseOutcome.MANUAL:
            raise self.reasons[0]


def _is_subsidy(line: IncomeLine) -> bool:
    return line.income_type == SUBSIDY_INCOME_TYPE


def counted_lines(lines: tuple[IncomeLine, ...]) -> tuple[IncomeLine, ...]:
    """The employer's income lines: kind INCOME and not the subsidy itself (income type 0083)."""
    return tuple(line for line in lines if line.kind is IncomeKind.INCOME and not _is_subsidy(line))


def income_basis(lines: tuple[IncomeLine, ...]) -> IncomeBasis:
    """Sum the counted lines into wage (0057), employee's pension (0197) and employer's pension (0198)."""
    counted = counted_lines(lines)

    def total(field: str) -> Decimal:
        return sum((line.amount for line in counted if line.field_code == field), ZERO)

    return IncomeBasis(total(WAGE_FIELD), total(EMPLOYEE_PENSION_FIELD), total(EMPLOYER_PENSION_FIELD))


def _master_data_reasons(data: MasterData, case_state: CaseState | None = None) -> list[ManualHandling]:
    missing = []
    if data.pension_rate is None or data.pension_rate < 0:
        missing.append("pensionssats")
    if data.loenloft is None or data.loenloft <= 0:
        missing.append("lønloft")
    if not (data.case_id or "").strip():
        missing.append("sagsnummer")
    elif case_state is CaseState.NOT_FOUND:
        missing.append("sagsnummer (findes ikke blandt borgerens sager i ESDH)")
    if not missing:
        return []
    return [ManualHandling(ManualReason.MISSING_MASTER_DATA, f"Mangler eller er ugyldig: {', '.join(missing)}.")]


def _income_reasons(case: FlexCase) -> list[ManualHandling]:
    month = case.income_month.danish()
    counted = counted_lines(case.income_lines)
    wage_lines = [line for line in counted if line.field_code == WAGE_FIELD]
    reasons = []
    wage = sum((line.amount for line in wage_lines), ZERO)
    if not wage_lines:
        reasons.append(ManualHandling(ManualReason.NO_WAGE, f"Ingen lønlinje (felt 0057) for {month}."))
    elif wage <= 0:
        reasons.append(ManualHandling(ManualReason.NO_WAGE, f"Lønnen for {month} er i alt {format_kr(wage)}"))
    employers = {line.employer_cvr.strip() for line in counted if line.employer_cvr and line.employer_cvr.strip()}
    if len(wage_lines) > 1 or len(employers) > 1:
        reasons.append(
            ManualHandling(
                ManualReason.MULTIPLE_EMPLOYERS,
                f"{len(wage_lines)} lønlinjer fra {max(len(employers), 1)} arbejdsgiver(e) for {month}.",
            )
        )
    for kind, code, what in (
        (IncomeKind.SICKNESS_BENEFIT, ManualReason.SICKNESS_BENEFIT, "sygedagpenge"),
        (IncomeKind.MATERNITY_BENEFIT, ManualReason.MATERNITY_BENEFIT, "barselsdagpenge"),
        (IncomeKind.UNPAID_HOLIDAY, ManualReason.UNPAID_HOLIDAY, "ferie uden løn"),
    ):
        if any(line.kind is kind for line in case.income_lines):
            reasons.append(ManualHandling(code, f"Indkomstregistret viser {what} for {month}."))
    counted_fields = (WAGE_FIELD, EMPLOYEE_PENSION_FIELD, EMPLOYER_PENSION_FIELD)
    negative = sorted({line.field_code for line in counted if line.field_code in counted_fields and line.amount < 0})
    if negative:
        reasons.append(
            ManualHandling(
                ManualReason.INCOME_CORRECTION,
                f"Negativt beløb i felt {', '.join(negative)} for {month}.",
            )
        )
    return reasons


def _case_closed(case: FlexCase) -> ManualHandling | None:
    if case.case_state is not CaseState.CLOSED:
        return None
    number = (case.master_data.case_id or "").strip()
    return ManualHandling(ManualReason.CASE_CLOSED, f"Sag {number} tager ikke imod journalnotater.")


def _large_change(calc: Calculation, previous: Decimal, threshold: Decimal) -> ManualHandling | None:
    change = abs(calc.subsidy - previous)
    limit = threshold * previous
    if change <= limit:
        return None
    return ManualHandling(
        ManualReason.LARGE_CHANGE,
        f"Tilskuddet er {format_kr(calc.subsidy)} mod {format_kr(previous)} sidste måned: en ændring på "
        f"{format_kr(change)}, mere end grænsen {format_share(threshold)} ({format_kr(limit, exact=True)}).",
    )


def decide(
    case: FlexCase | Mapping[str, Any],
    *,
    rates: RateTable | None = None,
    change_threshold: Decimal | str | None = None,
) -> Decision:
    """Decide one payment. Never raises for a business reason: a manual case is a MANUAL decision.

    Order: already registered or approved -> ALREADY_HANDLED (nothing else is checked, nothing is written);
    then master data (a case number the ESDH does not have among the citizen's cases is missing master data),
    wage, employers, benefits, corrections, the rate of the income year (NO_RATE_TABLE) and the ESDH case
    (CASE_CLOSED: a case that takes no journal notes, since a payment without its calculation on the case is
    not to be made), all found reasons reported in that order; then the calculation; then LARGE_CHANGE, when
    the profile sets ``change_threshold`` (a share, e.g. "0.25") and there is a previous subsidy: |S - previous|
    above ``change_threshold * previous`` (so after a previous subsidy of 0, any subsidy above 0 is a large change).
    A MANUAL decision for LARGE_CHANGE carries the calculation, so the caseworker can check it.
    """
    case = case if isinstance(case, FlexCase) else FlexCase.model_validate(case)
    threshold = None if change_threshold is None else to_decimal(change_threshold, "change_threshold")
    if threshold is not None and threshold < 0:
        raise ValueError(f"change_threshold must be a share of 0 or more (e.g. 0.25), got {threshold}")
    month = case.payment_month
    if case.payment_status in (PaymentStatus.REGISTERED, PaymentStatus.APPROVED):
        return Decision(CaseOutcome.ALREADY_HANDLED, month)

    rates = rates if rates is not None else RateTable.default()
    reasons = _master_data_reasons(case.master_data, case.case_state) + _income_reasons(case)
    try:
        rates.for_year(case.income_month.year)
    except ManualHandling as reason:  # NO_RATE_TABLE
        reasons.append(reason)
    closed = _case_closed(case)
    reasons += [closed] if closed is not None else []
    if reasons:
        return Decision(CaseOutcome.MANUAL, month, reasons=tuple(reasons))
    income = income_basis(case.income_lines)
    assert case.master_data.loenloft is not None  # checked above
    calc = calculate_flexloentilskud(
        case.income_month,
        income.wage,
        employee_pension=income.employee_pension,
        employer_pension=income.employer_pension,
        loenloft=case.master_data.loenloft,
        rates=rates,
    )
    if threshold is not None and case.previous_subsidy is not None:
        reason = _large_change(calc, case.previous_subsidy, threshold)
        if reason is not None:
            return Decision(CaseOutcome.MANUAL, month, calculation=calc, reasons=(reason,))
    return Decision(CaseOutcome.CALCULATED, month, calculation=calc)

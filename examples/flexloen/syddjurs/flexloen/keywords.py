"""Robot Framework keywords over the fleksløn calculation and rules: one keyword call per work item.

Import in a robot as ``Library    flexloen.keywords.FlexloenKeywords    change_threshold=0.25``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from robot.api.deco import keyword, library

from flexloen.calculation import Calculation, calculate_flexloentilskud
from flexloen.money import format_kr, to_decimal
from flexloen.rates import RateTable
from flexloen.reasons import TEXTS_DA, ManualHandling, ManualReason
from flexloen.rules import Decision, decide


@library(scope="SUITE", auto_keywords=False, doc_format="reST")
class FlexloenKeywords:
    """Fleksløntilskud (LAB § 123) for Robot Framework: calculate, decide a case, render the journal note.

    Amounts are kroner, written like ``12000.50`` (a string, no thousands separator). Months are
    ``YYYY-MM``. The *payment month* M is computed on the income of the *income month* M-1, and the rates
    are those of the income month's year.

    Library arguments:

    - ``change_threshold``: the municipality's share for ``LARGE_CHANGE``, e.g. ``0.25``; empty: no check.
    - ``rates``: extra years of rates from the municipality's profile, as a dictionary
      ``{year: {max: ..., threshold: ..., source: ...}}``; the built-in confirmed years stay unless replaced.

    Example::

        *** Settings ***
        Library    flexloen.keywords.FlexloenKeywords    change_threshold=0.25

        *** Tasks ***
        Handle One Payment
            ${decision}=    Decide Fleksløn Case    ${case}
            IF    '${decision.outcome}' == 'MANUAL'
                Log    ${decision.code}: ${decision.message}
            ELSE IF    '${decision.outcome}' == 'CALCULATED'
                ${note}=    Render Journal Note    ${decision}
            END
    """

    def __init__(self, change_threshold: str | None = None, rates: Mapping[Any, Any] | None = None) -> None:
        self._threshold = (
            to_decimal(change_threshold, "change_threshold") if change_threshold not in (None, "") else None
        )
        self._rates = RateTable.default().with_overrides(rates)

    @keyword("Use Profile Rates")
    def use_profile_rates(self, rates: dict[str, Any]) -> None:
        """Add or replace years of rates from the municipality's profile.

        ``rates`` maps a year to ``max``, ``threshold`` (kr. per month) and ``source`` (where the rates can be
        checked). A missing or invalid field fails with a message naming the year and the field.

        Example::

            ${rates}=    Evaluate    {2026: {'max': '20500.00', 'threshold': '16800.00', 'source': 'STAR 2026'}}
            Use Profile Rates    ${rates}
        """
        self._rates = self._rates.with_overrides(rates)

    @keyword("Set Large Change Threshold")
    def set_large_change_threshold(self, share: str | None) -> None:
        """Set the share for ``LARGE_CHANGE`` (e.g. ``0.25`` = 25 % of last month's subsidy); empty: no check."""
        self._threshold = to_decimal(share, "change_threshold") if share not in (None, "") else None

    @keyword("Calculate Fleksløntilskud")
    def calculate_fleksloentilskud(
        self,
        income_month: str,
        wage: str,
        loenloft: str,
        employee_pension: str = "0",
        employer_pension: str = "0",
    ) -> Calculation:
        """Calculate the fleksløntilskud on the income of ``income_month`` (paid the month after).

        ``wage`` is field 0057 without the subsidy itself (income type 0083), ``employee_pension`` and
        ``employer_pension`` are fields 0197 and 0198, ``loenloft`` is the position's full-time monthly
        wage. Returns the calculation: ``${calc.subsidy}`` (S), ``${calc.atp}``, ``${calc.income_basis}``
        (L), ``${calc.ceiling_binding}``. This keyword does not apply the manual-handling rules (use `Decide
        Fleksløn Case`); it fails with ``NO_RATE_TABLE`` when the income year has no confirmed rate.

        Example::

            ${calc}=    Calculate Fleksløntilskud    2024-03    12000.00    30000.00
            ...    employee_pension=480.00    employer_pension=960.00
            Should Be Equal As Strings    ${calc.subsidy}    15920.00
        """
        return calculate_flexloentilskud(
            income_month,
            wage,
            employee_pension=employee_pension,
            employer_pension=employer_pension,
            loenloft=loenloft,
            rates=self._rates,
        )

    @keyword("Decide Fleksløn Case")
    def decide_fleksloen_case(self, case: dict[str, Any]) -> Decision:
        """Decide one payment: ``CALCULATED``, ``MANUAL`` (with a reason code) or ``ALREADY_HANDLED``.

        ``case`` is a dictionary (e.g. a work item's payload) with ``payment_month`` (``YYYY-MM``),
        ``income_lines`` (each ``field_code``, ``amount``, optional ``employer_cvr``, ``income_type`` and
        ``kind``: ``income``, ``sickness_benefit``, ``maternity_benefit`` or ``unpaid_holiday``),
        ``master_data`` (``loenloft``, ``pension_rate``, ``case_id``), optional ``previous_subsidy`` and
        ``payment_status`` (``open``, ``registered``, ``approved``). It must not hold a CPR number.

        Does not fail for a manual case: check ``${decision.outcome}``, read ``${decision.code}`` and
        ``${decision.message}`` (Danish, for the caseworker), or use `Fail If Manual Handling`.
        ``ALREADY_HANDLED`` means the payment is registered or approved: do nothing, never pay twice.
        A case that is not well-formed (a missing month, an amount that is not an amount) fails.
        """
        return decide(case, rates=self._rates, change_threshold=self._threshold)

    @keyword("Fail If Manual Handling")
    def fail_if_manual_handling(self, decision: Decision) -> None:
        """Fail with the business exception ``CODE: Danish text`` when ``decision`` is ``MANUAL``.

        Catch it with ``TRY`` / ``EXCEPT    NO_WAGE:*    type=GLOB`` (or any code) to release the work item
        as a business exception.
        """
        decision.raise_for_manual()

    @keyword("Fail For Refused Journal Note")
    def fail_for_refused_journal_note(self, decision: Decision) -> None:
        """Fail with the business exception ``CASE_CLOSED: ...`` for a payment that is already registered and
        approved when the ESDH refuses its journal note (the case was closed after the robot checked it).

        The caseworker's text says that the payment is made and only the note is missing, so nobody pays it
        again; a requeue after the case is reopened writes the note and nothing else.
        """
        month = decision.payment_month.danish()
        amount = f" ({format_kr(decision.calculation.subsidy)})" if decision.calculation is not None else ""
        raise ManualHandling(
            ManualReason.CASE_CLOSED,
            f"Udbetalingen for {month} er registreret og godkendt{amount}, men ESDH afviste journalnotatet, fordi "
            "sagen er afsluttet. Journalisér beregningen på sagen; udbetal ikke igen.",
        )

    @keyword("Render Journal Note")
    def render_journal_note(self, calculation: Calculation | Decision) -> str:
        """The Danish journal-note text of a calculation, or of a decision that has one.

        The text lists the inputs (income month, wage, pensions, L, lønloft), the rates with their source,
        each formula line with the numbers filled in, and the result (fleksløntilskud and ATP-bidrag).
        Fails when the decision has no calculation (a manual case before the calculation, already handled).
        """
        if isinstance(calculation, Decision):
            if calculation.calculation is None:
                raise ValueError(f"the decision ({calculation.outcome}) has no calculation to write a note for")
            calculation = calculation.calculation
        return calculation.journal_note()

    @keyword("Manual Handling Text")
    def manual_handling_text(self, code: str) -> str:
        """The Danish text for the caseworker of a manual-handling reason ``code``, e.g. ``NO_WAGE``."""
        try:
            return TEXTS_DA[ManualReason(code)]
        except ValueError:
            known = ", ".join(reason.value for reason in ManualReason)
            raise ValueError(f"unknown manual-handling code {code!r}; known: {known}") from None


__all__ = ["FlexloenKeywords"]

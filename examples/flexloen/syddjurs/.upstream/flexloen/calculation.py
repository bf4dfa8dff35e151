"""The monthly fleksløntilskud of LAB § 123, as one pure function over Decimal.

    L  = wage + employee's pension + employer's pension        (income month M-1)
    R  = 30 % * min(L, T) + 55 % * max(0, L - T)                reduction
    S0 = max(0, MAX - R)                                        subsidy before the wage ceiling
    S  = min(S0, max(0, LL - L))                                the wage ceiling (lønloft), rounded to øre
    ATP withheld = min(5 % * S, 500 kr.)                        LAB § 137, rounded to øre

MAX and T are the rates of the year of the income month. Nothing is rounded until S and ATP.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from flexloen.money import ZERO, floor_oere, round_oere, to_decimal
from flexloen.months import Month
from flexloen.rates import Rate, RateTable

if TYPE_CHECKING:
    from flexloen.explanation import Explanation

LOW_SHARE = Decimal("0.30")
"""Reduction per krone of income up to the threshold T."""
HIGH_SHARE = Decimal("0.55")
"""Reduction per krone of income above the threshold T."""
ATP_SHARE = Decimal("0.05")
"""The citizen's ATP contribution as a share of the subsidy (LAB § 137)."""
ATP_CAP = Decimal("500")
"""The most ATP withheld in a month, kr."""

Amount = Decimal | int | str | float
"""Kroner: Decimal, int, str, or a float in whole øre (read exactly, never via ``Decimal(float)``)."""


@dataclass(frozen=True)
class IncomeBasis:
    """The income of the income month that the subsidy is reduced by (all kr., øre allowed)."""

    wage: Decimal
    employee_pension: Decimal = ZERO
    employer_pension: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """L: wage + employee's pension + employer's pension."""
        return self.wage + self.employee_pension + self.employer_pension


@dataclass(frozen=True)
class Calculation:
    """One month's calculation: the inputs, every intermediate amount (exact) and the result (in øre)."""

    income_month: Month
    income: IncomeBasis
    loenloft: Decimal
    rate_year: int
    rate: Rate
    reduction: Decimal
    """R, exact."""
    subsidy_before_ceiling: Decimal
    """S0 = max(0, MAX - R), exact."""
    ceiling_room: Decimal
    """max(0, LL - L), exact: how much subsidy the wage ceiling leaves room for."""
    subsidy: Decimal
    """S, the fleksløntilskud, rounded to øre."""
    atp: Decimal
    """ATP withheld from the subsidy, rounded to øre."""

    @property
    def payment_month(self) -> Month:
        """The month the subsidy is paid in (the month after the income month)."""
        return self.income_month.next()

    @property
    def income_basis(self) -> Decimal:
        """L."""
        return self.income.total

    @property
    def ceiling_binding(self) -> bool:
        """True when the wage ceiling (lønloft) made the subsidy smaller than S0."""
        return self.ceiling_room < self.subsidy_before_ceiling

    @property
    def subsidy_after_atp(self) -> Decimal:
        """S - ATP: the subsidy after the citizen's ATP contribution (before tax)."""
        return self.subsidy - self.atp

    def explain(self) -> Explanation:
        """The explanation of this calculation (inputs, formula with numbers, result) in Danish."""
        from flexloen.explanation import explain

        return explain(self)

    def journal_note(self) -> str:
        """The Danish journal-note text for the citizen's case."""
        return self.explain().text


def _amount(value: Amount, name: str) -> Decimal:
    result = to_decimal(value, name)
    if result < 0:
        raise ValueError(f"{name} must not be negative, got {result}")
    return result


def reduction(income_basis: Decimal, threshold: Decimal) -> Decimal:
    """R = 30 % of the income up to T + 55 % of the income above T (exact)."""
    return LOW_SHARE * min(income_basis, threshold) + HIGH_SHARE * max(ZERO, income_basis - threshold)


def calculate_flexloentilskud(
    income_month: Month | str,
    wage: Amount,
    *,
    employee_pension: Amount = 0,
    employer_pension: Amount = 0,
    loenloft: Amount,
    rates: RateTable | None = None,
) -> Calculation:
    """Compute the fleksløntilskud paid in the month after ``income_month`` (LAB § 123).

    ``wage`` is the month's A-income with AM-bidrag (field 0057, without the subsidy itself), the pensions are
    fields 0197 and 0198, ``loenloft`` is the full-time monthly wage of the position. Amounts are kroner
    (see ``Amount``) and must not be negative. ``rates`` defaults to the confirmed table.

    The function is total over its domain: a month without wage (L = 0) gives the full MAX, limited by the
    lønloft. LAB pays no subsidy without a wage; that is the rules' decision (``NO_WAGE``), not this one.

    Raises ``ManualHandling`` (NO_RATE_TABLE) when the income year has no confirmed rate, and ``ValueError``
    or ``TypeError`` for an amount that is negative or not an amount.
    """
    month = Month.parse(income_month)
    income = IncomeBasis(
        wage=_amount(wage, "wage"),
        employee_pension=_amount(employee_pension, "employee_pension"),
        employer_pension=_amount(employer_pension, "employer_pension"),
    )
    ceiling = _amount(loenloft, "loenloft")
    if ceiling == 0:
        raise ValueError("loenloft must be positive (the full-time monthly wage of the position)")
    rate = (rates if rates is not None else RateTable.default()).for_year(month.year)

    basis = income.total
    r = reduction(basis, rate.threshold)
    s0 = max(ZERO, rate.max - r)
    room = max(ZERO, ceiling - basis)
    # Round S0 half up to øre; the room under the ceiling is rounded down so that wage + subsidy never
    # exceeds the lønloft, even by a fraction of an øre (with amounts in whole øre this is min(S0, room)).
    subsidy = min(round_oere(s0), floor_oere(room))
    atp = round_oere(min(ATP_SHARE * subsidy, ATP_CAP))
    return Calculation(
        income_month=month,
        income=income,
        loenloft=ceiling,
        rate_year=month.year,
        rate=rate,
        reduction=r,
        subsidy_before_ceiling=s0,
        ceiling_room=room,
        subsidy=subsidy,
        atp=atp,
    )

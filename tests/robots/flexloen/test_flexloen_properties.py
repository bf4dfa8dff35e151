"""Properties of the calculation over realistic inputs (hypothesis), with the confirmed rate years.

Ranges: wage 0..80.000 kr., pensions 0..10.000 kr., lønloft 20.000..60.000 kr., all in whole øre.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flexloen import CONFIRMED_RATES, calculate_flexloentilskud
from hypothesis import given
from hypothesis import strategies as st

YEARS = sorted(CONFIRMED_RATES)


def kroner(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Amounts in whole øre between ``low`` and ``high`` kr."""
    return st.integers(low * 100, high * 100).map(lambda oere: Decimal(oere) / 100)


wages = kroner(0, 80_000)
pensions = kroner(0, 10_000)
ceilings = kroner(20_000, 60_000)
months = st.builds(lambda year, month: f"{year}-{month:02d}", st.sampled_from(YEARS), st.integers(1, 12))


def compute(month, wage, employee, employer, loenloft):
    return calculate_flexloentilskud(
        month, wage, employee_pension=employee, employer_pension=employer, loenloft=loenloft
    )


@given(months, wages, pensions, pensions, ceilings)
def test_subsidy_is_between_zero_and_max(month, wage, employee, employer, loenloft):
    c = compute(month, wage, employee, employer, loenloft)
    assert Decimal(0) <= c.subsidy <= c.rate.max
    assert c.subsidy == c.subsidy.quantize(Decimal("0.01"))


@given(months, wages, pensions, pensions, ceilings)
def test_subsidy_never_lifts_income_above_loenloft(month, wage, employee, employer, loenloft):
    c = compute(month, wage, employee, employer, loenloft)
    # If L is already at or above the ceiling, there is no subsidy; otherwise L + S stays within it.
    assert c.subsidy == 0 or c.income_basis + c.subsidy <= loenloft


@given(months, wages, wages, pensions, pensions, ceilings)
def test_subsidy_never_increases_when_the_wage_increases(month, wage_a, wage_b, employee, employer, loenloft):
    low, high = sorted((wage_a, wage_b))
    assert (
        compute(month, high, employee, employer, loenloft).subsidy
        <= compute(month, low, employee, employer, loenloft).subsidy
    )


@given(months, wages, pensions, pensions, ceilings)
def test_atp_is_five_percent_capped_at_500(month, wage, employee, employer, loenloft):
    c = compute(month, wage, employee, employer, loenloft)
    assert Decimal(0) <= c.atp <= Decimal(500)
    assert c.atp <= c.subsidy
    assert c.subsidy_after_atp >= 0


def _half_up(value: Fraction) -> Decimal:
    """Round an exact fraction to øre, half up (for non-negative values)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@given(months, wages, pensions, pensions, ceilings)
def test_agrees_with_an_exact_fraction_reference(month, wage, employee, employer, loenloft):
    # An independent, straight-from-the-formula reference in exact fractions.
    rate = CONFIRMED_RATES[int(month[:4])]
    big_l = Fraction(wage) + Fraction(employee) + Fraction(employer)
    t, mx = Fraction(rate.threshold), Fraction(rate.max)
    r = Fraction(3, 10) * min(big_l, t) + Fraction(55, 100) * max(Fraction(0), big_l - t)
    s = min(max(Fraction(0), mx - r), max(Fraction(0), Fraction(loenloft) - big_l))
    expected = _half_up(s)
    c = compute(month, wage, employee, employer, loenloft)
    assert c.subsidy == expected
    assert c.atp == _half_up(min(Fraction(expected) / 20, Fraction(500)))

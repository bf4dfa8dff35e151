"""The monthly fleksløntilskud calculation (LAB § 123) and the ATP withheld (LAB § 137).

    L  = field 0057 of the single wage line + 0197 + 0198   (income type 0083, the subsidy itself, excluded)
    R  = 0.30 * min(L, T) + 0.55 * max(0, L - T)
    S0 = max(0, MAX - R)
    S  = min(S0, max(0, LL - L))                           (LL: lønloft from the master data)
    ATP = min(0.05 * S, 500)

Decimal throughout; intermediate values are kept exact. S is rounded to øre (ROUND_HALF_UP) and ATP is
computed from that rounded S (it is withheld from the amount actually paid), then rounded the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from rpa_core.sandbox.rates import RateRow

ORE = Decimal("0.01")
LOW_RATE = Decimal("0.30")
HIGH_RATE = Decimal("0.55")
ATP_RATE = Decimal("0.05")
ATP_CAP = Decimal("500")


def to_ore(value: Decimal) -> Decimal:
    """Round to øre, half up."""
    return value.quantize(ORE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Calculation:
    """One month's calculation; every amount rounded to øre for display and comparison."""

    income_basis: Decimal
    reduction: Decimal
    subsidy_before_ceiling: Decimal
    subsidy: Decimal
    atp: Decimal
    rate_year: int

    def to_json(self) -> dict[str, str | int]:
        """Amounts as strings ("1234.50")."""
        return {
            "income_basis": str(self.income_basis),
            "reduction": str(self.reduction),
            "subsidy_before_ceiling": str(self.subsidy_before_ceiling),
            "subsidy": str(self.subsidy),
            "atp": str(self.atp),
            "rate_year": self.rate_year,
        }


def atp_for(subsidy: Decimal) -> Decimal:
    """ATP withheld from a (rounded) subsidy: 5 %, at most 500 kr. a month."""
    return to_ore(min(ATP_RATE * subsidy, ATP_CAP))


def calculate(
    wage: Decimal, own_pension: Decimal, employer_pension: Decimal, lonloft: Decimal, rate: RateRow
) -> Calculation:
    """The subsidy for one month from the wage line's 0057, 0197 and 0198 and the citizen's lønloft."""
    basis = wage + own_pension + employer_pension
    threshold = rate.threshold
    reduction = LOW_RATE * min(basis, threshold) + HIGH_RATE * max(Decimal(0), basis - threshold)
    before_ceiling = max(Decimal(0), rate.max - reduction)
    subsidy = to_ore(min(before_ceiling, max(Decimal(0), lonloft - basis)))
    return Calculation(
        income_basis=to_ore(basis),
        reduction=to_ore(reduction),
        subsidy_before_ceiling=to_ore(before_ceiling),
        subsidy=subsidy,
        atp=atp_for(subsidy),
        rate_year=rate.year,
    )

"""The fleksløn robot's Python package: the LAB § 123 calculation, its rates, explanation and rules.

>>> from flexloen import calculate_flexloentilskud
>>> calc = calculate_flexloentilskud("2024-03", "12000.00", employee_pension="480.00",
...                                  employer_pension="960.00", loenloft="30000.00")
>>> calc.subsidy, calc.atp
(Decimal('15920.00'), Decimal('500.00'))
"""

from flexloen.calculation import Calculation, IncomeBasis, calculate_flexloentilskud
from flexloen.explanation import Explanation, explain
from flexloen.months import Month
from flexloen.rates import CONFIRMED_RATES, Rate, RateTable, RateTableError
from flexloen.reasons import TEXTS_DA, ManualHandling, ManualReason
from flexloen.rules import (
    CaseOutcome,
    CaseState,
    Decision,
    FlexCase,
    IncomeKind,
    IncomeLine,
    MasterData,
    PaymentStatus,
    decide,
    income_basis,
)

__all__ = [
    "CONFIRMED_RATES",
    "TEXTS_DA",
    "Calculation",
    "CaseOutcome",
    "CaseState",
    "Decision",
    "Explanation",
    "FlexCase",
    "IncomeBasis",
    "IncomeKind",
    "IncomeLine",
    "ManualHandling",
    "ManualReason",
    "MasterData",
    "Month",
    "PaymentStatus",
    "Rate",
    "RateTable",
    "RateTableError",
    "calculate_flexloentilskud",
    "decide",
    "explain",
    "income_basis",
]

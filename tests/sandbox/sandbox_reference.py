"""An independent implementation of the fleksløn decision for checking the sandbox's expected outcomes.

Written from the domain note (LAB § 123, § 137), not from the sandbox's code: exact fractions instead of
Decimal, its own rate table and its own reading of stamdata.xlsx.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import openpyxl

RATES = {2015: (17312, 13446), 2022: (18964, 15401), 2024: (19952, 16323)}  # year: (MAX, T), domain note


def ore(x: Fraction) -> Fraction:
    """Round a non-negative amount half up to whole øre."""
    return Fraction(int(x * 100 + Fraction(1, 2)), 100)


def subsidy(wage: str, own: str, employer: str, lonloft: str, max_: int, t: int) -> tuple[Fraction, Fraction]:
    """(S, ATP) by LAB § 123 / § 137; ATP from the rounded S."""
    basis = Fraction(wage) + Fraction(own) + Fraction(employer)
    reduction = Fraction(3, 10) * min(basis, t) + Fraction(55, 100) * max(Fraction(0), basis - t)
    s = ore(min(max(Fraction(0), max_ - reduction), max(Fraction(0), Fraction(lonloft) - basis)))
    return s, ore(min(s / 20, Fraction(500)))


def read_stamdata(path: Path) -> dict[str, dict]:
    """CPR -> {case, pension, lonloft} from the workbook, None for an empty cell."""
    ws = openpyxl.load_workbook(path, read_only=True).active
    rows = ws.iter_rows(values_only=True)
    header = next(rows)
    assert header[:4] == ("CPR-nr.", "Sagsnummer", "Pensionssats (%)", "Lønloft (kr./md.)"), header
    table = {}
    for cpr, case, pension, lonloft, _hours in rows:
        table[cpr] = {"case": case, "pension": pension, "lonloft": None if lonloft is None else str(lonloft)}
    return table


def decide(payment: dict, lines: list[dict], master: dict | None, income_year: int, threshold: str) -> dict:
    """Outcome, reasons and (when computable) S and ATP for one payment, as plain data."""
    if payment["status"] == "APPROVED":
        return {"outcome": "ALREADY_HANDLED", "reasons": [], "subsidy": None, "atp": None}
    reasons = []
    if not master or not master["case"] or master["lonloft"] is None or master["pension"] is None:
        reasons.append("MISSING_MASTER_DATA")
    wages = [line for line in lines if line["kind"] == "LOEN" and line["income_type"] != "0083"]
    if not wages:
        reasons.append("NO_WAGE")
    if len(wages) > 1 or len({line["cvr"] for line in wages}) > 1:
        reasons.append("MULTIPLE_EMPLOYERS")
    if any(line["kind"] == "SYGEDAGPENGE" for line in lines):
        reasons.append("SICKNESS_BENEFIT")
    if any(line["kind"] == "BARSELSDAGPENGE" for line in lines):
        reasons.append("MATERNITY_BENEFIT")
    if payment["unpaid_holiday_days"] > 0:
        reasons.append("UNPAID_HOLIDAY")
    if any(Fraction(line["fields"].get(f, "0")) < 0 for line in wages for f in ("0057", "0197", "0198")):
        reasons.append("INCOME_CORRECTION")
    if income_year not in RATES:
        reasons.append("NO_RATE_TABLE")
    s = atp = None
    if "MISSING_MASTER_DATA" not in reasons and "NO_RATE_TABLE" not in reasons and len(wages) == 1:
        f = wages[0]["fields"]
        s, atp = subsidy(f["0057"], f["0197"], f["0198"], master["lonloft"], *RATES[income_year])
        prev = payment["previous_subsidy"]
        if not reasons and prev is not None and abs(s - Fraction(prev)) > Fraction(threshold) * Fraction(prev):
            reasons.append("LARGE_CHANGE")
    return {"outcome": "MANUAL" if reasons else "CALCULATED", "reasons": reasons, "subsidy": s, "atp": atp}

"""Deterministic fictitious data for the sandbox: the same seed gives the same data, byte for byte.

For each citizen in a flexjob: an employer, an agreement (hourly wage, weekly hours, pension rate, lønloft),
income lines for the three months before the payment month, last month's approved payment, this month's
pending payment, a case in the ESDH and a row in the caseworkers' stamdata.xlsx. A configurable share of
citizens gets a scenario a caseworker must see (``shares``); the expected outcome of every payment is then
decided from the data a robot can see (``outcomes.assess``), never from the scenario label.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from rpa_core.sandbox.calculation import atp_for, calculate, to_ore
from rpa_core.sandbox.ids import fictitious_cpr, fictitious_cvr
from rpa_core.sandbox.model import (
    APPROVED,
    CASE_CLOSED,
    CASE_OPEN,
    FLEX_UNIT,
    MATERNITY,
    OTHER_UNIT,
    SICKNESS,
    SUBSIDY,
    TZ,
    WAGE,
    Agreement,
    Case,
    Citizen,
    Dataset,
    Employer,
    IncomeLine,
    MasterDataRow,
    Month,
    Payment,
    units_for,
)
from rpa_core.sandbox.outcomes import assess, case_takes_notes, registration_from
from rpa_core.sandbox.rates import RateTable

NORMAL = "NORMAL"
ALREADY_APPROVED = "ALREADY_APPROVED"
SCENARIOS = (
    "NO_WAGE", "MULTIPLE_EMPLOYERS", "SICKNESS_BENEFIT", "MATERNITY_BENEFIT",
    "UNPAID_HOLIDAY", "MISSING_MASTER_DATA", "LARGE_CHANGE", ALREADY_APPROVED, "INCOME_CORRECTION",
)  # fmt: skip
# INCOME_CORRECTION is off by default (share 0), so the documented seeded datasets stay as they are.
DEFAULT_SHARES: Mapping[str, float] = {
    "NO_WAGE": 0.04, "MULTIPLE_EMPLOYERS": 0.04, "SICKNESS_BENEFIT": 0.04, "MATERNITY_BENEFIT": 0.04,
    "UNPAID_HOLIDAY": 0.02, "MISSING_MASTER_DATA": 0.04, "LARGE_CHANGE": 0.04, ALREADY_APPROVED: 0.04,
}  # fmt: skip
MAX_CITIZENS = 10_000
MUNICIPALITY = Employer("29189900", "Fiktiv Kommune (sandbox)")
UDBETALING_DANMARK = Employer("29189901", "Udbetaling Danmark – barsel (sandbox)")

FIRST_NAMES = (
    "Anne Mette Lars Jens Søren Hanne Peter Kirsten Niels Susanne Henrik Lone Michael Birgitte Thomas "
    "Camilla Rasmus Louise Jesper Maria Mads Sofie Frederik Ida Mikkel Emma Anders Signe Jakob Line"
)
LAST_NAMES = (
    "Nielsen Jensen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen Petersen "
    "Madsen Kristensen Olsen Thomsen Poulsen Johansen Knudsen Mortensen Møller Eskildsen Dalgaard"
)
STREET_NAMES = "Fiktivvej Prøvegade Sandkassevej Testløkken Eksempelvænget Modelstien"
TRADE_NAMES = "Tømrer Bager Gartneri Rengøring Kontorservice Værksted Cykelhandel Pedelservice Café Trykkeri"
FIRST, LAST, STREETS, TRADES = (n.split() for n in (FIRST_NAMES, LAST_NAMES, STREET_NAMES, TRADE_NAMES))
WEEKLY_HOURS = tuple(Decimal(h) for h in ("8", "10", "12", "15", "18", "20", "22", "25"))
PENSION_RATES = tuple(Decimal(p) for p in ("0", "8", "10", "12", "15"))
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate. ``shares`` maps a scenario (see SCENARIOS) to the fraction of citizens that get it."""

    seed: int = 1
    citizens: int = 50
    payment_month: str = "2024-11"
    shares: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SHARES))
    change_threshold: Decimal = Decimal("0.25")
    other_grant_share: float = 0.1
    rates: RateTable = field(default_factory=RateTable)
    unit: str = FLEX_UNIT  # the benefits system's unit for flexjob; municipalities name theirs differently

    def validate(self) -> Month:
        """Check the settings; ValueError with a clear message if one is wrong. Returns the payment month."""
        month = Month.parse(self.payment_month)
        if not 1 <= self.citizens <= MAX_CITIZENS:
            raise ValueError(f"citizens must be between 1 and {MAX_CITIZENS}, not {self.citizens}")
        unknown = sorted(set(self.shares) - set(SCENARIOS))
        if unknown:
            raise ValueError(f"unknown scenario {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
        if any(not 0 <= v <= 1 for v in self.shares.values()) or sum(self.shares.values()) > 1:
            raise ValueError("each share must be between 0 and 1 and together at most 1")
        if not re.fullmatch(r"[A-Z0-9_-]{2,12}", self.unit) or self.unit == OTHER_UNIT:
            raise ValueError(f"unit must be 2-12 capital letters, digits, '-' or '_' and not {OTHER_UNIT}")
        if not 0 <= self.other_grant_share <= 1 or self.change_threshold < 0:
            raise ValueError("other_grant_share must be between 0 and 1 and change_threshold not negative")
        return month


class _Builder:
    def __init__(self, config: GeneratorConfig, month: Month) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.data = Dataset(seed=config.seed, payment_month=month, units=units_for(config.unit))
        self.taken_cpr: set[str] = set()
        self.taken_cvr: set[str] = {MUNICIPALITY.cvr, UDBETALING_DANMARK.cvr}
        self.line_counter = 0
        self.months = [month.shift(-3), month.shift(-2), month.shift(-1)]

    def money(self, low: int, high: int) -> Decimal:
        return Decimal(self.rng.randrange(low * 100, high * 100 + 1)) / 100

    def citizen(self) -> Citizen:
        rng = self.rng
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        address = f"{rng.choice(STREETS)} {rng.randrange(1, 120)}, 8000 Sandby"
        citizen = Citizen(fictitious_cpr(rng, self.taken_cpr), name, address)
        self.data.citizens[citizen.cpr] = citizen
        return citizen

    def employers(self, count: int) -> list[Employer]:
        made = []
        for i in range(count):
            emp = Employer(fictitious_cvr(self.rng, self.taken_cvr), f"{self.rng.choice(TRADES)} Fiktiv {i + 1} ApS")
            self.data.employers[emp.cvr] = emp
            made.append(emp)
        return made

    def line(self, cpr: str, month: Month, kind: str, employer: Employer, fields: dict[str, Decimal]) -> None:
        self.line_counter += 1
        line = IncomeLine(f"L{self.line_counter:07d}", cpr, str(month), kind, employer.cvr, employer.name, fields)
        self.data.income.setdefault((cpr, str(month)), []).append(line)

    def wage_fields(self, agr: Agreement, factor: Decimal) -> dict[str, Decimal]:
        hours = (agr.weekly_hours * WEEKS_PER_MONTH * factor).quantize(Decimal("0.01"))
        wage = to_ore(agr.hourly_wage * hours)
        holiday = Decimal("0.00")
        if self.rng.random() < 0.08:
            holiday = to_ore(wage * Decimal(self.rng.randrange(4, 13)) / 100)
            wage += holiday
        pension = to_ore(wage * agr.pension_rate / 100)
        own = to_ore(pension / 3)
        return {"0057": wage, "0096": hours, "0098": holiday, "0197": own, "0198": pension - own, "0217": holiday}

    def factor(self, agr: Agreement) -> Decimal:
        return Decimal(1) if agr.monthly_paid else Decimal(self.rng.randrange(93, 107)) / 100

    def history_subsidy(self, fields: dict[str, Decimal], agr: Agreement, month: Month) -> Decimal:
        """Last months' subsidies: fictitious history, so a missing year borrows the latest known rate."""
        rates = self.config.rates
        rate = rates.get(month.year) or rates.latest_at_or_before(month.year) or rates.rows()[0]
        return calculate(fields["0057"], fields["0197"], fields["0198"], agr.lonloft, rate).subsidy


def generate(config: GeneratorConfig | None = None) -> Dataset:
    """Generate the dataset for ``config`` (default: seed 1, 50 citizens, payment month 2024-11)."""
    config = config or GeneratorConfig()
    month = config.validate()
    b = _Builder(config, month)
    rng, data = b.rng, b.data
    employers = b.employers(max(4, config.citizens // 8))
    scenarios: list[str] = []
    for name in SCENARIOS:
        scenarios += [name] * round(config.shares.get(name, 0) * config.citizens)
    scenarios = (scenarios + [NORMAL] * config.citizens)[: config.citizens]
    rng.shuffle(scenarios)

    payments: list[tuple[Payment, str]] = []
    for index, scenario in enumerate(scenarios):
        payments.append((_flexjob_citizen(b, index, scenario, employers), scenario))
    for _ in range(round(config.other_grant_share * config.citizens)):
        citizen = b.citizen()
        unit = OTHER_UNIT if rng.random() < 0.8 else config.unit
        pay = Payment("", citizen.cpr, citizen.name, str(month), unit, "LY", previous_subsidy=b.money(15000, 19000))
        payments.append((pay, ""))

    rng.shuffle(payments)
    for number, (pay, _) in enumerate(payments, start=1):
        pay.payment_id = f"B{number:07d}"
    data.payments = [pay for pay, _ in payments]
    masters = {row.cpr: row for row in data.master_data}
    income_month = str(data.income_month)
    for pay, scenario in payments:
        if pay.grant_type == "FLT":
            lines = data.income.get((pay.cpr, income_month), [])
            master = masters.get(pay.cpr)
            data.expected.append(
                assess(pay, lines, master, config.rates, data.income_month, config.change_threshold, scenario,
                       case_open=case_takes_notes(master, data.cases))
            )  # fmt: skip
    return data


def _flexjob_citizen(b: _Builder, index: int, scenario: str, employers: list[Employer]) -> Payment:
    rng, data = b.rng, b.data
    citizen = b.citizen()
    cpr = citizen.cpr
    employer = rng.choice(employers)
    hourly = b.money(160, 260)
    agr = Agreement(
        cpr, employer.cvr, hourly, rng.choice(WEEKLY_HOURS), rng.choice(PENSION_RATES),
        to_ore(hourly * 37 * WEEKS_PER_MONTH), rng.random() < 0.5,
    )  # fmt: skip
    data.agreements[cpr] = agr
    opened = rng.randrange(data.payment_month.year - 8, data.payment_month.year)
    case_number = f"FJ-{opened}-{index + 1:05d}"
    data.cases[case_number] = Case(
        case_number, cpr, f"Fleksjob – fleksløntilskud – {citizen.name}", "FLEKSJOB", CASE_OPEN,
        f"{opened}-{rng.randrange(1, 13):02d}-01", "Sagsbehandler Fleksjob",
    )  # fmt: skip
    if rng.random() < 0.2:  # a second, closed case: the robot must pick the flexjob case
        other = f"SD-{opened}-{index + 1:05d}"
        data.cases[other] = Case(
            other, cpr, f"Sygedagpenge – {citizen.name}", "SYGEDAGPENGE", CASE_CLOSED, f"{opened}-01-15",
            "Sagsbehandler Sygedagpenge",
        )  # fmt: skip

    master = MasterDataRow(cpr, case_number, agr.pension_rate, agr.lonloft, agr.weekly_hours)
    what = ""
    if scenario == "MISSING_MASTER_DATA":
        what = rng.choice(("row", "lonloft", "case_number"))
        if what == "lonloft":
            master.lonloft = None
        elif what == "case_number":
            master.case_number = None
    if what != "row":
        data.master_data.append(master)

    # Wage for M-3 and M-2 (normal months); the subsidy paid in M-2 and M-1 appears as type 0083 lines.
    m3, m2, m1 = b.months
    fields3 = b.wage_fields(agr, b.factor(agr))
    fields2 = b.wage_fields(agr, b.factor(agr))
    b.line(cpr, m3, WAGE, employer, fields3)
    b.line(cpr, m2, WAGE, employer, fields2)
    b.line(cpr, m2, SUBSIDY, MUNICIPALITY, {"0057": b.history_subsidy(fields3, agr, m3)})
    previous = b.history_subsidy(fields2, agr, m2)
    if scenario == "LARGE_CHANGE":  # last month was reduced by hand (e.g. sickness): this month jumps
        previous = to_ore(previous * Decimal(rng.randrange(35, 61)) / 100)
    b.line(cpr, m1, SUBSIDY, MUNICIPALITY, {"0057": previous})

    factor = b.factor(agr)
    if scenario in ("SICKNESS_BENEFIT", "UNPAID_HOLIDAY"):
        factor = factor * Decimal("0.6")
    elif scenario == "MATERNITY_BENEFIT":
        factor = factor * Decimal("0.3")
    fields1 = b.wage_fields(agr, factor)
    if scenario == "INCOME_CORRECTION":  # the employer corrects pension paid too much earlier: negative 0197
        fields1["0197"] = -b.money(200, 900)
    if scenario != "NO_WAGE":
        b.line(cpr, m1, WAGE, employer, fields1)
    if scenario == "MULTIPLE_EMPLOYERS":
        second = rng.choice([e for e in employers if e.cvr != employer.cvr])
        side = Agreement(cpr, second.cvr, b.money(150, 200), Decimal(5), Decimal(0), agr.lonloft, False)
        b.line(cpr, m1, WAGE, second, b.wage_fields(side, Decimal(1)))
    elif scenario == "SICKNESS_BENEFIT":
        b.line(cpr, m1, SICKNESS, MUNICIPALITY, {"0057": b.money(3000, 8000)})
    elif scenario == "MATERNITY_BENEFIT":
        b.line(cpr, m1, MATERNITY, UDBETALING_DANMARK, {"0057": b.money(8000, 14000)})

    prev_reg = registration_from(_wage(data, cpr, m2)) | {"subsidy": previous}
    data.previous_payments[cpr] = Payment(
        f"A{index + 1:07d}", cpr, citizen.name, str(m1), b.config.unit, "FLT", APPROVED, None, 0, prev_reg,
        approved_by="sagsbehandler", approved_at=datetime(m1.year, m1.month, 2, 9, 0, tzinfo=TZ),
    )  # fmt: skip
    payment = Payment(str(index), cpr, citizen.name, str(data.payment_month), b.config.unit, "FLT")
    payment.previous_subsidy = previous
    if scenario == "UNPAID_HOLIDAY":
        payment.unpaid_holiday_days = rng.randrange(3, 11)
    if scenario == ALREADY_APPROVED:
        reg = registration_from(_wage(data, cpr, m1))
        reg["subsidy"] = b.history_subsidy(fields1, agr, m1)
        payment.status, payment.registration, payment.approved_by = APPROVED, reg, "sagsbehandler"
        payment.atp = atp_for(reg["subsidy"])
        payment.approved_at = datetime(data.payment_month.year, data.payment_month.month, 1, 8, 30, tzinfo=TZ)
    return payment


def _wage(data: Dataset, cpr: str, month: Month) -> IncomeLine:
    return next(line for line in data.income[(cpr, str(month))] if line.kind == WAGE)

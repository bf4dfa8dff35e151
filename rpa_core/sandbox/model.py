"""The sandbox's data: months, citizens, agreements, income lines, payments, cases and expected outcomes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Copenhagen")
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MONTH_NAMES_DA = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip

# Payment statuses (stable codes in data-status attributes; Danish labels on the pages).
PENDING, REGISTERED, APPROVED = "PENDING", "REGISTERED", "APPROVED"
STATUS_LABELS = {PENDING: "Afventer", REGISTERED: "Indkomst registreret", APPROVED: "Godkendt"}

FLEX_UNIT, OTHER_UNIT = "FLEKS", "LEDIG"  # the flexjob unit's code is the generator's ``unit``; FLEKS by default
UNITS = {FLEX_UNIT: "Jobcenter – Fleksjob", OTHER_UNIT: "Jobcenter – Ledighedsydelse"}


def units_for(flex_unit: str) -> dict[str, str]:
    """The benefits system's units when its flexjob unit is called ``flex_unit``."""
    return {flex_unit: UNITS[FLEX_UNIT], OTHER_UNIT: UNITS[OTHER_UNIT]}


GRANT_TYPES = {"FLT": "Fleksløntilskud", "LY": "Ledighedsydelse"}

# Kinds of income line (``kind``) and the income type code each is reported with.
WAGE, SICKNESS, MATERNITY, SUBSIDY = "LOEN", "SYGEDAGPENGE", "BARSELSDAGPENGE", "FLEKSLOENTILSKUD"
CASE_OPEN, CASE_CLOSED = "Åben", "Afsluttet"  # an ESDH case's status: only an open case takes notes
INCOME_TYPES = {WAGE: "0000", SICKNESS: "0000", MATERNITY: "0000", SUBSIDY: "0083"}
FIELD_NAMES = {
    "0057": "A-indkomst, hvoraf der betales AM-bidrag",
    "0096": "Løntimer",
    "0098": "Bruttoferiepenge",
    "0197": "Pension, egen andel",
    "0198": "Pension, arbejdsgivers andel",
    "0217": "A-indkomst udbetalt som feriepenge",
}


def now() -> datetime:
    """The current time in Europe/Copenhagen."""
    return datetime.now(TZ)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, written ``YYYY-MM``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``YYYY-MM``; ValueError with a clear message otherwise."""
        match = MONTH_PATTERN.match(str(text).strip())
        if not match:
            raise ValueError(f"'{text}' is not a month; write it as YYYY-MM, e.g. 2024-11")
        return cls(int(match.group(1)), int(match.group(2)))

    def shift(self, months: int) -> Month:
        """The month ``months`` later (negative: earlier)."""
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def label_da(self) -> str:
        """E.g. ``oktober 2024``."""
        return f"{MONTH_NAMES_DA[self.month - 1]} {self.year}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class Citizen:
    cpr: str
    name: str
    address: str


@dataclass
class Employer:
    cvr: str
    name: str


@dataclass
class Agreement:
    """The flexjob agreement: employer, hourly wage, weekly hours, pension rate (%) and lønloft (kr./month)."""

    cpr: str
    cvr: str
    hourly_wage: Decimal
    weekly_hours: Decimal
    pension_rate: Decimal
    lonloft: Decimal
    monthly_paid: bool


@dataclass
class MasterDataRow:
    """One row of the caseworkers' stamdata.xlsx; None where the cell is empty."""

    cpr: str
    case_number: str | None
    pension_rate: Decimal | None
    lonloft: Decimal | None
    weekly_hours: Decimal | None


@dataclass
class IncomeLine:
    line_id: str
    cpr: str
    month: str
    kind: str
    cvr: str
    reporter: str
    fields: dict[str, Decimal]

    @property
    def income_type(self) -> str:
        return INCOME_TYPES[self.kind]

    def to_json(self) -> dict[str, Any]:
        return {
            "line_id": self.line_id,
            "month": self.month,
            "kind": self.kind,
            "income_type": self.income_type,
            "cvr": self.cvr,
            "reporter": self.reporter,
            "fields": {code: str(value) for code, value in sorted(self.fields.items())},
        }


REGISTRATION_FIELDS = ("wage", "own_pension", "employer_pension", "hours", "holiday_pay", "subsidy")


@dataclass
class Payment:
    """A payment in the Ydelsessystem. ``registration`` holds the registered income and subsidy."""

    payment_id: str
    cpr: str
    name: str
    month: str
    unit: str
    grant_type: str
    status: str = PENDING
    previous_subsidy: Decimal | None = None
    unpaid_holiday_days: int = 0
    registration: dict[str, Decimal] | None = None
    atp: Decimal | None = None
    registered_by: str | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        reg = self.registration
        return {
            "payment_id": self.payment_id,
            "cpr": self.cpr,
            "month": self.month,
            "unit": self.unit,
            "grant_type": self.grant_type,
            "status": self.status,
            "previous_subsidy": None if self.previous_subsidy is None else str(self.previous_subsidy),
            "unpaid_holiday_days": self.unpaid_holiday_days,
            "registration": None if reg is None else {k: str(v) for k, v in reg.items()},
            "atp": None if self.atp is None else str(self.atp),
            "approved_by": self.approved_by,
            "approved_at": None if self.approved_at is None else self.approved_at.isoformat(),
        }


@dataclass
class Case:
    case_number: str
    cpr: str
    title: str
    kind: str
    status: str
    opened: str
    caseworker: str

    def to_json(self) -> dict[str, Any]:
        return {
            "case_number": self.case_number,
            "cpr": self.cpr,
            "title": self.title,
            "kind": self.kind,
            "status": self.status,
            "opened": self.opened,
            "caseworker": self.caseworker,
        }


@dataclass
class Note:
    note_id: int
    case_number: str
    title: str
    text: str
    author: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "note_id": self.note_id,
            "case_number": self.case_number,
            "title": self.title,
            "text": self.text,
            "author": self.author,
            "created_at": self.created_at.isoformat(),
        }


@dataclass
class ExpectedOutcome:
    """What a correct robot does with one fleksløntilskud payment (see reasons.CaseOutcome / reasons.Reason)."""

    payment_id: str
    cpr: str
    case_number: str | None
    outcome: str
    reasons: list[str]
    reason_text: str | None
    calculation: dict[str, Any] | None
    registration: dict[str, str] | None
    previous_subsidy: str | None
    scenario: str

    @property
    def reason(self) -> str | None:
        return self.reasons[0] if self.reasons else None

    def to_json(self) -> dict[str, Any]:
        return {
            "payment_id": self.payment_id,
            "cpr": self.cpr,
            "case_number": self.case_number,
            "outcome": self.outcome,
            "reason": self.reason,
            "reasons": list(self.reasons),
            "reason_text": self.reason_text,
            "calculation": self.calculation,
            "registration": self.registration,
            "previous_subsidy": self.previous_subsidy,
            "scenario": self.scenario,
        }


@dataclass
class Dataset:
    """Everything the generator produces for one seed, citizen count and payment month."""

    seed: int
    payment_month: Month
    citizens: dict[str, Citizen] = field(default_factory=dict)
    employers: dict[str, Employer] = field(default_factory=dict)
    agreements: dict[str, Agreement] = field(default_factory=dict)
    master_data: list[MasterDataRow] = field(default_factory=list)
    income: dict[tuple[str, str], list[IncomeLine]] = field(default_factory=dict)
    payments: list[Payment] = field(default_factory=list)
    previous_payments: dict[str, Payment] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    expected: list[ExpectedOutcome] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=lambda: dict(UNITS))

    @property
    def income_month(self) -> Month:
        return self.payment_month.shift(-1)

"""What robots read from and write to municipal systems, independent of how an adapter reaches them.

Money is Decimal (kr. with øre), months are ``YYYY-MM`` strings. CPR numbers appear as ``ddmmyy-ssss``; they
are personal data: never put one in a log line or an error message (``rpa_core.privacy.mask_cpr``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class PaymentStatus(StrEnum):
    PENDING = "PENDING"  # nothing registered yet
    REGISTERED = "REGISTERED"  # income and subsidy registered, not approved
    APPROVED = "APPROVED"  # approved: never write to it again


class Registration(_Model):
    """The month's income and the subsidy as registered on a payment."""

    wage: Decimal
    own_pension: Decimal = Decimal("0")
    employer_pension: Decimal = Decimal("0")
    hours: Decimal = Decimal("0")
    holiday_pay: Decimal = Decimal("0")
    subsidy: Decimal


class Payment(_Model):
    """A fleksløntilskud payment in the benefits system (Ydelsessystem / KY / KMD Aktiv)."""

    payment_id: str
    cpr: str
    name: str = ""
    payment_month: str
    income_month: str | None = None
    unit: str = ""
    grant_type: str = ""
    status: PaymentStatus
    previous_subsidy: Decimal | None = None
    unpaid_holiday_days: int = 0
    registration: Registration | None = None
    atp: Decimal | None = None


class IncomeLine(_Model):
    """One line from the income register (eIndkomst) for one basis month: who reported what."""

    line_id: str = ""
    month: str
    kind: str = Field(description="LOEN, SYGEDAGPENGE, BARSELSDAGPENGE or FLEKSLOENTILSKUD")
    income_type: str = Field(description="0000, or 0083 for the municipality's own fleksløntilskud")
    cvr: str = ""
    reporter: str = ""
    fields: dict[str, Decimal] = Field(default_factory=dict, description="field code -> amount, e.g. 0057")


class Case(_Model):
    """A case in the case and records system (ESDH: SBSYS, Acadre, ...)."""

    case_number: str
    title: str = ""
    cpr: str = ""
    kind: str = ""
    status: str = Field("", description="the system's own status text, e.g. Åben / Afsluttet")
    is_open: bool = Field(True, description="whether the case accepts journal notes")


REFERENCE_OPEN_STATUS = "Åben"  # the reference ESDH (the sandbox) takes notes on an open case only


def reference_case(case_number: str, *, title: str = "", cpr: str = "", kind: str = "", status: str = "") -> Case:
    """A case of the reference ESDH: open, and so taking notes, when its status is "Åben"."""
    return Case(
        case_number=case_number, title=title, cpr=cpr, kind=kind, status=status, is_open=status == REFERENCE_OPEN_STATUS
    )


class JournalNote(_Model):
    """A note on a case."""

    note_id: str = ""
    title: str
    text: str
    author: str = ""
    created: datetime | None = None

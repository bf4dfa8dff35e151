"""What robots read from and write to municipal systems, independent of how an adapter reaches them.

Money is Decimal (kr. with øre), months are ``YYYY-MM`` strings. CPR numbers appear as ``ddmmyy-ssss``; they
are personal data: never put one in a log line or an error message (``rpa_core.privacy.mask_text``).

Objects that carry personal data (payments, income lines, cases, journal notes) show their ids only in ``repr``
and ``str`` (``Payment(B0000010)``), which is what Robot Framework logs for ``${payment} =``; a citizen's name
read from a system is registered for masking (``[navn]``) when the object is made.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from rpa_core.privacy import register_name


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class _PersonalModel(_Model):
    """A model with personal data: ``repr``/``str`` show the class and its ids only, never a name or CPR."""

    id_fields: ClassVar[tuple[str, ...]] = ()

    def _ids(self) -> str:
        return " ".join(str(getattr(self, f)) for f in self.id_fields if getattr(self, f, None)) or "new"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._ids()})"

    __str__ = __repr__

    def __repr_args__(self) -> Any:  # pydantic's rich and devtools output: ids only too
        return [(field, getattr(self, field)) for field in self.id_fields]


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


class Payment(_PersonalModel):
    """A fleksløntilskud payment in the benefits system (Ydelsessystem / KY / KMD Aktiv)."""

    id_fields: ClassVar[tuple[str, ...]] = ("payment_id",)

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

    def model_post_init(self, context: Any, /) -> None:
        register_name(self.name)  # every later log line of this process shows it as [navn]


class IncomeLine(_PersonalModel):
    """One line from the income register (eIndkomst) for one basis month: who reported what."""

    id_fields: ClassVar[tuple[str, ...]] = ("line_id", "month", "kind")  # IncomeLine(L0000001 2024-10 LOEN)

    line_id: str = ""
    month: str
    kind: str = Field(description="LOEN, SYGEDAGPENGE, BARSELSDAGPENGE or FLEKSLOENTILSKUD")
    income_type: str = Field(description="0000, or 0083 for the municipality's own fleksløntilskud")
    cvr: str = ""
    reporter: str = ""
    fields: dict[str, Decimal] = Field(default_factory=dict, description="field code -> amount, e.g. 0057")


class Case(_PersonalModel):
    """A case in the case and records system (ESDH: SBSYS, Acadre, ...). Its title often holds the name."""

    id_fields: ClassVar[tuple[str, ...]] = ("case_number",)

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


class JournalNote(_PersonalModel):
    """A note on a case (its text is about a citizen)."""

    id_fields: ClassVar[tuple[str, ...]] = ("note_id",)

    note_id: str = ""
    title: str
    text: str
    author: str = ""
    created: datetime | None = None

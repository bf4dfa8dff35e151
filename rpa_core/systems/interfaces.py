"""The operations robots need from each kind of system. A municipality's real system is one more
implementation of the same interface (web page objects or an API client); robots do not change."""

from __future__ import annotations

from typing import Protocol

from rpa_core.systems.models import Case, IncomeLine, JournalNote, Payment, Registration


class BenefitsSystem(Protocol):
    """Ydelsessystem (KMD Aktiv / KY): pending payments, registration, approval."""

    def pending_payments(self, month: str, *, unit: str, grant_type: str) -> list[Payment]:
        """Every payment of ``month`` not yet approved for the unit and grant type, across all pages."""
        ...

    def get_payment(self, payment_id: str) -> Payment: ...

    def register(self, payment_id: str, registration: Registration) -> Payment:
        """Register income and subsidy; BusinessError ALREADY_APPROVED when the payment is approved."""
        ...

    def approve(self, payment_id: str) -> Payment:
        """Approve a registered payment (through the confirmation step); ALREADY_APPROVED when it is."""
        ...


class IncomeRegister(Protocol):
    """Indkomstregister (eIndkomst): income lines per CPR and basis month."""

    def income_lines(self, cpr: str, month: str) -> list[IncomeLine]:
        """The month's lines; BusinessError UNKNOWN_CPR when the register does not know the person."""
        ...


class CaseSystem(Protocol):
    """ESDH (SBSYS / Acadre / Nova): cases and journal notes."""

    def find_cases(self, cpr: str) -> list[Case]: ...

    def get_case(self, case_number: str) -> Case: ...

    def journal_notes(self, case_number: str) -> list[JournalNote]: ...

    def add_journal_note(self, case_number: str, title: str, text: str) -> JournalNote:
        """Add a note; BusinessError CASE_CLOSED when the case refuses notes."""
        ...

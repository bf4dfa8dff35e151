"""Adapters for municipal systems: typed interfaces, and web (Playwright) and API (httpx) implementations."""

from rpa_core.systems.errors import ApplicationError, BusinessError, SystemAdapterError
from rpa_core.systems.interfaces import BenefitsSystem, CaseSystem, IncomeRegister
from rpa_core.systems.models import Case, IncomeLine, JournalNote, Payment, PaymentStatus, Registration

__all__ = [
    "ApplicationError",
    "BenefitsSystem",
    "BusinessError",
    "Case",
    "CaseSystem",
    "IncomeLine",
    "IncomeRegister",
    "JournalNote",
    "Payment",
    "PaymentStatus",
    "Registration",
    "SystemAdapterError",
]

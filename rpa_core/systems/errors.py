"""How a system adapter fails: a business error (a person must act; retrying changes nothing) or an
application error (the system misbehaved; retried a bounded number of times, then raised)."""

from __future__ import annotations

from rpa_core.errors import BusinessException
from rpa_core.privacy import mask_text


class SystemAdapterError(Exception):
    """Base of adapter errors: names the system and the step; CPR numbers are masked in the message."""

    kind = "SYSTEM"
    # Robot Framework shows the message alone (not "BusinessError: ..."), so tasks can match "CODE:*".
    ROBOT_SUPPRESS_NAME = True

    def __init__(self, system: str, step: str, message: str, *, code: str | None = None) -> None:
        self.system, self.step, self.code = system, step, code
        self.detail = mask_text(message)
        prefix = f"{code}: " if code else ""
        super().__init__(f"{prefix}{system}: {step}: {self.detail}")


class BusinessError(SystemAdapterError, BusinessException):
    """The system answered, and the answer means a caseworker must act: not found, refused, invalid data.

    ``code`` is stable (e.g. UNKNOWN_CPR, ALREADY_APPROVED, CASE_CLOSED, VALIDATION_ERROR) so robots can branch.
    """

    kind = "BUSINESS"


class ApplicationError(SystemAdapterError):
    """The system did not answer properly (HTTP 5xx, timeout, a page that did not render) even after retries."""

    kind = "APPLICATION"

"""One classifier turns a failed attempt into its outcome: business, application error, or returned by a stop.

- a business exception (``rpa_core.errors.BusinessException`` and its subclasses: the systems' ``BusinessError``,
  a robot's ``ManualHandling``), or a message ``CODE: ...`` whose code the robot lists under ``[queue]
  business_codes`` -> BUSINESS_EXCEPTION with that code, never retried;
- Robot Framework's "Execution terminated by signal" (the run was stopped) -> RETURNED, uncharged;
- anything else -> APPLICATION_ERROR, retried with backoff.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from rpa_core.errors import business_code_of
from rpa_core.queue.lifecycle import Outcome

SIGNAL_MESSAGE = "Execution terminated by signal"
_CODE = re.compile(r"^(?P<code>[A-Z][A-Z0-9_]{1,63}):\s")


@dataclass(frozen=True)
class Classified:
    """How a failure ends the attempt."""

    outcome: Outcome
    code: str | None
    message: str


def leading_code(message: str) -> str | None:
    """The ``CODE`` of a message written ``CODE: text``, else None."""
    match = _CODE.match(message or "")
    return match["code"] if match else None


def classify(message: str, *, business_codes: Collection[str] = ()) -> Classified:
    """The outcome of an attempt that failed with ``message`` (see the module docstring)."""
    message = message or ""
    if SIGNAL_MESSAGE in message:
        return Classified(Outcome.RETURNED, None, message)
    raised, code = business_code_of(message)
    if raised:
        return Classified(Outcome.BUSINESS_EXCEPTION, code or leading_code(message), message)
    code = leading_code(message)
    if code is not None and code in business_codes:
        return Classified(Outcome.BUSINESS_EXCEPTION, code, message)
    return Classified(Outcome.APPLICATION_ERROR, None, message)

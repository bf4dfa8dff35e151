"""Run one adapter step with bounded retries: transient failures are retried with doubling backoff, then
raised as :class:`ApplicationError`; business answers (:class:`BusinessError`) are raised at once.

Writes stay safe to retry because every write step looks at the state before it submits (a payment already
REGISTERED with the same values or APPROVED, a note already on the case): a first attempt may use what the
step before it read from the very page still shown (web adapters, ``WebAdapter.recall``); a failed attempt
makes the adapter forget that page, so every retried attempt reads the state again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import httpx

from rpa_core.privacy import mask_text
from rpa_core.systems.errors import ApplicationError, SystemAdapterError
from rpa_core.systems.models import JournalNote

log = logging.getLogger("rpa_core.systems")
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often a step is tried (``attempts`` in all) and how long to wait between tries.

    The wait doubles after each failure, from ``backoff_seconds`` up to ``max_backoff_seconds``.
    """

    attempts: int = 3
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        if self.backoff_seconds < 0 or self.max_backoff_seconds < 0:
            raise ValueError("RetryPolicy backoff must not be negative")

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failure (1, 2, ...)."""
        return min(self.backoff_seconds * 2 ** max(0, failures - 1), self.max_backoff_seconds)


DEFAULT_POLICY = RetryPolicy()


@dataclass
class RetryStats:
    """What an adapter met so far (for logs, reports and benchmarks)."""

    steps: int = 0  # steps run
    retries: int = 0  # attempts retried after a transient failure (with backoff)
    redone: int = 0  # attempts redone at once after the session expired
    logins: int = 0  # logins (web), the first one included
    dialogs: int = 0  # system message dialogs closed (web)


class TransientError(Exception):
    """A failure worth retrying: the system did not answer properly (5xx, timeout, page not rendered)."""

    def __init__(self, message: str, *, code: str = "TRANSIENT") -> None:
        super().__init__(mask_text(message))
        self.code = code


class SessionExpired(TransientError):
    """The system showed its login page: log in again and redo the step (no backoff; own budget)."""

    def __init__(self, message: str = "the session expired") -> None:
        super().__init__(message, code="SESSION_EXPIRED")


def _is_playwright_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("playwright")


def classify(exc: BaseException) -> str | None:
    """The transient-failure code of ``exc``, or None when it is not worth retrying."""
    if isinstance(exc, TransientError):
        return exc.code
    if isinstance(exc, httpx.TimeoutException):
        return "TIMEOUT"
    if isinstance(exc, httpx.TransportError):
        return "TRANSPORT_ERROR"
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        return f"HTTP_{status}" if status >= 500 or status in (408, 429) else None
    if _is_playwright_error(exc):
        return "TIMEOUT" if type(exc).__name__ == "TimeoutError" else "BROWSER_ERROR"
    return None


def describe(exc: BaseException) -> str:
    """One masked line about ``exc`` for a log line or an error message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return mask_text(f"{type(exc).__name__}: {text}"[:300])


def run_step(
    system: str,
    step: str,
    action: Callable[[], T],
    *,
    policy: RetryPolicy | None = None,
    stats: RetryStats | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``action`` (one step against ``system``) until it succeeds, retrying transient failures.

    - BusinessError / ApplicationError from the action are raised at once, never retried.
    - SessionExpired redoes the step at once (the action logs in again); at most ``policy.attempts`` times.
    - Other transient failures (see :func:`classify`) are retried with backoff; after ``policy.attempts``
      failures: ``ApplicationError(system, step, ..., code=<the last failure's code>)``.
    - Anything else is a bug or an unexpected answer: ``ApplicationError`` at once.
    """
    policy = policy or DEFAULT_POLICY
    failures = relogins = 0
    if stats is not None:
        stats.steps += 1
    while True:
        try:
            return action()
        except SystemAdapterError:
            raise
        except SessionExpired as exc:
            relogins += 1
            if stats is not None:
                stats.redone += 1
            if relogins > policy.attempts:
                raise ApplicationError(
                    system, step, f"the session expired {relogins} times in a row", code=exc.code
                ) from exc
            log.info("%s: %s: session expired; logging in again and redoing the step", system, step)
        except Exception as exc:
            code = classify(exc)
            if code is None:
                raise ApplicationError(system, step, f"unexpected failure: {describe(exc)}", code="UNEXPECTED") from exc
            failures += 1
            if failures >= policy.attempts:
                message = f"gave up after {failures} attempts; last failure: {describe(exc)}"
                raise ApplicationError(system, step, message, code=code) from exc
            if stats is not None:
                stats.retries += 1
            delay = policy.delay(failures)
            log.warning(
                "%s: %s: attempt %d of %d failed (%s); retrying in %.2f s",
                system, step, failures, policy.attempts, describe(exc), delay,
            )  # fmt: skip
            sleep(delay)


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def find_note(notes: Iterable[JournalNote], title: str, text: str) -> JournalNote | None:
    """The newest note with this title and text (compared as the systems store them: stripped, with
    browser line endings normalised), or None. Used to write a journal note at most once."""
    title, text = _normalise(title), _normalise(text)
    matches = [n for n in notes if _normalise(n.title) == title and _normalise(n.text) == text]
    return matches[-1] if matches else None

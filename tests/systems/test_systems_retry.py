"""The retry helper: what is retried, how long it waits, and what it raises (no server needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from rpa_core.systems.errors import ApplicationError, BusinessError
from rpa_core.systems.models import JournalNote
from rpa_core.systems.retry import (
    RetryPolicy,
    RetryStats,
    SessionExpired,
    TransientError,
    classify,
    find_note,
    run_step,
)

ROOT = Path(__file__).resolve().parents[2]


def flaky(failures: list[BaseException], result: str = "ok"):
    """An action that raises the given exceptions in turn, then returns ``result``; counts its calls."""

    def action() -> str:
        action.calls += 1
        if failures:
            raise failures.pop(0)
        return result

    action.calls = 0
    return action


def test_policy_doubles_the_wait_up_to_the_maximum() -> None:
    policy = RetryPolicy(attempts=5, backoff_seconds=0.5, max_backoff_seconds=1.5)
    assert [policy.delay(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 1.5, 1.5]
    assert RetryPolicy() == RetryPolicy(attempts=3, backoff_seconds=0.5, max_backoff_seconds=5.0)
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(AttributeError):
        policy.attempts = 2  # frozen


def test_transient_failures_are_retried_with_backoff_then_succeed() -> None:
    waits: list[float] = []
    stats = RetryStats()
    action = flaky([TransientError("HTTP 500", code="HTTP_500"), httpx.ConnectError("refused")])
    result = run_step("ESDH", "get_case", action, policy=RetryPolicy(3, 0.5, 5), stats=stats, sleep=waits.append)
    assert result == "ok" and action.calls == 3
    assert waits == [0.5, 1.0]
    assert (stats.steps, stats.retries) == (1, 2)


def test_exhausted_retries_raise_an_application_error_naming_system_and_step() -> None:
    action = flaky([TransientError("HTTP 500 from /x", code="HTTP_500") for _ in range(5)])
    with pytest.raises(ApplicationError) as caught:
        run_step("Ydelsessystem", "approve", action, policy=RetryPolicy(3, 0, 0), sleep=lambda _: None)
    error = caught.value
    assert action.calls == 3
    assert (error.system, error.step, error.code, error.kind) == ("Ydelsessystem", "approve", "HTTP_500", "APPLICATION")
    assert "Ydelsessystem: approve:" in str(error) and "3 attempts" in str(error)


def test_business_errors_are_raised_at_once() -> None:
    action = flaky([BusinessError("ESDH", "add_journal_note", "closed", code="CASE_CLOSED")])
    with pytest.raises(BusinessError) as caught:
        run_step("ESDH", "add_journal_note", action, sleep=lambda _: pytest.fail("must not wait"))
    assert action.calls == 1 and caught.value.code == "CASE_CLOSED"


def test_an_expired_session_is_redone_at_once_within_its_own_budget() -> None:
    stats = RetryStats()
    action = flaky([SessionExpired(), SessionExpired(), TransientError("x")])
    assert run_step("ESDH", "s", action, policy=RetryPolicy(2, 0, 0), stats=stats, sleep=lambda _: None) == "ok"
    assert (stats.redone, stats.retries) == (2, 1)
    with pytest.raises(ApplicationError) as caught:
        run_step("ESDH", "s", flaky([SessionExpired()] * 5), policy=RetryPolicy(2, 0, 0))
    assert caught.value.code == "SESSION_EXPIRED"


def test_an_unexpected_exception_is_an_application_error_without_retry() -> None:
    action = flaky([KeyError("lines")])
    with pytest.raises(ApplicationError) as caught:
        run_step("Indkomstregister", "income_lines", action, sleep=lambda _: pytest.fail("must not wait"))
    assert action.calls == 1 and caught.value.code == "UNEXPECTED"
    assert isinstance(caught.value.__cause__, KeyError)


def test_cpr_numbers_are_masked_in_retry_errors() -> None:
    action = flaky([TransientError("failed for 311065-4264")] * 3)
    with pytest.raises(ApplicationError) as caught:
        run_step("Indkomstregister", "income_lines", action, sleep=lambda _: None)
    assert "311065-4264" not in str(caught.value) and "311065-XXXX" in str(caught.value)


def test_classify_httpx_failures() -> None:
    request = httpx.Request("GET", "http://x/")
    assert classify(httpx.ReadTimeout("slow", request=request)) == "TIMEOUT"
    assert classify(httpx.ConnectError("refused", request=request)) == "TRANSPORT_ERROR"
    for status, code in ((503, "HTTP_503"), (429, "HTTP_429"), (404, None)):
        response = httpx.Response(status, request=request)
        assert classify(httpx.HTTPStatusError("x", request=request, response=response)) == code
    assert classify(ValueError("x")) is None


def test_find_note_compares_as_the_systems_store_notes() -> None:
    notes = [
        JournalNote(note_id="1", title="Fleksløntilskud", text="Linje 1\r\nLinje 2"),
        JournalNote(note_id="2", title="Andet", text="x"),
    ]
    assert find_note(notes, " Fleksløntilskud ", "Linje 1\nLinje 2\n").note_id == "1"
    assert find_note(notes, "Fleksløntilskud", "Linje 1") is None


def test_importing_the_interfaces_does_not_import_playwright() -> None:
    code = (
        "import sys, rpa_core.systems, rpa_core.systems.retry, rpa_core.systems.api; print('playwright' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_systems_never_import_higher_layers() -> None:
    forbidden = ("rpa_core.sandbox", "rpa_core.runner", "rpa_core.queue", "rpa_core.keywords")
    for path in (ROOT / "rpa_core" / "systems").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not any(name in text for name in forbidden), path

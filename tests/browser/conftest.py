"""Helpers for browser-session tests: each scenario runs in its own thread.

Playwright's sync API refuses to start where another sync Playwright is active in the same thread (the shared
``browser`` fixture of other test packages); a thread of its own gives each session a clean start, as a
worker process has.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


def run_in_own_thread(scenario: Callable[..., T], *args: Any) -> T:
    """Run ``scenario(*args)`` in a fresh thread; its result or its exception (a failed assert) comes back."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(scenario, *args).result(timeout=120)


def log_in(page, sandbox, system: str) -> None:
    """Log into one sandbox system on ``page`` with the demo login."""
    user, password = sandbox.logins[system]
    page.goto(sandbox.url(f"/{system}/login"))
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_selector("#logout-button")


@pytest.fixture
def in_own_thread() -> Callable[..., Any]:
    """``in_own_thread(scenario, *args)``: see ``run_in_own_thread``."""
    return run_in_own_thread


@pytest.fixture
def sandbox_login() -> Callable[..., None]:
    """``sandbox_login(page, sandbox, "ydelse")``: see ``log_in``."""
    return log_in


@pytest.fixture
def clean_browser_env(monkeypatch):
    """No browser settings from the machine running the tests."""
    for name in (
        "RPA_HEADED",
        "RPA_BROWSER_EXECUTABLE",
        "RPA_BROWSER_TRACE",
        "RPA_BROWSER_TIMEOUT_MS",
        "RPA_BROWSER_NAVIGATION_TIMEOUT_MS",
        "RPA_ARTIFACTS_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch

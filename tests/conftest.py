"""Shared fixtures: the real parts (SQLite file, PostgreSQL, headless Chromium) for every test package."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

pytest_plugins = ["rpa_core.sandbox.testing"]

POSTGRES_URL = os.environ.get("RPA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("RPA_REQUIRE_POSTGRES") == "1"


def _postgres_reachable(url: str) -> str | None:
    """None when PostgreSQL answers at ``url``, else the reason it does not."""
    try:
        import psycopg

        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as exc:  # any failure means "not here"
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """URL of the test PostgreSQL; skips without one, fails instead when RPA_REQUIRE_POSTGRES=1 (CI)."""
    reason = _postgres_reachable(POSTGRES_URL)
    if reason:
        message = f"PostgreSQL not reachable at {POSTGRES_URL} ({reason}); set RPA_TEST_POSTGRES_URL"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " -- RPA_REQUIRE_POSTGRES=1 makes this a failure")
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty schema in the test PostgreSQL for one test, dropped afterwards."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = postgres_server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in postgres_server_url else "?"
    yield f"{postgres_server_url}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (the installed one, never a download) for the whole test session."""
    from playwright.sync_api import sync_playwright

    from rpa_core.browser import BrowserNotFoundError, launch_chromium

    with sync_playwright() as pw:
        try:
            chromium = launch_chromium(pw)
        except BrowserNotFoundError as exc:
            pytest.skip(str(exc))
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page for one test."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _fresh_privacy_registry() -> Iterator[None]:
    """Secrets and names a test registered (the runner registers a robot's credentials in this process) are
    forgotten after it, so they do not mask the next test's texts."""
    yield
    from rpa_core.privacy.registry import REGISTRY

    REGISTRY.clear()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite store file for one test."""
    return f"sqlite:///{(tmp_path / 'store.db').as_posix()}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    """The URL of an empty store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'store.db').as_posix()}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(store_url):
    """An open, migrated store on each backend."""
    from rpa_core.store import open_store

    opened = open_store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def smtp_mailbox():
    """A real SMTP server on a free localhost port; ``.received`` holds the messages, ``.port`` its port."""
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:  # a free port: aiosmtpd's start-up check cannot use port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    controller.received = received
    yield controller
    controller.stop()

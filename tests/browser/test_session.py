"""BrowserSession against the real sandbox in real headless Chromium: contexts, reuse, timeouts, failure
artifacts with CPR numbers masked, traces, closing."""

from __future__ import annotations

import asyncio
import logging
import re
import zipfile
from pathlib import Path

import pytest

from rpa_core.browser import BrowserSession, BrowserSessionError, executable
from rpa_core.browser.capture import MASK_ATTRIBUTE, mark_cpr_elements, safe_name, unmark_cpr_elements
from rpa_core.privacy import contains_cpr

CPR_LABEL = "Handle 311065-4264 now"


def first_payment(sandbox) -> tuple[str, str]:
    """(payment id, CPR number) of the first payment."""
    outcome = next(iter(sandbox.expected()["outcomes"]))
    return outcome["payment_id"], outcome["cpr"]


def test_each_system_has_its_own_context_and_reuses_its_page(sandbox, sandbox_login, in_own_thread, tmp_path):
    def scenario() -> None:
        session = BrowserSession(artifacts_dir=tmp_path)
        try:
            ydelse = session.page("ydelse")
            sandbox_login(ydelse, sandbox, "ydelse")
            assert session.page("ydelse") is ydelse
            esdh = session.page("esdh")
            assert esdh.context is not ydelse.context
            esdh.goto(sandbox.url("/esdh/soeg"))
            assert "/esdh/login" in esdh.url, "logging into /ydelse must not log into /esdh"
            assert esdh.context.cookies() == []
            ydelse.goto(sandbox.url("/ydelse/betalinger"))
            assert "/ydelse/betalinger" in ydelse.url
            ydelse.close()
            again = session.page("ydelse")
            assert again is not ydelse and not again.is_closed()
            again.goto(sandbox.url("/ydelse/betalinger"))
            assert "/ydelse/betalinger" in again.url, "a new page in the same context keeps the login"
            assert set(session.open_pages()) == {"ydelse", "esdh"}
            esdh.context.close()
            fresh = session.page("esdh")
            assert fresh.context is not esdh.context and not fresh.is_closed()
        finally:
            session.close()

    in_own_thread(scenario)


def test_timeouts_are_set_on_every_context(sandbox, in_own_thread, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    def scenario() -> None:
        # Generous enough for a first navigation on a loaded 2-core machine, far below the injected latency.
        session = BrowserSession(artifacts_dir=tmp_path, default_timeout_ms=400, navigation_timeout_ms=3000)
        try:
            page = session.page("ydelse")
            page.goto(sandbox.url("/ydelse/login"))
            with pytest.raises(PlaywrightTimeout, match="400ms"):
                page.click("#no-such-button")
            sandbox.set_faults(latency_ms=8000)
            with pytest.raises(PlaywrightTimeout, match="3000ms"):
                session.page("esdh").goto(sandbox.url("/esdh/login"))
        finally:
            session.close()

    in_own_thread(scenario)


def test_capture_failure_writes_masked_png_and_html(sandbox, sandbox_login, in_own_thread, tmp_path):
    payment_id, cpr = first_payment(sandbox)

    def scenario() -> list[Path]:
        session = BrowserSession(artifacts_dir=tmp_path)
        try:
            page = session.page("ydelse")
            sandbox_login(page, sandbox, "ydelse")
            page.goto(sandbox.url(f"/ydelse/betalinger/{payment_id}"))
            assert page.inner_text("#citizen-cpr") == cpr
            assert mark_cpr_elements(page) >= 1, "the CPR element is covered in the screenshot"
            unmark_cpr_elements(page)
            files = session.capture_failure(CPR_LABEL)
            assert page.locator(f"[{MASK_ATTRIBUTE}]").count() == 0, "the page is left as it was"
            assert page.inner_text("#citizen-cpr") == cpr
            return files
        finally:
            session.close()

    files = in_own_thread(scenario)
    assert sorted(f.suffix for f in files) == [".html", ".png"]
    for file in files:
        assert file.parent == tmp_path / "failures"
        assert file.is_file() and file.stat().st_size > 0
        assert not contains_cpr(file.name), file.name
        assert "311065-XXXX" in file.name and file.name.endswith(f"-ydelse{file.suffix}")
    png = next(f for f in files if f.suffix == ".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = next(f for f in files if f.suffix == ".html").read_text(encoding="utf-8")
    assert 'id="citizen-cpr"' in html
    assert f"{cpr[:6]}-XXXX" in html
    assert not contains_cpr(html)


def test_capture_failure_without_pages_does_nothing_and_never_raises(sandbox, in_own_thread, tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    def scenario() -> tuple[list[Path], bool, list[Path]]:
        idle = BrowserSession(artifacts_dir=tmp_path)
        nothing = idle.capture_failure("no browser yet")
        session = BrowserSession(artifacts_dir=blocker)
        try:
            session.page("ydelse").goto(sandbox.url("/ydelse/login"))
            with caplog.at_level(logging.WARNING, logger="rpa_core.browser.session"):
                unwritable = session.capture_failure("cannot write")
        finally:
            session.close()
        return nothing, idle.is_open, unwritable

    nothing, started, unwritable = in_own_thread(scenario)
    assert nothing == [] and not started, "capturing must not start a browser"
    assert unwritable == []
    assert "could not capture failure artifacts" in caplog.text


def test_trace_zip_per_context_and_idempotent_close(sandbox, in_own_thread, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="rpa_core.browser.session")

    def scenario() -> BrowserSession:
        session = BrowserSession(artifacts_dir=tmp_path, trace=True)
        session.page("ydelse").goto(sandbox.url("/ydelse/login"))
        session.page("311065-4264").goto(sandbox.url("/esdh/login"))
        session.close()
        session.close()
        return session

    session = in_own_thread(scenario)
    assert not session.is_open
    traces = sorted((tmp_path / "traces").iterdir())
    assert len(traces) == 2
    assert any(t.name.endswith("-ydelse.zip") for t in traces)
    assert all(not contains_cpr(t.name) for t in traces)
    for trace in traces:
        assert zipfile.is_zipfile(trace)
    warnings = [r.getMessage() for r in caplog.records if "in clear" in r.getMessage()]
    assert len(warnings) == 2, "each traced system warns that its trace holds personal data"
    assert not any(contains_cpr(w) for w in warnings)


def test_a_closed_session_starts_again_on_use(sandbox, in_own_thread, tmp_path):
    def scenario() -> None:
        session = BrowserSession(artifacts_dir=tmp_path)
        session.page("ydelse").goto(sandbox.url("/ydelse/login"))
        session.close()
        assert session.open_pages() == {}
        session.page("ydelse").goto(sandbox.url("/ydelse/login"))
        assert session.is_open
        session.close()

    in_own_thread(scenario)


def test_from_environment(clean_browser_env, tmp_path):
    clean_browser_env.chdir(tmp_path)
    default = BrowserSession.from_environment()
    assert default.headless and not default.trace and default.executable is None
    assert (default.default_timeout_ms, default.navigation_timeout_ms) == (15_000, 30_000)
    assert default.artifacts_dir == tmp_path / "artifacts"
    for name, value in {
        "RPA_HEADED": "1",
        "RPA_BROWSER_TRACE": "true",
        "RPA_BROWSER_EXECUTABLE": "/usr/bin/chromium",
        "RPA_BROWSER_TIMEOUT_MS": "2500",
        "RPA_BROWSER_NAVIGATION_TIMEOUT_MS": "9000",
        "RPA_ARTIFACTS_DIR": str(tmp_path / "runs" / "r1"),
    }.items():
        clean_browser_env.setenv(name, value)
    configured = BrowserSession.from_environment(trace=False)
    assert not configured.headless and not configured.trace
    assert configured.executable == "/usr/bin/chromium"
    assert (configured.default_timeout_ms, configured.navigation_timeout_ms) == (2500, 9000)
    assert configured.artifacts_dir == tmp_path / "runs" / "r1"


def test_a_bad_timeout_in_the_environment_names_the_variable(clean_browser_env):
    from rpa_core.errors import ConfigError

    clean_browser_env.setenv("RPA_BROWSER_TIMEOUT_MS", "15s")
    with pytest.raises(ConfigError, match=r"RPA_BROWSER_TIMEOUT_MS .* got '15s'"):
        BrowserSession.from_environment()


def test_one_session_per_process(clean_browser_env):
    from rpa_core.browser import close_current_session, current_session, existing_session, open_session

    close_current_session()
    assert existing_session() is None
    first = current_session()
    assert current_session() is first and existing_session() is first
    replaced = open_session(default_timeout_ms=1234)
    assert replaced is not first and current_session() is replaced
    assert replaced.default_timeout_ms == 1234
    close_current_session()
    close_current_session()
    assert existing_session() is None


def test_sync_api_inside_an_asyncio_loop_is_a_clear_error(tmp_path):
    async def inside_a_loop() -> None:
        BrowserSession(artifacts_dir=tmp_path).page("ydelse")

    with pytest.raises(BrowserSessionError, match="asyncio loop"):
        asyncio.run(inside_a_loop())


def test_missing_browser_is_reported_when_the_session_starts(monkeypatch, in_own_thread, tmp_path):
    monkeypatch.setattr(executable, "_candidates", lambda: ())

    def scenario() -> None:
        session = BrowserSession(artifacts_dir=tmp_path, executable=str(tmp_path / "nope"))
        with pytest.raises(executable.BrowserNotFoundError, match="does not exist"):
            session.page("ydelse")
        assert not session.is_open

    in_own_thread(scenario)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Handle 311065-4264 now", "Handle_311065-XXXX_now"),
        ("3110654264", "311065-XXXX"),
        ("311065 4264: a/b\\c", "311065-XXXX_a_b_c"),
        ("", "page"),
        ("æøå", "page"),
    ],
)
def test_safe_name(text, expected):
    assert safe_name(text) == expected
    assert re.fullmatch(r"[A-Za-z0-9._-]+", safe_name(text))

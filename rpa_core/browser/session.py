"""A browser session: one installed browser per worker process, one context (own cookies) and page per system.

Playwright's *sync* API is used: call a session from ordinary (non-async) code, in the thread that first
used it. It cannot run inside a running asyncio loop (that includes a thread where another sync Playwright
is active); use a separate thread or process there. Robot Framework keywords run in such plain code.

The process-wide session (``current_session()``) is created from the environment on first use and closed
at interpreter exit; keyword libraries share it, so a robot logs into each system once per worker.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpa_core import context
from rpa_core.browser.capture import failure_stem, safe_name, save_html, save_screenshot
from rpa_core.browser.executable import launch_chromium
from rpa_core.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

log = logging.getLogger(__name__)

FAILURES_FOLDER = "failures"
TRACES_FOLDER = "traces"
# Danish robot machines: Danish locale and time zone, a desktop-sized window.
CONTEXT_OPTIONS: dict[str, Any] = {
    "locale": "da-DK",
    "timezone_id": "Europe/Copenhagen",
    "viewport": {"width": 1366, "height": 900},
    "accept_downloads": True,
}
_TRUE = {"1", "true", "yes", "on"}


class BrowserSessionError(RuntimeError):
    """The session cannot be used here (inside an asyncio loop, from another thread)."""


@dataclass
class _System:
    context: BrowserContext
    page: Page


class BrowserSession:
    """Playwright over an installed browser, started on first use; a context and a page per system name.

    ``headless`` is the default (``RPA_HEADED=1`` shows the window). Timeouts are Playwright's, in milliseconds:
    ``default_timeout_ms`` for actions and waits, ``navigation_timeout_ms`` for page loads (Playwright's
    ``expect`` keeps its own 5 s default: pass ``timeout=session.default_timeout_ms`` to it).
    Failure screenshots, HTML and (``trace=True``) Playwright traces go under ``artifacts_dir``.
    """

    def __init__(
        self,
        *,
        headless: bool = True,
        executable: str | None = None,
        default_timeout_ms: int = 15_000,
        navigation_timeout_ms: int = 30_000,
        artifacts_dir: Path | None = None,
        trace: bool = False,
    ) -> None:
        self.headless = headless
        self.executable = executable
        self.default_timeout_ms = default_timeout_ms
        self.navigation_timeout_ms = navigation_timeout_ms
        self.artifacts_dir = Path(artifacts_dir) if artifacts_dir else Path.cwd() / "artifacts"
        self.trace = trace
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._systems: dict[str, _System] = {}
        self._thread: int | None = None
        self._captures = 0
        self.traces: list[Path] = []  # trace files saved by close()

    @classmethod
    def from_environment(cls, **overrides: Any) -> BrowserSession:
        """Settings from the environment the runner sets; keyword arguments (not None) override them.

        ``RPA_HEADED=1``, ``RPA_BROWSER_EXECUTABLE``, ``RPA_BROWSER_TRACE=1``, ``RPA_BROWSER_TIMEOUT_MS``,
        ``RPA_BROWSER_NAVIGATION_TIMEOUT_MS``, ``RPA_ARTIFACTS_DIR`` (default: Robot Framework's output
        directory when running in Robot Framework, else ./artifacts).
        """
        settings: dict[str, Any] = {
            "headless": os.environ.get(context.HEADED, "").strip().lower() not in _TRUE,
            "executable": os.environ.get(context.BROWSER_EXECUTABLE) or None,
            "trace": os.environ.get(context.BROWSER_TRACE, "").strip().lower() in _TRUE,
            "default_timeout_ms": _env_ms(context.BROWSER_TIMEOUT_MS, 15_000),
            "navigation_timeout_ms": _env_ms(context.BROWSER_NAVIGATION_TIMEOUT_MS, 30_000),
            "artifacts_dir": _default_artifacts_dir(),
        }
        settings.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**settings)

    @property
    def is_open(self) -> bool:
        """True while the browser runs (it starts on the first ``page``)."""
        return self._browser is not None

    def open_pages(self) -> dict[str, Page]:
        """The open page of each system, by system name."""
        return {name: s.page for name, s in self._systems.items() if not s.page.is_closed()}

    def start(self) -> None:
        """Start Playwright and the browser now (``page`` does it on first use); fails early without a browser."""
        self._check_thread()
        if self._browser is not None and self._browser.is_connected():
            return
        if self._browser is not None:
            log.warning("the browser has gone away; starting a new one (the systems' logins are lost)")
            self._shutdown(save_traces=False)
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        try:
            self._browser = launch_chromium(playwright, headless=self.headless, executable=self.executable)
        except BaseException:
            playwright.stop()
            raise
        self._playwright = playwright

    def page(self, system: str) -> Page:
        """The page of ``system`` (e.g. ``"ydelse"``): its own context and cookies, the same page every call.

        A page the robot closed is replaced by a new one in the same context (the login stays).
        """
        self.start()
        current = self._systems.get(system)
        if current is not None and not current.page.is_closed():
            return current.page
        if current is not None:
            try:
                current.page = current.context.new_page()
                return current.page
            except Exception as exc:  # the context itself was closed
                log.info("the browser context of system %s is gone (%s); opening a new one", safe_name(system), exc)
        assert self._browser is not None
        browser_context = self._browser.new_context(**CONTEXT_OPTIONS)
        browser_context.set_default_timeout(self.default_timeout_ms)
        browser_context.set_default_navigation_timeout(self.navigation_timeout_ms)
        if self.trace:
            log.warning("tracing system %s: the trace holds the pages in clear, CPR included", safe_name(system))
            browser_context.tracing.start(title=safe_name(system), screenshots=True, snapshots=True)
        self._systems[system] = _System(browser_context, browser_context.new_page())
        return self._systems[system].page

    def capture_failure(self, label: str) -> list[Path]:
        """Screenshot (PNG) and HTML of every open page into ``artifacts_dir``/failures; returns the files.

        Names are ``<time>-p<pid>-<n>-<label>-<system>.png|.html`` with CPR numbers masked; the HTML is
        masked too and the screenshot covers elements that show a CPR number. Never raises: a page that
        cannot be captured is logged and skipped.
        """
        written: list[Path] = []
        try:
            pages = self.open_pages() if self.is_open else {}
            if not pages:
                return written
            folder = self.artifacts_dir / FAILURES_FOLDER
            folder.mkdir(parents=True, exist_ok=True)
            self._captures += 1
            for system, page in pages.items():
                stem = failure_stem(label, system, self._captures, os.getpid())
                for save, suffix in ((save_screenshot, ".png"), (save_html, ".html")):
                    try:
                        written.append(save(page, folder / f"{stem}{suffix}"))
                    except Exception as exc:
                        log.warning("could not save the %s of system %s: %s", suffix, safe_name(system), exc)
        except Exception as exc:
            log.warning("could not capture failure artifacts: %s", exc)
        return written

    def close(self) -> None:
        """Save traces (``trace=True``), close every context, the browser and Playwright. Safe to call twice."""
        if self._playwright is None and self._browser is None:
            return
        self._shutdown(save_traces=self.trace)

    def _shutdown(self, *, save_traces: bool) -> None:
        systems, self._systems = self._systems, {}
        for name, system in systems.items():
            try:
                if save_traces:
                    path = self._trace_path(name)
                    system.context.tracing.stop(path=str(path))
                    self.traces.append(path)
                system.context.close()
            except Exception as exc:
                log.warning("could not close the browser context of system %s: %s", safe_name(name), exc)
        browser, playwright = self._browser, self._playwright
        self._browser = self._playwright = None
        for step in (browser.close if browser else None, playwright.stop if playwright else None):
            try:
                if step is not None:
                    step()
            except Exception as exc:
                log.warning("could not close the browser cleanly: %s", exc)
        self._thread = None

    def _trace_path(self, system: str) -> Path:
        folder = self.artifacts_dir / TRACES_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        return folder / f"{stamp}-p{os.getpid()}-{safe_name(system, 30)}.zip"

    def _check_thread(self) -> None:
        me = threading.get_ident()
        if self._thread not in (None, me):
            raise BrowserSessionError(
                "This browser session was started in another thread; Playwright's sync API must be used from "
                "one thread. Use one session per thread."
            )
        if self._browser is None:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                pass
            else:
                raise BrowserSessionError(
                    "A browser session cannot start inside a running asyncio loop (Playwright's sync API); "
                    "start it from plain code, another thread or another process."
                )
        self._thread = me


def _env_ms(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        milliseconds = int(value)
    except ValueError:
        milliseconds = 0
    if milliseconds <= 0:
        raise ConfigError(f"{name} must be a positive whole number of milliseconds, got '{value}'")
    return milliseconds


def _default_artifacts_dir() -> Path:
    configured = os.environ.get(context.ARTIFACTS_DIR)
    if configured:
        return Path(configured)
    try:
        from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

        try:
            output_dir = BuiltIn().get_variable_value("${OUTPUT DIR}")
        except RobotNotRunningError:
            output_dir = None
    except ImportError:  # pragma: no cover - robotframework is a dependency
        output_dir = None
    return Path(output_dir) if output_dir else Path.cwd() / "artifacts"


_current: BrowserSession | None = None
_lock = threading.Lock()


def current_session() -> BrowserSession:
    """This process's session (one browser per worker), created from the environment on first use."""
    global _current
    with _lock:
        if _current is None:
            _current = BrowserSession.from_environment()
        return _current


def existing_session() -> BrowserSession | None:
    """This process's session if one was created, without creating one."""
    return _current


def open_session(**overrides: Any) -> BrowserSession:
    """Close this process's session, if any, and make a new one from the environment and ``overrides``."""
    global _current
    close_current_session()
    session = BrowserSession.from_environment(**overrides)
    with _lock:
        _current = session
    return session


def close_current_session() -> None:
    """Close this process's session (saving traces); the next ``current_session()`` makes a new one."""
    global _current
    with _lock:
        session, _current = _current, None
    if session is not None:
        session.close()


atexit.register(close_current_session)

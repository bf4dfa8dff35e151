"""Robot Framework keywords over the process's browser session, and the listener that captures failures.

Import in a robot as ``Library    rpa_core.keywords.browser.BrowserKeywords``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from robot.api import logger
from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from rpa_core.browser import close_current_session, current_session, existing_session, open_session
from rpa_core.privacy import mask_text

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Page

    from rpa_core.browser import BrowserSession

# BuiltIn keywords that expect, ignore or retry a failure of the keywords they run: failures inside them are
# not captured (the keyword itself is, when it finally fails).
_HANDLING_KEYWORDS = {
    "runkeywordandexpecterror",
    "runkeywordandignoreerror",
    "runkeywordandreturnstatus",
    "runkeywordandwarnonfailure",
    "waituntilkeywordsucceeds",
}


def _normalize(name: str | None) -> str:
    return (name or "").lower().replace(" ", "").replace("_", "")


def _log_dir(session: BrowserSession) -> Path:
    """Where the log that shows the artifacts will be: Robot Framework's log.html, or the run's folder where
    the runner merges the steps' outputs into one log (the steps themselves write no log)."""
    try:
        log_file = BuiltIn().get_variable_value("${LOG FILE}")
    except RobotNotRunningError:
        log_file = None
    if log_file and log_file.upper() != "NONE":
        return Path(log_file).parent
    return session.artifacts_dir


def log_artifacts(session: BrowserSession, files: list[Path]) -> None:
    """Show failure files in the Robot Framework log: screenshots as images, HTML as links (names masked)."""
    base = _log_dir(session)
    for file in files:
        try:
            link = Path(os.path.relpath(file, base)).as_posix()
        except ValueError:  # another drive on Windows
            link = file.resolve().as_uri()
        link = mask_text(link)
        if file.suffix == ".png":
            html = f'<a href="{link}"><img src="{link}" width="800px" alt="{link}"></a>'
        else:
            html = f'Page HTML at the failure: <a href="{link}">{link}</a>'
        logger.info(html, html=True)


_last_capture: tuple[Any, ...] | None = None


class FailureCaptureListener:
    """Listener v3: when a keyword fails while a browser session is open, capture every page once.

    The innermost failing keyword is captured; its callers, which fail with the same error, are not. Failures
    that are expected or retried (inside TRY, ``Run Keyword And Ignore Error``, ``Wait Until Keyword
    Succeeds``, ...) are not captured, unless the handling keyword itself fails. The session is closed at the
    end of the suite.

    ``BrowserKeywords`` registers it as its library listener. For robots that use the session only through
    other libraries, pass it to Robot Framework: ``--listener rpa_core.keywords.browser.FailureCaptureListener``.
    """

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self) -> None:
        self._handling: list[bool] = []  # per open keyword or TRY branch: does it handle failures inside?
        self._captured_depth: int | None = None
        self._label = ""

    def start_suite(self, data: Any, result: Any) -> None:
        self._reset(result.name)

    def start_test(self, data: Any, result: Any) -> None:
        self._reset(result.name)

    def end_test(self, data: Any, result: Any) -> None:
        if result.failed and self._captured_depth is None:  # e.g. an uncaught failure inside a top-level TRY
            self._capture(f"{result.name} - end of task")
        self._reset(result.parent.name if result.parent else "")

    def start_keyword(self, data: Any, result: Any) -> None:
        self._handling.append(_normalize(getattr(result, "name", "")) in _HANDLING_KEYWORDS)

    def end_keyword(self, data: Any, result: Any) -> None:
        depth = len(self._handling)
        self._handling.pop()
        if not result.failed:
            return
        if self._captured_depth is not None and depth < self._captured_depth:
            self._captured_depth = depth  # a caller failing with the failure already captured
            return
        if any(self._handling):
            return
        if self._capture(f"{self._label} - {result.name}", key=(id(result), result.start_time)):
            self._captured_depth = depth

    def start_try_branch(self, data: Any, result: Any) -> None:
        self._handling.append(result.type == "TRY")

    def end_try_branch(self, data: Any, result: Any) -> None:
        self._handling.pop()

    def end_suite(self, data: Any, result: Any) -> None:
        close_current_session()

    def close(self) -> None:
        close_current_session()

    def _reset(self, label: str) -> None:
        self._handling.clear()
        self._captured_depth = None
        self._label = label

    def _capture(self, label: str, key: tuple[Any, ...] | None = None) -> bool:
        global _last_capture
        if key is not None and key == _last_capture:
            return True  # another instance (library and --listener both) captured this keyword already
        session = existing_session()
        if session is None or not session.is_open:
            return False
        files = session.capture_failure(label)
        log_artifacts(session, files)
        if files:
            _last_capture = key
        return bool(files)


@library(scope="GLOBAL", auto_keywords=False, doc_format="reST")
class BrowserKeywords:
    """The browser for web systems: one installed browser per worker, a separate login per system.

    Each system (``ydelse``, ``esdh``, ...) gets its own browser context, so its own cookies and login, and
    one page that every keyword of that system reuses. The browser starts on first use, headless unless
    ``RPA_HEADED=1``; it is the one installed on the machine (``RPA_BROWSER_EXECUTABLE``, Chromium, Edge or
    Chrome), never a download.

    When a keyword fails while the browser is open, a screenshot and the HTML of every open page are saved in
    the run's ``failures/`` folder and shown in the log, once per failure. CPR numbers are masked in the file
    names and the HTML, and covered in the screenshot. The session closes at the end of the suite.

    Settings from the environment (the runner passes them on): ``RPA_HEADED=1``, ``RPA_BROWSER_TRACE=1``
    (a Playwright trace per system in ``traces/``), ``RPA_BROWSER_TIMEOUT_MS``,
    ``RPA_BROWSER_NAVIGATION_TIMEOUT_MS``, ``RPA_ARTIFACTS_DIR``.

    Example::

        *** Settings ***
        Library    rpa_core.keywords.browser.BrowserKeywords

        *** Tasks ***
        Look At The Payments
            Open Browser Session    timeout=20s
            ${page}=    Get Page For System    ydelse
            Call Method    ${page}    goto    ${SANDBOX}/ydelse/login
            [Teardown]    Close Browser Session
    """

    def __init__(self) -> None:
        self.ROBOT_LIBRARY_LISTENER = FailureCaptureListener()

    @keyword("Open Browser Session")
    def open_browser_session(
        self,
        headless: bool | None = None,
        trace: bool | None = None,
        timeout: timedelta | None = None,
        navigation_timeout: timedelta | None = None,
    ) -> None:
        """Start the browser now, with optional overrides of the environment's settings.

        Opening again closes the session that was open, and its logins. Without this keyword the browser
        starts on the first keyword that needs a page, with the environment's settings.

        - ``headless``: ``False`` shows the browser window (also ``RPA_HEADED=1``).
        - ``trace``: ``True`` records a Playwright trace per system, saved as ``traces/*.zip`` when the
          session closes. A trace holds the pages in clear: use it with test data only.
        - ``timeout``: how long actions and waits may take (default 15 seconds), e.g. ``20s``.
        - ``navigation_timeout``: how long a page may take to load (default 30 seconds), e.g. ``1 min``.

        Fails with how to install a browser when none is found.

        Example::

            Open Browser Session
            Open Browser Session    headless=False    timeout=30s    navigation_timeout=1 min
        """
        session = open_session(
            headless=headless,
            trace=trace,
            default_timeout_ms=_milliseconds(timeout),
            navigation_timeout_ms=_milliseconds(navigation_timeout),
        )
        session.start()
        logger.info(
            f"Browser started ({'headless' if session.headless else 'headed'}, timeouts "
            f"{session.default_timeout_ms} ms / {session.navigation_timeout_ms} ms, "
            f"artifacts in {session.artifacts_dir})"
        )

    @keyword("Close Browser Session")
    def close_browser_session(self) -> None:
        """Close every system's page and login and the browser; saves traces when tracing. Safe to repeat.

        The session also closes by itself at the end of the suite.

        Example::

            [Teardown]    Close Browser Session
        """
        session = existing_session()
        close_current_session()
        for trace in session.traces if session else []:
            logger.info(f"Playwright trace: {mask_text(str(trace))} (open with 'playwright show-trace')")

    @keyword("Capture Failure Artifacts")
    def capture_failure_artifacts(self, label: str = "capture") -> list[str]:
        """Save a screenshot and the HTML of every open page now; returns the files' paths.

        Failures are captured automatically; use this to keep evidence of something that is not a failure,
        e.g. before handing a case to a caseworker. ``label`` becomes part of the file names (CPR numbers in it
        are masked). Does nothing, and returns an empty list, when no browser is open.

        Example::

            ${files}=    Capture Failure Artifacts    Manual handling ${payment_id}
        """
        session = existing_session()
        if session is None or not session.is_open:
            logger.info("No browser is open: nothing to capture.")
            return []
        files = session.capture_failure(label)
        log_artifacts(session, files)
        return [str(file) for file in files]

    @keyword("Get Page For System")
    def get_page_for_system(self, system: str) -> Page:
        """Return the Playwright page of ``system`` (its own context and login), starting the browser if needed.

        For custom steps: the page is a ``playwright.sync_api.Page``. Python keyword libraries get the same
        page with ``rpa_core.browser.current_session().page(system)``.

        Example::

            ${page}=    Get Page For System    ydelse
            Call Method    ${page}    goto    ${BASE_URL}/ydelse/betalinger
            ${title}=    Call Method    ${page}    title
        """
        return current_session().page(system)


def _milliseconds(value: timedelta | None) -> int | None:
    return None if value is None else max(1, round(value.total_seconds() * 1000))

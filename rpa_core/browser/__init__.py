"""Browser sessions: find an installed browser, launch it with Playwright (never download one), and keep one
browser per worker with a context per system; failure screenshots and HTML with CPR numbers masked."""

from rpa_core.browser.executable import (
    CHROMIUM_ARGS,
    BrowserNotFoundError,
    find_browser_executable,
    launch_chromium,
    launch_plan,
)
from rpa_core.browser.session import (
    BrowserSession,
    BrowserSessionError,
    close_current_session,
    current_session,
    existing_session,
    open_session,
)

__all__ = [
    "CHROMIUM_ARGS",
    "BrowserNotFoundError",
    "BrowserSession",
    "BrowserSessionError",
    "close_current_session",
    "current_session",
    "existing_session",
    "find_browser_executable",
    "launch_chromium",
    "launch_plan",
    "open_session",
]

"""Browser sessions: find an installed browser and launch it with Playwright (never download one)."""

from rpa_core.browser.executable import (
    CHROMIUM_ARGS,
    BrowserNotFoundError,
    find_browser_executable,
    launch_chromium,
)

__all__ = ["CHROMIUM_ARGS", "BrowserNotFoundError", "find_browser_executable", "launch_chromium"]

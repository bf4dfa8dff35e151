"""Find an installed Chromium-family browser and launch it headless through Playwright.

Order (DESIGN.md): explicit setting / ``RPA_BROWSER_EXECUTABLE``, known system paths, Playwright's own build.
Nothing here downloads a browser.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Browser, Playwright

ENV_VAR = "RPA_BROWSER_EXECUTABLE"

# Flags for a headless browser on a locked-down robot machine: no background traffic, no sandbox as root.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
)

_POSIX_CANDIDATES = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/usr/bin/microsoft-edge",
    "/snap/bin/chromium",
)
_WINDOWS_CANDIDATES = (
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
)
_MAC_CANDIDATES = (
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)

INSTALL_HINT = (
    "Install one: on Debian/Ubuntu 'apt-get install -y chromium'; on Windows Microsoft Edge is normally present; "
    f"or point {ENV_VAR} at a Chromium, Chrome or Edge executable."
)


class BrowserNotFoundError(RuntimeError):
    """No usable browser executable was found."""


def _candidates() -> tuple[str, ...]:
    if sys.platform.startswith("win"):
        return _WINDOWS_CANDIDATES
    if sys.platform == "darwin":
        return _MAC_CANDIDATES
    return _POSIX_CANDIDATES


def find_browser_executable(setting: str | os.PathLike[str] | None = None) -> Path | None:
    """Return the browser to launch, or None to let Playwright use its own installed build.

    Raises BrowserNotFoundError when an explicit setting or ``RPA_BROWSER_EXECUTABLE`` names a missing file.
    """
    explicit = setting or os.environ.get(ENV_VAR)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            resolved = shutil.which(str(explicit))
            if resolved is None:
                raise BrowserNotFoundError(f"Browser executable '{explicit}' does not exist. {INSTALL_HINT}")
            path = Path(resolved)
        return path
    for candidate in _candidates():
        if Path(candidate).is_file():
            return Path(candidate)
    for name in ("chromium", "chromium-browser", "google-chrome", "msedge"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def launch_chromium(
    playwright: Playwright,
    *,
    headless: bool = True,
    executable: str | os.PathLike[str] | None = None,
    **options: Any,
) -> Browser:
    """Launch an installed Chromium-family browser through Playwright with the project's safe flags."""
    path = find_browser_executable(executable)
    args = list(CHROMIUM_ARGS) + list(options.pop("args", []))
    try:
        return playwright.chromium.launch(
            headless=headless,
            executable_path=str(path) if path else None,
            args=args,
            **options,
        )
    except Exception as exc:  # Playwright raises its own Error when its build is missing too
        if path is None:
            raise BrowserNotFoundError(f"No browser found on this machine. {INSTALL_HINT}") from exc
        raise

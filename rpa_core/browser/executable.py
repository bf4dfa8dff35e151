"""Find an installed Chromium-family browser and launch it headless through Playwright.

Order (DESIGN.md): explicit setting / ``RPA_BROWSER_EXECUTABLE``, known system paths and the PATH, on Windows
Playwright's Edge and Chrome channels, then Playwright's own build. Nothing here downloads a browser.
``RPA_BROWSER_SEARCH_PATH`` (folders, as in PATH) replaces the known paths and the PATH, e.g. to test a machine
without a browser.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpa_core.context import BROWSER_EXECUTABLE

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Browser, Playwright

ENV_VAR = BROWSER_EXECUTABLE
SEARCH_PATH_VAR = "RPA_BROWSER_SEARCH_PATH"

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
# Playwright finds these in their standard places on Windows (per-machine and per-user installs).
WINDOWS_CHANNELS = ("msedge", "chrome")
_PATH_NAMES = ("chromium", "chromium-browser", "google-chrome", "msedge")
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
    source = "the browser executable setting" if setting else ENV_VAR
    explicit = setting or os.environ.get(ENV_VAR)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            resolved = shutil.which(str(explicit))
            if resolved is None:
                raise BrowserNotFoundError(
                    f"{source} names '{explicit}', which does not exist or is not a file. {INSTALL_HINT}"
                )
            path = Path(resolved)
        return path
    search = os.environ.get(SEARCH_PATH_VAR)  # set: only these folders, not the known paths or the PATH
    for candidate in () if search else _candidates():
        if Path(candidate).is_file():
            return Path(candidate)
    for name in _PATH_NAMES:
        found = shutil.which(name, path=search or None)
        if found:
            return Path(found)
    return None


def launch_plan(executable: str | os.PathLike[str] | None = None, platform: str | None = None) -> list[dict[str, str]]:
    """The launch options to try, in order: the found executable, or (Windows) the Edge and Chrome channels,
    then Playwright's own build (an empty dict)."""
    path = find_browser_executable(executable)
    if path is not None:
        return [{"executable_path": str(path)}]
    plan: list[dict[str, str]] = []
    if (platform or sys.platform).startswith("win"):
        plan += [{"channel": channel} for channel in WINDOWS_CHANNELS]
    return [*plan, {}]


def launch_chromium(
    playwright: Playwright,
    *,
    headless: bool = True,
    executable: str | os.PathLike[str] | None = None,
    **options: Any,
) -> Browser:
    """Launch an installed Chromium-family browser through Playwright with the project's safe flags.

    Raises BrowserNotFoundError, with how to install one, when nothing in ``launch_plan`` starts.
    """
    plan = launch_plan(executable)
    args = list(CHROMIUM_ARGS) + list(options.pop("args", []))
    for attempt in plan:
        try:
            return playwright.chromium.launch(headless=headless, args=args, **attempt, **options)
        except Exception as exc:  # Playwright raises its own Error when a channel or its build is missing
            if "executable_path" in attempt:
                raise  # the browser exists but would not start: that error is the useful one
            if attempt is plan[-1]:
                raise BrowserNotFoundError(f"No browser found on this machine. {INSTALL_HINT}") from exc
    raise AssertionError("unreachable: the launch plan always ends with Playwright's own build")

"""The install step for a machine's browser: find the one robots will drive, or install Chromium.

The browser is found in the order of :mod:`rpa_core.browser.executable` (``RPA_BROWSER_EXECUTABLE``, known system
paths and the PATH, Playwright's own build). When there is none: on Debian/Ubuntu Debian's package through
``apt-get`` (as root, or through ``sudo -n``), elsewhere Playwright's installer. This runs only when asked
(``rpa browser ensure``, ``make demo``); a run never downloads a browser.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rpa_core.browser.executable import (
    ENV_VAR,
    SEARCH_PATH_VAR,
    BrowserNotFoundError,
    _candidates,
    find_browser_executable,
)
from rpa_core.errors import UserError

APT_PACKAGE = "chromium"
APT_EXECUTABLE = Path("/usr/bin/chromium")  # where Debian's package puts it
APT = "apt-get"
PLAYWRIGHT = "Playwright's installer"

Command = tuple[str, ...]


class BrowserInstallError(UserError):
    """An install command failed, or installed nothing the finder can use."""

    exit_code = 1


@dataclass(frozen=True)
class Machine:
    """The facts that decide how a browser is installed here."""

    apt_get: bool  # a Debian-family system with apt-get
    root: bool
    sudo: bool  # sudo works without a password prompt
    apt_has_package: bool  # apt's package lists know chromium (else apt-get update first)

    @classmethod
    def this(cls) -> Machine:
        debian = Path("/etc/debian_version").is_file() and shutil.which(APT) is not None
        root = hasattr(os, "geteuid") and os.geteuid() == 0
        return cls(
            apt_get=debian,
            root=root,
            sudo=debian and not root and _succeeds(["sudo", "-n", "true"]),
            apt_has_package=debian and _apt_candidate(APT_PACKAGE),
        )


@dataclass(frozen=True)
class BrowserPlan:
    """Either the browser that is there (``found``), or the commands that install one (``commands``), or why
    nothing can be installed here (``blocked``, naming the command the operator must run)."""

    found: Path | None = None
    source: str = ""  # where it was found
    method: str = ""  # APT or PLAYWRIGHT
    commands: tuple[Command, ...] = ()
    blocked: str = ""

    def describe(self, dry_run: bool = False) -> list[str]:
        """The plan as ``rpa browser ensure`` prints it: what it found, and (``dry_run``) what it would run."""
        if self.found is not None:
            return [f"browser: {self.found} ({self.source})"]
        lines = [f"browser: none found ({_where_looked()})"]
        if dry_run and self.commands:
            lines.append(f"browser: would install Chromium with {self.method}: {_joined(self.commands)}")
        return lines


def _succeeds(command: list[str]) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _apt_candidate(package: str) -> bool:
    """Whether apt could install ``package`` now: ``apt-cache policy`` names a candidate version."""
    try:
        done = subprocess.run(["apt-cache", "policy", package], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    for line in done.stdout.splitlines():
        key, _, value = line.strip().partition(":")
        if key == "Candidate":
            return value.strip() not in ("", "(none)")
    return False


def _joined(commands: tuple[Command, ...]) -> str:
    return " && ".join(shlex.join(command) for command in commands)


def _where_looked() -> str:
    search = os.environ.get(SEARCH_PATH_VAR)
    system = f"nothing in {SEARCH_PATH_VAR}={search}" if search else "none in the known system paths or on the PATH"
    return f"{ENV_VAR} not set, {system}, no Playwright build"


def _source(path: Path) -> str:
    if os.environ.get(ENV_VAR):
        return ENV_VAR
    if os.environ.get(SEARCH_PATH_VAR):
        return SEARCH_PATH_VAR
    return "a known system path" if str(path) in _candidates() else "on the PATH"


def playwright_browser() -> Path | None:
    """Playwright's own Chromium when its installer has put it in place, else None."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path = Path(playwright.chromium.executable_path)
    except Exception:  # no driver, or it would not start: there is no build to use
        return None
    return path if path.is_file() else None


def installed_browser() -> tuple[Path, str] | None:
    """The browser robots will drive and where it was found, or None.

    Raises UserError when ``RPA_BROWSER_EXECUTABLE`` names a missing file.
    """
    try:
        path = find_browser_executable()
    except BrowserNotFoundError as exc:
        raise UserError(str(exc)) from None
    if path is not None:
        return path, _source(path)
    path = playwright_browser()
    return (path, "Playwright's own build") if path is not None else None


def install_plan(machine: Machine) -> BrowserPlan:
    """How Chromium gets installed on ``machine``: apt-get on Debian/Ubuntu, else Playwright's installer."""
    if not machine.apt_get:
        return BrowserPlan(method=PLAYWRIGHT, commands=((sys.executable, "-m", "playwright", "install", "chromium"),))
    steps: tuple[Command, ...] = ((APT, "install", "-y", APT_PACKAGE),)
    if not machine.apt_has_package:  # a fresh machine: apt has no package lists yet
        steps = ((APT, "update"), *steps)
    if machine.root:
        return BrowserPlan(method=APT, commands=steps)
    if machine.sudo:
        return BrowserPlan(method=APT, commands=tuple(("sudo", "-n", *step) for step in steps))
    as_root = _joined(tuple(("sudo", *step) for step in steps)) if shutil.which("sudo") else f"su -c '{_joined(steps)}'"
    return BrowserPlan(
        method=APT,
        blocked=(
            f"no browser found, and installing Chromium needs root: run {as_root} (or point {ENV_VAR} at a "
            "Chromium, Chrome or Edge executable)"
        ),
    )


def browser_plan(machine: Machine | None = None) -> BrowserPlan:
    """The browser that is there, or how one will be installed."""
    found = installed_browser()
    if found is not None:
        return BrowserPlan(found=found[0], source=found[1])
    return install_plan(machine or Machine.this())


def ensure_browser(plan: BrowserPlan, echo: Callable[[str], None] = print) -> Path:
    """Carry out ``plan``: print each command, run it, and return the browser it installed.

    Raises UserError (exit 2) when the plan is blocked, BrowserInstallError (exit 1) when a command fails or
    leaves no browser behind.
    """
    if plan.found is not None:
        return plan.found
    if plan.blocked:
        raise UserError(plan.blocked)
    for command in plan.commands:
        echo(f"browser: installing Chromium with {plan.method}: {shlex.join(command)}")
        code = subprocess.run(command, stdin=subprocess.DEVNULL, check=False).returncode
        if code != 0:
            raise BrowserInstallError(f"'{shlex.join(command)}' failed with exit code {code}; no browser installed")
    path = (APT_EXECUTABLE if APT_EXECUTABLE.is_file() else None) if plan.method == APT else playwright_browser()
    if path is None:
        expected = APT_EXECUTABLE if plan.method == APT else "Playwright's browser folder"
        raise BrowserInstallError(f"'{_joined(plan.commands)}' succeeded but left no browser in {expected}")
    return path

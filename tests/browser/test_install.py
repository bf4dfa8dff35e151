"""The install step for a browser: the plan per kind of machine, and `rpa browser ensure` with the finder blinded."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from support import assert_one_clear_line, rpa

from rpa_core.browser import find_browser_executable
from rpa_core.browser.install import APT, PLAYWRIGHT, Machine, install_plan

DEBIAN = Path("/etc/debian_version").is_file() and shutil.which("apt-get") is not None
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def blind_env(tmp_path) -> dict[str, str]:
    """An environment in which the finder sees no browser: no setting, an empty search path, no Playwright build."""
    empty = tmp_path / "no-browser-here"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "RPA_BROWSER_EXECUTABLE"}
    env.update({"RPA_BROWSER_SEARCH_PATH": str(empty), "PLAYWRIGHT_BROWSERS_PATH": str(empty)})
    return env


def test_root_on_debian_installs_debians_package():
    plan = install_plan(Machine(apt_get=True, root=True, sudo=False, apt_has_package=True))
    assert (plan.method, plan.commands, plan.blocked) == (APT, (("apt-get", "install", "-y", "chromium"),), "")


def test_a_fresh_debian_without_package_lists_updates_them_first():
    plan = install_plan(Machine(apt_get=True, root=True, sudo=False, apt_has_package=False))
    assert plan.commands == (("apt-get", "update"), ("apt-get", "install", "-y", "chromium"))


def test_not_root_uses_sudo_when_it_needs_no_password():
    plan = install_plan(Machine(apt_get=True, root=False, sudo=True, apt_has_package=True))
    assert plan.commands == (("sudo", "-n", "apt-get", "install", "-y", "chromium"),)


def test_not_root_without_sudo_names_the_command_and_installs_nothing():
    plan = install_plan(Machine(apt_get=True, root=False, sudo=False, apt_has_package=True))
    assert plan.commands == ()
    assert "apt-get install -y chromium" in plan.blocked and "root" in plan.blocked


def test_without_apt_playwrights_installer_of_this_python():
    plan = install_plan(Machine(apt_get=False, root=True, sudo=False, apt_has_package=False))
    assert (plan.method, plan.commands) == (PLAYWRIGHT, ((sys.executable, "-m", "playwright", "install", "chromium"),))


def test_search_path_replaces_the_known_paths_and_the_path(monkeypatch, tmp_path):
    monkeypatch.delenv("RPA_BROWSER_EXECUTABLE", raising=False)
    monkeypatch.setenv("RPA_BROWSER_SEARCH_PATH", str(tmp_path))
    assert find_browser_executable() is None
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_browser_executable() == fake


def test_ensure_with_a_browser_names_it_and_installs_nothing(blind_env, tmp_path):
    fake = tmp_path / "my-chrome"
    fake.write_text("")
    result = rpa("browser", "ensure", env={**blind_env, "RPA_BROWSER_EXECUTABLE": str(fake)})
    assert result.returncode == 0, result
    assert result.stdout.strip() == f"browser: {fake} (RPA_BROWSER_EXECUTABLE)"


def test_ensure_with_a_missing_setting_is_one_clear_line(blind_env, tmp_path):
    missing = tmp_path / "nowhere" / "chrome"
    result = rpa("browser", "ensure", "--dry-run", env={**blind_env, "RPA_BROWSER_EXECUTABLE": str(missing)})
    assert_one_clear_line(result, "RPA_BROWSER_EXECUTABLE", str(missing))


@pytest.mark.skipif(not (ROOT and DEBIAN), reason="the apt-get plan is for root on Debian/Ubuntu")
def test_dry_run_without_a_browser_plans_apt_get(blind_env):
    result = rpa("browser", "ensure", "--dry-run", env=blind_env)
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    assert lines[0].startswith("browser: none found (") and "RPA_BROWSER_SEARCH_PATH" in lines[0]
    assert lines[1].startswith("browser: would install Chromium with apt-get: ")
    assert lines[1].endswith("apt-get install -y chromium")


@pytest.mark.slow
@pytest.mark.skipif(not (ROOT and DEBIAN), reason="installs Debian's chromium: needs root and apt-get")
def test_ensure_without_a_browser_installs_debians_chromium(blind_env):
    result = rpa("browser", "ensure", env=blind_env, timeout=900)
    assert result.returncode == 0, result
    assert "browser: installing Chromium with apt-get: apt-get install -y chromium" in result.stdout
    assert result.stdout.splitlines()[-1] == "browser: /usr/bin/chromium (installed with apt-get)"
    assert Path("/usr/bin/chromium").is_file()

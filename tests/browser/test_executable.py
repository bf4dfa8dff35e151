"""Finding an installed browser: the setting, known paths, the PATH, Windows channels, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from rpa_core.browser import BrowserNotFoundError, executable, find_browser_executable, launch_chromium, launch_plan


def test_env_var_naming_a_missing_file_is_a_clear_error(monkeypatch, tmp_path):
    missing = tmp_path / "no-such-chrome"
    monkeypatch.setenv("RPA_BROWSER_EXECUTABLE", str(missing))
    with pytest.raises(BrowserNotFoundError) as caught:
        find_browser_executable()
    message = str(caught.value)
    assert "RPA_BROWSER_EXECUTABLE" in message
    assert str(missing) in message
    assert "apt-get install -y chromium" in message


def test_env_var_pointing_at_a_browser_wins(monkeypatch, tmp_path):
    fake = tmp_path / "my-chromium"
    fake.write_text("")
    monkeypatch.setenv("RPA_BROWSER_EXECUTABLE", str(fake))
    assert find_browser_executable() == fake
    assert launch_plan() == [{"executable_path": str(fake)}]


def test_explicit_setting_beats_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RPA_BROWSER_EXECUTABLE", str(tmp_path / "missing"))
    setting = tmp_path / "edge"
    setting.write_text("")
    assert find_browser_executable(setting) == setting
    with pytest.raises(BrowserNotFoundError, match="browser executable setting"):
        find_browser_executable(tmp_path / "also-missing")


@pytest.fixture
def no_browser_anywhere(monkeypatch, tmp_path):
    """No setting, no known path, an empty PATH and an empty Playwright browser folder."""
    monkeypatch.delenv("RPA_BROWSER_EXECUTABLE", raising=False)
    monkeypatch.setattr(executable, "_candidates", lambda: ())
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(empty))
    return empty


def test_without_any_browser_the_plan_is_playwrights_own_build(no_browser_anywhere):
    assert find_browser_executable() is None
    assert launch_plan(platform="linux") == [{}]


def test_windows_tries_edge_then_chrome_channels_before_playwrights_build(no_browser_anywhere):
    assert launch_plan(platform="win32") == [{"channel": "msedge"}, {"channel": "chrome"}, {}]


def test_launch_without_any_browser_says_how_to_install_one(no_browser_anywhere, in_own_thread):
    from playwright.sync_api import sync_playwright

    def scenario() -> None:
        with sync_playwright() as pw, pytest.raises(BrowserNotFoundError) as caught:
            launch_chromium(pw)
        message = str(caught.value)
        assert "No browser found" in message
        assert "apt-get install -y chromium" in message
        assert "RPA_BROWSER_EXECUTABLE" in message

    in_own_thread(scenario)


def test_known_path_is_found_here():
    if not Path("/usr/bin/chromium").is_file():
        pytest.skip("no /usr/bin/chromium on this machine")
    assert find_browser_executable() is not None

"""A robot's own check of its settings' values (robot.toml [robot] check_settings), before any step runs."""

import shutil
from pathlib import Path

import pytest

from rpa_core.errors import ConfigError
from rpa_core.packaging import load_robot, resolve_settings

MANIFEST = """
[robot]
name = "checked"
{check}

[settings]
share = 0.1
month = ""

[[steps]]
name = "consumer"
tasks = "tasks.robot"
"""

CHECK = """
def check_settings(values):
    problems = []
    if not 0 <= values["share"] <= 1:
        problems.append(("share", "must be from 0 to 1"))
    if values["month"] and len(values["month"]) != 7:
        problems.append(("month", "must be YYYY-MM"))
    return problems


def broken(values):
    raise KeyError("no such setting")
"""


def make_robot(folder: Path, check: str = 'check_settings = "checked_pkg.rules:check_settings"', module: str = CHECK):
    (folder / "robot.toml").write_text(MANIFEST.format(check=check))
    (folder / "tasks.robot").write_text("*** Tasks ***\nT\n    No Operation\n")
    package = folder / "checked_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "rules.py").write_text(module)
    return load_robot(folder)


@pytest.fixture(autouse=True)
def forget_robot_package(monkeypatch):
    """Each test writes its own checked_pkg; do not let one test's import serve the next."""
    import sys

    for name in [n for n in sys.modules if n.startswith("checked_pkg")]:
        monkeypatch.delitem(sys.modules, name)
    yield
    for name in [n for n in sys.modules if n.startswith("checked_pkg")]:
        del sys.modules[name]


def test_good_values_pass_and_the_robot_folder_leaves_the_path(tmp_path):
    import sys

    robot = make_robot(tmp_path)
    assert resolve_settings(robot, environ={}, overrides=["month=2024-11"]).values["month"] == "2024-11"
    assert str(robot.directory) not in sys.path


def test_every_problem_at_once_with_value_and_source(tmp_path):
    robot = make_robot(tmp_path)
    with pytest.raises(ConfigError) as caught:
        resolve_settings(robot, environ={"RPA_SETTING_SHARE": "1.5"}, overrides=["month=24-11"])
    message = str(caught.value)
    assert "robot 'checked': 2 settings not valid" in message
    assert "share = 1.5 (environment RPA_SETTING_SHARE): must be from 0 to 1" in message
    assert "month = '24-11' (command line --set): must be YYYY-MM" in message


def test_check_can_be_skipped_to_show_the_values(tmp_path):
    robot = make_robot(tmp_path)
    assert resolve_settings(robot, environ={}, overrides=["share=7"], check=False).values["share"] == 7.0


def test_a_cpr_in_a_bad_value_is_masked(tmp_path):
    robot = make_robot(tmp_path)
    with pytest.raises(ConfigError) as caught:
        resolve_settings(robot, environ={}, overrides=["month=311065-4264"])
    assert "311065-4264" not in str(caught.value) and "311065-XXXX" in str(caught.value)


@pytest.mark.parametrize(
    ("check", "words"),
    [
        ('check_settings = "missing_pkg.rules:check_settings"', ["robot.check_settings", "cannot import 'missing_pkg"]),
        ('check_settings = "checked_pkg.rules:nothing"', ["robot.check_settings", "has no function 'nothing'"]),
        ('check_settings = "checked_pkg.rules:broken"', ["robot.check_settings", "the check failed: KeyError"]),
    ],
)
def test_a_broken_check_is_a_clear_error_not_an_unchecked_run(tmp_path, check, words):
    robot = make_robot(tmp_path, check=check)
    with pytest.raises(ConfigError) as caught:
        resolve_settings(robot, environ={})
    for word in words:
        assert word in str(caught.value)


def test_the_check_must_name_module_and_function(tmp_path):
    with pytest.raises(ConfigError, match=r"robot\.check_settings: must name a Python function"):
        make_robot(tmp_path, check='check_settings = "checked_pkg.rules"')


def test_a_fork_and_its_original_each_get_their_own_check_in_one_process(tmp_path):
    """Both robots have a package ``flexloen``; the fork's stricter check must not be the original's cached one."""
    root = Path(__file__).resolve().parents[2]
    original = load_robot(root / "robots" / "flexloen")
    resolve_settings(original, environ={})  # imports the original's package
    fork = tmp_path / "fork"
    shutil.copytree(root / "robots" / "flexloen", fork, ignore=shutil.ignore_patterns("__pycache__"))
    settings_py = fork / "flexloen" / "settings.py"
    anchor = "    problems += _payment_month("
    text = settings_py.read_text(encoding="utf-8")
    assert anchor in text
    refuse = '    problems.append(("unit", "the fork refuses every unit"))\n'
    settings_py.write_text(text.replace(anchor, refuse + anchor), encoding="utf-8")
    with pytest.raises(ConfigError, match="the fork refuses every unit"):
        resolve_settings(load_robot(fork), environ={})
    resolve_settings(original, environ={})  # and the original's own check again

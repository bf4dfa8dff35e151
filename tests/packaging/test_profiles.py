"""Settings for one municipality: robot defaults < profile < environment < command line, with clear errors."""

from pathlib import Path

import pytest

from rpa_core.errors import ConfigError
from rpa_core.packaging import load_robot, resolve_settings

MANIFEST = """
[robot]
name = "demo"

[settings]
unit = "FLEKS"
spot_check_share = 0.05
max_items = 100
send_mail = true
rates = {}

[[steps]]
name = "consumer"
tasks = "tasks.robot"
"""


@pytest.fixture
def robot(tmp_path: Path):
    (tmp_path / "robot.toml").write_text(MANIFEST)
    (tmp_path / "tasks.robot").write_text("*** Tasks ***\nT\n    No Operation\n")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "skanderborg.toml").write_text(
        '[profile]\nmunicipality = "Skanderborg Kommune"\n\n[settings]\nunit = "FJ"\nspot_check_share = 0.1\n'
        'rates = { 2026 = { max = "20000", threshold = "16500", source = "STAR" } }\n'
    )
    return load_robot(tmp_path)


def test_precedence_defaults_profile_environment_command_line(robot):
    settings = resolve_settings(
        robot,
        profile="skanderborg",
        environ={"RPA_SETTING_SPOT_CHECK_SHARE": "0.2", "RPA_SETTING_MAX_ITEMS": "50"},
        overrides=["max_items=7", "send_mail=no"],
    )
    assert settings.values == {
        "unit": "FJ",
        "spot_check_share": 0.2,
        "max_items": 7,
        "send_mail": False,
        "rates": {"2026": {"max": "20000", "threshold": "16500", "source": "STAR"}},
    }
    assert settings.sources["unit"] == "profile skanderborg.toml"
    assert settings.sources["spot_check_share"] == "environment RPA_SETTING_SPOT_CHECK_SHARE"
    assert settings.sources["max_items"] == "command line --set"
    assert settings.profile_info == {"municipality": "Skanderborg Kommune"}


def test_defaults_without_profile(robot):
    assert resolve_settings(robot, environ={}).values["unit"] == "FLEKS"


def test_profile_cannot_invent_a_setting(robot):
    (robot.directory / "profiles" / "typo.toml").write_text('[settings]\nunti = "FJ"\n')
    with pytest.raises(ConfigError, match=r"typo\.toml: settings\.unti: unknown setting; the robot has: unit"):
        resolve_settings(robot, profile="typo", environ={})


def test_profile_value_must_have_the_defaults_type(robot):
    (robot.directory / "profiles" / "bad.toml").write_text('[settings]\nmax_items = "many"\n')
    with pytest.raises(ConfigError, match=r"bad\.toml: settings\.max_items: must be a whole number"):
        resolve_settings(robot, profile="bad", environ={})


def test_unknown_profile_lists_the_known_ones(robot):
    with pytest.raises(ConfigError, match=r"no profile 'syddjurs' \(profiles: skanderborg\)"):
        resolve_settings(robot, profile="syddjurs", environ={})


@pytest.mark.parametrize(
    ("environ", "overrides", "words"),
    [
        ({"RPA_SETTING_MAX_ITEMS": "lots"}, [], "RPA_SETTING_MAX_ITEMS: must be a whole number"),
        ({}, ["send_mail=maybe"], "--set send_mail: must be true/false"),
        ({}, ["colour=red"], "--set colour=red: use NAME=VALUE with a setting of the robot"),
        ({}, ["unit"], "--set unit: use NAME=VALUE"),
    ],
)
def test_bad_environment_and_command_line_values(robot, environ, overrides, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        resolve_settings(robot, environ=environ, overrides=overrides)


def test_settings_become_robot_variables(tmp_path):
    from rpa_core.runner import Runner
    from rpa_core.store import open_store

    hello = load_robot(Path(__file__).resolve().parents[2] / "examples" / "hello")
    settings = resolve_settings(hello, profile="danish", environ={})
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    result = Runner(store, hello, runs_dir=tmp_path / "runs", settings=settings).run()
    assert result.exit_code == 0
    assert "Hej, item 1!" in (result.artifacts_dir / "output.xml").read_text(encoding="utf-8")

"""Robot Framework's own options for every step: `--rf-option` and robot.toml's `[run] robot_options`."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import assert_one_clear_line, rpa

from rpa_core.errors import ConfigError
from rpa_core.packaging import load_robot
from rpa_core.packaging.rf_options import rf_option_args
from rpa_core.runner import Runner
from rpa_core.store import open_store

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello"
TASKS = """\
*** Tasks ***
Smoke Task
    [Tags]    smoke
    Log    debug line of the smoke task    level=DEBUG

Other Task
    Log    the other task ran
"""
DEBUG_MESSAGE = 'level="DEBUG">debug line of the smoke task</msg>'


def tiny_robot(folder: Path, run_table: str = "") -> Path:
    (folder / "tasks").mkdir(parents=True)
    (folder / "tasks" / "t.robot").write_text(TASKS)
    (folder / "robot.toml").write_text(
        f"[robot]\nname = 'tiny'\n{run_table}\n[[steps]]\nname = 'only'\ntasks = 'tasks/t.robot'\n"
    )
    return folder


def step_output(runs: Path) -> str:
    (output,) = runs.glob("*/only/output.xml")
    return output.read_text(encoding="utf-8")


def test_rf_options_reach_every_step(tmp_path):
    robot = tiny_robot(tmp_path / "tiny")
    result = rpa(
        "run",
        str(robot),
        "--store",
        f"sqlite:///{tmp_path / 's.db'}",
        "--runs-dir",
        str(tmp_path / "runs"),
        "--rf-option=--loglevel=DEBUG",
        "--rf-option=--include=smoke",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result
    output = step_output(tmp_path / "runs")
    assert DEBUG_MESSAGE in output
    assert "Other Task" not in output  # --include=smoke selected only the tagged task


@pytest.fixture
def sqlite_store(tmp_path):
    opened = open_store(f"sqlite:///{(tmp_path / 'store.db').as_posix()}")
    yield opened
    opened.close()


def test_manifest_robot_options_apply_and_the_default_log_level_has_no_debug(tmp_path, sqlite_store):
    with_options = tiny_robot(tmp_path / "with", "[run]\nrobot_options = ['--loglevel', 'DEBUG']\n")
    assert load_robot(with_options).manifest.run.robot_options == ["--loglevel", "DEBUG"]
    Runner(sqlite_store, load_robot(with_options), runs_dir=tmp_path / "runs-with", preflight=False).run()
    output = step_output(tmp_path / "runs-with")
    assert DEBUG_MESSAGE in output and "the other task ran" in output

    plain = tiny_robot(tmp_path / "plain")
    Runner(sqlite_store, load_robot(plain), runs_dir=tmp_path / "runs-plain", preflight=False).run()
    assert DEBUG_MESSAGE not in step_output(tmp_path / "runs-plain")


@pytest.mark.parametrize("command", ["run", "worker"])
def test_a_runner_owned_option_is_one_clear_line_and_creates_nothing(tmp_path, command):
    work = tmp_path / "work"
    work.mkdir()
    result = rpa(command, str(HELLO), "--rf-option=--output=mine.xml", "--runs-dir", "runs", cwd=work)
    assert_one_clear_line(result, "--rf-option '--output=mine.xml'", "--output cannot be given")
    assert list(work.iterdir()) == []  # no .rpa store, no runs folder


def test_a_runner_owned_option_in_robot_toml_names_the_file_and_field(tmp_path):
    robot = tiny_robot(tmp_path / "tiny", "[run]\nrobot_options = ['--listener', 'my.Listener']\n")
    work = tmp_path / "work"
    work.mkdir()
    result = rpa("run", str(robot), cwd=work)
    assert_one_clear_line(result, "robot.toml", "run.robot_options", "--listener cannot be given")
    assert list(work.iterdir()) == []


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("-d elsewhere", ["--outputdir cannot be given"]),
        ("--norpa", ["--rpa cannot be given"]),
        ("--variable=A:1", ["--variable cannot be given", "rpa run --variable"]),
        ("--bogus", ["--bogus not recognized"]),
        ("--loglevel=LOUD", ["--loglevel", "LOUD"]),
        ("DEBUG", ["'DEBUG' is not an option"]),
        ("--include=a --exclude=b", ["one option per --rf-option"]),
    ],
)
def test_bad_rf_options_are_refused_by_name(value, words):
    with pytest.raises(ConfigError) as caught:
        rf_option_args([value])
    message = str(caught.value)
    assert message.startswith(f"--rf-option '{value}': ") and "\n" not in message
    for word in words:
        assert word in message


def test_each_value_is_one_option_as_robot_framework_reads_it():
    values = ["--loglevel=DEBUG", "-L TRACE", "--include smoke", "--exitonfailure"]
    assert rf_option_args(values) == ("--loglevel=DEBUG", "-L", "TRACE", "--include", "smoke", "--exitonfailure")


def test_a_library_caller_gets_the_same_refusal(sqlite_store):
    with pytest.raises(ConfigError, match="--prerunmodifier cannot be given"):
        Runner(sqlite_store, load_robot(HELLO), rf_options=("--prerunmodifier", "x.Y"))

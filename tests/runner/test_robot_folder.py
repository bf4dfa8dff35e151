"""Each step runs in the robot's folder (as rcc does) with ROBOT_ROOT and ROBOT_ARTIFACTS; path settings keep
the operator's meaning."""

import subprocess
import sys
from pathlib import Path

from rpa_core.packaging import load_robot, resolve_settings
from rpa_core.packaging.setting_paths import absolute_paths, is_path_setting

TASKS = """\
*** Settings ***
Library    OperatingSystem

*** Tasks ***
Read Devdata And Write Where The Operator Meant
    ${text}    Get File    devdata${/}x.txt
    Log To Console    devdata says ${text}
    Log To Console    root=%{ROBOT_ROOT}
    Log To Console    artifacts=%{ROBOT_ARTIFACTS}
    Should Be True    os.path.isabs($out_file)    modules=os
    Create File    ${out_file}    written
"""

MANIFEST = """\
[robot]
name = "folder_robot"

[settings]
out_file = "default-out.txt"
unit = "FLEKS"

[[steps]]
name = "producer"
tasks = "tasks/main.robot"
"""


def _robot(tmp_path: Path) -> Path:
    folder = tmp_path / "folder_robot"
    (folder / "tasks").mkdir(parents=True)
    (folder / "devdata").mkdir()
    (folder / "robot.toml").write_text(MANIFEST, encoding="utf-8")
    (folder / "tasks" / "main.robot").write_text(TASKS, encoding="utf-8")
    (folder / "devdata" / "x.txt").write_text("hello from devdata", encoding="utf-8")
    return folder


def test_step_runs_in_robot_folder_and_set_path_stays_the_operators(tmp_path):
    robot = _robot(tmp_path)
    operator = tmp_path / "operator"
    (operator / "out").mkdir(parents=True)
    command = [
        sys.executable, "-m", "rpa_core.cli.main", "run", str(robot),
        "--set", "out_file=out/result.txt",
        "--store", "sqlite:///state.db",  # relative: the operator's, in the step too
        "--runs-dir", "runs",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=operator, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr

    assert (operator / "out" / "result.txt").read_text(encoding="utf-8") == "written"
    assert not (robot / "out").exists()
    assert (operator / "state.db").is_file() and not (robot / "state.db").exists()
    [run_dir] = (operator / "runs").iterdir()  # --runs-dir is the operator's too
    console = (run_dir / "producer" / "console.log").read_text(encoding="utf-8")
    assert "devdata says hello from devdata" in console
    assert f"root={robot.resolve()}" in console
    assert f"artifacts={(run_dir / 'producer').resolve()}" in console


def test_only_path_settings_are_made_absolute(tmp_path):
    robot = load_robot(_robot(tmp_path))
    settings = resolve_settings(robot, environ={}, overrides=["unit=reports"])
    values = absolute_paths(settings.values, tmp_path)
    assert values == {"out_file": str(tmp_path.resolve() / "default-out.txt"), "unit": "reports"}
    assert is_path_setting("report_folder") and is_path_setting("master_data_workbook")
    assert is_path_setting("smtp_ca_file") and not is_path_setting("mailbox")
    absolute = str(tmp_path / "x.xlsx")
    assert absolute_paths({"a_file": absolute, "b_file": "", "c_path": "https://x/y"}, Path("/elsewhere")) == {
        "a_file": absolute,
        "b_file": "",
        "c_path": "https://x/y",
    }


def test_child_environment_paths_are_absolute(tmp_path, monkeypatch):
    from rpa_core.runner.process import StepContext, robot_environment

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RPA_SECRETS_FILE", "mine/secrets.toml")
    robot = load_robot(_robot(tmp_path))
    ctx = StepContext(store_url="sqlite:///state.db", run_id="r", worker_id="w", output_dir=Path("runs/r/producer"))
    env = robot_environment(robot, robot.manifest.steps[0], ctx)
    assert env["RPA_STORE_URL"] == f"sqlite:///{(tmp_path / 'state.db').resolve().as_posix()}"
    assert env["RPA_SECRETS_FILE"] == str((tmp_path / "mine" / "secrets.toml").resolve())
    assert env["ROBOT_ROOT"] == str(robot.directory) and env["ROBOT_ARTIFACTS"] == str(tmp_path / "runs/r/producer")
    assert "RPA_DECLARED_SECRETS" not in env

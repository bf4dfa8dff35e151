"""A robot that needs Control Room (its process API, its asset storage) is refused before it runs, naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from rpa_core.errors import ConfigError
from rpa_core.packaging import load_robot, resolve_settings
from rpa_core.runner.preflight import check_robot, ensure_runnable

RF_TASKS = """*** Settings ***
Library    RPA.Robocorp.Process


*** Tasks ***
Start Another
    ${runs}=    List Process Runs
    Log    ${runs}
"""
PY_TASKS = """from robocorp.tasks import task
from RPA.Robocorp.Process import Process


@task
def start_another():
    Process().list_process_runs()
"""


def _robot(folder: Path, tasks_file: str, text: str, task_line: str) -> Path:
    folder.mkdir()
    (folder / tasks_file).write_text(text, encoding="utf-8")
    (folder / "robot.yaml").write_text(
        f"tasks:\n  Start another:\n    {task_line}\nPYTHONPATH: [.]\n", encoding="utf-8"
    )
    return folder


STORAGE_TASKS = """from robocorp import storage
from robocorp.tasks import task


@task
def read_asset():
    storage.get_text("prices")
"""


@pytest.mark.parametrize(
    ("tasks_file", "text", "task_line", "line"),
    [
        ("tasks.py", STORAGE_TASKS, "shell: python -m robocorp.tasks run tasks.py -t read_asset", 1),
        ("tasks.robot", RF_TASKS, "robotTaskName: Start Another", 2),
        ("tasks.py", PY_TASKS, "shell: python -m robocorp.tasks run tasks.py -t start_another", 2),
    ],
)
def test_a_control_room_library_is_a_problem_naming_file_and_line(tmp_path, tasks_file, text, task_line, line) -> None:
    robot = load_robot(_robot(tmp_path / "r", tasks_file, text, task_line))
    settings = resolve_settings(robot, environ={})

    report = check_robot(robot, settings, credentials=False)

    found = [p for p in report.problems if "which rpa does not have" in p]
    assert len(found) == 1
    library = "robocorp.storage" if "storage" in text else "RPA.Robocorp.Process"
    assert f"{tasks_file}:{line}: {library} is Robocorp Control Room's" in found[0]
    with pytest.raises(ConfigError, match="nothing was run"):
        ensure_runnable(robot, settings)

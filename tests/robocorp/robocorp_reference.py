"""Robocorp robots run two ways: as rcc runs them locally (Robocorp's own FileAdapter, step by step) and by ``rpa run``.

The robots under ``robots/`` hold only what a Robocorp robot holds: robot.yaml, conda.yaml, task files,
``resources/`` and ``libraries/``, and ``devdata/work-items-in/<name>/work-items.json``. Each test works on copies
of them in its tmp folder, so neither side writes into the repository (rcc's ``output/`` artifacts folder, Python
caches), and each side has a copy of its own.

The reference side does what rcc does for a task of robot.yaml: the robot folder is the working directory,
``ROBOT_ROOT`` and ``ROBOT_ARTIFACTS`` are set, robot.yaml's ``PYTHONPATH`` and ``PATH`` folders are put first, and the
task's command is run with this interpreter as ``python``: for ``robotTaskName`` rcc's own command
(``python -m robot --report NONE --outputdir output --logtitle "Task log" --task NAME .``), for ``shell`` and
``command`` the command written there. The work items go through the FileAdapter the way Robocorp's tools set it up
locally: rpaframework's (``RPA_WORKITEMS_ADAPTER``, ``RPA_INPUT_WORKITEM_PATH``, ``RPA_OUTPUT_WORKITEM_PATH``) and
robocorp-workitems' (``RC_WORKITEM_ADAPTER``, ``RC_WORKITEM_INPUT_PATH``, ``RC_WORKITEM_OUTPUT_PATH``). Step i's
output work-items.json is step i+1's input, as Control Room chains a process's steps.

Neither FileAdapter writes down how an input was released: rpaframework's logs it (read back from output.xml),
robocorp-workitems' keeps it in memory, so the Python tasks run on a subclass that also notes each release
(robocorp_release_log.py). Outputs are what each FileAdapter writes, untouched.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
ROBOTS = HERE / "robots"
ARTIFACTS = "output"  # robot.yaml's artifactsDir in every robot here


# ------------------------------------------------------------------ test data


ORDER_ROWS = [  # the rf-producer-consumer robot's orders.xlsx: order ids, companies, no personal data
    ("Order Id", "Customer", "Item", "Quantity", "Note"),
    ("ORD-1001", "Alfa ApS", "Office chair", 4, None),
    ("ORD-1002", "Beta A/S", "Standing desk", 0, None),  # a quantity of 0: BUSINESS, INVALID_ORDER
    ("ORD-1003", "Gamma IVS", "Desk lamp", 2, "order system down"),  # APPLICATION, ORDER_SYSTEM_DOWN
    ("ORD-1004", "Ærø Møbler K/S", "Bookshelf", 1, None),
    ("ORD-1005", None, "Whiteboard", 3, None),  # no customer: BUSINESS, INVALID_ORDER
]


def write_orders_workbook(path: Path) -> Path:
    """The orders.xlsx that rf-producer-consumer's devdata item carries, written with openpyxl."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Orders"
    for row in ORDER_ROWS:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def copy_robot(name: str, destination: Path) -> Path:
    """A copy of ``robots/<name>`` at ``destination/<name>`` (the folder keeps its name: it names the robot)."""
    target = destination / name
    shutil.copytree(ROBOTS / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ARTIFACTS))
    return target


# ------------------------------------------------------------------ robot.yaml as rcc reads it


@dataclass(frozen=True)
class Task:
    name: str  # the key under robot.yaml's tasks
    command: list[str]  # as rcc would start it, "python" still first
    kind: str  # "robot" or "python"


def robot_yaml(robot: Path) -> dict[str, Any]:
    return yaml.safe_load((robot / "robot.yaml").read_text(encoding="utf-8"))


def tasks(robot: Path) -> list[Task]:
    """robot.yaml's tasks in the order written, each with the command rcc runs for it."""
    result = []
    for name, spec in robot_yaml(robot)["tasks"].items():
        if "robotTaskName" in spec:  # rcc's taskCommand(): the whole robot folder is the suite
            command = ["python", "-m", "robot", "--report", "NONE", "--outputdir", ARTIFACTS]
            command += ["--logtitle", "Task log", "--task", spec["robotTaskName"], "."]
        elif "shell" in spec:
            command = shlex.split(spec["shell"])
        else:
            command = list(spec["command"])
        kind = "python" if command[:3] == ["python", "-m", "robocorp.tasks"] else "robot"
        result.append(Task(name, command, kind))
    return result


def slug(text: str) -> str:
    """Our runner's step and robot names for robot.yaml's task names and the folder: "Consume data" -> consume-data."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ------------------------------------------------------------------ the reference side


@dataclass
class Release:
    """How a step released one input item, from the FileAdapter's log line."""

    item: int  # the input's index in its work-items.json
    state: str  # DONE or FAILED
    exception: dict | None


@dataclass
class StepResult:
    task: Task
    process: subprocess.CompletedProcess
    inputs: Path  # the work-items.json it read
    outputs: Path  # the work-items.json it wrote (missing when it created no output)
    releases: list[Release] = field(default_factory=list)

    def output_items(self) -> list[dict]:
        return read_items(self.outputs) if self.outputs.is_file() else []


def rcc_environment(robot: Path, task: Task, inputs: Path, outputs: Path, release_log: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RPA_", "RC_", "ROBOT_"))}
    spec = robot_yaml(robot)
    python_path = [str(robot / entry) for entry in spec.get("PYTHONPATH", [])]
    path = [str(robot / entry) for entry in spec.get("PATH", [])] + [str(Path(sys.executable).parent)]
    env |= {
        "ROBOT_ROOT": str(robot),
        "ROBOT_ARTIFACTS": str(robot / spec.get("artifactsDir", ARTIFACTS)),
        "PYTHONPATH": os.pathsep.join(python_path + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])),
        "PATH": os.pathsep.join([*path, env.get("PATH", "")]),
        "PYTHONIOENCODING": "utf-8",
    }
    if task.kind == "python":
        env |= {
            "RC_WORKITEM_ADAPTER": "robocorp_release_log.FileAdapterWithReleaseLog",  # FileAdapter, releases noted
            "RC_WORKITEM_INPUT_PATH": str(inputs),
            "RC_WORKITEM_OUTPUT_PATH": str(outputs),
            "RELEASE_LOG": str(release_log),
            "PYTHONPATH": os.pathsep.join([env["PYTHONPATH"], str(HERE)]),
        }
    else:
        env |= {
            "RPA_WORKITEMS_ADAPTER": "RPA.Robocorp.WorkItems.FileAdapter",
            "RPA_INPUT_WORKITEM_PATH": str(inputs),
            "RPA_OUTPUT_WORKITEM_PATH": str(outputs),
        }
    return env


_RELEASE = re.compile(r"Releasing item '(\d+)' with (\w+) state and exception: (.*)$", re.S)


def _releases_in_output_xml(output_xml: Path) -> list[Release]:
    """rpaframework's FileAdapter records a release nowhere but its log: the messages in output.xml (in the suite,
    not again in the errors section, where its ERROR messages for failed items are repeated)."""
    found = []
    for message in ET.parse(output_xml).getroot().find("suite").iter("msg"):
        if match := _RELEASE.search(message.text or ""):
            found.append(_release(match))
    return found


def _releases_in_log(release_log: Path) -> list[Release]:
    """robocorp-workitems' FileAdapter keeps a release in memory only: robocorp_release_log notes them."""
    if not release_log.is_file():
        return []
    return [Release(**json.loads(line)) for line in release_log.read_text(encoding="utf-8").splitlines()]


def _release(match: re.Match) -> Release:
    exception = ast.literal_eval(match.group(3).strip())  # the log shows the exception dict as Python writes it
    return Release(int(match.group(1)), match.group(2), exception)


def run_like_rcc(robot: Path, task: Task, inputs: Path, outputs: Path, timeout: float = 120) -> StepResult:
    """One task of robot.yaml as rcc runs it locally, on FileAdapter work items ``inputs`` -> ``outputs``."""
    artifacts = robot / ARTIFACTS
    shutil.rmtree(artifacts, ignore_errors=True)  # rcc empties the artifacts folder before a run
    artifacts.mkdir()
    command = [sys.executable, *task.command[1:]]
    outputs.parent.mkdir(parents=True, exist_ok=True)
    release_log = outputs.parent / "releases.jsonl"
    process = subprocess.run(
        command,
        cwd=robot,
        env=rcc_environment(robot, task, inputs, outputs, release_log),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
    result = StepResult(task, process, inputs, outputs)
    if task.kind == "robot":
        output_xml = artifacts / "output.xml"
        if output_xml.is_file():
            result.releases = _releases_in_output_xml(output_xml)
        kept = outputs.parent / f"{slug(task.name)}-output.xml"
        if output_xml.is_file():
            shutil.copy(output_xml, kept)
    else:
        result.releases = _releases_in_log(release_log)
    return result


def run_process_like_control_room(robot: Path, first_input: Path, work: Path) -> list[StepResult]:
    """Every task of robot.yaml in order; step i+1's input is step i's output work-items.json."""
    results = []
    inputs = first_input
    for number, task in enumerate(tasks(robot), start=1):
        outputs = work / f"step-{number}-{slug(task.name)}" / "work-items.json"
        result = run_like_rcc(robot, task, inputs, outputs)
        results.append(result)
        assert result.process.returncode == 0, describe(result)
        if not outputs.is_file():
            break
        inputs = outputs
    return results


def describe(result: StepResult) -> str:
    return f"{result.task.name}: {result.task.command}\n{result.process.stdout}\n{result.process.stderr}"


# ------------------------------------------------------------------ work-items.json, FileAdapter's format


def read_items(work_items_json: Path) -> list[dict]:
    """Each item's payload and files (name -> bytes), the paths resolved as FileAdapter resolves them."""
    items = json.loads(work_items_json.read_text(encoding="utf-8"))
    return [
        {
            "payload": item.get("payload"),
            "files": {
                name: (Path(path) if Path(path).is_absolute() else work_items_json.parent / path).read_bytes()
                for name, path in (item.get("files") or {}).items()
            },
        }
        for item in items
    ]

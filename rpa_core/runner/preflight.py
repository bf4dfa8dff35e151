"""The check before a robot runs: its files parse, every keyword it calls exists, what it declares is there.

``rpa robot check`` runs all of it; ``rpa run`` and ``rpa worker`` run the parse check and the dry run before
any step starts, so a broken task file stops the run with exit code 2 instead of charging work items:

- the manifest and the profile (loaded before this module is reached) and the robot's own settings check;
- settings a fork's municipality has not decided yet (the profile's ``[undecided]``);
- parse errors in the task files, the robot's resource files and its local overrides;
- Robot Framework's dry run over every task file: unknown keywords, wrong argument counts, failed imports;
- each declared system's URL setting holds a URL; each declared credential is in the vault with its keys;
- the fork's keyword overrides, what each replaces, and a warning where their arguments differ;
- a Robocorp robot (robot.yaml): its Python task files parse, its conda.yaml/package.yaml packages are installed.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from rpa_core import context
from rpa_core.errors import ConfigError, UserError
from rpa_core.packaging import MANIFEST_NAME, Robot, Settings, StepKind
from rpa_core.packaging.overrides import Override, find_overrides
from rpa_core.packaging.parse_check import control_room_problems, parse_problems, task_files
from rpa_core.packaging.settings_check import settings_problems
from rpa_core.paths import display_path
from rpa_core.runner.process import robot_options
from rpa_core.vault import SecretStore

DRY_RUN_TIMEOUT_SECONDS = 300
FILE_ADAPTER = "RPA.Robocorp.WorkItems.FileAdapter"


@dataclass
class CheckReport:
    """What the check found: problems (the robot must not run), warnings, and the overrides in force."""

    robot: Robot
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    task_file_count: int = 0

    def summary(self, settings: Settings) -> str:
        info = self.robot.manifest
        profile = f", profile {settings.profile}" if settings.profile else ""
        source = f" ({self.robot.manifest_file})" if self.robot.manifest_file != MANIFEST_NAME else ""
        return (
            f"robot {info.robot.name} {info.robot.version}{source}{profile}: {self.task_file_count} task file(s), "
            f"{len(info.systems)} system(s), {len(info.credentials)} credential(s), "
            f"{len(self.overrides)} override(s), {len(self.warnings)} warning(s): "
            + (f"{len(self.problems)} problem(s)" if self.problems else "ok")
        )


def dry_run_problems(robot: Robot, settings: Settings, variables: tuple[str, ...] = ()) -> list[str]:
    """Robot Framework's dry run over every task file, in a child process that touches no store or system."""
    with tempfile.TemporaryDirectory(prefix="rpa-check-") as temp:
        folder = Path(temp)
        problems_file = folder / "problems.jsonl"
        work_item = folder / "input.json"
        work_item.write_text('[{"payload": {}, "files": {}}]', encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "robot",
            "--dryrun",
            *robot_options(robot, settings.write_variable_file(folder / "settings.json"), variables),
            "--prerunmodifier",
            "rpa_core.runner.dryrun.CallEveryKeyword",
            "--listener",
            f"rpa_core.runner.dryrun.DryRunProblems;{problems_file}",
            "--output",
            "NONE",
            "--log",
            "NONE",
            "--report",
            "NONE",
            "--console",
            "none",
            *[str(path) for path in task_files(robot)],
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("RPA_") or k.startswith("RPA_SECRET")}
        env.update(
            {
                # rpaframework's file adapter with one empty item: a dry run claims nothing from the store.
                context.WORKITEMS_ADAPTER: FILE_ADAPTER,
                "RPA_INPUT_WORKITEM_PATH": str(work_item),
                "RPA_OUTPUT_WORKITEM_PATH": str(folder / "output.json"),
                context.SECRET_MANAGER: context.VAULT_ADAPTER_PATH,
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.setdefault(context.SECRETS_FILE, os.environ.get(context.SECRETS_FILE) or str(Path(".rpa", "secrets.toml")))
        try:
            done = subprocess.run(
                command,
                env=env,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=DRY_RUN_TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return [f"{display_path(robot.directory)}: the dry run took more than {DRY_RUN_TIMEOUT_SECONDS} s"]
        records = [json.loads(line) for line in problems_file.read_text(encoding="utf-8").splitlines() if line]
        if done.returncode >= 251 and not records:  # Robot Framework could not run at all
            last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
            return [f"{display_path(robot.directory)}: the dry run could not start: {last}"]
    problems: list[str] = []
    for record in records:
        where = display_path(record["source"]) if record["source"] else ""
        line = f"{where}:{record['lineno']}: " if where and record["lineno"] else (f"{where}: " if where else "")
        text = f"{line}{record['message']}"
        if text not in problems:
            problems.append(text)
    return problems


def system_problems(robot: Robot, settings: Settings) -> list[str]:
    """A declared system whose URL setting does not hold an http(s) URL."""
    manifest = display_path(robot.directory / MANIFEST_NAME)
    problems = []
    for index, system in enumerate(robot.manifest.systems):
        value = str(settings.values.get(system.url_setting, ""))
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            source = settings.sources.get(system.url_setting, "")
            problems.append(
                f"{manifest}: systems[{index}] ({system.name}): setting {system.url_setting} = {value!r} ({source}) "
                "is not a URL; use http://host/path or https://host/path"
            )
    return problems


def credential_problems(robot: Robot, store: SecretStore | None = None) -> list[str]:
    """A declared credential missing from the vault, or lacking a key; never a secret's value."""
    secrets = store or SecretStore()
    manifest = display_path(robot.directory / MANIFEST_NAME)
    problems = []
    for index, credential in enumerate(robot.manifest.credentials):
        where = f"{manifest}: credentials[{index}] ({credential.name})"
        try:
            values = secrets.get(credential.name)
        except UserError as exc:
            problems.append(f"{where}: {exc}")
            continue
        missing = [key for key in credential.keys if not values.get(key)]
        if missing:
            problems.append(f"{where}: the vault entry lacks {', '.join(missing)} (it has {', '.join(sorted(values))})")
    return problems


def fallback_warnings(robot: Robot, store: SecretStore | None = None) -> list[str]:
    """Production mode: a declared credential served from the development fallback (the secrets TOML file or
    RPA_SECRET_* variables) instead of the store's encrypted vault."""
    secrets = store or SecretStore()
    manifest = display_path(robot.directory / MANIFEST_NAME)
    return [
        f"{manifest}: credentials[{index}] ({credential.name}): served from the development fallback "
        f"({secrets.path} or RPA_SECRET_* variables), not the encrypted vault; "
        f"`rpa vault import {secrets.path}` or `rpa vault set {credential.name} FIELD` moves it there"
        for index, credential in enumerate(robot.manifest.credentials)
        if not secrets.in_vault(credential.name)
    ]


def override_notes(robot: Robot) -> tuple[list[Override], list[str]]:
    """The fork's overrides, and a warning for each that replaces nothing or whose arguments differ."""
    overrides = find_overrides(robot.directory, task_files(robot))
    warnings = []
    for override in overrides:
        where = override.keyword.where()
        if override.replaces is None:
            warnings.append(f"{where}: '{override.keyword.name}' overrides no keyword of the robot or shared keywords")
        elif override.arguments_differ:
            warnings.append(
                f"{where}: '{override.keyword.name}' takes ({', '.join(override.keyword.args)}) but the keyword it "
                f"replaces at {override.replaces.where()} takes ({', '.join(override.replaces.args)}); "
                "did upstream change it?"
            )
    return overrides, warnings


def python_task_files(robot: Robot) -> list[Path]:
    """The Python task files (robocorp.tasks) of the robot's python steps."""
    files: list[Path] = []
    for step in robot.manifest.steps:
        if step.kind is StepKind.PYTHON and (path := robot.directory / step.tasks) not in files:
            files.append(path)
    return files


def python_task_problems(robot: Robot) -> list[str]:
    """A python step's tasks file that is not a file or does not parse, as ``file:line: message``."""
    problems = []
    for path in python_task_files(robot):
        shown = display_path(path)
        try:
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as exc:
            problems.append(f"{shown}:{exc.lineno or '?'}: {type(exc).__name__}: {exc.msg}")
        except UnicodeDecodeError:
            problems.append(f"{shown}: not UTF-8 text")
        except OSError as exc:
            problems.append(f"{shown}: a python step's tasks must be a .py file: {exc.strerror}")
    return problems


def robocorp_notes(robot: Robot) -> tuple[list[str], list[str]]:
    """A robot.yaml robot: its environment file's packages not installed here (problems), and warnings."""
    from rpa_core.packaging.robocorp import ROBOT_YAML, read_robot_yaml, robot_yaml_warnings
    from rpa_core.packaging.robocorp_deps import dependency_notes

    if robot.manifest_file != ROBOT_YAML:
        return [], []
    try:
        problems, warnings = dependency_notes(robot.directory, read_robot_yaml(robot.directory))
        return problems, warnings + robot_yaml_warnings(robot.directory)
    except ConfigError as exc:
        return [str(exc)], []


def check_robot(
    robot: Robot,
    settings: Settings,
    *,
    credentials: bool = True,
    variables: tuple[str, ...] = (),
    production: bool = False,
) -> CheckReport:
    """Every check of ``rpa robot check``; with ``credentials=False`` the vault is not consulted; ``production``
    warns for each credential that the development fallback, not the encrypted vault, serves."""
    report = CheckReport(robot=robot, task_file_count=len(task_files(robot)) + len(python_task_files(robot)))
    report.problems += settings.undecided_problems()
    report.problems += settings_problems(robot, settings)
    report.problems += system_problems(robot, settings)
    parse = parse_problems(robot) + python_task_problems(robot)
    report.problems += parse + control_room_problems(robot, python_task_files(robot))
    if not parse and task_files(robot):  # the dry run would repeat each parse error as a failed task
        report.problems += dry_run_problems(robot, settings, variables)
    environment, notes = robocorp_notes(robot)
    report.problems += environment
    if credentials:
        report.problems += credential_problems(robot)
    try:
        report.overrides, report.warnings = override_notes(robot)
    except ConfigError as exc:
        report.problems.append(str(exc))
    report.warnings += notes
    if credentials and production:
        report.warnings += fallback_warnings(robot)
    return report


def ensure_runnable(robot: Robot, settings: Settings, variables: tuple[str, ...] = ()) -> None:
    """Before a run: the task files parse and every keyword exists; else a ConfigError listing each problem."""
    problems = parse_problems(robot) + python_task_problems(robot)
    if not problems and task_files(robot):
        problems = dry_run_problems(robot, settings, variables)
    problems += control_room_problems(robot, python_task_files(robot))
    environment = robocorp_notes(robot)[0]
    if problems or environment:
        found = (("its task files", problems), ("its environment", environment))
        where = " and ".join(name for name, lines in found if lines)
        every = problems + environment
        count = f"{len(every)} problem{'s' if len(every) != 1 else ''}"
        lines = "\n  ".join(every)
        raise ConfigError(
            f"robot '{robot.name}': {count} in {where}, nothing was run "
            f"(rpa robot check {display_path(robot.directory)} lists them too):\n  {lines}"
        )

"""Robocorp's ``robot.yaml`` as a robot: its tasks become our steps, in robot.toml's vocabulary.

A folder with ``robot.yaml`` and no ``robot.toml`` is a robot: each task is a step named by a slug of the task
name, the steps chained by queues as Control Room chains a process's steps. A ``robot.toml`` with a
``[robocorp]`` table (and no ``[[steps]]``) adds the robot's name, settings, queue policy, credentials and
systems, and chooses which tasks become steps::

    [robocorp]
    [[robocorp.tasks]]
    task = "Consume data"     # robot.yaml's task name
    name = "consumer"         # optional step name (default: slug of the task name)
    input_queue = "orders"    # optional; output_queue and workers likewise

Tasks rpa can run: ``robotTaskName: X``, ``shell: python -m robot ... FILE`` and
``shell: python -m robocorp.tasks run FILE.py [-t TASK]`` (``command:`` lists alike).
"""

from __future__ import annotations

import getopt
import re
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rpa_core.errors import ConfigError

if TYPE_CHECKING:
    from rpa_core.packaging.manifest import Robot

ROBOT_YAML = "robot.yaml"
TOML_NAME = "robot.toml"
SUPPORTED = "supported are robotTaskName, 'python -m robot ...' and 'python -m robocorp.tasks run ...'"
KNOWN_FIELDS = ("tasks", "devTasks", "environmentConfigs", "condaConfigFile", "artifactsDir", "PATH", "PYTHONPATH")
KNOWN_FIELDS += ("ignoreFiles", "preRunScripts")
# Options rcc's templates always pass, whose files the runner writes itself, and --rpa (every step runs in
# RPA mode): dropped without a word.
_REPLACED = frozenset({"outputdir", "output", "log", "report", "logtitle", "reporttitle", "rpa"})
_PYTHONS = re.compile(r"^python(3(\.\d+)?)?(\.exe)?$")
_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"})
# robocorp.tasks run's options that only shape its own output: dropped; True when they take a value.
_TASKS_OUTPUT_OPTIONS = dict.fromkeys(
    ("--output-dir", "-o", "--max-log-files", "--max-log-file-size", "--console-colors", "--log-output-to-stdout"), True
) | {"--teardown-dump-threads-timeout": True, "--no-status-rc": False}


def slug(text: str) -> str:
    """``text`` as a step or robot name: lower case, each run of other characters one '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(_FOLD)).strip("-")


class _TaskMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str = Field(min_length=1, description="the task's name in robot.yaml")
    name: str | None = None
    input_queue: str | None = None
    output_queue: str | None = None
    workers: int | None = Field(None, ge=1, le=64)


class _RobocorpTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tasks: list[_TaskMapping] = Field(default_factory=list)


def _one_line(error: ValidationError, prefix: str) -> str:
    from rpa_core.packaging.manifest import _location

    parts = []
    for err in error.errors():
        where = _location((prefix, *err["loc"]))
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field; [[robocorp.tasks]] has task, name, input_queue, output_queue and workers"
        elif err["type"] == "missing":
            message = "required field is missing"
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def read_robot_yaml(folder: Path) -> dict[str, Any]:
    """``robot.yaml`` in ``folder`` as a mapping with a non-empty ``tasks`` mapping; else one ConfigError line."""
    import yaml

    path = folder / ROBOT_YAML
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML: {problem}{line}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must be a mapping with tasks:, PYTHONPATH:, ... (it is {type(data).__name__})")
    tasks = data.get("tasks")
    if not isinstance(tasks, dict) or not tasks:
        raise ConfigError(f"{path}: tasks: required: a mapping of task names to robotTaskName:, shell: or command:")
    return data


def _folders(data: dict[str, Any], key: str, path: Path) -> list[str]:
    value = data.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(entry, str) and entry.strip() for entry in value):
        raise ConfigError(f"{path}: {key}: must be a list of folders relative to the robot folder, like [., libraries]")
    bad = [entry for entry in value if Path(entry).is_absolute()]
    if bad:
        raise ConfigError(f"{path}: {key}: entries are folders relative to the robot folder, not {', '.join(bad)}")
    return list(value)


def _robot_step(words: list[str], where: str) -> dict[str, Any]:
    """``python -m robot`` options and data source as a step's tasks, task and robot_options."""
    from rpa_core.packaging.rf_options import RUNNER_OWNED, _parser, robot_options_problem

    parser = _parser()
    args = [parser._normalize_long_option(word) for word in words]
    try:
        pairs, sources = getopt.getopt(args, parser._short_opts, parser._long_opts)
    except getopt.GetoptError as exc:
        raise ConfigError(f"{where}: {exc.msg} (Robot Framework's options)") from None
    tasks: list[str] = []
    options: list[str] = []
    for option, value in pairs:
        name = parser._get_name(option)
        if name in ("task", "test"):
            tasks.append(value)
        elif name in _REPLACED:
            continue
        elif name in RUNNER_OWNED or (name.startswith("no") and name[2:] in RUNNER_OWNED):
            raise ConfigError(f"{where}: --{name} cannot be given: {RUNNER_OWNED.get(name) or RUNNER_OWNED[name[2:]]}")
        else:
            options += [f"--{name}", value] if value or f"{name}=" in parser._long_opts else [f"--{name}"]
    if len(sources) != 1:
        found = f"{len(sources)}: {', '.join(sources)}" if sources else "none"
        raise ConfigError(f"{where}: give one Robot Framework file or folder to run (found {found})")
    if len(tasks) > 1:
        raise ConfigError(f"{where}: give at most one --task (found {', '.join(tasks)})")
    if options and (problem := robot_options_problem(options)):
        raise ConfigError(f"{where}: {problem}")
    return {"kind": "robot", "tasks": sources[0], "task": tasks[0] if tasks else None, "robot_options": options}


def _python_step(words: list[str], where: str) -> dict[str, Any]:
    """``python -m robocorp.tasks run FILE [-t TASK]`` as a python step."""
    files: list[str] = []
    tasks: list[str] = []
    rest = list(words)
    while rest:
        word = rest.pop(0)
        option, eq, value = word.partition("=")
        if option in ("-t", "--task"):
            if not eq:
                if not rest:
                    raise ConfigError(f"{where}: {option} needs a task name")
                value = rest.pop(0)
            tasks.append(value)
        elif option in _TASKS_OUTPUT_OPTIONS:
            if _TASKS_OUTPUT_OPTIONS[option] and not eq and rest:
                rest.pop(0)
        elif word.startswith("-"):
            raise ConfigError(f"{where}: option {option} of robocorp.tasks run is not supported here; use -t TASK")
        else:
            files.append(word)
    if len(files) != 1 or not files[0].endswith(".py"):
        found = ", ".join(files) or "none"
        raise ConfigError(f"{where}: give one .py file to python -m robocorp.tasks run (found {found})")
    if len(tasks) > 1:
        raise ConfigError(f"{where}: give at most one -t TASK (found {', '.join(tasks)})")
    return {"kind": "python", "tasks": files[0], "task": tasks[0] if tasks else None}


def task_step(name: str, task: Any, path: Path) -> dict[str, Any]:
    """One robot.yaml task as a step's kind, tasks, task and robot_options; else a ConfigError naming it."""
    where = f"{path}: tasks.'{name}'"
    if not isinstance(task, dict):
        raise ConfigError(f"{where}: must be a mapping with robotTaskName:, shell: or command:")
    given = [key for key in ("robotTaskName", "shell", "command") if key in task]
    unknown = [str(key) for key in task if key not in ("robotTaskName", "shell", "command")]
    if unknown or len(given) != 1:
        found = ", ".join(unknown or given) or "nothing"
        raise ConfigError(f"{where}: give exactly one of robotTaskName, shell or command (found {found})")
    value = task[given[0]]
    if given[0] == "robotTaskName":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: robotTaskName: must be the name of a task in the robot's .robot files")
        return {"kind": "robot", "tasks": ".", "task": value, "robot_options": []}
    if given[0] == "shell":
        if not isinstance(value, str):
            raise ConfigError(f"{where}: shell: must be a command line")
        shown = value
        try:
            words = shlex.split(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: shell: {exc}") from None
    else:
        if not isinstance(value, list) or not all(isinstance(word, str) for word in value):
            raise ConfigError(f"{where}: command: must be a list of words, like [python, -m, robot, tasks.robot]")
        words, shown = list(value), shlex.join(value)
    if len(words) >= 3 and _PYTHONS.match(words[0]) and words[1] == "-m" and words[2] == "robot":
        return _robot_step(words[3:], where)
    if words and words[0] == "robot":
        return _robot_step(words[1:], where)
    if len(words) >= 4 and _PYTHONS.match(words[0]) and words[1:4] == ["-m", "robocorp.tasks", "run"]:
        return _python_step(words[4:], where)
    raise ConfigError(f"{where}: cannot run '{shown}': {SUPPORTED}")


def _steps(folder: Path, data: dict[str, Any], robot: str, mapping: _RobocorpTable | None) -> list[dict[str, Any]]:
    """The steps as ``[[steps]]`` tables: the listed tasks (else all, in robot.yaml's order), chained by queues."""
    from rpa_core.packaging.manifest import Step, _describe

    path = folder / ROBOT_YAML
    tasks: dict[str, Any] = {str(name): task for name, task in data["tasks"].items()}
    chosen = mapping.tasks if mapping and mapping.tasks else [_TaskMapping(task=name) for name in tasks]
    steps: list[dict[str, Any]] = []
    owner: dict[str, str] = {}
    for index, choice in enumerate(chosen):
        where = f"{folder / TOML_NAME}: robocorp.tasks[{index}]" if mapping and mapping.tasks else None
        if choice.task not in tasks:
            known = ", ".join(f"'{name}'" for name in tasks)
            raise ConfigError(f"{where}.task: '{choice.task}' is not a task of {ROBOT_YAML} (it has {known})")
        step = {
            "name": choice.name or slug(choice.task) or f"task-{index + 1}",
            **task_step(choice.task, tasks[choice.task], path),
        }
        if step["name"] in owner:
            raise ConfigError(
                f"{where or path}: tasks '{owner[step['name']]}' and '{choice.task}' would both be step "
                f"'{step['name']}'; give them names in robot.toml's [[robocorp.tasks]]"
            )
        owner[step["name"]] = choice.task
        previous = steps[-1]["output_queue"] if steps else None
        step["input_queue"] = choice.input_queue or previous
        # the last step's outputs too: Control Room keeps every step's outputs, and they can be exported
        step["output_queue"] = choice.output_queue or f"{robot}.{step['name']}"
        if choice.workers is not None:
            step["workers"] = choice.workers
        step = {key: value for key, value in step.items() if value is not None}
        try:
            Step.model_validate(step)
        except ValidationError as exc:
            raise ConfigError(f"{where or path}: tasks.'{choice.task}': {_describe(exc)}") from None
        if not (folder / step["tasks"]).exists():
            raise ConfigError(f"{path}: tasks.'{choice.task}': '{step['tasks']}' does not exist in {folder}")
        steps.append(step)
    return steps


def load_robocorp_robot(folder: Path, toml_data: dict[str, Any] | None = None) -> Robot:
    """The robot in ``folder`` from its ``robot.yaml``, with ``robot.toml``'s tables (``toml_data``) if it has one."""
    from rpa_core.packaging.manifest import Manifest, Robot, _describe

    folder = Path(folder)
    yaml_path, toml_path = folder / ROBOT_YAML, folder / TOML_NAME
    data = dict(toml_data or {})
    mapping: _RobocorpTable | None = None
    if toml_data is not None:
        if "steps" in data:
            raise ConfigError(
                f"{toml_path}: steps: with [robocorp] the steps come from {ROBOT_YAML}; "
                "list them under [[robocorp.tasks]] instead of [[steps]]"
            )
        if not yaml_path.is_file():
            raise ConfigError(f"{toml_path}: robocorp: the robot's steps come from {ROBOT_YAML}, and {folder} has none")
        table = data.pop("robocorp")
        try:
            mapping = _RobocorpTable.model_validate(table if isinstance(table, dict) else {"tasks": table})
        except ValidationError as exc:
            raise ConfigError(f"{toml_path}: {_one_line(exc, 'robocorp')}") from None
    robot_yaml = read_robot_yaml(folder)
    name = slug(folder.resolve().name) or "robot"
    data.setdefault("robot", {"name": name, "version": "0.0.0", "description": "Robocorp robot (robot.yaml)"})
    robot_name = data["robot"].get("name", name) if isinstance(data["robot"], dict) else name
    run = data.setdefault("run", {})
    if isinstance(run, dict):
        for key, field in (("PYTHONPATH", "pythonpath"), ("PATH", "path")):
            given = _folders(robot_yaml, key, yaml_path)
            own = run.get(field, [])
            run[field] = given + [entry for entry in own if entry not in given] if isinstance(own, list) else own
    data["steps"] = _steps(folder, robot_yaml, str(robot_name), mapping)
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{toml_path if toml_data is not None else yaml_path}: {_describe(exc)}") from None
    return Robot(directory=folder.resolve(), manifest=manifest, manifest_file=ROBOT_YAML)


def robot_yaml_warnings(folder: Path) -> list[str]:
    """What robot.yaml asks for that rpa does not do: preRunScripts, fields it does not know."""
    from rpa_core.paths import display_path

    data = read_robot_yaml(folder)
    shown = display_path(folder / ROBOT_YAML)
    warnings = []
    if data.get("preRunScripts"):
        scripts = data["preRunScripts"] if isinstance(data["preRunScripts"], list) else [data["preRunScripts"]]
        warnings.append(
            f"{shown}: preRunScripts are not run here: {', '.join(map(str, scripts))} (run them yourself if needed)"
        )
    unknown = [str(key) for key in data if key not in KNOWN_FIELDS]
    if unknown:
        warnings.append(f"{shown}: ignored, not known: {', '.join(unknown)} (known: {', '.join(KNOWN_FIELDS)})")
    return warnings

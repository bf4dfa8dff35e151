"""The robot manifest ``robot.toml``: what the robot is and its steps in order.

[robot]
name = "hello"
version = "1.0.0"
check_settings = "my_robot.settings:check_settings"   # optional: the robot's own check of its settings' values

[queue]                      # optional: retry and lease policy of the robot's queues
max_attempts = 3
backoff_seconds = 5
lease_seconds = 300

[run]                        # optional
kill_switch = 5              # stop the run after this many application errors in a row

[[steps]]
name = "producer"
tasks = "tasks/producer.robot"
output_queue = "hello"       # work items it creates go here

[[steps]]
name = "consumer"
tasks = "tasks/consumer.robot"
input_queue = "hello"        # takes work items from here
workers = 2                  # parallel Robot Framework processes for this step
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rpa_core.errors import ConfigError

MANIFEST_NAME = "robot.toml"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_SETTING = re.compile(r"^[a-z][a-z0-9_]*$")
_FUNCTION = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RobotInfo(_Strict):
    name: str = Field(description="lower-case id: letters, digits, '-', '_', '.'")
    version: str = "0.0.0"
    description: str = ""
    check_settings: str | None = Field(
        None, description="'module:function' in the robot's folder that checks the resolved settings' values"
    )

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be lower-case letters, digits, '-', '_' or '.', starting with a letter or digit")
        return value

    @field_validator("check_settings")
    @classmethod
    def _valid_function(cls, value: str | None) -> str | None:
        if value is not None and not _FUNCTION.match(value):
            raise ValueError(f"must name a Python function as 'package.module:function', got '{value}'")
        return value


class QueueSettings(_Strict):
    max_attempts: int = Field(3, ge=1, le=100)
    backoff_seconds: float = Field(5.0, ge=0, le=86_400)
    lease_seconds: float = Field(300.0, gt=0, le=86_400)


class RunSettings(_Strict):
    kill_switch: int | None = Field(5, ge=1, description="consecutive application errors that stop the run")


class Step(_Strict):
    name: str
    tasks: str = Field(description="Robot Framework file or folder, relative to the robot folder")
    task: str | None = Field(None, description="only this task of the file")
    input_queue: str | None = None
    output_queue: str | None = None
    workers: int = Field(1, ge=1, le=64)

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be lower-case letters, digits, '-', '_' or '.'")
        return value

    @model_validator(mode="after")
    def _workers_need_input(self) -> Step:
        if self.workers > 1 and not self.input_queue:
            raise ValueError("workers > 1 needs an input_queue (only a step that takes work items runs in parallel)")
        return self

    @property
    def takes_work_items(self) -> bool:
        return self.input_queue is not None


class Manifest(_Strict):
    robot: RobotInfo
    queue: QueueSettings = QueueSettings()
    run: RunSettings = RunSettings()
    steps: list[Step] = Field(min_length=1)
    settings: dict[str, Any] = Field(
        default_factory=dict, description="the robot's settings and their defaults; a profile may change them"
    )

    @field_validator("settings")
    @classmethod
    def _setting_names(cls, value: dict[str, Any]) -> dict[str, Any]:
        bad = [key for key in value if not _SETTING.match(key)]
        if bad:
            raise ValueError(f"setting names must be lower-case identifiers (letters, digits, _): {', '.join(bad)}")
        return value

    @model_validator(mode="after")
    def _unique_steps(self) -> Manifest:
        names = [step.name for step in self.steps]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"step names must be unique; repeated: {', '.join(duplicates)}")
        return self


class Robot(BaseModel):
    """A loaded robot: its folder and its validated manifest."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    directory: Path
    manifest: Manifest

    @property
    def name(self) -> str:
        return self.manifest.robot.name

    def step(self, name: str) -> Step:
        for step in self.manifest.steps:
            if step.name == name:
                return step
        known = ", ".join(s.name for s in self.manifest.steps)
        raise ConfigError(f"{self.directory / MANIFEST_NAME}: no step named '{name}' (steps: {known})")

    def consumer_steps(self) -> list[Step]:
        return [s for s in self.manifest.steps if s.takes_work_items]


def _location(loc: tuple) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts) or "(top level)"


def _describe(error: ValidationError) -> str:
    lines = []
    for err in error.errors():
        where = _location(err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "required field is missing"
        lines.append(f"{where}: {message}")
    return "; ".join(lines)


def load_robot(directory: str | Path) -> Robot:
    """Read and check ``robot.toml`` in ``directory``; every problem is a ConfigError naming file and field."""
    folder = Path(directory)
    path = folder / MANIFEST_NAME
    if not folder.is_dir():
        raise ConfigError(f"robot folder '{folder}' does not exist")
    if not path.is_file():
        raise ConfigError(f"'{folder}' is not a robot: it has no {MANIFEST_NAME}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from None
    for index, step in enumerate(manifest.steps):
        if not (folder / step.tasks).exists():
            raise ConfigError(f"{path}: steps[{index}].tasks: '{step.tasks}' does not exist in {folder}")
    return Robot(directory=folder.resolve(), manifest=manifest)

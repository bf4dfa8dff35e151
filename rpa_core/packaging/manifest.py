"""The robot manifest ``robot.toml``: what the robot is, what it needs, what a municipality may set, its steps.

[robot]
name = "hello"
version = "1.0.0"                     # semantic version (MAJOR.MINOR.PATCH)
description = "..."
owner = "Skanderborg Kommune"         # the municipality that maintains this robot
licence = "MIT"                       # an SPDX licence id or expression
check_settings = "my_robot.settings:check_settings"   # optional: the robot's own check of its settings' values

[[systems]]                           # the systems the robot uses
name = "ydelsessystem"
kind = "web"                          # web or api
url_setting = "ydelse_url"            # the setting that holds its address

[[credentials]]                       # the vault entries it needs (Get Secret    ydelse)
name = "ydelse"
keys = ["username", "password"]
description = "the robot's login to the benefits system"

[queue]                      # optional: retry and lease policy of the robot's queues
max_attempts = 3
backoff_seconds = 5
lease_seconds = 300
reference = "reference"      # output items' unique reference: a payload variable or "flexloen:{cpr}:{month}"

[run]                        # optional
kill_switch = 5              # stop the run after this many application errors in a row
robot_options = ["--loglevel", "DEBUG"]   # Robot Framework options for every step (not the runner's own)

[privacy]                    # optional: payload fields holding a citizen's name, masked as [navn] in every log
name_fields = ["name", "navn"]   # default: rpa_core.privacy.payloads.DEFAULT_NAME_FIELDS

[retention]                  # optional: days kept, or "keep" (the default); a profile may change them
runs_days = 90               # run folders; payload_days: final items' payloads; reports_days: report files

[settings]                   # every setting with its default; profiles/<municipality>.toml changes them
greeting = "Hello"

[[steps]]
name = "producer"
tasks = "tasks/producer.robot"
output_queue = "hello"       # work items it creates go here

[[steps]]
name = "consumer"
tasks = "tasks/consumer.robot"
input_queue = "hello"        # takes work items from here
workers = 2                  # parallel Robot Framework processes for this step

[[schedules]]                # optional: when `rpa scheduler` starts runs (rpa_core.packaging.schedules)
name = "nightly"
cron = "30 2 * * *"          # or bank_day_of_month = [2, 11] with at = "06:00"
bank_days = "next"

[upstream]                   # written by `rpa robot fork` and `upstream merge`, never by hand (see upstream.py)
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rpa_core.errors import ConfigError
from rpa_core.packaging.references import check_reference_source
from rpa_core.packaging.schedules import Schedule, check_unique_names
from rpa_core.privacy.payloads import DEFAULT_NAME_FIELDS
from rpa_core.privacy.retention import RetentionSettings

MANIFEST_NAME = "robot.toml"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_SETTING = re.compile(r"^[a-z][a-z0-9_]*$")
_FUNCTION = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _spdx_problem(value: str) -> str | None:
    """None when ``value`` is a known SPDX licence id or expression, else what is wrong with it."""
    from license_expression import ExpressionError, get_spdx_licensing

    licensing = get_spdx_licensing()
    try:  # validate() itself fails on some bad syntax ("MIT AND"), so parse first
        expression = licensing.parse(value, strict=True)
    except ExpressionError as exc:
        return str(exc)
    info = licensing.validate(value, strict=True)
    if info.errors:
        return "; ".join(info.errors)
    # license_expression also knows other names for a licence ("GPL" for GPL-1.0-or-later); SPDX ids only here
    ids = {symbol.key.lower() for symbol in licensing.license_symbols(expression, decompose=True)}
    words = [word for word in re.split(r"[\s()]+", value) if word and word.upper() not in ("AND", "OR", "WITH")]
    others = [word for word in words if word.lower() not in ids]
    if others:
        return f"{', '.join(others)} is not a current SPDX id (it would mean {expression})"
    return None


class RobotInfo(_Strict):
    name: str = Field(description="lower-case id: letters, digits, '-', '_', '.'")
    version: str = Field("0.0.0", description="semantic version MAJOR.MINOR.PATCH, e.g. 1.4.0")
    description: str = ""
    owner: str = Field("", description="the municipality (or team) that maintains the robot")
    licence: str = Field("", description="SPDX licence id or expression, e.g. MIT or EUPL-1.2")
    check_settings: str | None = Field(
        None, description="'module:function' in the robot's folder that checks the resolved settings' values"
    )
    minutes_per_case: float | None = Field(
        None, ge=0, le=1440, description="minutes a caseworker spends on one case by hand; the dashboard's savings"
    )

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be lower-case letters, digits, '-', '_' or '.', starting with a letter or digit")
        return value

    @field_validator("version")
    @classmethod
    def _valid_version(cls, value: str) -> str:
        from semver import Version

        if not Version.is_valid(value):
            raise ValueError(f"must be a semantic version MAJOR.MINOR.PATCH like 1.4.0, got '{value}'")
        return value

    @field_validator("licence")
    @classmethod
    def _valid_licence(cls, value: str) -> str:
        if value and (problem := _spdx_problem(value)):
            raise ValueError(f"must be an SPDX licence id or expression like MIT or EUPL-1.2: {problem}")
        return value

    @field_validator("check_settings")
    @classmethod
    def _valid_function(cls, value: str | None) -> str | None:
        if value is not None and not _FUNCTION.match(value):
            raise ValueError(f"must name a Python function as 'package.module:function', got '{value}'")
        return value


class SystemKind(StrEnum):
    """How the robot talks to a system."""

    WEB = "web"  # a browser (Playwright page objects)
    API = "api"  # HTTP calls


class SystemDecl(_Strict):
    """A system the robot uses, and the setting that holds its address."""

    name: str
    kind: SystemKind
    url_setting: str = Field(description="the name of the setting (under [settings]) that holds the system's URL")
    description: str = ""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be lower-case letters, digits, '-', '_' or '.'")
        return value


class CredentialDecl(_Strict):
    """A vault entry the robot needs (``Get Secret    <name>``) and the keys it reads from it."""

    name: str
    keys: list[str] = Field(min_length=1, description="the keys it reads, e.g. username, password, api_key")
    description: str = ""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _SETTING.match(value):
            raise ValueError("must be a lower-case identifier (letters, digits, _), as the vault's table is named")
        return value

    @field_validator("keys")
    @classmethod
    def _valid_keys(cls, value: list[str]) -> list[str]:
        bad = [key for key in value if not _SETTING.match(key)]
        if bad:
            raise ValueError(f"keys must be lower-case identifiers (letters, digits, _): {', '.join(bad)}")
        repeated = sorted({key for key in value if value.count(key) > 1})
        if repeated:
            raise ValueError(f"keys must be unique; repeated: {', '.join(repeated)}")
        return value


class UpstreamInfo(_Strict):
    """Where a fork came from: written by ``rpa robot fork`` and ``rpa robot upstream merge``, never by hand.

    ``digest`` seals the other fields, so a hand edit is found; ``snapshot`` is the digest of the files kept in
    ``.upstream/`` (the merge base), so an edited snapshot is found too.
    """

    source: str = Field(description="the robot folder or git repository (URL or local path) forked from")
    ref: str = Field("", description="the git ref asked for, if any")
    version: str = Field(description="the upstream robot's version in the snapshot")
    revision: str = Field(description="the git commit of the snapshot, or 'folder' for a plain folder")
    snapshot: str = Field(description="sha256 of the snapshot's files")
    forked_at: datetime
    merged_at: datetime | None = None
    digest: str = Field(description="sha256 of the fields above: proof that they were not edited by hand")

    def sealed_fields(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"digest"}, exclude_none=True)

    @staticmethod
    def seal(fields: dict[str, Any]) -> str:
        """The digest of ``fields`` (the table without ``digest``)."""
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @model_validator(mode="after")
    def _not_edited(self) -> UpstreamInfo:
        if self.seal(self.sealed_fields()) != self.digest:
            raise ValueError(
                "was edited by hand (its digest does not match its fields); only `rpa robot fork` and "
                "`rpa robot upstream merge` write it: restore it from version control"
            )
        return self


class QueueSettings(_Strict):
    max_attempts: int = Field(3, ge=1, le=100)
    backoff_seconds: float = Field(5.0, ge=0, le=86_400)
    lease_seconds: float = Field(300.0, gt=0, le=86_400)
    business_codes: list[str] = Field(
        default_factory=list, description="failure codes ('CODE: message') that are business exceptions, not retried"
    )
    # Output items' unique reference: a payload variable or a '{field}' template (rpa_core.packaging.references).
    reference: str | None = None

    @field_validator("reference")
    @classmethod
    def _valid_reference(cls, value: str | None) -> str | None:
        return None if value is None else check_reference_source(value)

    @field_validator("business_codes")
    @classmethod
    def _valid_codes(cls, value: list[str]) -> list[str]:
        bad = [code for code in value if not re.fullmatch(r"[A-Z][A-Z0-9_]{1,63}", code)]
        if bad:
            raise ValueError(f"codes are capitals, digits and '_', like NO_WAGE: {', '.join(bad)}")
        return value


def _checked_robot_options(value: list[str]) -> list[str]:
    from rpa_core.packaging.rf_options import robot_options_problem

    if value and (problem := robot_options_problem(value)):
        raise ValueError(problem)
    return value


class RunSettings(_Strict):
    kill_switch: int | None = Field(5, ge=1, description="consecutive application errors that stop the run")
    robot_options: list[str] = Field(default_factory=list, description="Robot Framework options for every step")
    pythonpath: list[str] = Field(
        default_factory=list, description="folders, relative to the robot folder, put on every step's Python path"
    )
    path: list[str] = Field(
        default_factory=list, description="folders, relative to the robot folder, put first on every step's PATH"
    )

    @field_validator("pythonpath", "path")
    @classmethod
    def _relative_folders(cls, value: list[str]) -> list[str]:
        bad = [entry for entry in value if not entry.strip() or Path(entry).is_absolute()]
        if bad:
            raise ValueError(f"entries are folders relative to the robot folder, not: {', '.join(map(repr, bad))}")
        return value

    @field_validator("robot_options")
    @classmethod
    def _valid_robot_options(cls, value: list[str]) -> list[str]:
        return _checked_robot_options(value)


class StepKind(StrEnum):
    """What runs a step's tasks."""

    ROBOT = "robot"  # Robot Framework: python -m robot ... TASKS
    PYTHON = "python"  # Robocorp's Python tasks: python -m robocorp.tasks run TASKS -t TASK


class Step(_Strict):
    name: str
    kind: StepKind = StepKind.ROBOT
    tasks: str = Field(description="Robot Framework file or folder (kind python: a .py file), relative to the robot")
    task: str | None = Field(None, description="only this task of the file")
    robot_options: list[str] = Field(
        default_factory=list, description="Robot Framework options of this step only (e.g. from robot.yaml's shell)"
    )
    input_queue: str | None = None
    output_queue: str | None = None
    workers: int = Field(1, ge=1, le=64)

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be lower-case letters, digits, '-', '_' or '.'")
        return value

    @field_validator("robot_options")
    @classmethod
    def _valid_robot_options(cls, value: list[str]) -> list[str]:
        return _checked_robot_options(value)

    @model_validator(mode="after")
    def _options_need_robot(self) -> Step:
        if self.kind is StepKind.PYTHON and self.robot_options:
            raise ValueError("robot_options are Robot Framework options; a python step has none")
        return self

    @model_validator(mode="after")
    def _workers_need_input(self) -> Step:
        if self.workers > 1 and not self.input_queue:
            raise ValueError("workers > 1 needs an input_queue (only a step that takes work items runs in parallel)")
        return self

    @property
    def takes_work_items(self) -> bool:
        return self.input_queue is not None


class PrivacySettings(_Strict):
    """``[privacy]``: which work item payload fields hold a citizen's name (masked as ``[navn]`` in every log)."""

    name_fields: list[str] = Field(
        default_factory=lambda: list(DEFAULT_NAME_FIELDS),
        description="payload fields (any depth, any case) whose values are citizens' names",
    )


class Manifest(_Strict):
    robot: RobotInfo
    systems: list[SystemDecl] = Field(default_factory=list)
    credentials: list[CredentialDecl] = Field(default_factory=list)
    queue: QueueSettings = QueueSettings()
    run: RunSettings = RunSettings()
    privacy: PrivacySettings = PrivacySettings()
    retention: RetentionSettings = RetentionSettings()  # rpa_core.privacy.retention; a profile may change it
    steps: list[Step] = Field(min_length=1)
    schedules: list[Schedule] = Field(default_factory=list)  # rpa_core.packaging.schedules; a profile may change them
    settings: dict[str, Any] = Field(
        default_factory=dict, description="the robot's settings and their defaults; a profile may change them"
    )
    upstream: UpstreamInfo | None = None

    @field_validator("settings")
    @classmethod
    def _setting_names(cls, value: dict[str, Any]) -> dict[str, Any]:
        bad = [key for key in value if not _SETTING.match(key)]
        if bad:
            raise ValueError(f"setting names must be lower-case identifiers (letters, digits, _): {', '.join(bad)}")
        return value

    @field_validator("schedules")
    @classmethod
    def _unique_schedules(cls, value: list[Schedule]) -> list[Schedule]:
        return check_unique_names(value)

    @model_validator(mode="after")
    def _unique_steps(self) -> Manifest:
        names = [step.name for step in self.steps]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"steps: step names must be unique; repeated: {', '.join(duplicates)}")
        return self

    @model_validator(mode="after")
    def _unique_declarations(self) -> Manifest:
        for table, names in (
            ("systems", [s.name for s in self.systems]),
            ("credentials", [c.name for c in self.credentials]),
        ):
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(f"{table}: each name once; declared twice: {', '.join(repeated)}")
        return self

    @model_validator(mode="after")
    def _system_urls_are_settings(self) -> Manifest:
        for index, system in enumerate(self.systems):
            if system.url_setting not in self.settings:
                raise ValueError(
                    f"systems[{index}].url_setting: '{system.url_setting}' is not a setting of the robot "
                    f"(add it under [settings] with the system's default address)"
                )
            if not isinstance(self.settings[system.url_setting], str):
                raise ValueError(f"systems[{index}].url_setting: setting '{system.url_setting}' must be text")
        return self


class Robot(BaseModel):
    """A loaded robot: its folder and its validated manifest."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    directory: Path
    manifest: Manifest
    manifest_file: str = MANIFEST_NAME  # the file the manifest was read from: robot.toml, or Robocorp's robot.yaml

    def robot_steps(self) -> list[Step]:
        """The steps Robot Framework runs (not Python task steps)."""
        return [s for s in self.manifest.steps if s.kind is StepKind.ROBOT]

    @property
    def name(self) -> str:
        return self.manifest.robot.name

    def step(self, name: str) -> Step:
        for step in self.manifest.steps:
            if step.name == name:
                return step
        known = ", ".join(s.name for s in self.manifest.steps)
        raise ConfigError(f"{self.directory / self.manifest_file}: no step named '{name}' (steps: {known})")

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


_TABLES = (
    "[robot], [[systems]], [[credentials]], [queue], [run], [privacy], [retention], [settings], [[steps]], "
    "[[schedules]], [robocorp] and [upstream]"
)


def _describe(error: ValidationError) -> str:
    lines = []
    for err in error.errors():
        where = _location(err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        top_level = len(err["loc"]) == 1
        if err["type"] == "extra_forbidden":
            message = "unknown field"
            if top_level:
                kind = "table" if isinstance(err.get("input"), dict | list) else "field outside any table"
                message = f"unknown {kind}; {MANIFEST_NAME} has {_TABLES}"
        elif err["type"] == "model_type":  # pydantic names the model class here, which means nothing in the file
            message = f"must be a table ([{where}])" if top_level else "must be a table"
        elif err["type"] == "list_type" and top_level and isinstance(err.get("input"), dict):
            message = f"must be an array of tables, written [[{where}]] (not [{where}])"
        elif err["type"] == "missing":
            message = "required field is missing"
        lines.append(message if where == "(top level)" else f"{where}: {message}")
    return "; ".join(lines)


def load_robot(directory: str | Path) -> Robot:
    """Read and check ``robot.toml`` in ``directory``; every problem is a ConfigError naming file and field."""
    folder = Path(directory)
    path = folder / MANIFEST_NAME
    if not folder.is_dir():
        raise ConfigError(f"robot folder '{folder}' does not exist")
    if not path.is_file():
        if (folder / "robot.yaml").is_file():  # Robocorp's robot (rpa_core.packaging.robocorp)
            from rpa_core.packaging.robocorp import load_robocorp_robot

            return load_robocorp_robot(folder)
        raise ConfigError(f"'{folder}' is not a robot: it has no {MANIFEST_NAME} (nor Robocorp's robot.yaml)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    if "robocorp" in data:  # the steps come from robot.yaml
        from rpa_core.packaging.robocorp import load_robocorp_robot

        return load_robocorp_robot(folder, data)
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_describe(exc)}") from None
    for index, step in enumerate(manifest.steps):
        if not (folder / step.tasks).exists():
            raise ConfigError(f"{path}: steps[{index}].tasks: '{step.tasks}' does not exist in {folder}")
    return Robot(directory=folder.resolve(), manifest=manifest)

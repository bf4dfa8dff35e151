"""A robot's settings for one municipality: robot defaults < profile < environment < command line.

The robot declares every setting with its default in ``robot.toml`` under ``[settings]``. A municipality's
profile (``profiles/<name>.toml``) changes some of them:

    [profile]
    municipality = "Skanderborg Kommune"

    [settings]
    unit = "FLEKS"
    spot_check_share = 0.05

Then ``RPA_SETTING_<NAME>`` variables and ``--set name=value`` on the command line. A profile may not invent
settings (a typo in a fork would otherwise be ignored silently), and a value must have the default's type.

A relative path in a path setting (a name ending in ``_file``, ``_folder``, ``_dir``, ``_path`` or ``_workbook``),
in the profile as anywhere else, means a path relative to the operator's working directory (where ``rpa`` runs),
not to the profile or the robot: the runner makes it absolute before a step starts in the robot's folder.

A fork's new profile (``rpa robot fork``) lists under ``[undecided]`` the settings whose source value named the
source municipality (its systems' URLs, mailbox, unit codes, report folder), with that value for reference::

    [undecided]
    mailbox = "fleksjob-team@skanderborg.example"   # Skanderborg Kommune's value: set yours under [settings]

A setting stays undecided until ``[settings]``, the environment or ``--set`` gives it a value; a run refuses
to start while any is undecided, and ``rpa robot check`` lists them.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rpa_core.errors import ConfigError
from rpa_core.packaging.manifest import MANIFEST_NAME, Robot
from rpa_core.packaging.setting_paths import absolute_paths
from rpa_core.packaging.settings_check import check_settings

ENV_PREFIX = "RPA_SETTING_"
PROFILES_DIR = "profiles"


@dataclass(frozen=True)
class Settings:
    """The resolved settings, each with where its value came from."""

    values: dict[str, Any]
    sources: dict[str, str]
    profile: str | None = None
    profile_info: dict[str, Any] = field(default_factory=dict)
    undecided: dict[str, Any] = field(default_factory=dict)  # name -> the source municipality's value
    profile_path: Path | None = None

    def undecided_problems(self) -> list[str]:
        """One line per setting the municipality has not decided yet (its profile's ``[undecided]``)."""
        where = self.profile_path or "profile"
        return [
            f"{where}: settings.{name}: not decided yet (the source's value was {value!r}); "
            f"set this municipality's value under [settings]"
            for name, value in self.undecided.items()
        ]

    def write_variable_file(self, path: Path, *, base: Path | None = None) -> Path:
        """Write the settings as a Robot Framework JSON variable file (``${name}`` in tasks); path settings'
        relative values made absolute against ``base`` (default: the working directory), see ``setting_paths``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        values = absolute_paths(self.values, base)
        path.write_text(json.dumps(values, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        return path


def _type_name(value: Any) -> str:
    kinds = [(bool, "true/false"), (int, "a whole number"), (float, "a number"), (str, "text"), (dict, "a table")]
    kinds += [(list, "a list"), (datetime, "a date and time"), (date, "a date"), (time, "a time of day")]
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def _shown(value: Any) -> str:
    """``value`` as TOML writes it: a Python repr such as datetime.date(2025, 3, 1) means nothing in a profile."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{_shown(str(key))} = {_shown(item)}" for key, item in value.items())
        return f"{{ {pairs} }}" if pairs else "{}"
    return repr(value)


def _check_type(default: Any, value: Any, where: str) -> Any:
    """``value`` with the default's type; a clear ConfigError naming ``where`` otherwise."""
    if isinstance(default, bool) or isinstance(value, bool):
        if isinstance(default, bool) and isinstance(value, bool):
            return value
    elif isinstance(default, float) and isinstance(value, int | float):
        return float(value)
    elif isinstance(value, type(default)):
        return value
    raise ConfigError(
        f"{where}: must be {_type_name(default)} like the robot's default {_shown(default)}, "
        f"got {_shown(value)} ({_type_name(value)})"
    )


def _parse_text(default: Any, text: str, where: str) -> Any:
    """Read a setting given as text (environment, command line) with the type of its default."""
    try:
        if isinstance(default, bool):
            lowered = text.strip().lower()
            if lowered in ("true", "yes", "1"):
                return True
            if lowered in ("false", "no", "0"):
                return False
            raise ValueError
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, str):
            return text
        return _check_type(default, json.loads(text), where)
    except (ValueError, json.JSONDecodeError):
        raise ConfigError(f"{where}: must be {_type_name(default)}, got '{text}'") from None


def find_profile(robot: Robot, profile: str) -> Path:
    """A profile by name (``profiles/<name>.toml`` in the robot) or by path."""
    candidate = Path(profile)
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    path = robot.directory / PROFILES_DIR / f"{profile}.toml"
    if not path.is_file():
        folder = robot.directory / PROFILES_DIR
        known = sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []
        raise ConfigError(
            f"robot '{robot.name}' has no profile '{profile}'"
            + (f" (profiles: {', '.join(known)})" if known else f" (no {folder} folder)")
        )
    return path


# [retention]: packaging.retention; [schedules.<name>]: packaging.schedules
PROFILE_TABLES = ("profile", "settings", "undecided", "retention", "schedules")


def field_problems(error: ValidationError) -> list[tuple[str, str]]:
    """A profile table's validation errors as (dotted field, what is wrong), for a one-line ConfigError."""
    problems = []
    for item in error.errors():
        message = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
        problems.append((".".join(str(part) for part in item["loc"]), message.removeprefix("Value error, ")))
    return problems


def read_profile(path: Path) -> dict[str, dict[str, Any]]:
    """A profile's tables (``profile``, ``settings``, ...), each a dict; a ConfigError names what is off."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    unknown = sorted(set(data) - set(PROFILE_TABLES))
    if unknown:
        raise ConfigError(
            f"{path}: unknown table(s) {', '.join(unknown)}; "
            "a profile has [profile], [settings], [undecided], [retention] and [schedules.NAME]"
        )
    for table in PROFILE_TABLES:
        if not isinstance(data.get(table, {}), dict):
            raise ConfigError(f"{path}: {table}: must be a table ([{table}])")
    return {table: dict(data.get(table, {})) for table in PROFILE_TABLES}


def resolve_settings(
    robot: Robot,
    *,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: list[str] | tuple[str, ...] = (),
    check: bool = True,
) -> Settings:
    """The robot's settings after the profile, the environment and ``name=value`` overrides.

    With ``check`` (the default) the robot's own ``check_settings`` function then checks the values.
    """
    defaults = robot.manifest.settings
    manifest = robot.directory / MANIFEST_NAME
    values = dict(defaults)
    sources = dict.fromkeys(defaults, f"{manifest.name} (robot default)")
    info: dict[str, Any] = {}
    undecided: dict[str, Any] = {}
    path: Path | None = None
    if profile:
        path = find_profile(robot, profile)
        tables = read_profile(path)
        info, settings = tables["profile"], tables["settings"]
        meant_for = info.get("robot")
        if meant_for is not None and meant_for != robot.name:
            raise ConfigError(f"{path}: profile.robot: this profile is for robot '{meant_for}', not '{robot.name}'")
        for name, value in tables["undecided"].items():
            if name not in defaults:
                raise ConfigError(f"{path}: undecided.{name}: unknown setting; the robot has: {', '.join(defaults)}")
            if name not in settings:
                undecided[name] = value
        for name, value in settings.items():
            if name not in defaults:
                raise ConfigError(f"{path}: settings.{name}: unknown setting; the robot has: {', '.join(defaults)}")
            values[name] = _check_type(defaults[name], value, f"{path}: settings.{name}")
            sources[name] = f"profile {path.name}"
    env = os.environ if environ is None else environ
    for name, default in defaults.items():
        variable = f"{ENV_PREFIX}{name.upper()}"
        if variable in env:
            values[name] = _parse_text(default, env[variable], variable)
            sources[name] = f"environment {variable}"
            undecided.pop(name, None)
    for item in overrides:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or name not in defaults:
            known = ", ".join(defaults) or "none"
            raise ConfigError(f"--set {item}: use NAME=VALUE with a setting of the robot ({known})")
        values[name] = _parse_text(defaults[name], text, f"--set {name}")
        sources[name] = "command line --set"
        undecided.pop(name, None)
    for name in undecided:
        sources[name] = f"undecided in profile {path.name if path else ''} (robot default until set)"
    settings = Settings(
        values=values, sources=sources, profile=profile, profile_info=info, undecided=undecided, profile_path=path
    )
    if check:
        if undecided:
            lines = "\n  ".join(settings.undecided_problems())
            raise ConfigError(f"robot '{robot.name}': {len(undecided)} setting(s) not decided yet:\n  {lines}")
        check_settings(robot, settings)
    return settings

"""A robot's retention for one municipality: robot.toml ``[retention]``, changed by the profile's ``[retention]``.

    # profiles/syddjurs.toml
    [retention]
    payload_days = 14        # this municipality keeps payloads two weeks
    reports_days = "keep"    # and its reports until it deletes them itself

A municipality decides its retention, so a profile may shorten or lengthen any period, or keep. What else
retention needs from the robot: the queues it owns (its steps' input and output queues) and its report folders
(path settings whose name starts with ``report``, e.g. ``report_folder``, resolved as a run resolves them).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from rpa_core.errors import ConfigError
from rpa_core.packaging.manifest import Robot
from rpa_core.packaging.profile import field_problems, find_profile, read_profile, resolve_settings
from rpa_core.packaging.setting_paths import absolute_paths, is_path_setting
from rpa_core.privacy.retention import RetentionSettings


def resolve_retention(robot: Robot, profile: str | None = None) -> RetentionSettings:
    """The robot's retention after ``profile``'s ``[retention]``; a ConfigError names the file and field."""
    settings = robot.manifest.retention
    if not profile:
        return settings
    path = find_profile(robot, profile)
    changes = read_profile(path)["retention"]
    try:
        return RetentionSettings.model_validate({**settings.model_dump(), **changes})
    except ValidationError as exc:
        problems = [f"retention.{field}: {message}" for field, message in field_problems(exc)]
        fields = ", ".join(RetentionSettings.model_fields)
        raise ConfigError(f"{path}: {'; '.join(problems)} (fields: {fields})") from None


def robot_queues(robot: Robot) -> list[str]:
    """The queues the robot owns: its steps' input and output queues, each once."""
    names = [name for step in robot.manifest.steps for name in (step.input_queue, step.output_queue) if name]
    return list(dict.fromkeys(names))


def report_folders(robot: Robot, profile: str | None = None, base: Path | None = None) -> list[Path]:
    """The robot's report folders (path settings named ``report...``), absolute against ``base`` (default cwd)."""
    values = absolute_paths(resolve_settings(robot, profile=profile, check=False).values, base)
    folders = []
    for name, value in values.items():
        report = name.lower().startswith("report") and is_path_setting(name)
        if report and isinstance(value, str) and value.strip() and "://" not in value:
            folders.append(Path(value))
    return list(dict.fromkeys(folders))

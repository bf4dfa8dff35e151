"""The robots a scheduler serves: a robot folder, the profile it runs with, its schedules after the profile."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rpa_core.errors import ConfigError
from rpa_core.packaging import Robot, load_robot
from rpa_core.packaging.schedules import Schedule, resolve_schedules
from rpa_core.scheduler.records import ScheduleKey

PROFILE_SEPARATOR = "@"


@dataclass(frozen=True)
class ScheduledRobot:
    """One robot with one profile (or none), and the schedules it runs by."""

    robot: Robot
    profile: str | None
    schedules: tuple[Schedule, ...]  # every schedule, turned off ones too (enabled = false)

    @property
    def label(self) -> str:
        """``flexloen/skanderborg`` or ``flexloen``."""
        return f"{self.robot.name}/{self.profile}" if self.profile else self.robot.name

    def key(self, schedule: Schedule) -> ScheduleKey:
        return ScheduleKey(robot=self.robot.name, profile=self.profile or "", schedule=schedule.name)

    def active(self) -> list[Schedule]:
        return [schedule for schedule in self.schedules if schedule.enabled]


def parse_spec(spec: str, default_profile: str | None = None) -> tuple[Path, str | None]:
    """``DIR`` or ``DIR@PROFILE`` (``robots/flexloen@skanderborg``); DIR alone takes ``default_profile``."""
    folder, separator, profile = spec.rpartition(PROFILE_SEPARATOR)
    if not separator or not folder or "/" in profile or "\\" in profile:
        return Path(spec), default_profile
    if not profile:
        raise ConfigError(f"'{spec}': give a profile after '@' (robots/flexloen@skanderborg) or none at all")
    return Path(folder), profile


def default_specs(base: Path | None = None) -> list[str]:
    """Every robot folder under ``robots/`` of the working directory (or ``base``)."""
    folder = (base or Path.cwd()) / "robots"
    if not folder.is_dir():
        return []
    return [
        str(child)
        for child in sorted(folder.iterdir())
        if (child / "robot.toml").is_file() or (child / "robot.yaml").is_file()
    ]


def load_scheduled(specs: list[str], default_profile: str | None = None) -> list[ScheduledRobot]:
    """The robots named by ``specs`` (``DIR`` or ``DIR@PROFILE``), each with its schedules; a ConfigError names
    the first folder, profile or schedule that is wrong. A robot+profile named twice is refused."""
    loaded: list[ScheduledRobot] = []
    for spec in specs:
        folder, profile = parse_spec(spec, default_profile)
        robot = load_robot(folder)
        entry = ScheduledRobot(robot, profile, tuple(resolve_schedules(robot, profile)))
        if any(other.label == entry.label for other in loaded):
            raise ConfigError(f"'{spec}': {entry.label} is named twice; one scheduler runs a robot+profile once")
        loaded.append(entry)
    return loaded

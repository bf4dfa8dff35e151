"""The robots a scheduler serves: a robot folder, the profile it runs with, its schedules after the profile."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rpa_core.errors import ConfigError
from rpa_core.packaging import Robot, load_robot
from rpa_core.packaging.profile import find_profile
from rpa_core.packaging.schedules import Schedule, resolve_schedules
from rpa_core.scheduler.records import ScheduleKey

PROFILE_SEPARATOR = "@"


@dataclass(frozen=True)
class ScheduledRobot:
    """One robot with one profile (or none), and the schedules it runs by."""

    robot: Robot
    profile: str | None
    schedules: tuple[Schedule, ...]  # every schedule, turned off ones too (enabled = false)
    spec: str = ""  # what it was loaded from (DIR or DIR@PROFILE): what a reload reads again

    @property
    def label(self) -> str:
        """``flexloen/skanderborg`` or ``flexloen``."""
        return f"{self.robot.name}/{self.profile}" if self.profile else self.robot.name

    def key(self, schedule: Schedule) -> ScheduleKey:
        return ScheduleKey(robot=self.robot.name, profile=self.profile or "", schedule=schedule.name)

    def active(self) -> list[Schedule]:
        return [schedule for schedule in self.schedules if schedule.enabled]

    def sources(self) -> tuple[Path, ...]:
        """The files its schedules are read from: the manifest, and the profile when there is one."""
        manifest = self.robot.directory / self.robot.manifest_file
        return (manifest, find_profile(self.robot, self.profile)) if self.profile else (manifest,)

    def summary(self) -> str:
        """Its schedules in one line: ``payments: bank days 2, 11 of the month at 06:00; nightly: off``."""
        parts = [f"{s.name}: {s.rule() if s.enabled else 'off'}" for s in self.schedules]
        return "; ".join(parts) or "no schedules"


Stamp = tuple[tuple[str, int, int], ...]


def stamp(paths: tuple[Path, ...]) -> Stamp:
    """What a file change shows: each file's modification time and size (-1, -1 for a file that is gone)."""
    found = []
    for path in paths:
        try:
            info = path.stat()
            found.append((str(path), info.st_mtime_ns, info.st_size))
        except OSError:
            found.append((str(path), -1, -1))
    return tuple(found)


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
        entry = load_one(spec, default_profile)
        if any(other.label == entry.label for other in loaded):
            raise ConfigError(f"'{spec}': {entry.label} is named twice; one scheduler runs a robot+profile once")
        loaded.append(entry)
    return loaded


def load_one(spec: str, default_profile: str | None = None) -> ScheduledRobot:
    """The robot named by ``spec`` with its schedules, read from its files now."""
    folder, profile = parse_spec(spec, default_profile)
    robot = load_robot(folder)
    resolved = f"{folder}{PROFILE_SEPARATOR}{profile}" if profile else str(folder)
    return ScheduledRobot(robot, profile, tuple(resolve_schedules(robot, profile)), resolved)


STILL_SECONDS = 1.0  # a file written this recently may be half-written: read it on a later look


class Reloader:
    """Watches one served robot's manifest and profile: when they change (and have then been left alone for
    ``STILL_SECONDS``, so a file caught half-written is not read), its schedules are read again."""

    def __init__(self, entry: ScheduledRobot) -> None:
        self.paths = entry.sources() if entry.spec else ()  # a robot built in code has no files to watch
        self.applied = stamp(self.paths)

    def check(self, entry: ScheduledRobot) -> ScheduledRobot | str | None:
        """The robot read again; or a line saying why it was not (its old schedules go on); None: no change."""
        now = stamp(self.paths)
        if now == self.applied or time.time() - max(mtime for _, mtime, _ in now) / 1e9 < STILL_SECONDS:
            return None
        self.applied = now
        try:
            fresh = load_one(entry.spec)
        except ConfigError as exc:
            return str(exc)
        if fresh.label != entry.label:
            where = fresh.robot.directory / fresh.robot.manifest_file
            return f"{where}: robot.name is now '{fresh.robot.name}'; restart to serve it by that name"
        return fresh


def reload_changed(
    robots: list[ScheduledRobot], reloaders: dict[str, Reloader], say: Callable[[str], None]
) -> list[ScheduledRobot]:
    """Read again, in place in ``robots``, each robot whose files changed (see :class:`Reloader`); say what
    happened to each; the ones read again. A broken edit leaves the robot as it was."""
    fresh_ones = []
    for index, entry in enumerate(robots):
        found = reloaders[entry.label].check(entry)
        if isinstance(found, str):
            say(f"{entry.label}: not reloaded, its schedules stay as they were: {found}")
        elif found is not None:
            robots[index] = found
            fresh_ones.append(found)
            say(f"{entry.label}: schedules reloaded: {found.summary()}")
    return fresh_ones

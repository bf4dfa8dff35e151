"""When a robot's runs start: robot.toml ``[[schedules]]``, changed or turned off by a profile.

    [[schedules]]
    name = "nightly"
    cron = "30 2 * * *"              # five fields (minute hour day-of-month month day-of-week), in time_zone
    time_zone = "Europe/Copenhagen"  # the default
    bank_days = "next"               # a day that is not a Danish bank day: run (default), skip, next, previous
    catch_up = "once"                # due times missed while no scheduler ran: once (one run for all) or skip
    max_duration = "3h"              # a run still going after this is stopped (SIGTERM) and marked

    [[schedules]]
    name = "payments"
    bank_day_of_month = [2, 11]      # the 2nd and the 11th bank day of each month (-1: the last one)
    at = "06:00"                     # at this time, instead of a cron

A municipality's profile changes a schedule by name, or turns it off; it cannot add one (a robot's runs are the
robot's design, and a typo in a fork would otherwise be a schedule nobody meant)::

    [schedules.nightly]
    cron = "0 3 * * *"

    [schedules.payments]
    enabled = false

When the times are computed (DST, bank days): ``rpa_core.scheduler.times``.
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rpa_core.errors import ConfigError

if TYPE_CHECKING:
    from rpa_core.packaging.manifest import Robot

DEFAULT_TIME_ZONE = "Europe/Copenhagen"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_DURATION = re.compile(r"^(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$")
_AT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class BankDayRule(StrEnum):
    """What a due time on a day that is not a Danish bank day does."""

    RUN = "run"  # runs anyway
    SKIP = "skip"  # does not run (recorded as skipped, with the day's name)
    NEXT = "next"  # runs on the next bank day, same time
    PREVIOUS = "previous"  # runs on the bank day before, same time


class CatchUp(StrEnum):
    """What due times missed while no scheduler ran do when one starts again."""

    ONCE = "once"  # one run for all of them, then the schedule goes on
    SKIP = "skip"  # none runs; each is recorded as missed


def parse_duration(value: str | int) -> int:
    """Seconds in ``"3h"``, ``"90m"``, ``"1h30m"``, ``"45s"`` or a whole number of seconds."""
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    else:
        match = _DURATION.match(str(value).strip())
        if not match or not any(match.groups()):
            raise ValueError(f"must be a duration like '3h', '90m' or '1h30m', got {value!r}")
        hours, minutes, secs = (int(part or 0) for part in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if seconds <= 0:
        raise ValueError(f"must be longer than 0 seconds, got {value!r}")
    return seconds


class Schedule(BaseModel):
    """One schedule of a robot, as robot.toml declares it and a profile changes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    cron: str | None = Field(None, description="five cron fields in time_zone, e.g. '30 2 * * *'")
    bank_day_of_month: list[int] | None = Field(None, description="the n-th bank days of each month; -1 the last")
    at: str | None = Field(None, description="HH:MM, the time of day with bank_day_of_month")
    time_zone: str = DEFAULT_TIME_ZONE
    bank_days: BankDayRule = BankDayRule.RUN
    catch_up: CatchUp = CatchUp.ONCE
    max_duration: str | int | None = Field(None, description="'3h', '90m', '1h30m'; none: no limit")
    enabled: bool = True
    description: str = ""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be lower-case letters, digits, '-' or '_', starting with a letter or digit")
        return value

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from croniter import croniter

        fields = value.split()
        if len(fields) != 5:
            raise ValueError(
                f"must have five fields (minute hour day-of-month month day-of-week), got {len(fields)}: {value!r}"
            )
        if not croniter.is_valid(value):
            raise ValueError(f"is not a valid cron expression: {value!r}")
        try:  # a valid expression may still never match (30 February)
            croniter(value).get_next()
        except Exception:  # croniter's CroniterBadDateError and friends
            raise ValueError(f"never matches a date: {value!r}") from None
        return " ".join(fields)

    @field_validator("bank_day_of_month")
    @classmethod
    def _valid_days(cls, value: list[int] | None) -> list[int] | None:
        if value is None:
            return None
        bad = [n for n in value if not (1 <= n <= 23 or -23 <= n <= -1)]
        if not value or bad:
            raise ValueError("must list bank days of the month: 1 to 23 from the start, -1 to -23 from the end")
        return sorted(set(value), key=lambda n: (n < 0, n))

    @field_validator("at")
    @classmethod
    def _valid_at(cls, value: str | None) -> str | None:
        if value is not None and not _AT.match(value):
            raise ValueError(f"must be a time of day HH:MM (00:00 to 23:59), got {value!r}")
        return value

    @field_validator("time_zone")
    @classmethod
    def _valid_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"must be an IANA time zone like Europe/Copenhagen, got {value!r}") from None
        return value

    @field_validator("max_duration")
    @classmethod
    def _valid_duration(cls, value: str | int | None) -> str | int | None:
        if value is not None:
            parse_duration(value)
        return value

    @model_validator(mode="after")
    def _one_rule(self) -> Schedule:
        if (self.cron is None) == (self.bank_day_of_month is None):
            raise ValueError("give either cron or bank_day_of_month (with at), not both and not neither")
        if self.bank_day_of_month is not None:
            if self.at is None:
                raise ValueError("bank_day_of_month needs at = 'HH:MM', the time of day it runs")
            if self.bank_days is not BankDayRule.RUN:
                raise ValueError("bank_days applies to a cron; bank_day_of_month only falls on bank days already")
        elif self.at is not None:
            raise ValueError("at goes with bank_day_of_month; with a cron the time is in the cron's fields")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def at_time(self) -> time | None:
        return time.fromisoformat(self.at) if self.at else None

    @property
    def max_seconds(self) -> int | None:
        """max_duration in seconds, or None for no limit."""
        return None if self.max_duration is None else parse_duration(self.max_duration)

    def rule(self) -> str:
        """The schedule in one line: ``30 2 * * * (bank_days = next)`` or ``bank days 2, 11 at 06:00``."""
        if self.cron is not None:
            text = self.cron
            if self.bank_days is not BankDayRule.RUN:
                text += f" (bank_days = {self.bank_days.value})"
        else:
            days = ", ".join(str(n) for n in self.bank_day_of_month or [])
            text = f"bank days {days} of the month at {self.at}"
        return text if self.time_zone == DEFAULT_TIME_ZONE else f"{text} {self.time_zone}"


def check_unique_names(schedules: list[Schedule]) -> list[Schedule]:
    """The manifest's check: each schedule name once."""
    names = [schedule.name for schedule in schedules]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"each name once; declared twice: {', '.join(repeated)}")
    return schedules


def _changed(schedule: Schedule, changes: dict[str, Any]) -> dict[str, Any]:
    """The schedule's fields after a profile's changes; switching rule (cron <-> bank_day_of_month) drops the
    old rule's fields."""
    fields = schedule.model_dump(exclude_defaults=True)
    if "cron" in changes:
        fields.pop("bank_day_of_month", None)
        fields.pop("at", None)
    if "bank_day_of_month" in changes:
        fields.pop("cron", None)
        if "bank_days" not in changes:
            fields.pop("bank_days", None)
    return {**fields, **changes, "name": schedule.name}


def resolve_schedules(robot: Robot, profile: str | None = None, *, enabled_only: bool = False) -> list[Schedule]:
    """The robot's schedules after ``profile``'s ``[schedules.<name>]`` tables; a ConfigError names the file."""
    from rpa_core.packaging.profile import field_problems, find_profile, read_profile

    schedules = list(robot.manifest.schedules)
    if profile:
        path = find_profile(robot, profile)
        tables = read_profile(path)["schedules"]
        known = {schedule.name: schedule for schedule in schedules}
        for name, changes in tables.items():
            where = f"{path}: schedules.{name}"
            if name not in known:
                names = ", ".join(known) or "none"
                raise ConfigError(
                    f"{where}: the robot has no schedule '{name}' (its schedules: {names}); a profile "
                    "changes or turns off the robot's schedules, it does not add one"
                )
            if not isinstance(changes, dict):
                raise ConfigError(f"{where}: must be a table ([schedules.{name}])")
            if "name" in changes:
                raise ConfigError(f"{where}.name: a schedule keeps its name; the table's name says which it is")
            try:
                known[name] = Schedule.model_validate(_changed(known[name], changes))
            except ValidationError as exc:
                problems = [(f"{field}: " if field else "") + message for field, message in field_problems(exc)]
                raise ConfigError(f"{where}: {'; '.join(problems)}") from None
        schedules = list(known.values())
    return [schedule for schedule in schedules if schedule.enabled or not enabled_only]

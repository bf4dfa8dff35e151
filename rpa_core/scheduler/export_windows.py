"""Windows Task Scheduler tasks (XML, schema version 1.2) for robots' schedules; see ``rpa_core.scheduler.export``.

Elements follow the order of the Task Scheduler schema (learn.microsoft.com, "Task Scheduler Schema"): a trigger's
children are a sequence (StartBoundary, EndBoundary, Repetition, ExecutionTimeLimit, then RandomDelay and the
ScheduleBy* choice of a CalendarTrigger); Task, Settings and Exec are ``xs:all`` and are written in the schema's order
anyway. A cron form with a calendar equivalent becomes CalendarTriggers whose StartBoundary has no UTC offset (so
they follow the machine's time zone and its summer time); computed start times become TimeTriggers whose
StartBoundary carries the offset (an exact instant). At most 48 triggers fit a task; more are split over several.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime, timedelta

from rpa_core.scheduler.export import (
    STOP_GRACE_SECONDS,
    CronFields,
    ExportEntry,
    _local,
    _stamp,
    _valid_until_note,
    calendar_fields,
    check_entries,
)

__all__ = ["MAX_TRIGGERS", "TASK_NAMESPACE", "iso_duration", "windows_tasks"]

TASK_NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task"
MAX_TRIGGERS = 48
_WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip
_WINDOWS_ZONES = {"Europe/Copenhagen": "Romance Standard Time"}


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def iso_duration(seconds: int) -> str:
    """An XML duration: ``PT2H``, ``PT1H30M``, ``PT45S``; ``PT0S`` for 0 (no limit in Task Scheduler)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
    return f"PT{text or '0S'}"


def _schedule(trigger: ET.Element, fields: CronFields) -> None:
    """The ScheduleBy* element: every day, some weekdays, or some days of some months."""
    if fields.dom_star and fields.dow_star and len(fields.months) == 12:
        _sub(_sub(trigger, "ScheduleByDay"), "DaysInterval", "1")
    elif fields.dom_star and not fields.dow_star:
        by_week = _sub(trigger, "ScheduleByWeek")
        _sub(by_week, "WeeksInterval", "1")
        days = _sub(by_week, "DaysOfWeek")
        for day in sorted(fields.weekdays, key=lambda d: (d + 6) % 7):  # Monday first, as Windows writes them
            _sub(days, _WEEKDAYS[day])
    else:
        by_month = _sub(trigger, "ScheduleByMonth")
        days = _sub(by_month, "DaysOfMonth")
        for day in fields.days:
            _sub(days, "Day", str(day))
        months = _sub(by_month, "Months")
        for month in fields.months:
            _sub(months, _MONTHS[month - 1])


def _hour_runs(hours: tuple[int, ...]) -> list[tuple[int, int]]:
    runs: list[list[int]] = []
    for hour in hours:
        if runs and hour == runs[-1][-1] + 1:
            runs[-1].append(hour)
        else:
            runs.append([hour])
    return [(run[0], len(run)) for run in runs]


def _calendar_triggers(fields: CronFields, first: datetime) -> list[ET.Element]:
    """CalendarTriggers: one per start time of day, or, when the minutes repeat evenly through each hour
    (``*/15``), one per run of consecutive hours repeating every n minutes."""
    minutes = fields.minutes
    step = minutes[1] - minutes[0] if len(minutes) > 1 else 0
    even = step and 60 % step == 0 and minutes == tuple(range(minutes[0], 60, step))
    starts = (
        [(hour, minutes[0], count) for hour, count in _hour_runs(fields.hours)]
        if even
        else [(hour, minute, 0) for hour in fields.hours for minute in minutes]
    )
    triggers = []
    for hour, minute, hours in starts:
        start = first.replace(hour=hour, minute=minute, second=0, microsecond=0)
        trigger = ET.Element("CalendarTrigger")
        _sub(trigger, "StartBoundary", (start if start >= first else start + timedelta(days=1)).isoformat())
        if hours:
            repetition = _sub(trigger, "Repetition")
            _sub(repetition, "Interval", iso_duration(step * 60))
            _sub(repetition, "Duration", iso_duration((hours * 60 - step) * 60 + 30))  # the last start, and 30 s
            _sub(repetition, "StopAtDurationEnd", "false")
        _schedule(trigger, fields)
        triggers.append(trigger)
    return triggers


def _time_triggers(entry: ExportEntry) -> list[ET.Element]:
    triggers = []
    for moment in entry.times:
        trigger = ET.Element("TimeTrigger")
        _sub(trigger, "StartBoundary", _local(moment, entry.time_zone).isoformat(timespec="seconds"))
        triggers.append(trigger)
    return triggers


def _settings(task: ET.Element, entry: ExportEntry) -> None:
    settings = _sub(task, "Settings")
    for tag, value in (
        ("AllowStartOnDemand", "true"),
        ("MultipleInstancesPolicy", "IgnoreNew"),
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        ("AllowHardTerminate", "true"),
        ("StartWhenAvailable", "true"),
        ("RunOnlyIfNetworkAvailable", "false"),
        ("WakeToRun", "false"),
        ("Enabled", "true"),
        ("Hidden", "false"),
        ("ExecutionTimeLimit", iso_duration(entry.max_duration_seconds or 0)),
        ("Priority", "7"),
    ):
        _sub(settings, tag, value)


def _task(entry: ExportEntry, name: str, triggers: list[ET.Element], description: list[str], stamp: str) -> str:
    task = ET.Element("Task", version="1.2", xmlns=TASK_NAMESPACE)
    info = _sub(task, "RegistrationInfo")
    _sub(info, "URI", f"\\{name}")
    _sub(info, "Date", stamp)
    _sub(info, "Author", "rpa")
    _sub(info, "Description", "\n".join(description))
    _sub(task, "Triggers").extend(triggers)
    _settings(task, entry)
    principal = _sub(_sub(task, "Principals"), "Principal", id="Author")
    _sub(principal, "LogonType", "Password")  # runs whether the account is logged on or not
    _sub(principal, "RunLevel", "LeastPrivilege")
    action = _sub(_sub(task, "Actions", Context="Author"), "Exec")
    program = entry.command[0]
    _sub(action, "Command", f'"{program}"' if " " in program else program)
    if len(entry.command) > 1:
        _sub(action, "Arguments", subprocess.list2cmdline(entry.command[1:]))
    _sub(action, "WorkingDirectory", str(entry.working_dir))
    ET.indent(task)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(task, encoding="unicode") + "\n"


def windows_tasks(entries: Sequence[ExportEntry], *, now: datetime | None = None) -> dict[str, str]:
    """Task name to Task Scheduler XML (schema 1.2), split into ``NAME-1``, ``NAME-2``... past 48 triggers."""
    check_entries(entries)
    stamp = (now or datetime.now().astimezone()).replace(microsecond=0).isoformat()
    tasks: dict[str, str] = {}
    for entry in entries:
        fields, reason = calendar_fields(entry, "Task Scheduler")
        if fields and not fields.dow_star and len(fields.months) < 12:
            fields, reason = None, f"cron {entry.cron!r} limits both weekdays and months"
        zone = entry.time_zone + (
            f" (Windows: {_WINDOWS_ZONES[entry.time_zone]})" if entry.time_zone in _WINDOWS_ZONES else ""
        )
        description = [f"rpa: {entry.title}. Exported by rpa schedule export --windows on {_stamp(now)}."]
        if fields:
            first = _local(entry.times[0] if entry.times else entry.valid_until, entry.time_zone)
            triggers = _calendar_triggers(fields, first.replace(tzinfo=None))
            description.append(f"Cron {entry.cron}. Time zone {zone}: the machine's time zone must be this one.")
        else:
            triggers = _time_triggers(entry)
            description.append(f"Time zone {zone}; each start time carries its UTC offset.")
            description.append(_valid_until_note(entry, reason))
        if entry.max_duration_seconds:
            description.append(
                f"max_duration {entry.max_duration_seconds} s: Task Scheduler then ends rpa run at once (Windows has "
                f"no SIGTERM to give it the {STOP_GRACE_SECONDS} s to stop cleanly that cron and systemd give)."
            )
        description.append('Register: schtasks /Create /TN "NAME" /XML "NAME.xml" /RU ACCOUNT /RP *')
        chunks = [triggers[i : i + MAX_TRIGGERS] for i in range(0, len(triggers), MAX_TRIGGERS)]
        for number, chunk in enumerate(chunks, 1):
            name = entry.name if len(chunks) == 1 else f"{entry.name}-{number}"
            lines = list(description)
            if len(chunks) > 1:
                split = f"{entry.name}-1 to {entry.name}-{len(chunks)}"
                lines.insert(
                    1, f"Part {number} of {len(chunks)} ({split}): a task takes at most {MAX_TRIGGERS} triggers."
                )
            lines[-1] = lines[-1].replace("NAME", name)
            tasks[name] = _task(entry, name, chunk, lines, stamp)
    return tasks

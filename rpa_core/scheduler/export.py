"""Robots' schedules for the operating system's scheduler: a crontab, systemd timers, Windows Task Scheduler tasks.

``rpa schedule export`` hands each robot schedule over as an :class:`ExportEntry`: the command (``rpa run ROBOT_DIR
...``), its time zone, a cron expression when the OS may run it as is, and always its exact start times for the next
12 months. A schedule the OS cannot express (a bank-day rule, a cron form it lacks) is written as those explicit times,
with the reason and the date they are valid until, so the operator knows to export again. Nothing secret goes out:
a store URL with a password, or a CPR number, in the command is refused (ValueError), never masked, since a masked
command would not run.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from croniter import croniter

from rpa_core.privacy.cpr import contains_cpr

__all__ = [
    "STOP_GRACE_SECONDS",
    "CronFields",
    "ExportEntry",
    "check_entries",
    "crontab",
    "export_name",
    "on_calendar",
    "parse_cron",
    "systemd_quote",
    "systemd_units",
    "windows_tasks",
]

STOP_GRACE_SECONDS = 60
"""After SIGTERM, how long the OS waits before SIGKILL: the runner's own grace for its robot processes
(``RPA_STOP_GRACE_SECONDS``, default 20 s) plus time to give items back and record the run."""

PASSWORD_MESSAGE = (
    "a store URL with a password cannot be exported (the files would hold it): leave the password out of the URL "
    "and give it through PGPASSFILE or ~/.pgpass, or set RPA_STORE_URL in the job's environment instead of --store"
)


@dataclass(frozen=True)
class ExportEntry:
    """One robot schedule to export (built by ``rpa schedule export`` from robot.toml)."""

    robot: str
    profile: str | None
    schedule: str
    command: tuple[str, ...]
    working_dir: Path
    time_zone: str
    cron: str | None
    times: tuple[datetime, ...]
    explicit_reason: str | None
    valid_until: datetime
    max_duration_seconds: int | None

    @property
    def name(self) -> str:
        """The file and task name: ``rpa-flexloen-skanderborg-nightly``."""
        return export_name(self.robot, self.profile, self.schedule)

    @property
    def title(self) -> str:
        """``flexloen (profile skanderborg), schedule nightly``."""
        profile = f" (profile {self.profile})" if self.profile else ""
        return f"{self.robot}{profile}, schedule {self.schedule}"


_TRANSLIT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"})


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLIT)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_]+", "-", ascii_text).strip("-_")
    if not slug:
        raise ValueError(f"{text!r} gives no usable file name (letters or digits needed)")
    return slug


def export_name(robot: str, profile: str | None, schedule: str) -> str:
    """A safe file, unit and task name: ``rpa-flexloen-skanderborg-nightly``; no profile: ``rpa-flexloen-nightly``."""
    return "-".join(["rpa", _slug(robot), *([_slug(profile)] if profile else []), _slug(schedule)])


def _has_password(text: str) -> bool:
    """``scheme://user:password@host`` or ``?password=``, alone or as ``--store=URL``."""
    try:
        urls = [urlsplit(part) for part in {text, text.partition("=")[2]} if "://" in part]
        return any(url.password or "password" in parse_qs(url.query) for url in urls)
    except ValueError:  # not a URL after all
        return False


def check_entries(entries: Sequence[ExportEntry]) -> None:
    """Refuse (ValueError, one line) what cannot be exported: a password or CPR number, line breaks, naive times..."""
    names: dict[str, str] = {}
    for entry in entries:
        name = entry.name
        if name in names:
            raise ValueError(f"{entry.title} and {names[name]} both give the name {name}")
        names[name] = entry.title
        if not entry.command:
            raise ValueError(f"{name}: no command to run")
        for text in (*entry.command, str(entry.working_dir), entry.robot, entry.profile or "", entry.schedule):
            if _has_password(text):
                raise ValueError(f"{name}: {PASSWORD_MESSAGE}")
            if contains_cpr(text):
                raise ValueError(f"{name}: the command holds a CPR number, which cannot be exported")
            if "\n" in text or "\r" in text or "\0" in text:
                raise ValueError(f"{name}: a line break in the command or a path cannot be exported")
        ZoneInfo(entry.time_zone)  # an unknown zone fails here
        if any(t.tzinfo is None for t in (*entry.times, entry.valid_until)):
            raise ValueError(f"{name}: start times must carry their time zone")
        if entry.max_duration_seconds is not None and entry.max_duration_seconds <= 0:
            raise ValueError(f"{name}: max_duration must be positive")
        if not entry.times:
            raise ValueError(f"{name}: no start time in the next 12 months to export")


def _stamp(now: datetime | None) -> str:
    return (now or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %z")


def _local(moment: datetime, time_zone: str) -> datetime:
    """``moment`` as a real wall time of ``time_zone`` (fold set for the second of a repeated hour)."""
    return moment.astimezone(ZoneInfo(time_zone))


def _second_of_fold(local: datetime) -> bool:
    """The second 02:30 of the night summer time ends (the same wall time, one hour later)."""
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


def _valid_until_note(entry: ExportEntry, reason: str) -> str:
    until = _local(entry.valid_until, entry.time_zone)
    return f"Computed dates, valid until {until:%Y-%m-%d}: {reason}. Export again before then."


# ---- cron expressions ---------------------------------------------------------------------------------------------

_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


class CronFields(NamedTuple):
    """A plain cron expression's values (weekdays 0 = Sunday ... 6) and whether day of month/week was ``*``."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: tuple[int, ...]
    dom_star: bool
    dow_star: bool


def parse_cron(expr: str) -> CronFields | None:
    """The five fields of a cron expression as croniter reads it (``croniter.expand``: numbers, names, ``*``,
    lists, ranges, steps); None for what a calendar scheduler has no words for (``L``, ``#``, macros)."""
    try:
        fields, nth_weekdays = croniter.expand(expr)
    except Exception:  # croniter's CroniterBadCronError and friends
        return None
    if nth_weekdays or len(fields) != 5 or len(expr.split()) != 5:
        return None
    values: list[tuple[int, ...]] = []
    for field, (lo, hi) in zip(fields, _RANGES, strict=True):
        if field == ["*"]:
            values.append(tuple(range(lo, hi + 1)))
        elif all(isinstance(value, int) for value in field):
            values.append(tuple(sorted({value % 7 if hi == 6 else value for value in field})))
        else:
            return None
    return CronFields(*values, dom_star=fields[2] == ["*"], dow_star=fields[4] == ["*"])


def calendar_fields(entry: ExportEntry, scheduler: str) -> tuple[CronFields | None, str]:
    """The entry's cron as fields a calendar scheduler (systemd, Task Scheduler) can take, else the reason not."""
    if entry.cron is None:
        return None, entry.explicit_reason or "the schedule has no cron expression"
    fields = parse_cron(entry.cron)
    if fields is None:
        return None, f"cron {entry.cron!r} has a form {scheduler} cannot take"
    if not (fields.dom_star or fields.dow_star):
        return None, (
            f"cron {entry.cron!r} restricts both day of month and day of week: cron runs on a day matching either, "
            f"{scheduler} only on a day matching both"
        )
    return fields, ""


def matches(fields: CronFields, local: datetime) -> bool:
    """Whether a calendar scheduler's reading of ``fields`` starts at the wall time ``local``."""
    return (
        local.minute in fields.minutes
        and local.hour in fields.hours
        and local.day in fields.days
        and local.month in fields.months
        and local.isoweekday() % 7 in fields.weekdays
        and not _second_of_fold(local)
    )


# ---- crontab ------------------------------------------------------------------------------------------------------


def _shell_command(entry: ExportEntry) -> str:
    argv = list(entry.command)
    if entry.max_duration_seconds:
        timeout = ["timeout", "--signal=TERM", f"--kill-after={STOP_GRACE_SECONDS}s"]
        argv = [*timeout, f"{entry.max_duration_seconds}s", *argv]
    return f"cd {shlex.quote(str(entry.working_dir))} && {shlex.join(argv)}"


def crontab(entries: Sequence[ExportEntry], *, now: datetime | None = None) -> str:
    """A crontab fragment that runs each schedule: its cron line, or one line per computed start time."""
    check_entries(entries)
    lines = [
        f"# Written by rpa (rpa schedule export --cron) on {_stamp(now)}: robots' schedules, each run by `rpa run`.",
        "# CRON_TZ sets the time zone of the lines after it (cronie: RHEL, Fedora, SUSE, Arch). Debian's and Ubuntu's",
        "# cron (Vixie cron) does not support CRON_TZ: there the machine's own time zone must be the schedule's.",
        "# A % is written \\% (cron turns a bare % into a line break). max_duration: GNU timeout sends SIGTERM, and",
        f"# SIGKILL {STOP_GRACE_SECONDS} s later if the run has not stopped by then.",
    ]
    for entry in entries:
        lines += ["", f"# {entry.title}", f"CRON_TZ={entry.time_zone}"]
        run = _shell_command(entry).replace("%", "\\%")
        if entry.cron is not None and parse_cron(entry.cron) is not None:
            lines.append(f"{' '.join(entry.cron.split())} {run}")
            continue
        reason = entry.explicit_reason or f"cron {entry.cron!r} has a form cron daemons do not all take"
        lines.append(f"# {_valid_until_note(entry, reason)} Each line runs in its year only.")
        written: set[tuple[int, ...]] = set()
        zone = shlex.quote(entry.time_zone)
        for moment in entry.times:
            local = _local(moment, entry.time_zone)
            if _second_of_fold(local):
                lines.append(f"# {local:%Y-%m-%d %H:%M} comes twice as summer time ends: cron starts it at the first.")
            key = (local.year, local.month, local.day, local.hour, local.minute)
            if key not in written:
                written.add(key)
                guard = f'[ "$(TZ={zone} date +\\%Y)" = "{local.year}" ] && '
                lines.append(f"{local.minute} {local.hour} {local.day} {local.month} * {guard}{run}")
    return "\n".join(lines) + "\n"


# ---- systemd ------------------------------------------------------------------------------------------------------

_SD_WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
_SYSTEMD_SAFE = re.compile(r"[A-Za-z0-9_+=:,./@-]+")


def _sd_values(values: tuple[int, ...], lo: int, hi: int, names: Sequence[str] | None = None) -> str:
    """Values as systemd writes them: ``*``, ``00/15``, ``08..16``, ``02,11``; weekdays ``Mon..Fri``."""
    if values == tuple(range(lo, hi + 1)):
        return "*"
    label = (lambda v: names[v]) if names else (lambda v: f"{v:02d}")
    steps = {b - a for a, b in pairwise(values)}
    if not names and len(values) >= 3 and len(steps) == 1 and values[-1] + steps.pop() > hi:
        return f"{label(values[0])}/{values[1] - values[0]}"
    runs: list[list[int]] = []
    for value in values:
        if runs and value == runs[-1][-1] + 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    return ",".join(f"{label(r[0])}..{label(r[-1])}" if len(r) >= 3 else ",".join(map(label, r)) for r in runs)


def on_calendar(expr: str, time_zone: str) -> str | None:
    """A systemd ``OnCalendar=`` value for a cron expression, None when systemd cannot express it the same."""
    fields = parse_cron(expr)
    if fields is None or not (fields.dom_star or fields.dow_star):
        return None
    weekdays = "" if fields.dow_star else _sd_values(fields.weekdays, 0, 6, _SD_WEEKDAYS) + " "
    date = f"*-{_sd_values(fields.months, 1, 12)}-{_sd_values(fields.days, 1, 31)}"
    return f"{weekdays}{date} {_sd_values(fields.hours, 0, 23)}:{_sd_values(fields.minutes, 0, 59)}:00 {time_zone}"


def systemd_quote(arg: str) -> str:
    """One command-line argument for ``ExecStart=``: quoted, with systemd's specifiers (%) and variables ($) escaped."""
    if arg == ";":
        return "\\;"
    if _SYSTEMD_SAFE.fullmatch(arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$") + '"'


_SERVICE = """\
{head}
# Install it and {name}.timer in /etc/systemd/system (add User= for the robot's account), then
#   systemctl daemon-reload && systemctl enable --now {name}.timer
[Unit]
Description=rpa: {title}
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={working_dir}
ExecStart={command}
# At TimeoutStartSec (max_duration) SIGTERM goes to rpa run only (KillMode=mixed): it stops its robot processes
# (each in its own process group) and records the run; what is left after TimeoutStopSec gets SIGKILL.
TimeoutStartSec={timeout}
KillMode=mixed
KillSignal=SIGTERM
TimeoutStopSec={grace}
"""

_TIMER = """\
{head}
# Each OnCalendar= names its time zone (systemd 235 or later).
[Unit]
Description=Starts rpa: {title}

[Timer]
{calendar}
AccuracySec=1s
Persistent=true
Unit={name}.service

[Install]
WantedBy=timers.target
"""


def _timer_lines(entry: ExportEntry) -> list[str]:
    fields, reason = calendar_fields(entry, "systemd")
    spec = on_calendar(entry.cron, entry.time_zone) if fields and entry.cron else None
    lines = [f"OnCalendar={spec}"] if spec else [f"# {_valid_until_note(entry, reason)}"]
    extra = False
    for moment in entry.times:
        local = _local(moment, entry.time_zone)
        if fields and spec and matches(fields, local):
            continue
        if spec and not extra:
            extra = True
            lines.append("# Start times the line above misses as summer time begins or ends:")
        utc = _second_of_fold(local)  # the repeated hour: only UTC tells the second 02:30 from the first
        when = moment.astimezone(ZoneInfo("UTC")) if utc else local
        lines.append(f"OnCalendar={when:%Y-%m-%d %H:%M:%S} {'UTC' if utc else entry.time_zone}")
    return lines


def systemd_units(entries: Sequence[ExportEntry], *, now: datetime | None = None) -> dict[str, str]:
    """File name to text: a ``.service`` (oneshot ``rpa run``) and a ``.timer`` per schedule."""
    check_entries(entries)
    units: dict[str, str] = {}
    for entry in entries:
        values = {
            "head": f"# Written by rpa (rpa schedule export --systemd) on {_stamp(now)}: {entry.title}.",
            "name": entry.name,
            "title": entry.title,
            "working_dir": str(entry.working_dir).replace("%", "%%"),
            "command": " ".join(systemd_quote(arg) for arg in entry.command),
            "timeout": entry.max_duration_seconds or "infinity",
            "grace": STOP_GRACE_SECONDS,
            "calendar": "\n".join(_timer_lines(entry)),
        }
        units[f"{entry.name}.service"] = _SERVICE.format(**values)
        units[f"{entry.name}.timer"] = _TIMER.format(**values)
    return units


def windows_tasks(entries: Sequence[ExportEntry], *, now: datetime | None = None) -> dict[str, str]:
    """Task name to Task Scheduler XML (schema 1.2), split into ``NAME-1``, ``NAME-2``... past 48 triggers."""
    from rpa_core.scheduler.export_windows import windows_tasks as build

    return build(entries, now=now)

"""rpa schedule export: crontab, systemd units and Task Scheduler XML, checked by croniter, systemd-analyze and the
Task Scheduler schema's element order, with real Copenhagen times around the 2027 summer-time changes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter

from rpa_core.scheduler.export import (
    ExportEntry,
    crontab,
    export_name,
    on_calendar,
    parse_cron,
    systemd_quote,
    systemd_units,
    windows_tasks,
)
from rpa_core.scheduler.export_windows import MAX_TRIGGERS, TASK_NAMESPACE, iso_duration

CPH = ZoneInfo("Europe/Copenhagen")
UTC = ZoneInfo("UTC")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=CPH)
UNTIL = datetime(2027, 12, 1, 12, 0, tzinfo=CPH)
RPA = ("/opt/rpa/.venv/bin/rpa", "run", "/opt/robots/flexloen", "--profile", "skanderborg")
STORE = ("--store", "postgresql+psycopg://rpa@db.kommune.dk:5432/rpa")
# Computed bank-day times (06:00), around both 2027 changes: 28 March (02:00 -> 03:00) and 31 October (03:00 -> 02:00).
BANK_TIMES = tuple(
    datetime(*day, 6, 0, tzinfo=CPH)
    for day in ((2027, 1, 5), (2027, 3, 26), (2027, 3, 29), (2027, 4, 2), (2027, 10, 29), (2027, 11, 1), (2027, 11, 2))
)


def cron_times(expr: str, start: datetime = NOW, end: datetime = UNTIL) -> tuple[datetime, ...]:
    """What our scheduler would hand over: croniter's times in Copenhagen (03:00 in the March gap, both 02:30s)."""
    found, it = [], croniter(expr, start)
    while (moment := it.get_next(datetime)) < end:
        found.append(moment)
    return tuple(found)


def entry(**changes) -> ExportEntry:
    values = {
        "robot": "flexloen",
        "profile": "skanderborg",
        "schedule": "nightly",
        "command": (*RPA, *STORE),
        "working_dir": Path("/opt/robots/flexloen"),
        "time_zone": "Europe/Copenhagen",
        "cron": "30 2 * * *",
        "times": None,
        "explicit_reason": None,
        "valid_until": UNTIL,
        "max_duration_seconds": None,
    }
    values.update(changes)
    if values["times"] is None:
        values["times"] = cron_times(values["cron"])
    return ExportEntry(**values)


def bank_entry(**changes) -> ExportEntry:
    values = {
        "schedule": "monthly",
        "cron": None,
        "times": BANK_TIMES,
        "explicit_reason": "bank_day_of_month = [2, 11]",
    }
    return entry(**{**values, **changes})


def job_lines(text: str) -> list[str]:
    """The crontab's job lines: neither comments, blank, nor variable settings."""
    return [
        line
        for line in text.splitlines()
        if line.strip() and not line.startswith("#") and not re.match(r"[A-Z_]+=", line)
    ]


def naive(moment: datetime) -> datetime:
    return moment.astimezone(CPH).replace(tzinfo=None)


# ---- names and refusals --------------------------------------------------------------------------------------------


def test_names_are_safe_for_files_units_and_tasks():
    assert export_name("flexloen", "skanderborg", "nightly") == "rpa-flexloen-skanderborg-nightly"
    assert export_name("flexloen", None, "nightly") == "rpa-flexloen-nightly"
    assert export_name("Fleksløn Tilskud", "Århus/Syd", "månedlig_1") == "rpa-fleksloen-tilskud-aarhus-syd-maanedlig_1"
    assert entry().name == "rpa-flexloen-skanderborg-nightly"


@pytest.mark.parametrize(
    "store",
    [
        ("--store", "postgresql+psycopg://rpa:hemmelig@db/rpa"),
        ("--store=postgresql://rpa:hemmelig@db:5432/rpa",),
        ("--store", "postgresql://rpa@db/rpa?password=hemmelig"),
    ],
)
@pytest.mark.parametrize("export", [crontab, systemd_units, windows_tasks])
def test_a_store_url_with_a_password_is_refused(store, export):
    with pytest.raises(ValueError) as raised:
        export([entry(command=(*RPA, *store))])
    message = str(raised.value)
    assert "store URL with a password cannot be exported" in message
    assert "PGPASSFILE" in message and "RPA_STORE_URL" in message
    assert "hemmelig" not in message and "\n" not in message


def test_a_cpr_number_or_a_line_break_is_refused():
    with pytest.raises(ValueError, match="CPR"):
        crontab([entry(command=(*RPA, "--variable", "cpr:0101901234"))])
    with pytest.raises(ValueError, match="line break"):
        systemd_units([entry(command=(*RPA, "a\nb"))])
    with pytest.raises(ValueError, match="both give the name"):
        windows_tasks([entry(), entry(schedule="Nightly")])
    with pytest.raises(ValueError, match="no start time in the next 12 months"):
        windows_tasks([entry(cron="0 0 30 2 *", times=())])


# ---- crontab -------------------------------------------------------------------------------------------------------


def test_crontab_runs_a_plain_cron_as_is():
    text = crontab([entry(command=(*RPA, "--variable", "rate:50%"), max_duration_seconds=3600)], now=NOW)
    assert text.startswith("# Written by rpa")
    assert "2026-12-01 12:00 +0100" in text.splitlines()[0]
    assert "CRON_TZ=Europe/Copenhagen" in text.splitlines()
    assert "Vixie" in text and "machine's own time zone" in text
    [line] = job_lines(text)
    fields = line.split()
    assert " ".join(fields[:5]) == "30 2 * * *" and croniter.is_valid(" ".join(fields[:5]))
    assert line.endswith(
        "cd /opt/robots/flexloen && timeout --signal=TERM --kill-after=60s 3600s "
        + " ".join(RPA)
        + " --variable rate:50\\%"
    )
    assert "%" not in line.replace("\\%", "")


def test_crontab_writes_computed_times_with_a_year_guard():
    times = (datetime(2026, 12, 31, 23, 30, tzinfo=CPH), *BANK_TIMES)
    text = crontab([bank_entry(times=times)], now=NOW)
    assert "# Computed dates, valid until 2027-12-01: bank_day_of_month = [2, 11]. Export again before then." in text
    lines = job_lines(text)
    assert len(lines) == len(times)
    for line, moment in zip(lines, times, strict=True):
        expr = " ".join(line.split()[:5])
        assert croniter.is_valid(expr), line
        local = naive(moment)
        assert croniter(expr, local - timedelta(minutes=1)).get_next(datetime) == local, line
        assert f'[ "$(TZ=Europe/Copenhagen date +\\%Y)" = "{local.year}" ] && cd /opt/robots/flexloen && ' in line


def test_the_year_guard_runs_in_its_year_only(tmp_path):
    this_year = datetime.now(CPH).year
    times = (datetime(this_year, 6, 1, 6, tzinfo=CPH), datetime(this_year + 1, 6, 1, 6, tzinfo=CPH))
    text = crontab([bank_entry(command=("/bin/echo", "ran"), working_dir=tmp_path, times=times)])
    ran = []
    for line in job_lines(text):
        command = line.split(" ", 5)[5].replace("\\%", "%")  # what cron hands to the shell
        ran.append(subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True).stdout.strip())
    assert ran == ["ran", ""]


def test_crontab_writes_the_repeated_hour_once():
    times = (datetime(2027, 10, 31, 2, 30, tzinfo=CPH), datetime(2027, 10, 31, 2, 30, fold=1, tzinfo=CPH))
    text = crontab([bank_entry(times=times)])
    assert len(job_lines(text)) == 1
    assert "2027-10-31 02:30 comes twice as summer time ends" in text


def test_crontab_gives_an_exotic_cron_as_computed_times():
    text = crontab([entry(cron="0 6 L * *", times=BANK_TIMES[:2])])
    assert "has a form cron daemons do not all take" in text and len(job_lines(text)) == 2


# ---- systemd -------------------------------------------------------------------------------------------------------

CALENDAR_CASES = [
    ("30 2 * * *", "*-*-* 02:30:00 Europe/Copenhagen"),
    ("0 6 * * 1-5", "Mon..Fri *-*-* 06:00:00 Europe/Copenhagen"),
    ("*/15 8-16 * * mon-fri", "Mon..Fri *-*-* 08..16:00/15:00 Europe/Copenhagen"),
    ("0 6 2,11 * *", "*-*-02,11 06:00:00 Europe/Copenhagen"),
    ("0 7 * jan,jul sun", "Sun *-01,07-* 07:00:00 Europe/Copenhagen"),
    ("0 */6 * * 0,7", "Sun *-*-* 00/6:00:00 Europe/Copenhagen"),
    ("5,35 9-17/2 1-10 * *", "*-*-01..10 09,11,13,15,17:05,35:00 Europe/Copenhagen"),
    ("0 6 1 * 1", None),  # cron: day 1 OR Monday; systemd would need both
    ("0 6 L * *", None),
    # croniter's reading, which rpa scheduler follows too: 5/10 is 5, 15, ..., 55; fri-mon wraps over the weekend
    ("5/10 * * * *", "*-*-* *:05/10:00 Europe/Copenhagen"),
    ("0 6 * * fri-mon", "Sun,Mon,Fri,Sat *-*-* 06:00:00 Europe/Copenhagen"),
]


@pytest.mark.parametrize(("expr", "expected"), CALENDAR_CASES)
def test_cron_to_on_calendar(expr, expected):
    assert on_calendar(expr, "Europe/Copenhagen") == expected


def test_parse_cron_reads_names_ranges_and_steps():
    fields = parse_cron("*/20 8-10 * jan-mar MON-FRI")
    assert fields.minutes == (0, 20, 40) and fields.hours == (8, 9, 10) and fields.months == (1, 2, 3)
    assert fields.weekdays == (1, 2, 3, 4, 5) and fields.dom_star and not fields.dow_star
    assert parse_cron("@daily") is None and parse_cron("0 6 * *") is None and parse_cron("61 * * * *") is None


@pytest.mark.parametrize(
    ("arg", "quoted"),
    [("plain/path-1.0", "plain/path-1.0"), ("a b", '"a b"'), ("50%", '"50%%"'), ("$HOME", '"$$HOME"'),
     ('x"y\\z', '"x\\"y\\\\z"'), (";", "\\;"), ("", '""')],
)  # fmt: skip
def test_systemd_quote(arg, quoted):
    assert systemd_quote(arg) == quoted


def test_systemd_units_text():
    units = systemd_units([entry(max_duration_seconds=5400), bank_entry()], now=NOW)
    assert sorted(units) == [
        "rpa-flexloen-skanderborg-monthly.service",
        "rpa-flexloen-skanderborg-monthly.timer",
        "rpa-flexloen-skanderborg-nightly.service",
        "rpa-flexloen-skanderborg-nightly.timer",
    ]
    service = units["rpa-flexloen-skanderborg-nightly.service"].splitlines()
    for line in ("Type=oneshot", "WorkingDirectory=/opt/robots/flexloen", "TimeoutStartSec=5400", "KillMode=mixed",
                 "KillSignal=SIGTERM", "TimeoutStopSec=60", "ExecStart=" + " ".join((*RPA, *STORE))):  # fmt: skip
        assert line in service
    assert "TimeoutStartSec=infinity" in units["rpa-flexloen-skanderborg-monthly.service"].splitlines()
    timer = units["rpa-flexloen-skanderborg-nightly.timer"].splitlines()
    assert "OnCalendar=*-*-* 02:30:00 Europe/Copenhagen" in timer
    assert {"Persistent=true", "WantedBy=timers.target", "Unit=rpa-flexloen-skanderborg-nightly.service"} <= set(timer)
    # croniter's times that systemd's reading misses: 03:00 in the March gap, the second 02:30 in October
    assert "OnCalendar=2027-03-28 03:00:00 Europe/Copenhagen" in timer
    assert "OnCalendar=2027-10-31 01:30:00 UTC" in timer
    monthly = units["rpa-flexloen-skanderborg-monthly.timer"]
    assert "# Computed dates, valid until 2027-12-01: bank_day_of_month = [2, 11]. Export again before then." in monthly
    assert [line for line in monthly.splitlines() if line.startswith("OnCalendar=")] == [
        f"OnCalendar={moment:%Y-%m-%d %H:%M:%S} Europe/Copenhagen" for moment in BANK_TIMES
    ]
    dom_and_dow = systemd_units([entry(cron="0 6 1 * 1")])["rpa-flexloen-skanderborg-nightly.timer"]
    assert "restricts both day of month and day of week" in dom_and_dow
    assert sum(line.startswith("OnCalendar=") for line in dom_and_dow.splitlines()) == len(cron_times("0 6 1 * 1"))


def _analyze(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    env = {**os.environ, "TZ": "UTC", "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": ""}
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, env=env, timeout=60)


ENVIRONMENT_FAILURE = re.compile(r"not been booted with systemd|no systemd running|Failed to initialize manager")


def test_systemd_analyze_verifies_the_units(tmp_path):
    command = (sys.executable, "-c", "print('ok')", "a b", "50%", "$HOME", 'x"y', "--store", STORE[1])
    entries = [
        entry(command=command, working_dir=tmp_path, max_duration_seconds=3600),
        bank_entry(command=command, working_dir=tmp_path),
        entry(schedule="dom-dow", cron="0 6 1 * 1", command=command, working_dir=tmp_path),
    ]
    paths = []
    for name, text in systemd_units(entries).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    result = _analyze("verify", *paths)
    output = result.stdout + result.stderr
    if result.returncode != 0 and ENVIRONMENT_FAILURE.search(output):
        pytest.skip(f"systemd-analyze verify cannot run here: {output.strip().splitlines()[0]}")
    assert result.returncode == 0, output
    assert "rpa-" not in output, output  # no warning about any of our units


def _elapses(spec: str, base: datetime, iterations: int) -> list[datetime]:
    result = _analyze(
        "calendar", f"--iterations={iterations}", f"--base-time={base.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC", spec
    )
    if result.returncode != 0 and ("base-time" in result.stderr or ENVIRONMENT_FAILURE.search(result.stderr)):
        pytest.skip(f"systemd-analyze calendar --base-time cannot run here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    found = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", result.stdout)
    return [datetime.fromisoformat(text).replace(tzinfo=UTC) for text in found]


@pytest.mark.parametrize(("expr", "expected"), [case for case in CALENDAR_CASES if case[1]])
def test_systemd_reads_the_converted_cron_as_croniter_does(expr, expected):
    for base in (datetime(2027, 1, 4, 12, tzinfo=CPH), datetime(2027, 6, 30, 23, 59, tzinfo=CPH)):
        ours = _elapses(expected, base, 40)
        theirs = croniter(expr, base)
        assert ours == [theirs.get_next(datetime).astimezone(UTC) for _ in range(40)], (expr, base)


@pytest.mark.parametrize("expr", ["30 2 * * *", "*/30 2 * * 0", "0 6 * * 1-5"])
def test_the_timer_starts_at_every_time_croniter_gives_across_summer_time(expr):
    """The converted line plus its extra lines start exactly at croniter's times, DST nights included."""
    for start in (datetime(2027, 3, 26, 12, tzinfo=CPH), datetime(2027, 10, 29, 12, tzinfo=CPH)):
        end = start + timedelta(days=4)
        times = cron_times(expr, start, end)
        timer = systemd_units([entry(cron=expr, times=times)])["rpa-flexloen-skanderborg-nightly.timer"]
        started = set()
        for line in timer.splitlines():
            if line.startswith("OnCalendar="):
                started.update(t for t in _elapses(line.removeprefix("OnCalendar="), start, 60) if t < end)
        assert sorted(started) == [t.astimezone(UTC) for t in times], expr


# ---- Windows Task Scheduler ------------------------------------------------------------------------------------------

NS = "{" + TASK_NAMESPACE + "}"
# The element order of the Task Scheduler schema (learn.microsoft.com, "Task Scheduler Schema", the XSD).
TASK_ORDER = ["RegistrationInfo", "Triggers", "Settings", "Data", "Principals", "Actions"]
REGISTRATION_ORDER = [
    "URI",
    "SecurityDescriptor",
    "Source",
    "Date",
    "Author",
    "Version",
    "Description",
    "Documentation",
]
SETTINGS_ORDER = [
    "AllowStartOnDemand", "RestartOnFailure", "MultipleInstancesPolicy", "DisallowStartIfOnBatteries",
    "StopIfGoingOnBatteries", "AllowHardTerminate", "StartWhenAvailable", "NetworkProfileName",
    "RunOnlyIfNetworkAvailable", "WakeToRun", "Enabled", "Hidden", "DeleteExpiredTaskAfter", "IdleSettings",
    "NetworkSettings", "ExecutionTimeLimit", "Priority", "RunOnlyIfIdle", "UseUnifiedSchedulingEngine",
    "DisallowStartOnRemoteAppSession",
]  # fmt: skip
TRIGGER_BASE_ORDER = ["Enabled", "StartBoundary", "EndBoundary", "Repetition", "ExecutionTimeLimit"]
TRIGGER_ORDER = {
    "TimeTrigger": [*TRIGGER_BASE_ORDER, "RandomDelay"],
    "CalendarTrigger": [*TRIGGER_BASE_ORDER, "RandomDelay", "ScheduleBy*"],
}
REPETITION_ORDER = ["Interval", "Duration", "StopAtDurationEnd"]
PRINCIPAL_ORDER = ["UserId", "LogonType", "GroupId", "DisplayName", "RunLevel", "ProcessTokenSidType"]
EXEC_ORDER = ["Command", "Arguments", "WorkingDirectory"]
WEEK_ORDER = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def tag(element: ET.Element) -> str:
    name = element.tag.removeprefix(NS)
    return "ScheduleBy*" if name.startswith("ScheduleBy") else name


def assert_order(element: ET.Element, order: list[str]) -> None:
    tags = [tag(child) for child in element]
    assert all(t in order for t in tags), (element.tag, tags)
    positions = [order.index(t) for t in tags]
    assert positions == sorted(set(positions)), (element.tag, tags)


def parse_task(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == NS + "Task" and root.get("version") == "1.2"
    assert_order(root, TASK_ORDER)
    assert_order(root.find(NS + "RegistrationInfo"), REGISTRATION_ORDER)
    assert_order(root.find(NS + "Settings"), SETTINGS_ORDER)
    [principal] = root.find(NS + "Principals")
    assert_order(principal, PRINCIPAL_ORDER)
    assert principal.get("id") == root.find(NS + "Actions").get("Context")
    [action] = root.find(NS + "Actions")
    assert tag(action) == "Exec"
    assert_order(action, EXEC_ORDER)
    triggers = list(root.find(NS + "Triggers"))
    assert 1 <= len(triggers) <= MAX_TRIGGERS
    for trigger in triggers:
        assert_order(trigger, TRIGGER_ORDER[tag(trigger)])
        if (repetition := trigger.find(NS + "Repetition")) is not None:
            assert_order(repetition, REPETITION_ORDER)
        if (days := trigger.find(f"{NS}ScheduleByWeek/{NS}DaysOfWeek")) is not None:
            assert_order(days, WEEK_ORDER)
    return root


def text_of(root: ET.Element, path: str) -> str:
    return root.find("/".join(NS + part for part in path.split("/"))).text


def test_windows_task_for_a_daily_cron():
    [(name, xml)] = windows_tasks([entry(max_duration_seconds=7200)], now=NOW).items()
    assert name == "rpa-flexloen-skanderborg-nightly"
    root = parse_task(xml)
    description = text_of(root, "RegistrationInfo/Description")
    assert "Europe/Copenhagen" in description and "the machine's time zone must be this one" in description
    assert text_of(root, "RegistrationInfo/Author") == "rpa"
    assert text_of(root, "RegistrationInfo/URI") == "\\rpa-flexloen-skanderborg-nightly"
    for setting, value in (("MultipleInstancesPolicy", "IgnoreNew"), ("ExecutionTimeLimit", "PT2H"),
                           ("StartWhenAvailable", "true"), ("DisallowStartIfOnBatteries", "false")):  # fmt: skip
        assert text_of(root, f"Settings/{setting}") == value
    [trigger] = root.find(NS + "Triggers")
    assert tag(trigger) == "CalendarTrigger" and text_of(trigger, "ScheduleByDay/DaysInterval") == "1"
    start = datetime.fromisoformat(text_of(trigger, "StartBoundary"))
    assert start == datetime(2026, 12, 2, 2, 30) and start.tzinfo is None  # local: follows the machine's summer time
    assert text_of(root, "Actions/Exec/Command") == RPA[0]
    assert text_of(root, "Actions/Exec/Arguments") == " ".join((*RPA[1:], *STORE))
    assert text_of(root, "Actions/Exec/WorkingDirectory") == "/opt/robots/flexloen"


@pytest.mark.parametrize(
    ("expr", "check"),
    [
        ("0 6 * * 1-5", lambda t: [tag(d) for d in t.find(f"{NS}ScheduleByWeek/{NS}DaysOfWeek")] == WEEK_ORDER[:5]),
        ("0 6 2,11 * *", lambda t: [d.text for d in t.find(f"{NS}ScheduleByMonth/{NS}DaysOfMonth")] == ["2", "11"]
         and len(t.find(f"{NS}ScheduleByMonth/{NS}Months")) == 12),
        ("0 7 * 1,7 *", lambda t: [tag(m) for m in t.find(f"{NS}ScheduleByMonth/{NS}Months")] == ["January", "July"]
         and len(t.find(f"{NS}ScheduleByMonth/{NS}DaysOfMonth")) == 31),
    ],
)  # fmt: skip
def test_windows_calendar_triggers(expr, check):
    [xml] = windows_tasks([entry(cron=expr)]).values()
    [trigger] = parse_task(xml).find(NS + "Triggers")
    assert tag(trigger) == "CalendarTrigger" and check(trigger)
    start = datetime.fromisoformat(text_of(trigger, "StartBoundary"))
    assert start.tzinfo is None and (start.hour, start.minute) == (6 if expr.startswith("0 6") else 7, 0)


def test_windows_repeats_a_stepped_cron_within_its_hours():
    [xml] = windows_tasks([entry(cron="*/15 8-16 * * mon-fri")]).values()
    [trigger] = parse_task(xml).find(NS + "Triggers")
    assert datetime.fromisoformat(text_of(trigger, "StartBoundary")).time().isoformat() == "08:00:00"
    assert text_of(trigger, "Repetition/Interval") == "PT15M"
    assert text_of(trigger, "Repetition/Duration") == "PT8H45M30S"  # the last start at 16:45 falls inside
    [xml] = windows_tasks([entry(cron="10,40 9,13 * * *")]).values()
    triggers = list(parse_task(xml).find(NS + "Triggers"))
    assert [text_of(t, "StartBoundary")[11:] for t in triggers] == ["09:10:00", "13:10:00"]
    assert {(text_of(t, "Repetition/Interval"), text_of(t, "Repetition/Duration")) for t in triggers} == {
        ("PT30M", "PT30M30S")
    }
    [xml] = windows_tasks([entry(cron="10,25 9,13 * * *")]).values()  # uneven: one trigger per start time
    triggers = list(parse_task(xml).find(NS + "Triggers"))
    assert [text_of(t, "StartBoundary")[11:] for t in triggers] == ["09:10:00", "09:25:00", "13:10:00", "13:25:00"]
    assert all(t.find(NS + "Repetition") is None for t in triggers)


def test_windows_gives_computed_times_as_time_triggers_with_their_offset():
    xml = windows_tasks([bank_entry(), entry(schedule="dom-dow", cron="0 6 1 * 1")])["rpa-flexloen-skanderborg-monthly"]
    root = parse_task(xml)
    description = text_of(root, "RegistrationInfo/Description")
    assert (
        "Computed dates, valid until 2027-12-01: bank_day_of_month = [2, 11]. Export again before then." in description
    )
    starts = [datetime.fromisoformat(text_of(t, "StartBoundary")) for t in root.find(NS + "Triggers")]
    assert starts == list(BANK_TIMES)
    assert [s.utcoffset() for s in starts] == [t.utcoffset() for t in BANK_TIMES]
    assert {s.utcoffset() for s in starts} == {timedelta(hours=1), timedelta(hours=2)}  # both sides of both changes
    assert text_of(root, "Settings/ExecutionTimeLimit") == "PT0S"


def test_windows_splits_more_than_48_triggers_over_tasks():
    start = datetime(2027, 3, 1, 6, tzinfo=CPH)  # 60 days across the change on 28 March
    times = tuple(start + timedelta(days=n) for n in range(60))
    tasks = windows_tasks([bank_entry(times=times, explicit_reason="bank_days = next")])
    assert sorted(tasks) == ["rpa-flexloen-skanderborg-monthly-1", "rpa-flexloen-skanderborg-monthly-2"]
    found = []
    for number, xml in enumerate(tasks.values(), 1):
        root = parse_task(xml)
        assert f"Part {number} of 2" in text_of(root, "RegistrationInfo/Description")
        found += [datetime.fromisoformat(text_of(t, "StartBoundary")) for t in root.find(NS + "Triggers")]
    assert [len(parse_task(xml).find(NS + "Triggers")) for xml in tasks.values()] == [48, 12]
    assert found == list(times)
    assert all(moment.hour == 6 and moment.utcoffset() == moment.astimezone(CPH).utcoffset() for moment in found)


def test_windows_dom_and_dow_cron_becomes_time_triggers():
    times = cron_times("0 6 1 * 1")  # the 1st of each month, or a Monday: more than 48 in 12 months
    tasks = windows_tasks([entry(cron="0 6 1 * 1", times=times)])
    assert len(tasks) == -(-len(times) // MAX_TRIGGERS) > 1
    starts = []
    for xml in tasks.values():
        root = parse_task(xml)
        assert "restricts both day of month and day of week" in text_of(root, "RegistrationInfo/Description")
        starts += [datetime.fromisoformat(text_of(t, "StartBoundary")) for t in root.find(NS + "Triggers")]
    assert starts == list(times)


def test_iso_duration():
    assert [iso_duration(s) for s in (0, 45, 3600, 5400, 7322)] == ["PT0S", "PT45S", "PT1H", "PT1H30M", "PT2H2M2S"]

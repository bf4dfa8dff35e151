"""``rpa schedule ls|history|export`` and ``rpa scheduler``: when robots run, what happened, and the process that
starts them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from rpa_core.cli.common import COPENHAGEN, HELP_OPTIONS, StoreOption, open_cli_existing_store, open_cli_store
from rpa_core.cli.output import JsonOption, data_console, emit_json, iso_time, table
from rpa_core.errors import UserError

app = typer.Typer(
    help="Schedules: the next start times, what happened, and exports for the operating system's scheduler.",
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
)

Robots = Annotated[
    list[str] | None,
    typer.Argument(
        help="Robot folders, each optionally with its profile: robots/flexloen@skanderborg. "
        "Default: every robot under ./robots.",
        show_default=False,
    ),
]
ProfileOption = Annotated[
    str | None, typer.Option("--profile", "-p", help="The profile of robots named without @PROFILE.")
]


def _scheduled(robots: list[str] | None, profile: str | None):
    from rpa_core.scheduler.robots import default_specs, load_scheduled

    specs = robots or default_specs()
    if not specs:
        raise UserError("no robots: name robot folders (robots/flexloen@skanderborg), or run where ./robots has them")
    return load_scheduled(specs, profile)


def _moment(text: str | None, option: str) -> datetime:
    """--from: an ISO date-time, with an offset or in Copenhagen time; now when not given."""
    if text is None:
        return datetime.now(COPENHAGEN)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option} '{text}': not a date-time like 2026-12-24T00:00 or 2026-12-24T00:00+01:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=COPENHAGEN)


def _existing_store(url: str | None):
    """The store to read outcomes from, or None when there is none yet (ls still shows the times)."""
    try:
        return open_cli_existing_store(url)
    except UserError:
        return None


def _row_json(row) -> dict | None:
    if row is None:
        return None
    return {
        "due_at": iso_time(row.due_at),
        "decision": row.decision.value,
        "state": row.state.value,
        "outcome": row.outcome.value if row.outcome else None,
        "run_id": row.run_id,
        "started_at": iso_time(row.started_at),
        "ended_at": iso_time(row.ended_at),
        "message": row.message,
        "scheduler": row.scheduler_id,
    }


def _outcome_text(row) -> str:
    if row is None:
        return ""
    what = row.outcome.value if row.outcome else f"{row.state.value} ({row.decision.value})"
    return f"{what} {row.due_at.astimezone(COPENHAGEN):%Y-%m-%d %H:%M}"


@app.command("ls")
def ls(
    robots: Robots = None,
    profile: ProfileOption = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Start times after this (ISO; Copenhagen time unless an offset).")
    ] = None,
    count: Annotated[int, typer.Option(min=1, max=1000, help="Start times per schedule.")] = 5,
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """Each schedule with its next start times (local time with offset) and its last outcome in the store.

    --json: {"schedules": [{"robot", "profile", "schedule", "rule", "enabled", "time_zone", "bank_days",
    "catch_up", "max_duration", "next": [...], "last": {...} or null}]}.

    Example: rpa schedule ls robots/flexloen@skanderborg --from 2026-12-20 --count 10
    """
    from rpa_core.scheduler import records
    from rpa_core.scheduler.times import next_times

    start = _moment(from_, "--from")
    opened = _existing_store(store)
    listed = []
    for entry in _scheduled(robots, profile):
        for schedule in entry.schedules:
            upcoming = next_times(schedule, start, count) if schedule.enabled else []
            last = records.last_run(opened, entry.key(schedule)) if opened else None
            listed.append((entry, schedule, upcoming, last))
    if as_json:
        emit_json(
            {
                "schedules": [
                    {
                        "robot": entry.robot.name,
                        "profile": entry.profile,
                        "schedule": schedule.name,
                        "rule": schedule.rule(),
                        "enabled": schedule.enabled,
                        "time_zone": schedule.time_zone,
                        "bank_days": schedule.bank_days.value,
                        "catch_up": schedule.catch_up.value,
                        "max_duration": schedule.max_seconds,
                        "next": [moment.isoformat() for moment in upcoming],
                        "last": _row_json(last),
                    }
                    for entry, schedule, upcoming, last in listed
                ]
            }
        )
        return
    shown = table("Robot", "Schedule", "Rule", "Next", "Last", wrap=("Rule",))
    for entry, schedule, upcoming, last in listed:
        times = "\n".join(moment.isoformat(sep=" ", timespec="minutes") for moment in upcoming) or "(turned off)"
        shown.add_row(entry.label, schedule.name, schedule.rule(), times, _outcome_text(last))
    data_console().print(shown)
    if not listed:
        data_console().print("no schedules: add [[schedules]] to a robot's robot.toml")
    if opened is None:
        data_console().print("no store yet: no outcomes to show")


@app.command("history")
def history(
    robots: Robots = None,
    profile: ProfileOption = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many, newest due time first.")] = 20,
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """What the scheduler decided and how each run ended: started on time, caught up, missed, skipped on a day
    that is not a bank day, superseded, started by a person (MANUAL, schedule :manual), with outcome and duration.

    --json: {"history": [{"robot", "profile", "schedule", "due_at", "decision", "state", "outcome", "run_id",
    "started_at", "ended_at", "message", "scheduler"}]}.

    Example: rpa schedule history robots/flexloen@skanderborg --limit 50
    """
    from rpa_core.scheduler import records

    opened = open_cli_existing_store(store)
    rows = []
    for entry in _scheduled(robots, profile):
        keys = [entry.key(schedule) for schedule in entry.schedules]
        keys.append(records.ScheduleKey(entry.robot.name, entry.profile or "", records.MANUAL_SCHEDULE))
        for key in keys:
            rows += records.history(opened, key, limit=limit)
    rows = sorted(rows, key=lambda row: row.due_at, reverse=True)[:limit]
    if as_json:
        emit_json(
            {
                "history": [
                    {"robot": r.robot, "profile": r.profile or None, "schedule": r.schedule, **_row_json(r)}
                    for r in rows
                ]
            }
        )
        return
    shown = table("Due", "Robot", "Schedule", "Decision", "Outcome", "Took", "Run", "Message", wrap=("Message",))
    for row in rows:
        took = ""
        if row.started_at and row.ended_at:
            took = f"{int((row.ended_at - row.started_at).total_seconds())} s"
        label = f"{row.robot}/{row.profile}" if row.profile else row.robot
        outcome = row.outcome.value if row.outcome else row.state.value
        due = row.due_at.astimezone(COPENHAGEN).isoformat(sep=" ", timespec="minutes")
        shown.add_row(due, label, row.schedule, row.decision.value, outcome, took, row.run_id or "", row.message or "")
    data_console().print(shown)


@app.command("export")
def export(
    robots: Robots = None,
    profile: ProfileOption = None,
    cron: Annotated[bool, typer.Option("--cron", help="A crontab fragment on stdout.")] = False,
    systemd: Annotated[bool, typer.Option("--systemd", help="systemd .service and .timer units into --out.")] = False,
    windows: Annotated[bool, typer.Option("--windows", help="Windows Task Scheduler XML files into --out.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="The folder for --systemd and --windows files.")] = None,
    runs_dir: Annotated[Path, typer.Option("--runs-dir", help="Where the runs write runs/<run-id>/.")] = Path("runs"),
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="A store URL to write into the commands (without a password); default: none, "
            "so the runs use RPA_STORE_URL or .rpa/rpa.db in the working directory.",
        ),
    ] = None,
) -> None:
    """Write the schedules for the operating system's scheduler, running `rpa run` at the same times.

    A cron without a bank-day rule is exported as it is. Bank-day rules (bank_days = next, bank_day_of_month) are
    computed as explicit dates for the next 12 months, and the export says until when: export again before then.

    Example: rpa schedule export robots/flexloen@skanderborg --cron > /etc/cron.d/rpa-flexloen

    Example: rpa schedule export robots/flexloen@skanderborg --systemd --out /etc/systemd/system
    """
    chosen = [name for name, on in (("--cron", cron), ("--systemd", systemd), ("--windows", windows)) if on]
    if len(chosen) != 1:
        raise UserError("rpa schedule export: choose one of --cron, --systemd, --windows")
    if chosen[0] != "--cron" and out is None:
        raise UserError(f"{chosen[0]} writes files: name the folder with --out")
    files = _export_files(_scheduled(robots, profile), chosen[0], runs_dir=runs_dir, store_url=store)
    if out is None:
        typer.echo(next(iter(files.values())), nl=False)
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out / name}")


def _rpa_command() -> list[str]:
    """The ``rpa`` of this installation, as an absolute path."""
    import sys

    script = Path(sys.executable).parent / ("rpa.exe" if sys.platform == "win32" else "rpa")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "rpa_core.cli.main"]


def _export_files(served, form: str, *, runs_dir: Path, store_url: str | None) -> dict[str, str]:
    """The files of an export: {name: text}; the crontab is one text."""
    from rpa_core.scheduler import export as exporting
    from rpa_core.scheduler.times import next_times, os_cron

    now = datetime.now(COPENHAGEN)
    until = (
        now.replace(year=now.year + 1)
        if not (now.month == 2 and now.day == 29)
        else now.replace(year=now.year + 1, day=28)
    )
    entries = []
    for entry in served:
        for schedule in entry.active():
            command = [*_rpa_command(), "run", str(entry.robot.directory)]
            command += ["--profile", entry.profile] if entry.profile else []
            command += ["--runs-dir", str(runs_dir.absolute())]
            command += ["--store", store_url] if store_url else []
            cron = os_cron(schedule)
            times = tuple(t for t in next_times(schedule, now, 100_000 if cron is None else 400) if t <= until)
            entries.append(
                exporting.ExportEntry(
                    robot=entry.robot.name,
                    profile=entry.profile,
                    schedule=schedule.name,
                    command=tuple(command),
                    working_dir=Path.cwd(),
                    time_zone=schedule.time_zone,
                    cron=cron,
                    times=times,
                    explicit_reason=None if cron else schedule.rule(),
                    valid_until=until,
                    max_duration_seconds=schedule.max_seconds,
                )
            )
    if not entries:
        raise UserError("no schedules to export: add [[schedules]] to a robot's robot.toml (or turn one on)")
    try:
        if form == "--cron":
            return {"crontab": exporting.crontab(entries)}
        if form == "--systemd":
            return exporting.systemd_units(entries)
        return {f"{name}.xml": xml for name, xml in exporting.windows_tasks(entries).items()}
    except ValueError as exc:
        raise UserError(str(exc)) from None


def _seconds(text: str, option: str) -> float:
    from rpa_core.packaging.schedules import parse_duration

    if text.strip() == "0":
        return 0.0
    try:
        return float(parse_duration(text))
    except ValueError as exc:
        raise UserError(f"{option} {text!r}: {str(exc).replace('must be', 'not')}") from None


def scheduler(
    robots: Annotated[
        list[str] | None,
        typer.Option(
            "--robots",
            help="A robot folder, optionally with its profile (robots/flexloen@skanderborg); repeatable. "
            "Default: every robot under ./robots.",
            show_default=False,
        ),
    ] = None,
    profile: ProfileOption = None,
    store: StoreOption = None,
    runs_dir: Annotated[Path, typer.Option("--runs-dir", help="Where runs/<run-id>/ artifacts are written.")] = Path(
        "runs"
    ),
    grace: Annotated[
        str, typer.Option(help="On SIGTERM/Ctrl-C: how long running robots may go on before they are stopped.")
    ] = "10m",
    late_after: Annotated[
        str, typer.Option(help="A due time noticed later than this was missed while no scheduler ran: catch_up.")
    ] = "5m",
    tick: Annotated[float, typer.Option(min=0.2, max=60, help="Seconds between looks at the schedules.")] = 5.0,
) -> None:
    """Start each robot's scheduled runs when they are due, exactly once across every scheduler on the store.

    Run one on each robot machine sharing a PostgreSQL store: a due run starts once, one robot+profile never runs
    twice at once, missed runs follow catch_up, a run past max_duration is stopped, and a failed, stopped or missed
    run mails the profile's operator_mail. Once a day it prunes expired data (rpa retention).
    SIGTERM or Ctrl-C: nothing more starts, running robots get --grace, then they are stopped cleanly; exit 0.

    Example: rpa scheduler --robots robots/flexloen@skanderborg --store postgresql+psycopg://robot@db/rpa
    """
    from rpa_core.packaging import resolve_settings
    from rpa_core.scheduler.clock import clock_from_env
    from rpa_core.scheduler.daemon import SchedulerProcess

    grace_s, late_s = _seconds(grace, "--grace"), _seconds(late_after, "--late-after")
    served = _scheduled(robots, profile)
    for entry in served:  # a profile with undecided or wrong settings would fail every night: refuse it now
        resolve_settings(entry.robot, profile=entry.profile)
        if not entry.active():
            data_console().print(f"{entry.label}: no schedules (add [[schedules]] to its robot.toml)")
    clock = clock_from_env()
    opened = open_cli_store(store)
    process = SchedulerProcess(
        opened,
        served,
        store_url=opened.url_string(),
        runs_dir=runs_dir,
        clock=clock,
        tick=tick,
        late_after=late_s,
        grace=grace_s,
    )
    raise typer.Exit(process.serve())


def register(main: typer.Typer) -> None:
    main.add_typer(app, name="schedule")
    main.command("scheduler")(scheduler)

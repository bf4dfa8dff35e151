"""``rpa retention``: delete run folders, reports and work-item payloads that outlived their retention."""

from __future__ import annotations

import getpass
import socket
from pathlib import Path
from typing import Annotated

import typer

from rpa_core.cli.common import HELP_OPTIONS, StoreOption, local_time, open_cli_existing_store
from rpa_core.cli.output import JsonOption, data_console, emit_json, iso_time, table

app = typer.Typer(
    help="Retention: delete what has outlived the robot's \\[retention] (run folders, reports, payloads).",
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
)

LABELS = {"run_folders": "Run folders", "reports": "Reports", "payloads": "Payloads", "item_files": "Item files"}


def _days(value: int | None) -> str:
    return "keep" if value is None else f"{value} days"


@app.command("prune")
def prune_command(
    robot_dirs: Annotated[
        list[Path] | None, typer.Argument(help="The robot folders whose retention applies.", show_default=False)
    ] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="The municipality's profile (each robot's profiles/P.toml).")
    ] = None,
    runs_dir: Annotated[
        Path | None,
        typer.Option("--runs-dir", help="Where the run folders are (as rpa run --runs-dir). Default: as recorded."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what has expired; delete nothing.")] = False,
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """Delete what has expired under each robot's \\[retention] (robot.toml, changed by --profile), and log it.

    Run folders of runs that ended more than runs_days ago (never a running run's); report files named with
    such a run's id in the robot's report_folder, after reports_days; payloads and files of final work items
    (DONE, BUSINESS_EXCEPTION, ABANDONED) in the robot's queues last changed more than payload_days ago: the
    payload is blanked, state, reference, attempts and results are kept. Every prune, --dry-run too, is
    recorded with its counts (rpa retention log). Exit code 1 when something could not be deleted.

    --json: {"dry_run", "at", "log_id", "counts", "robots", "expired" (the paths found), "failures"}.

    Example: rpa retention prune robots/flexloen --profile skanderborg --dry-run
    """
    from rpa_core.errors import UserError
    from rpa_core.packaging import load_robot
    from rpa_core.runner.retention import RobotRetention, prune
    from rpa_core.store.types import utcnow

    if not robot_dirs:
        raise UserError("name the robot folders whose retention applies, e.g. rpa retention prune robots/flexloen")
    if runs_dir is not None and not runs_dir.is_dir():
        raise UserError(f"--runs-dir {runs_dir}: not a folder")
    robots = [RobotRetention.of(load_robot(folder), profile) for folder in robot_dirs]
    opened = open_cli_existing_store(store)
    try:
        actor = f"{getpass.getuser()}@{socket.gethostname()}"
        result = prune(opened, robots, now=utcnow(), runs_dir=runs_dir, dry_run=dry_run, actor=actor)
    finally:
        opened.close()
    if as_json:
        emit_json(
            {
                "dry_run": result.dry_run,
                "at": iso_time(result.plan.now),
                "log_id": result.log_id,
                "counts": result.counts,
                "robots": [{"robot": r.robot, **r.settings.model_dump(), "queues": list(r.queues)} for r in robots],
                "expired": {"run_folders": result.plan.run_folders, "reports": result.plan.reports},
                "failures": result.failures,
            }
        )
    else:
        console = data_console()
        verb = "would delete (dry run, nothing deleted)" if dry_run else "deleted"
        console.print(f"Retention prune at {local_time(result.plan.now)}: {verb}")
        for r in robots:
            s = r.settings
            console.print(
                f"  {r.robot}: runs {_days(s.runs_days)}, payloads {_days(s.payload_days)}, "
                f"reports {_days(s.reports_days)}; queues {', '.join(r.queues) or '(none)'}"
            )
        counts = table("Kind", "Count", right=("Count",))
        for kind, label in LABELS.items():
            counts.add_row(label, str(result.counts[kind]))
        console.print(counts)
        for failure in result.failures:
            typer.echo(f"not deleted: {failure}", err=True)
        console.print(f"Recorded as retention log entry {result.log_id}.")
    if result.failures:
        raise typer.Exit(1)


@app.command("log")
def log_command(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many entries, newest first.")] = 20,
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """What the latest prunes did: when, by whom, dry run or not, and the counts by kind.

    --json: {"entries": [{"id", "at", "actor", "dry_run", "counts"}]}.

    Example: rpa retention log --limit 5
    """
    from rpa_core.runner.retention import retention_history

    opened = open_cli_existing_store(store)
    try:
        entries = retention_history(opened, limit)
    finally:
        opened.close()
    if as_json:
        emit_json({"entries": [{**e, "at": iso_time(e["at"])} for e in entries]})
        return
    listing = table("Id", "At", "Actor", "Dry run", *LABELS.values(), right=("Id", *LABELS.values()))
    for e in entries:
        counts = [str(e["counts"].get(kind, 0)) for kind in LABELS]
        listing.add_row(str(e["id"]), local_time(e["at"]), e["actor"], "yes" if e["dry_run"] else "", *counts)
    data_console().print(listing)

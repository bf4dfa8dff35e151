"""``rpa runs``: what ran, and how it ended."""

from __future__ import annotations

from typing import Annotated

import typer

from rpa_core.cli.common import StoreOption, local_time, open_cli_store, plain_console

app = typer.Typer(help="Runs: list them, show one with its steps and item counts.", no_args_is_help=True)


@app.command("ls")
def ls(
    robot: Annotated[str | None, typer.Option(help="Only runs of this robot.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first.")] = 20,
    store: StoreOption = None,
) -> None:
    """List runs, newest first.

    Example: rpa runs ls --robot flexloen
    """
    from rich.table import Table

    from rpa_core.queue import count_items
    from rpa_core.queue.lifecycle import Tally
    from rpa_core.runner.records import list_runs

    opened = open_cli_store(store)
    table = Table()
    for column in ("Run", "Robot", "Status", "Started", "Ended", "Items (done/manual/error/open)", "Host"):
        table.add_column(column, overflow="fold")
    for record in list_runs(opened, robot=robot, limit=limit):
        counts = count_items(opened, run_id=record.id)
        tally = Tally.of(counts)
        table.add_row(
            record.id,
            f"{record.robot} {record.robot_version}",
            record.status,
            local_time(record.started_at),
            local_time(record.ended_at),
            f"{tally.done}/{tally.business}/{tally.errors}/{tally.open}",
            record.host,
        )
    plain_console().print(table)


@app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(help="The run's id (from rpa runs ls).")],
    store: StoreOption = None,
) -> None:
    """Show one run: status, steps and their processes, item counts, artifacts.

    Example: rpa runs show 20261123-021500-a1b2c3
    """
    from rich.table import Table

    from rpa_core.queue import count_items
    from rpa_core.runner.records import RunStatus, get_run, list_steps

    opened = open_cli_store(store)
    record = get_run(opened, run_id)
    console = plain_console()
    console.print(f"Run {record.id}: {record.robot} {record.robot_version} on {record.host}", style="bold")
    console.print(f"Status: {record.status}" + (f" ({record.stop_reason})" if record.stop_reason else ""))
    console.print(f"Started {local_time(record.started_at)}, ended {local_time(record.ended_at) or '-'}")
    console.print(f"Artifacts: {record.artifacts_dir}")
    steps = Table(title="Steps", title_justify="left")
    for column in ("Step", "Process", "Status", "Exit", "Started", "Ended"):
        steps.add_column(column, overflow="fold")
    processes = list_steps(opened, run_id)
    for step in processes:
        steps.add_row(
            step.name,
            _process_name(step.worker),
            step.status,
            "" if step.exit_code is None else str(step.exit_code),
            local_time(step.started_at),
            local_time(step.ended_at),
        )
    console.print(steps)
    for step in processes:
        if step.message:
            ended = "was stopped" if step.status == RunStatus.STOPPED.value else "failed"
            console.print(f"{_process_name(step.worker)} {ended}: {step.message}")
    counts = count_items(opened, run_id=run_id)
    console.print("Items: " + ("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "none"))


def _process_name(worker: str) -> str:
    """``host:run-id:consumer-w2`` -> ``consumer-w2``."""
    return worker.rsplit(":", 1)[-1]

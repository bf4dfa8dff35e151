"""``rpa runs``: what ran, and how it ended."""

from __future__ import annotations

from typing import Annotated

import typer

from rpa_core.cli.common import HELP_OPTIONS, StoreOption, local_time, open_cli_existing_store
from rpa_core.cli.output import JsonOption, data_console, emit_json, iso_time, state_counts, table

app = typer.Typer(
    help="Runs: list them, show one with its steps and item counts.",
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
)


def _run_json(record, counts: dict[str, int]) -> dict:
    """A run for --json, with the counts of its items by state."""
    return {
        "id": record.id,
        "robot": record.robot,
        "robot_version": record.robot_version,
        "profile": record.profile,
        "status": record.status,
        "stop_reason": record.stop_reason,
        "started_at": iso_time(record.started_at),
        "ended_at": iso_time(record.ended_at),
        "host": record.host,
        "artifacts_dir": record.artifacts_dir,
        "kill_switch": record.kill_switch,
        "counts": state_counts(counts),
    }


@app.command("ls")
def ls(
    robot: Annotated[str | None, typer.Option(help="Only runs of this robot.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many, newest first.")] = 20,
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """List runs, newest first.

    --json: {"runs": [...]}, each with its item counts by state; the fields are listed in README.md (The rpa command).

    Example: rpa runs ls --robot flexloen
    """
    from rpa_core.queue import count_items
    from rpa_core.queue.lifecycle import Tally
    from rpa_core.runner.records import list_runs

    opened = open_cli_existing_store(store)
    listed = [(record, count_items(opened, run_id=record.id)) for record in list_runs(opened, robot=robot, limit=limit)]
    if as_json:
        emit_json({"runs": [_run_json(record, counts) for record, counts in listed]})
        return
    runs = table("Run", "Robot", "Status", "Started", "Ended", "Items (done/manual/error/open)", "Host")
    for record, counts in listed:
        tally = Tally.of(counts)
        runs.add_row(
            record.id,
            f"{record.robot} {record.robot_version}",
            record.status,
            local_time(record.started_at),
            local_time(record.ended_at),
            f"{tally.done}/{tally.business}/{tally.errors}/{tally.open}",
            record.host,
        )
    data_console().print(runs)


@app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(help="The run's id (from rpa runs ls).")],
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """Show one run: status, steps and their processes, item counts, artifacts.

    --json: {"run": {...}, "steps": [...]}, a step per process; the fields are listed in README.md (The rpa command).

    Example: rpa runs show 20261123-021500-a1b2c3
    """
    from rpa_core.privacy import mask_cpr
    from rpa_core.queue import count_items
    from rpa_core.runner.records import RunStatus, get_run, list_steps

    opened = open_cli_existing_store(store)
    record = get_run(opened, run_id)
    processes = list_steps(opened, run_id)
    counts = count_items(opened, run_id=run_id)
    if as_json:
        emit_json({"run": _run_json(record, counts), "steps": [_step_json(step) for step in processes]})
        return
    console = data_console()
    console.print(f"Run {record.id}: {record.robot} {record.robot_version} on {record.host}", style="bold")
    console.print(f"Status: {record.status}" + (f" ({record.stop_reason})" if record.stop_reason else ""))
    console.print(f"Started {local_time(record.started_at)}, ended {local_time(record.ended_at) or '-'}")
    console.print(f"Artifacts: {record.artifacts_dir}")
    steps = table("Step", "Process", "Status", "Exit", "Started", "Ended", right=("Exit",), title="Steps")
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
            console.print(f"{_process_name(step.worker)} {ended}: {mask_cpr(step.message)}", soft_wrap=True)
    console.print("Items: " + ("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "none"))


def _step_json(step) -> dict:
    from rpa_core.privacy import mask_cpr

    return {
        "name": step.name,
        "process": _process_name(step.worker),
        "worker": step.worker,
        "status": step.status,
        "exit_code": step.exit_code,
        "started_at": iso_time(step.started_at),
        "ended_at": iso_time(step.ended_at),
        "output_dir": step.output_dir,
        "message": mask_cpr(step.message),
    }


def _process_name(worker: str) -> str:
    """``host:run-id:consumer-w2`` -> ``consumer-w2``."""
    return worker.rsplit(":", 1)[-1]

"""``rpa run`` and ``rpa worker``: run a robot, or work its queue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rpa_core.cli.common import StoreOption, check_output_folder, open_cli_store
from rpa_core.cli.output import JsonOption, data_console, emit_json, table
from rpa_core.errors import UserError

RobotDir = Annotated[Path, typer.Argument(help="The robot's folder (robot.toml or robot.yaml).", show_default=False)]
RunsDir = Annotated[Path, typer.Option("--runs-dir", help="Where runs/<run-id>/ artifacts are written.")]
Profile = Annotated[
    str | None,
    typer.Option("--profile", "-p", help="Municipality profile: a name in the robot's profiles/ or a .toml path."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="NAME=VALUE: change one of the robot's settings for this run (repeatable)."),
]
Variables = Annotated[
    list[str] | None,
    typer.Option("--variable", "-v", help="NAME:VALUE passed to Robot Framework (repeatable).", show_default=False),
]
RfOptions = Annotated[
    list[str] | None,
    typer.Option(
        "--rf-option",
        help="One Robot Framework option for every step, e.g. --rf-option=--loglevel=DEBUG or "
        "--rf-option=--include=smoke (repeatable); not those the runner sets (--output, --listener, --rpa, ...).",
        show_default=False,
    ),
]


def _print_result(result) -> None:
    from rpa_core.queue import ItemState

    console = data_console()
    console.print(f"Run {result.run_id}: {result.status.value}", style="bold")
    counts = table("State", "Items", right=("Items",))
    for state in ItemState:  # in the lifecycle's order
        if result.counts.get(state.value):
            counts.add_row(state.value, str(result.counts[state.value]))
    counts.add_row("total", str(sum(result.counts.values())), style="bold")
    console.print(counts)
    if result.stop_reason:
        returned = f"; {result.returned} item(s) returned to the queue" if result.stop_signal is not None else ""
        console.print(f"Stopped: {result.stop_reason}{returned}")
    if result.failed_steps:
        console.print(f"Steps that failed: {', '.join(result.failed_steps)}")
    if result.duplicates:
        console.print(f"Duplicate references: {result.duplicates} output(s) not created again (WARN lines in the log)")
    console.print(f"Artifacts: {result.artifacts_dir}")
    if result.log_html:
        console.print(f"Log: {result.log_html}")


def _runner(
    robot_dir: Path,
    store: str | None,
    runs_dir: Path,
    variables: list[str] | None,
    profile: str | None = None,
    overrides: list[str] | None = None,
    rf_options: list[str] | None = None,
    input_path: Path | None = None,
    run_id: str | None = None,
):
    from rpa_core.packaging import load_robot, resolve_settings
    from rpa_core.packaging.rf_options import rf_option_args
    from rpa_core.runner import Runner
    from rpa_core.runner.preflight import ensure_runnable
    from rpa_core.runner.progress import ConsoleObserver

    robot = load_robot(robot_dir)
    settings = resolve_settings(robot, profile=profile, overrides=overrides or ())
    for variable in variables or []:
        if ":" not in variable:
            raise typer.BadParameter(f"'{variable}' is not NAME:VALUE", param_hint="--variable")
    rf_args = rf_option_args(rf_options or ())
    _checked_run_id(run_id)
    input_items = None
    if input_path is not None:  # read and checked before anything is created
        from rpa_core.queue.devdata import read_items

        input_items = read_items(input_path)
    # Before the store is opened: a robot whose task files are broken leaves no trace, not even an empty store.
    check_output_folder(runs_dir, "--runs-dir")
    ensure_runnable(robot, settings, tuple(variables or ()))
    opened = open_cli_store(store)
    if run_id is not None and _run_exists(opened, run_id):
        raise UserError(f"--run-id {run_id}: a run with that id is in the store already")
    return Runner(
        opened,
        robot,
        runs_dir=runs_dir,
        observer=ConsoleObserver(),
        variables=tuple(variables or ()),
        rf_options=rf_args,
        settings=settings,
        preflight=False,
        input_items=input_items,
        run_id=run_id,
    )


def _run_exists(store, run_id: str) -> bool:
    from rpa_core.runner.records import get_run

    try:
        get_run(store, run_id)
    except UserError:
        return False
    return True


def _checked_run_id(run_id: str | None) -> str | None:
    """--run-id (the scheduler's): the shape rpa_core.runner.records.new_run_id gives."""
    import re

    if run_id is not None and not re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{6}", run_id):
        raise UserError(f"--run-id '{run_id}': not a run id like 20261202-023000-1a2b3c")
    return run_id


def run(
    robot_dir: RobotDir,
    profile: Profile = None,
    set_: SetOption = None,
    store: StoreOption = None,
    runs_dir: RunsDir = Path("runs"),
    variable: Variables = None,
    rf_option: RfOptions = None,
    input_path: Annotated[
        Path | None,
        typer.Option(
            "--input",
            help="Robocorp devdata: a folder with work-items.json (devdata/work-items-in/NAME) or the file itself; "
            "its items are the first step's input instead of one empty item.",
            show_default=False,
        ),
    ] = None,
    run_id: Annotated[
        str | None,
        typer.Option("--run-id", hidden=True, help="The run's id, chosen by rpa scheduler before it starts the run."),
    ] = None,
) -> None:
    """Run a robot: every step of its robot.toml in order, on the store.

    Exit code 0 when every work item ended DONE or BUSINESS_EXCEPTION, 1 otherwise, 2 for bad input, 130/143
    when stopped by SIGINT (Ctrl-C) / SIGTERM: the processes get RPA_STOP_GRACE_SECONDS (default 20) to stop,
    the items they held go back to the queue uncharged.

    Example: rpa run robots/flexloen --profile skanderborg --set spot_check_share=0.1 --rf-option=--loglevel=DEBUG

    Example: rpa run my-robocorp-robot --input devdata/work-items-in/test-input
    """
    result = _runner(robot_dir, store, runs_dir, variable, profile, set_, rf_option, input_path, run_id).run()
    _print_result(result)
    raise typer.Exit(result.exit_code)


def worker(
    robot_dir: RobotDir,
    profile: Profile = None,
    set_: SetOption = None,
    store: StoreOption = None,
    step: Annotated[str | None, typer.Option(help="The step to work (default: the one with an input_queue).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Parallel processes (default: robot.toml).")
    ] = None,
    forever: Annotated[bool, typer.Option("--forever", help="Keep waiting for new items instead of stopping.")] = False,
    runs_dir: RunsDir = Path("runs"),
    variable: Variables = None,
    rf_option: RfOptions = None,
) -> None:
    """Work a robot's queue until it is empty (or --forever). Run one on each machine sharing a PostgreSQL store.

    SIGTERM or Ctrl-C stops it as it stops rpa run: held items go back uncharged, exit code 143 / 130.

    Example: rpa worker examples/hello --store postgresql+psycopg://robot@db.kommune.local/rpa --workers 4
    """
    runner = _runner(robot_dir, store, runs_dir, variable, profile, set_, rf_option)
    result = runner.work(step, workers=workers, forever=forever)
    _print_result(result)
    raise typer.Exit(result.exit_code)


def settings(
    robot_dir: RobotDir,
    profile: Profile = None,
    set_: SetOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a robot's settings as a run would get them, and where each value comes from.

    Order: robot defaults < profile < RPA_SETTING_<NAME> environment variables < --set.

    Then the robot's own check (robot.toml check_settings): exit code 2 and a line for each value it refuses.

    --json: {"robot", "profile", "settings": [{"name", "value", "source"}], "problems": [...]}, exit code as above.

    Example: rpa settings robots/flexloen --profile skanderborg --set payment_month=2024-11
    """
    from rpa_core.packaging import load_robot, resolve_settings
    from rpa_core.packaging.settings_check import check_settings, settings_problems

    robot = load_robot(robot_dir)
    resolved = resolve_settings(robot, profile=profile, overrides=set_ or (), check=False)
    if as_json:
        problems = settings_problems(robot, resolved)
        values = [{"name": n, "value": v, "source": resolved.sources[n]} for n, v in resolved.values.items()]
        emit_json({"robot": robot.name, "profile": resolved.profile, "settings": values, "problems": problems})
        raise typer.Exit(2 if problems else 0)
    shown = table("Setting", "Value", "From", wrap=("Value",), title=f"profile: {resolved.profile or '(none)'}")
    for name, value in resolved.values.items():
        shown.add_row(name, repr(value), resolved.sources[name])
    data_console().print(shown)
    check_settings(robot, resolved)  # after the table, so the operator sees the values the problems name


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("worker")(worker)
    app.command("settings")(settings)

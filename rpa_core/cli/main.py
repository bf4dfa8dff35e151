"""The ``rpa`` command. Sub-command groups live in their own modules; heavy libraries load lazily."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from rpa_core.cli.common import HELP_OPTIONS
from rpa_core.errors import UserError

app = typer.Typer(
    name="rpa",
    help="Run municipal robots: work queues, runs, workers and reference systems.\n\nExample: rpa run examples/hello",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=HELP_OPTIONS,
)


def version_line() -> str:
    """``rpa-core X.Y.Z``: the installed distribution's version."""
    from rpa_core import installed_version

    return f"rpa-core {installed_version() or '(not installed)'}"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(version_line())
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print rpa-core's version and exit."),
    ] = False,
) -> None:
    pass


def _register() -> None:
    from rpa_core.cli import browser_cmd, docs_cmd, queue_cmd, robot_cmd, runs_cmd, sandbox_cmd, store_cmd, work_cmd

    work_cmd.register(app)
    app.add_typer(queue_cmd.app, name="queue")
    app.add_typer(robot_cmd.app, name="robot")
    app.add_typer(runs_cmd.app, name="runs")
    app.add_typer(store_cmd.app, name="store")
    app.add_typer(sandbox_cmd.app, name="sandbox")
    app.add_typer(docs_cmd.app, name="docs")
    app.add_typer(browser_cmd.app, name="browser")
    from rpa_core.cli import vault_cmd

    app.add_typer(vault_cmd.app, name="vault")
    from rpa_core.cli import retention_cmd

    app.add_typer(retention_cmd.app, name="retention")
    from rpa_core.cli import schedule_cmd

    schedule_cmd.register(app)
    from rpa_core.cli import dashboard_cmd, users_cmd

    app.add_typer(users_cmd.app, name="users")
    app.add_typer(dashboard_cmd.app, name="dashboard")


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script: user mistakes become one line on stderr and exit code 2."""
    try:
        app(args=argv, standalone_mode=True)
    except UserError as exc:
        print(f"rpa: error: {exc}", file=sys.stderr)
        raise SystemExit(exc.exit_code) from None


if __name__ == "__main__":
    main()

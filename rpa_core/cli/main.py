"""The ``rpa`` command. Sub-command groups live in their own modules; heavy libraries load lazily."""

from __future__ import annotations

import sys

import typer

from rpa_core.errors import UserError

app = typer.Typer(
    name="rpa",
    help="Run municipal robots: work queues, runs, workers and reference systems.\n\nExample: rpa run examples/hello",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from rpa_core.cli import docs_cmd, queue_cmd, robot_cmd, runs_cmd, sandbox_cmd, store_cmd, work_cmd

    work_cmd.register(app)
    app.add_typer(queue_cmd.app, name="queue")
    app.add_typer(robot_cmd.app, name="robot")
    app.add_typer(runs_cmd.app, name="runs")
    app.add_typer(store_cmd.app, name="store")
    app.add_typer(sandbox_cmd.app, name="sandbox")
    app.add_typer(docs_cmd.app, name="docs")


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

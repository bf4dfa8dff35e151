"""``rpa dashboard serve``: the operator dashboard over the store."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from rpa_core.cli.common import HELP_OPTIONS, StoreOption, open_cli_store
from rpa_core.errors import UserError

app = typer.Typer(help="The operator dashboard.", no_args_is_help=True, context_settings=HELP_OPTIONS)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="The address to listen on; other than 127.0.0.1 only on purpose.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="The port.")] = 8500,
    robots: Annotated[
        list[str] | None,
        typer.Option(
            "--robots",
            help="Robot folders the dashboard knows (schedules, savings, run now), optionally DIR@PROFILE; "
            "repeatable. Default: every robot under ./robots.",
            show_default=False,
        ),
    ] = None,
    profile: Annotated[str | None, typer.Option("--profile", "-p", help="The profile of robots without @.")] = None,
    secure_cookies: Annotated[
        bool, typer.Option("--secure-cookies", help="Send cookies over HTTPS only (behind a TLS proxy).")
    ] = False,
    store: StoreOption = None,
) -> None:
    """Serve the dashboard: runs, queue, manual handling, schedules, workers, savings, audit; nothing without a
    login (rpa users add). Listens on 127.0.0.1 unless --host says otherwise.

    Example: rpa dashboard serve --robots robots/flexloen@skanderborg --port 8500
    """
    import uvicorn

    from rpa_core.dashboard.app import create_app
    from rpa_core.dashboard.users import list_users
    from rpa_core.scheduler.robots import default_specs, load_scheduled

    served = load_scheduled(robots or default_specs(), profile)
    opened = open_cli_store(store)
    if not list_users(opened):
        raise UserError("the store has no dashboard users yet: add one with rpa users add NAME --role admin")
    if not _loopback(host):
        typer.echo(
            f"listening on {host}: anyone who can reach this machine sees the login page; serve it behind HTTPS "
            "and use --secure-cookies",
            err=True,
        )
    typer.echo(f"dashboard on http://{host}:{port}/ (store {opened.display_url})")
    uvicorn.run(
        create_app(opened, robots=served, secure_cookies=secure_cookies), host=host, port=port, log_level="warning"
    )

"""``rpa users``: the dashboard's people (local logins with a role)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from rpa_core.cli.common import HELP_OPTIONS, StoreOption, local_time, open_cli_existing_store, open_cli_store
from rpa_core.cli.output import JsonOption, data_console, emit_json, iso_time, table
from rpa_core.errors import UserError

app = typer.Typer(
    help="The dashboard's users: add, list, change a password, disable, remove.",
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
)
Name = Annotated[str, typer.Argument(help="The login name: lower-case letters, digits, '.', '_', '-', '@'.")]


def _password(name: str) -> str:
    """The new password: typed twice at a prompt, or one line on stdin (never an argument: argv is public)."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UserError("no password on stdin: pipe one line, or run this at a terminal to be asked")
        return line
    import getpass

    first = getpass.getpass(f"Password for {name}: ")
    if getpass.getpass("Again: ") != first:
        raise UserError("the two passwords differ; nothing was changed")
    return first


@app.command("add")
def add(
    name: Name,
    role: Annotated[str, typer.Option(help="viewer (reads), operator (acts on items and runs), admin (users too).")],
    store: StoreOption = None,
) -> None:
    """Add a user; the password is asked for (or read as one line from stdin), at least 12 characters.

    Example: rpa users add anna --role operator
    """
    from rpa_core.dashboard.users import Role, add_user, check_name, check_password

    if role not in {r.value for r in Role}:
        raise UserError(f"--role {role!r}: use viewer, operator or admin")
    check_name(name)
    password = check_password(_password(name))  # before the store is opened: a refused add creates nothing
    user = add_user(open_cli_store(store), name, role, password)
    typer.echo(f"added {user.name} ({user.role.value})")


@app.command("ls")
def ls(as_json: JsonOption = False, store: StoreOption = None) -> None:
    """List the users with their role, and whether they are disabled.

    --json: {"users": [{"name", "role", "disabled", "created_at", "changed_at"}]}.

    Example: rpa users ls
    """
    from rpa_core.dashboard.users import list_users

    found = list_users(open_cli_existing_store(store))
    if as_json:
        rows = [
            {
                "name": u.name,
                "role": u.role.value,
                "disabled": u.disabled,
                "created_at": iso_time(u.created_at),
                "changed_at": iso_time(u.changed_at),
            }
            for u in found
        ]
        emit_json({"users": rows})
        return
    shown = table("Name", "Role", "Disabled", "Changed")
    for user in found:
        shown.add_row(user.name, user.role.value, "yes" if user.disabled else "", local_time(user.changed_at))
    data_console().print(shown)


@app.command("passwd")
def passwd(name: Name, store: StoreOption = None) -> None:
    """Set a user's password (asked for, or one line from stdin).

    Example: rpa users passwd anna
    """
    from rpa_core.dashboard.users import get_user, set_password

    opened = open_cli_existing_store(store)
    if get_user(opened, name) is None:
        raise UserError(f"no user '{name}' (rpa users ls lists them)")
    set_password(opened, name, _password(name))
    typer.echo(f"password of {name} changed")


@app.command("role")
def role(
    name: Name, new_role: Annotated[str, typer.Argument(help="viewer, operator or admin.")], store: StoreOption = None
):
    """Give a user another role.

    Example: rpa users role anna admin
    """
    from rpa_core.dashboard.users import Role, set_role

    if new_role not in {r.value for r in Role}:
        raise UserError(f"role {new_role!r}: use viewer, operator or admin")
    user = set_role(open_cli_existing_store(store), name, new_role)
    typer.echo(f"{user.name} is now {user.role.value}")


@app.command("disable")
def disable(
    name: Name,
    enable: Annotated[bool, typer.Option("--enable", help="Let the user log in again.")] = False,
    store: StoreOption = None,
) -> None:
    """Stop a user from logging in (their open sessions end at their next click), or let them again.

    Example: rpa users disable anna
    """
    from rpa_core.dashboard.users import set_disabled

    user = set_disabled(open_cli_existing_store(store), name, not enable)
    typer.echo(f"{user.name} {'disabled' if user.disabled else 'enabled'}")


@app.command("rm")
def rm(name: Name, store: StoreOption = None) -> None:
    """Remove a user (the audit log keeps what they did).

    Example: rpa users rm anna
    """
    from rpa_core.dashboard.users import remove_user

    remove_user(open_cli_existing_store(store), name)
    typer.echo(f"removed {name}")

"""Options and helpers shared by the command groups."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="RPA_STORE_URL",
        help="Store URL: sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB. Default: .rpa/rpa.db here.",
        show_default=False,
    ),
]

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def open_cli_store(url: str | None):
    """Open (and migrate) the store for a command; errors surface as one line through UserError."""
    from rpa_core.store import open_store

    return open_store(url)


def local_time(value: datetime | None) -> str:
    """A timestamp as an operator in Denmark reads it."""
    if value is None:
        return ""
    return value.astimezone(COPENHAGEN).strftime("%Y-%m-%d %H:%M:%S")


def plain_console(*, stderr: bool = False):
    """A rich console that prints data as it is: a message like "add a [ydelse] table" is not read as markup."""
    from rich.console import Console

    return Console(stderr=stderr, markup=False, highlight=False)

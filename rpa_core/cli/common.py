"""Options and helpers shared by the command groups."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from rpa_core.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    from rpa_core.store import Store

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

# For every typer.Typer: -h works as --help on each command and group.
HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}


def open_cli_store(url: str | None) -> Store:
    """Open (create or migrate) the store for ``rpa run``/``rpa worker``; errors surface as one line (UserError)."""
    from rpa_core.store import open_store

    return open_store(url)


def open_cli_existing_store(url: str | None) -> Store:
    """Open the store for a command that looks at it or changes items: never created or migrated here.

    No store, or one at another revision, is one line (UserError) that says what to do.
    """
    from rpa_core.store import open_existing_store

    return open_existing_store(url)


def check_output_folder(folder: Path, option: str) -> None:
    """Refuse, as one line, an output folder that is a file or cannot be created or written; creates nothing."""
    target = folder.absolute()
    try:
        existing = next(p for p in (target, *target.parents) if p.exists() or p == p.parent)
    except OSError as exc:
        raise UserError(f"{option} {folder} cannot be read: {exc.strerror}") from None
    if existing == target and not existing.is_dir():
        raise UserError(f"{option} {folder} is a file, not a folder")
    if not existing.is_dir():
        raise UserError(f"{option} {folder} cannot be created: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"{option} {folder} cannot be written: {existing} is not writable")


def local_time(value: datetime | None) -> str:
    """A timestamp as an operator in Denmark reads it."""
    if value is None:
        return ""
    return value.astimezone(COPENHAGEN).strftime("%Y-%m-%d %H:%M:%S")


def plain_console(*, stderr: bool = False):
    """A rich console that prints data as it is: a message like "add a [ydelse] table" is not read as markup."""
    from rich.console import Console

    return Console(stderr=stderr, markup=False, highlight=False)

"""Output for people and for scripts: tables that never wrap data when piped, and ``--json`` documents.

Every listing and show command prints through here: :func:`table` and :func:`data_console` for people,
:func:`emit_json` for scripts (one JSON document on stdout, snake_case fields, timestamps ISO 8601 with their offset
in Europe/Copenhagen). CPR numbers are masked by the commands, field by field, as their tables mask them.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rpa_core.cli.common import COPENHAGEN, plain_console

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console
    from rich.table import Table

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout instead of text (its fields: see above)."),
]

# Wide enough that a table printed to a pipe or a file is never wrapped, folded or cut: it keeps its natural width.
NATURAL_WIDTH = 1_000_000


def iso_time(value: datetime | None) -> str | None:
    """A stored timestamp as ISO 8601 with its offset in Europe/Copenhagen, e.g. ``2024-11-23T02:15:00+01:00``."""
    if value is None:
        return None
    return value.astimezone(COPENHAGEN).isoformat()


def _plain(value: Any) -> Any:
    """What ``json`` cannot write itself, as JSON (a naive date-time, e.g. from a TOML file, keeps no offset)."""
    if isinstance(value, datetime):
        return iso_time(value) if value.tzinfo is not None else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | PurePath):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")


def to_json(document: Any) -> str:
    """The document as indented JSON text (UTF-8 characters kept, e.g. ``fleksløn``)."""
    return json.dumps(document, ensure_ascii=False, indent=2, default=_plain)


def emit_json(document: Any) -> None:
    """Write the document to stdout as the command's only output, encoded UTF-8 whatever the console's code page."""
    text = to_json(document) + "\n"
    stdout = sys.stdout
    buffer = getattr(stdout, "buffer", None)
    if buffer is None:
        stdout.write(text)
    else:
        stdout.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()


def state_counts(counts: dict[str, int]) -> dict[str, int]:
    """Item counts for --json: every state in the lifecycle's order, 0 where there are none (stable keys)."""
    from rpa_core.queue.lifecycle import ItemState

    return {state.value: counts.get(state.value, 0) for state in ItemState}


def data_console() -> Console:
    """A plain console on stdout for data; when stdout is not a terminal, wide enough that nothing is wrapped."""
    console = plain_console()
    if not console.is_terminal:
        console.width = NATURAL_WIDTH
    return console


def table(*headers: str, wrap: tuple[str, ...] = (), right: tuple[str, ...] = (), title: str | None = None) -> Table:
    """A table whose cells stay on one line; only the ``wrap`` columns (free text) wrap on a narrow terminal.

    Printed through :func:`data_console` to a pipe, every cell is whole at its natural width. On a terminal too
    narrow even with the ``wrap`` columns wrapped, rich shortens the other cells with an ellipsis.
    """
    from rich.table import Table

    made = Table(title=title, title_justify="left")
    for header in headers:
        free = header in wrap
        made.add_column(
            header,
            justify="right" if header in right else "left",
            no_wrap=not free,
            overflow="fold" if free else "ellipsis",
        )
    return made

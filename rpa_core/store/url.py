"""Which store to use: the embedded SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from rpa_core.context import STORE_URL
from rpa_core.errors import StoreUnavailableError

DEFAULT_SQLITE_PATH = Path(".rpa") / "rpa.db"
ALLOWED = "sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB"


def default_store_url(workdir: Path | None = None) -> str:
    """The embedded store: ``.rpa/rpa.db`` in the working directory."""
    base = workdir or Path.cwd()
    return f"sqlite:///{(base / DEFAULT_SQLITE_PATH).resolve().as_posix()}"


def resolve_store_url(url: str | None = None) -> URL:
    """Pick the store URL (argument, then ``RPA_STORE_URL``, then the default) and check its kind.

    ``postgresql://`` and ``postgres://`` are read as PostgreSQL through psycopg 3.
    """
    raw = url or os.environ.get(STORE_URL) or default_store_url()
    try:
        parsed = make_url(raw)
    except ArgumentError:
        raise StoreUnavailableError(f"store URL '{raw}' is not a URL; use {ALLOWED}") from None
    # Read the scheme ourselves: asking SQLAlchemy for the driver would import a dialect that may not exist.
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres"):
        if driver not in ("", "psycopg"):
            raise StoreUnavailableError(
                f"store URL '{parsed.render_as_string(hide_password=True)}' uses driver '{driver}'; "
                "only psycopg 3 is supported: postgresql+psycopg://..."
            )
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise StoreUnavailableError(
                "store URL must name a SQLite file (sqlite:///PATH); an in-memory store cannot be shared by workers"
            )
        return parsed.set(drivername="sqlite")
    raise StoreUnavailableError(f"store URL scheme '{parsed.drivername}' is not supported; use {ALLOWED}")


def describe(url: URL) -> str:
    """The URL with any password hidden, for messages."""
    return url.render_as_string(hide_password=True)


def store_location(url: URL) -> str:
    """Where the store is, for messages: the file of a SQLite store, else the URL with any password hidden."""
    return url.database if url.get_backend_name() == "sqlite" else describe(url)

"""The store: runs, work items and their history in SQLite (embedded default) or PostgreSQL.

store = open_store()                       # .rpa/rpa.db, migrated on first use
store = open_store("postgresql+psycopg://postgres@127.0.0.1/test")
store = open_existing_store()              # only a store that exists at this code's revision; creates nothing
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from rpa_core.store import models
from rpa_core.store.engine import READ_ONLY, create_store_engine
from rpa_core.store.url import default_store_url, describe, resolve_store_url


@dataclass(frozen=True)
class Store:
    """An open store: its engine and where it is."""

    engine: Engine
    url: URL

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def display_url(self) -> str:
        return describe(self.url)

    def url_string(self) -> str:
        """The full URL (password included) to hand to a child process."""
        return self.url.render_as_string(hide_password=False)

    def read(self):
        """A connection for reads that takes no write lock (use as a context manager)."""
        return self.engine.connect().execution_options(**READ_ONLY)

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open the store at ``url`` (or ``RPA_STORE_URL``, or ``.rpa/rpa.db``), migrating it to the newest schema.

    A store at a revision this code does not know (a newer rpa-core migrated it) is StoreRevisionError, unchanged.
    """
    resolved = resolve_store_url(url)
    engine = create_store_engine(resolved)
    if migrate:
        from rpa_core.store.migrate import upgrade

        _checked(engine, upgrade)
    return Store(engine=engine, url=resolved)


def open_existing_store(url: str | None = None) -> Store:
    """Open a store that exists at this code's revision, for commands that must never create or migrate one.

    No store there is StoreNotFoundError (nothing is created: no file, folder or -wal/-shm); an older or newer
    schema is StoreRevisionError.
    """
    from rpa_core.store.migrate import check_current

    resolved = resolve_store_url(url)
    engine = create_store_engine(resolved, create=False)
    _checked(engine, check_current)
    return Store(engine=engine, url=resolved)


def _checked(engine: Engine, check: Callable[[Engine], object]) -> None:
    """Run ``check`` on a new engine; the engine is closed if it fails."""
    try:
        check(engine)
    except BaseException:
        engine.dispose()
        raise


__all__ = ["Store", "default_store_url", "models", "open_existing_store", "open_store", "resolve_store_url"]

"""Engines for the store: SQLite in WAL mode with immediate write transactions, or PostgreSQL via psycopg 3."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from rpa_core.errors import StoreUnavailableError
from rpa_core.store.url import describe

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option for read-only work on SQLite: a deferred transaction does not take the write lock.
READ_ONLY = {"rpa_read_only": True}


def _sqlite_engine(url: URL) -> Engine:
    path = Path(url.database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailableError(f"cannot create the store folder {path.parent}: {exc.strerror}") from None
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # pragma: no cover - exercised by every test
        # Let SQLAlchemy's "begin" event, not the sqlite3 module, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # pragma: no cover - exercised by every test
        # A write transaction takes the lock up front, so two claimers never both read the same free item
        # and then race to upgrade their locks.
        if connection.get_execution_options().get("rpa_read_only"):
            connection.exec_driver_sql("BEGIN DEFERRED")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _postgres_engine(url: URL) -> Engine:
    connect_args = {"connect_timeout": 5}
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True, pool_size=5, max_overflow=5)


def create_store_engine(url: URL) -> Engine:
    """An engine for ``url``, checked by connecting once; an unreachable database is a clear one-line error."""
    engine = _sqlite_engine(url) if url.get_backend_name() == "sqlite" else _postgres_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreUnavailableError(f"cannot reach the store at {describe(url)}: {reason}") from None
    return engine

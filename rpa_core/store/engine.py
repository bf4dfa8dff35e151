"""Engines for the store: SQLite in WAL mode with immediate write transactions, or PostgreSQL via psycopg 3."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, DisconnectionError

from rpa_core.errors import StoreNotFoundError, StoreUnavailableError
from rpa_core.store.url import describe

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option for read-only work on SQLite: a deferred transaction does not take the write lock.
READ_ONLY = {"rpa_read_only": True}
SQLITE_HEADER = b"SQLite format 3\x00"


def _check_sqlite_file(path: Path, *, create: bool) -> None:
    """Refuse, before SQLite touches the disk, a path that is not a store file; a missing one unless ``create``."""
    try:
        exists, is_dir = path.exists(), path.is_dir()
        header = _read_header(path) if exists and not is_dir else b""
    except OSError as exc:
        raise StoreUnavailableError(f"cannot read the store file {path}: {exc.strerror}") from None
    if is_dir:
        raise StoreUnavailableError(f"{path} is a folder, not a SQLite store file")
    if header and header != SQLITE_HEADER:  # an empty file is an empty database
        raise StoreUnavailableError(f"the store file {path} is not a SQLite database")
    if not exists and not create:
        raise StoreNotFoundError(str(path))
    if create:
        _prepare_folder(path)


def _read_header(path: Path) -> bytes:
    """The file's header as SQLite reads it. Not with open(): closing any descriptor of the file drops every POSIX
    lock this process's SQLite connections hold on it (fcntl locks are per process), and another process may then
    delete the live -wal file (sqlite.org/howtocorrupt.html, 2.2): a second store opened in a process that has one
    open, as the runner does when it reads the vault. SQLite's own connections share the process's locks."""
    import sqlite3

    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            connection.execute("PRAGMA schema_version")
            return SQLITE_HEADER
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            return b"not a database"
    with path.open("rb") as file:  # SQLite cannot open it (so no connection of this process has it open)
        return file.read(len(SQLITE_HEADER))


def _prepare_folder(path: Path) -> None:
    """Create the store file's folder if need be; refuse one that cannot be created, or is not writable."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise StoreUnavailableError(f"cannot create the store folder {folder}: a file of that name exists")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailableError(f"cannot create the store folder {folder}: {exc.strerror}") from None
    for target, kind in ((folder, "folder"), (path, "file")):
        if target.exists() and not os.access(target, os.W_OK):
            raise StoreUnavailableError(f"the store {kind} {target} is not writable")


def _sqlite_engine(url: URL, *, create: bool = True) -> Engine:
    _check_sqlite_file(Path(url.database), create=create)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # pragma: no cover - exercised by every test
        # Let SQLAlchemy's "begin" event, not the sqlite3 module, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if create:  # a store keeps the WAL mode it was made with; a look at one writes nothing
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


# TCP keepalives: a peer that vanished without closing (a dropped network path) makes the socket readable
# (an error) within about a minute, so the checkout check below sees it.
POSTGRES_CONNECT_ARGS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def _closed_while_idle(dbapi_connection) -> bool:
    """Whether a pooled psycopg connection was ended while it sat idle, found without a round trip.

    An idle connection receives nothing unless the server is ending it (a FATAL message, then end of file) or a
    keepalive found the peer gone, so anything to read on its socket means it is dead or dying.
    """
    import select

    if dbapi_connection.closed or dbapi_connection.broken:
        return True
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _postgres_engine(url: URL) -> Engine:
    # No pool_pre_ping (a round trip per checkout, the cost of a whole claim's statement): a checkout looks at
    # the socket instead; a connection that dies between that look and its statement fails that statement as a
    # disconnect, which invalidates the pool, and the queue's hot path retries it (rpa_core.queue.workqueue).
    engine = create_engine(url, connect_args=POSTGRES_CONNECT_ARGS, pool_size=5, max_overflow=5)

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection, _record, _proxy) -> None:
        if _closed_while_idle(dbapi_connection):
            raise DisconnectionError("the server ended this pooled connection while it was idle")

    return engine


def create_store_engine(url: URL, *, create: bool = True) -> Engine:
    """An engine for ``url``, checked by connecting once; an unreachable database is a clear one-line error.

    ``create=False``: a SQLite file that does not exist is StoreNotFoundError, and nothing is created or changed.
    """
    sqlite = url.get_backend_name() == "sqlite"
    engine = _sqlite_engine(url, create=create) if sqlite else _postgres_engine(url)
    try:
        with engine.connect().execution_options(**READ_ONLY) as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if sqlite:
            raise StoreUnavailableError(f"cannot open the store file {url.database}: {reason}") from None
        raise StoreUnavailableError(f"cannot reach the store at {describe(url)}: {reason}") from None
    return engine

"""Schema migrations with Alembic: applied automatically on first use and by ``rpa store upgrade``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from rpa_core.errors import StoreNotFoundError, StoreRevisionError
from rpa_core.store.engine import READ_ONLY
from rpa_core.store.url import store_location

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# A constant key so that concurrent first users of one PostgreSQL database migrate one at a time.
_PG_ADVISORY_KEY = 7_263_518_044


def _config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


@cache
def _script():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The newest migration shipped with this version of rpa_core."""
    return _script().get_current_head()


def known_revisions() -> frozenset[str]:
    """Every revision this version of rpa_core ships a migration for."""
    return frozenset(script.revision for script in _script().walk_revisions())


def _revision_of(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect().execution_options(**READ_ONLY) as connection:
        return _revision_of(connection)


def _refuse_unknown(engine: Engine, revision: str | None) -> None:
    """A store a newer rpa-core has migrated: this code must not write to it (nor try to "upgrade" it)."""
    if revision is not None and revision not in known_revisions():
        raise StoreRevisionError(
            f"the store at {store_location(engine.url)} is at revision {revision}, which this version of rpa-core "
            f"does not know (it knows up to {head_revision()}); upgrade rpa-core on this machine"
        )


def check_current(engine: Engine) -> str:
    """The store's revision, which must be this code's head: for commands that never create or migrate a store.

    A database without our tables is StoreNotFoundError; an older or newer schema is StoreRevisionError.
    """
    revision = current_revision(engine)
    if revision is None:
        raise StoreNotFoundError(store_location(engine.url))
    _refuse_unknown(engine, revision)
    head = head_revision()
    if revision != head:
        raise StoreRevisionError(
            f"the store at {store_location(engine.url)} is at revision {revision} and this version of rpa-core "
            f"at {head}; `rpa store upgrade` migrates it"
        )
    return revision


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (before, after). Safe to call from many processes.

    A store at a revision this code does not know (a newer rpa-core migrated it) is refused before any write.
    """
    from alembic import command

    before = current_revision(engine)
    _refuse_unknown(engine, before)
    head = head_revision()
    if before == head:
        return before, head
    config = _config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_ADVISORY_KEY})
        _refuse_unknown(engine, _revision_of(connection))  # another machine may have migrated it meanwhile
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head

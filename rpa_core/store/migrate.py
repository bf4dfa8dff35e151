"""Schema migrations with Alembic: applied automatically on first use and by ``rpa store upgrade``."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# A constant key so that concurrent first users of one PostgreSQL database migrate one at a time.
_PG_ADVISORY_KEY = 7_263_518_044


def _config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest migration shipped with this version of rpa_core."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (before, after). Safe to call from many processes."""
    from alembic import command

    before = current_revision(engine)
    head = head_revision()
    if before == head:
        return before, head
    config = _config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_ADVISORY_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head

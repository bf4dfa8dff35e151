"""Values the store keeps for itself (``store_meta``), each created once for every process and machine.

``value_once(store, name, make)`` inserts ``make()`` under ``name`` unless a value is there already, then reads
what is stored: when two processes (on one machine or many) race, one insert wins and both read the winner's
value. On SQLite the write transaction is the database's single writer lock; on PostgreSQL ``INSERT ... ON
CONFLICT DO NOTHING`` waits for a concurrent insert of the same name to commit, and the read that follows (in
READ COMMITTED) sees it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from rpa_core.store import Store
from rpa_core.store.models import store_meta
from rpa_core.store.types import utcnow

REFERENCE_KEY = "reference_key"  # the key of the keyed hash that replaces CPR numbers in references


def stored_value(store: Store, name: str) -> str | None:
    """The value stored under ``name``, or None."""
    with store.read() as conn:
        return conn.execute(select(store_meta.c.value).where(store_meta.c.name == name)).scalar()


def value_once(store: Store, name: str, make: Callable[[], str]) -> str:
    """The value under ``name``; when there is none yet, ``make()`` is stored first (race-safe, see above)."""
    existing = stored_value(store, name)
    if existing is not None:
        return existing
    dialect_insert = sqlite_insert if store.is_sqlite else pg_insert
    statement = (
        dialect_insert(store_meta)
        .values(name=name, value=make(), created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["name"])
    )
    with store.engine.begin() as conn:
        conn.execute(statement)
        return conn.execute(select(store_meta.c.value).where(store_meta.c.name == name)).scalar_one()

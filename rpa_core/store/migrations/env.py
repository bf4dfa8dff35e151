"""Alembic environment: migrations run on the connection that rpa_core.store.migrate hands over."""

from __future__ import annotations

from alembic import context

from rpa_core.store.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for `alembic` run by hand from this folder
    raise SystemExit("Run migrations with `rpa store upgrade`.")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

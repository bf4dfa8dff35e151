"""``rpa store``: the store's schema."""

from __future__ import annotations

import typer

from rpa_core.cli.common import HELP_OPTIONS, StoreOption

app = typer.Typer(help="The store that holds runs and work items.", no_args_is_help=True, context_settings=HELP_OPTIONS)


@app.command("upgrade")
def upgrade(store: StoreOption = None) -> None:
    """Create or migrate the store's tables to this version's schema (rpa run and rpa worker do it too).

    rpa queue and rpa runs never create or migrate a store. A store a newer rpa-core migrated is left unchanged.

    Example: rpa store upgrade --store postgresql+psycopg://postgres@127.0.0.1:5432/rpa
    """
    from rpa_core.store import open_store
    from rpa_core.store.migrate import upgrade as run_upgrade

    opened = open_store(store, migrate=False)
    before, after = run_upgrade(opened.engine)
    if before == after:
        typer.echo(f"{opened.display_url}: already at revision {after}")
    else:
        typer.echo(f"{opened.display_url}: upgraded from {before or 'empty'} to {after}")

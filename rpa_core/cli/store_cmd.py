"""``rpa store``: the store's schema."""

from __future__ import annotations

import typer

from rpa_core.cli.common import StoreOption

app = typer.Typer(help="The store that holds runs and work items.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(store: StoreOption = None) -> None:
    """Create or migrate the store's tables to this version's schema (also done automatically on first use).

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

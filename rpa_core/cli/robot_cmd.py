"""``rpa robot``: make, check and fork robots, and merge a fork's upstream."""

from __future__ import annotations

import typer

app = typer.Typer(
    help=(
        "Make, check and fork robots; pull a fork's upstream fixes.\n\n"
        "Example: rpa robot check robots/flexloen --profile skanderborg"
    ),
    no_args_is_help=True,
)
upstream_app = typer.Typer(
    help=(
        "A fork and the robot it came from: what each side changed, and a three-way merge.\n\n"
        "Example: rpa robot upstream status examples/flexloen/syddjurs"
    ),
    no_args_is_help=True,
)
app.add_typer(upstream_app, name="upstream")

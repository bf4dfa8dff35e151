"""``rpa sandbox``: the reference municipal systems (built in issue 3)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Reference municipal systems for developing and testing robots.", no_args_is_help=True)

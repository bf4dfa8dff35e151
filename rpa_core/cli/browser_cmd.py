"""``rpa browser``: the browser robots drive on this machine."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    help="The browser robots drive: find it, or install one.\n\nExample: rpa browser ensure --dry-run",
    no_args_is_help=True,
)


@app.command("ensure")
def ensure(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; install nothing.")] = False,
) -> None:
    """Find the browser robots will drive, or install Chromium when there is none (what `make demo` runs first).

    Looked for in this order: RPA_BROWSER_EXECUTABLE, known system paths and the PATH (RPA_BROWSER_SEARCH_PATH
    replaces both), Playwright's own build. None found: on Debian/Ubuntu `apt-get install -y chromium` (as root,
    or through `sudo -n`; `apt-get update` first when apt does not know the package yet), elsewhere
    `python -m playwright install chromium`. Each command is printed before it runs.

    Exit code 0 with a browser; 2 when it cannot install here (the command to run as root is printed); 1 when
    the install failed.

    Example: rpa browser ensure --dry-run
    """
    from rpa_core.browser.install import browser_plan, ensure_browser
    from rpa_core.errors import UserError

    plan = browser_plan()
    for line in plan.describe(dry_run):
        typer.echo(line)
    if plan.found is not None:
        return
    if plan.blocked:
        raise UserError(plan.blocked)
    if not dry_run:
        path = ensure_browser(plan, typer.echo)
        typer.echo(f"browser: {path} (installed with {plan.method})")

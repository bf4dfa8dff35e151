"""``rpa queue``: look at work items and requeue them by hand."""

from __future__ import annotations

import getpass
import json
import socket
from typing import Annotated

import typer

from rpa_core.cli.common import StoreOption, local_time, open_cli_store, plain_console

app = typer.Typer(help="Work items: list, show one with its history, requeue.", no_args_is_help=True)

STATES = "PENDING, IN_PROGRESS, DONE, BUSINESS_EXCEPTION, APPLICATION_ERROR, ABANDONED"


def _states(values: list[str] | None):
    from rpa_core.queue import ItemState

    result = []
    for value in values or []:
        try:
            result.append(ItemState(value.upper()))
        except ValueError:
            raise typer.BadParameter(f"'{value}' is not a state; use one of {STATES}", param_hint="--state") from None
    return result


@app.command("ls")
def ls(
    queue: Annotated[str | None, typer.Argument(help="Only this queue.")] = None,
    state: Annotated[list[str] | None, typer.Option("--state", "-s", help=f"Only these states: {STATES}.")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Only items this run created or worked.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many, newest first.")] = 50,
    store: StoreOption = None,
) -> None:
    """List work items, newest first. References are shown with CPR numbers masked.

    Example: rpa queue ls flexloen --state BUSINESS_EXCEPTION --state ABANDONED
    """
    from rich.table import Table

    from rpa_core.privacy import mask_cpr
    from rpa_core.queue import count_items, list_items

    opened = open_cli_store(store)
    items = list_items(opened, queue=queue, states=_states(state), run_id=run, limit=limit)
    table = Table(show_lines=False)
    for column in ("Id", "Queue", "Reference", "State", "Tries", "Updated", "Last code / message"):
        table.add_column(column, overflow="fold")
    for item in items:
        last = " ".join(filter(None, [item.last_code, item.last_message]))
        table.add_row(
            str(item.id),
            item.queue,
            mask_cpr(item.reference),
            item.state.value,
            f"{item.attempts}/{item.max_attempts}",
            local_time(item.updated_at),
            mask_cpr(last)[:120],
        )
    console = plain_console()
    console.print(table)
    counts = count_items(opened, queue=queue, run_id=run)
    console.print("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no items")


@app.command("show")
def show(
    item_id: Annotated[int, typer.Argument(help="The work item's id (from rpa queue ls).")],
    store: StoreOption = None,
) -> None:
    """Show one work item with every attempt and event. CPR numbers are masked.

    Example: rpa queue show 42
    """
    from rich.table import Table

    from rpa_core.privacy import mask_cpr, mask_value
    from rpa_core.queue import ItemNotFoundError, item_history

    try:
        history = item_history(open_cli_store(store), item_id)
    except ItemNotFoundError as exc:
        raise typer.BadParameter(str(exc), param_hint="ITEM_ID") from None
    item = history.item
    console = plain_console()
    console.print(f"Work item {item.id} in queue {item.queue}", style="bold")
    console.print(f"Reference: {mask_cpr(item.reference)}")
    console.print(f"State: {item.state.value}   attempts {item.attempts}/{item.max_attempts}")
    console.print(f"Created: {local_time(item.created_at)} by run {item.created_run_id or '-'}")
    if item.last_code or item.last_message:
        console.print(f"Last: {item.last_code or ''} {mask_cpr(item.last_message or '')}")
    console.print("Payload: " + json.dumps(mask_value(item.payload), ensure_ascii=False))
    attempts = Table(title="Attempts", title_justify="left")
    for column in ("#", "Run", "Worker", "Started", "Ended", "Outcome", "Code", "Message", "Result"):
        attempts.add_column(column, overflow="fold")
    for a in history.attempts:
        attempts.add_row(
            str(a.number),
            a.run_id or "",
            a.worker.rsplit(":", 1)[-1],
            local_time(a.started_at),
            local_time(a.ended_at),
            a.outcome.value if a.outcome else "running",
            a.code or "",
            mask_cpr(a.message or ""),
            json.dumps(mask_value(a.result), ensure_ascii=False) if a.result else "",
        )
    console.print(attempts)
    if history.events:
        events = Table(title="Events", title_justify="left")
        for column in ("At", "Kind", "By", "Message"):
            events.add_column(column, overflow="fold")
        for e in history.events:
            events.add_row(local_time(e.at), e.kind, e.actor, mask_cpr(e.message or ""))
        console.print(events)


@app.command("requeue")
def requeue(
    item_ids: Annotated[list[int], typer.Argument(help="Ids of the items to put back in their queue.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the item's history).")] = "",
    by: Annotated[str | None, typer.Option(help="Who (default: your user name on this machine).")] = None,
    attempts: Annotated[int, typer.Option(min=1, max=100, help="Attempts the item gets.")] = 3,
    store: StoreOption = None,
) -> None:
    """Put BUSINESS_EXCEPTION, APPLICATION_ERROR or ABANDONED items back in their queue; recorded who and when.

    DONE items cannot be requeued: doing finished work again could pay a citizen twice.

    Example: rpa queue requeue 42 43 --reason "master data corrected"
    """
    from rpa_core.queue import QueueError
    from rpa_core.queue import requeue as requeue_item

    opened = open_cli_store(store)
    who = by or f"{getpass.getuser()}@{socket.gethostname()}"
    failures = 0
    for item_id in item_ids:
        try:
            item = requeue_item(opened, item_id, by=who, reason=reason, extra_attempts=attempts)
            typer.echo(f"work item {item.id}: requeued by {who}")
        except QueueError as exc:
            failures += 1
            typer.echo(f"rpa: error: {exc}", err=True)
    if failures:
        raise typer.Exit(2)

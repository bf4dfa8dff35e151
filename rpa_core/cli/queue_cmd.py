"""``rpa queue``: look at work items and requeue them by hand."""

from __future__ import annotations

import getpass
import json
import socket
from typing import Annotated

import typer

from rpa_core.cli.common import HELP_OPTIONS, StoreOption, local_time, open_cli_existing_store
from rpa_core.cli.output import JsonOption, data_console, emit_json, iso_time, state_counts, table

app = typer.Typer(
    help="Work items: list, show one with its history, requeue.", no_args_is_help=True, context_settings=HELP_OPTIONS
)

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


def _item_json(item, *, detail: bool = False) -> dict:
    """A work item for --json, CPR masked as on screen; ``detail`` adds what ``rpa queue show`` shows."""
    from rpa_core.privacy import mask_cpr, mask_value

    document = {
        "id": item.id,
        "queue": item.queue,
        "reference": mask_cpr(item.reference),
        "state": item.state.value,
        "attempts": item.attempts,
        "max_attempts": item.max_attempts,
        "last_code": mask_cpr(item.last_code),
        "last_message": mask_cpr(item.last_message),
        "created_run_id": item.created_run_id,
        "last_run_id": item.last_run_id,
        "created_at": iso_time(item.created_at),
        "updated_at": iso_time(item.updated_at),
    }
    if detail:
        document |= {
            "parent_id": item.parent_id,
            "available_at": iso_time(item.available_at),
            "lease_owner": item.lease_owner,
            "lease_expires_at": iso_time(item.lease_expires_at),
            "payload": mask_value(item.payload),
        }
    return document


@app.command("ls")
def ls(
    queue: Annotated[str | None, typer.Argument(help="Only this queue.")] = None,
    state: Annotated[list[str] | None, typer.Option("--state", "-s", help=f"Only these states: {STATES}.")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Only items this run created or worked.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many, newest first.")] = 50,
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """List work items, newest first. References are shown with CPR numbers masked.

    --json: {"items": [...], "counts": {STATE: n}}; the fields are listed in README.md (The rpa command).

    Example: rpa queue ls flexloen --state BUSINESS_EXCEPTION --state ABANDONED
    """
    from rpa_core.privacy import mask_cpr
    from rpa_core.queue import count_items, list_items

    states = _states(state)  # a bad --state is named before the store is looked at
    opened = open_cli_existing_store(store)
    items = list_items(opened, queue=queue, states=states, run_id=run, limit=limit)
    counts = count_items(opened, queue=queue, run_id=run)
    if as_json:
        emit_json({"items": [_item_json(item) for item in items], "counts": state_counts(counts)})
        return
    listing = table(
        "Id", "Queue", "Reference", "State", "Tries", "Updated", "Last code / message", wrap=("Last code / message",)
    )
    for item in items:
        last = " ".join(filter(None, [item.last_code, item.last_message]))
        listing.add_row(
            str(item.id),
            item.queue,
            mask_cpr(item.reference),
            item.state.value,
            f"{item.attempts}/{item.max_attempts}",
            local_time(item.updated_at),
            mask_cpr(last)[:120],
        )
    console = data_console()
    console.print(listing)
    console.print("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no items")


@app.command("show")
def show(
    item_id: Annotated[int, typer.Argument(help="The work item's id (from rpa queue ls).")],
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """Show one work item with every attempt and event. CPR numbers are masked.

    --json: {"item": {...}, "attempts": [...], "events": [...]}; the fields are listed in README.md (The rpa command).

    Example: rpa queue show 42
    """
    from rpa_core.privacy import mask_cpr, mask_value
    from rpa_core.queue import ItemNotFoundError, item_history

    try:
        history = item_history(open_cli_existing_store(store), item_id)
    except ItemNotFoundError as exc:
        raise typer.BadParameter(str(exc), param_hint="ITEM_ID") from None
    item = history.item
    if as_json:
        emit_json(
            {
                "item": _item_json(item, detail=True),
                "attempts": [_attempt_json(a) for a in history.attempts],
                "events": [_event_json(e) for e in history.events],
            }
        )
        return
    console = data_console()
    console.print(f"Work item {item.id} in queue {item.queue}", style="bold")
    console.print(f"Reference: {mask_cpr(item.reference)}")
    console.print(f"State: {item.state.value}   attempts {item.attempts}/{item.max_attempts}")
    console.print(f"Created: {local_time(item.created_at)} by run {item.created_run_id or '-'}")
    if item.last_code or item.last_message:
        console.print(f"Last: {item.last_code or ''} {mask_cpr(item.last_message or '')}")
    console.print("Payload: " + json.dumps(mask_value(item.payload), ensure_ascii=False))
    columns = ("#", "Run", "Worker", "Started", "Ended", "Outcome", "Code", "Message", "Result")
    attempts = table(*columns, wrap=("Message", "Result"), right=("#",), title="Attempts")
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
        events = table("At", "Kind", "By", "Message", wrap=("Message",), title="Events")
        for e in history.events:
            events.add_row(local_time(e.at), e.kind, e.actor, mask_cpr(e.message or ""))
        console.print(events)


def _attempt_json(attempt) -> dict:
    from rpa_core.privacy import mask_cpr, mask_value

    return {
        "number": attempt.number,
        "run_id": attempt.run_id,
        "worker": attempt.worker,
        "started_at": iso_time(attempt.started_at),
        "ended_at": iso_time(attempt.ended_at),
        "outcome": attempt.outcome.value if attempt.outcome else None,
        "code": mask_cpr(attempt.code),
        "message": mask_cpr(attempt.message),
        "result": mask_value(attempt.result),
    }


def _event_json(event) -> dict:
    from rpa_core.privacy import mask_cpr

    return {"at": iso_time(event.at), "kind": event.kind, "actor": event.actor, "message": mask_cpr(event.message)}


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

    opened = open_cli_existing_store(store)
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

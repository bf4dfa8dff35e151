"""``rpa queue``: look at work items; requeue, abandon or mark them handled by hand."""

from __future__ import annotations

import getpass
import json
import socket
import uuid
from pathlib import Path
from typing import Annotated

import typer

from rpa_core.cli.common import (
    HELP_OPTIONS,
    StoreOption,
    check_output_folder,
    local_time,
    open_cli_existing_store,
)
from rpa_core.cli.output import JsonOption, data_console, emit_json, iso_time, state_counts, table

app = typer.Typer(
    help="Work items: list, show one with its history, requeue, abandon, mark handled, add one, export as devdata.",
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
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
    from rpa_core.privacy import mask_cpr, mask_data

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
            "payload": mask_data(item.payload),
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
    from rpa_core.privacy import mask_cpr, mask_data
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
    console.print("Payload: " + json.dumps(mask_data(item.payload), ensure_ascii=False))
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
            json.dumps(mask_data(a.result), ensure_ascii=False) if a.result else "",
        )
    console.print(attempts)
    if history.events:
        events = table("At", "Kind", "By", "Message", wrap=("Message",), title="Events")
        for e in history.events:
            events.add_row(local_time(e.at), e.kind, e.actor, mask_cpr(e.message or ""))
        console.print(events)


def _attempt_json(attempt) -> dict:
    from rpa_core.privacy import mask_cpr, mask_data

    return {
        "number": attempt.number,
        "run_id": attempt.run_id,
        "worker": attempt.worker,
        "started_at": iso_time(attempt.started_at),
        "ended_at": iso_time(attempt.ended_at),
        "outcome": attempt.outcome.value if attempt.outcome else None,
        "code": mask_cpr(attempt.code),
        "message": mask_cpr(attempt.message),
        "result": mask_data(attempt.result),
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


def _act_on_each(item_ids: list[int], store: str | None, by: str | None, act, done: str) -> None:
    """``act(store, item_id, who)`` on each item; a refused one is one line on stderr, and exit code 2 at the end."""
    from rpa_core.queue import QueueError

    opened = open_cli_existing_store(store)
    who = by or f"{getpass.getuser()}@{socket.gethostname()}"
    failures = 0
    for item_id in item_ids:
        try:
            item = act(opened, item_id, who)
            typer.echo(f"work item {item.id}: {done} by {who}")
        except QueueError as exc:
            failures += 1
            typer.echo(f"rpa: error: {exc}", err=True)
    if failures:
        raise typer.Exit(2)


@app.command("abandon")
def abandon(
    item_ids: Annotated[list[int], typer.Argument(help="Ids of the items to give up.")],
    reason: Annotated[str, typer.Option(help="Why (required; kept in the item's history, CPR masked).")],
    by: Annotated[str | None, typer.Option(help="Who (default: your user name on this machine).")] = None,
    store: StoreOption = None,
) -> None:
    """Give up PENDING, APPLICATION_ERROR or BUSINESS_EXCEPTION items: ABANDONED, no worker takes them again.

    An item IN_PROGRESS cannot be abandoned: a worker holds it (stop the run, or wait for its attempt to end).
    rpa queue requeue brings an abandoned item back.

    Example: rpa queue abandon 42 --reason "borgeren er fraflyttet kommunen"
    """
    from rpa_core.queue import abandon as abandon_item

    _act_on_each(
        item_ids,
        store,
        by,
        lambda opened, item_id, who: abandon_item(opened, item_id, by=who, reason=reason),
        "abandoned",
    )


@app.command("handled")
def handled(
    item_ids: Annotated[list[int], typer.Argument(help="Ids of the BUSINESS_EXCEPTION items a caseworker handled.")],
    note: Annotated[str, typer.Option(help="How it was handled (required; kept in the history, CPR masked).")],
    by: Annotated[str | None, typer.Option(help="Who (default: your user name on this machine).")] = None,
    store: StoreOption = None,
) -> None:
    """Record that a caseworker handled BUSINESS_EXCEPTION items by hand (a HANDLED event with who and the note).

    The state stays BUSINESS_EXCEPTION; the item leaves the dashboard's list of cases for manual handling.

    Example: rpa queue handled 42 --note "tilskud beregnet og udbetalt manuelt"
    """
    from rpa_core.queue import mark_handled

    _act_on_each(
        item_ids,
        store,
        by,
        lambda opened, item_id, who: mark_handled(opened, item_id, by=who, note=note),
        "marked handled",
    )


def _payload(value: str):
    """--payload's JSON object, given inline or as @file.json; one line naming the file and position if bad."""
    from rpa_core.errors import UserError
    from rpa_core.queue.devdata import parse_json

    where = "--payload"
    if value.startswith("@"):
        path = Path(value[1:])
        where = str(path)
        try:
            value = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"--payload @{path}: cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    payload = parse_json(value, where)
    if not isinstance(payload, dict):
        raise UserError(f'{where}: the payload must be a JSON object of variables, like {{"month": "2024-11"}}')
    return payload


@app.command("add")
def add(
    queue: Annotated[str, typer.Argument(help="The queue to add the item to (a step's input_queue).")],
    payload: Annotated[
        str, typer.Option("--payload", help="The item's variables: a JSON object, or @FILE.json to read it.")
    ] = "{}",
    file: Annotated[
        list[Path] | None, typer.Option("--file", help="A file to attach, under its own name (repeatable).")
    ] = None,
    reference: Annotated[
        str | None,
        typer.Option(help="The item's unique reference in the queue (default: a new generated one)."),
    ] = None,
    as_json: JsonOption = False,
    store: StoreOption = None,
) -> None:
    """Add one work item to a queue by hand. The store must exist (`rpa store upgrade` creates one).

    An item whose --reference is already in the queue is not added again (exit code 0, the existing item named).

    --json: {"created": bool, "item": {...}} with the fields of rpa queue show --json's item.

    Example: rpa queue add flexloen --payload @case.json --file indkomst.xlsx --reference "flexloen:manual:17"
    """
    from rpa_core.errors import UserError
    from rpa_core.privacy import mask_cpr
    from rpa_core.queue import WorkQueue

    data = _payload(payload)
    files: dict[str, bytes] = {}
    for path in file or []:
        if not path.is_file():
            raise UserError(f"--file {path}: no such file")
        if path.name in files:
            raise UserError(f"--file {path}: another --file has the name {path.name}")
        files[path.name] = path.read_bytes()
    if reference is not None and not reference.strip():
        raise UserError("--reference: give a non-empty reference, or leave it out for a generated one")
    opened = open_cli_existing_store(store)
    item, created = WorkQueue(opened, queue).create(reference or f"manual:{uuid.uuid4().hex}", data, files=files)
    if as_json:
        emit_json({"created": created, "item": _item_json(item, detail=True)})
        return
    if created:
        typer.echo(f"work item {item.id} added to queue {queue} (reference {mask_cpr(item.reference)})")
    else:
        typer.echo(
            f"queue {queue} already has reference {mask_cpr(item.reference)} (work item {item.id}, "
            f"{item.state.value}): nothing added"
        )


@app.command("export")
def export(
    queue: Annotated[str, typer.Argument(help="The queue whose items to export.")],
    folder: Annotated[Path, typer.Argument(help="Where to write work-items.json and the items' files.")],
    state: Annotated[list[str] | None, typer.Option("--state", "-s", help=f"Only these states: {STATES}.")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Only items this run created or worked.")] = None,
    store: StoreOption = None,
) -> None:
    """Write a queue's items as rpaframework's FileAdapter writes its outputs: FOLDER/work-items.json (a list of
    {"payload", "files"}, oldest item first) and the files next to it, to compare with a Robocorp run.

    The payloads are written as stored, not masked: treat the folder as personal data.

    Example: rpa queue export hello devdata/work-items-out/from-rpa --run 20241123-021500-a1b2c3
    """
    from rpa_core.queue import WorkQueue, list_items
    from rpa_core.queue.devdata import write_items

    states = _states(state)
    check_output_folder(folder, "FOLDER")
    opened = open_cli_existing_store(store)
    items = sorted(list_items(opened, queue=queue, states=states, run_id=run, limit=10_000_000), key=lambda i: i.id)
    reader = WorkQueue(opened, queue)
    written = write_items(
        folder,
        ((i.payload, {name: reader.get_file(i.id, name) for name in reader.list_files(i.id)}) for i in items),
    )
    typer.echo(f"{len(items)} work item(s) of queue {queue} written to {written}")

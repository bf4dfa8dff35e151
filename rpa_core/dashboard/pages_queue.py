"""Queue, one item, manual handling, and the operator's actions on items.

- ``GET /queue``: items, last updated first, 50 a page, filtered by queue, state, code and reference prefix;
- ``GET /queue/{id}``: one item with its attempts and events (the payload's keys only, never its values), and
  for an operator the forms to requeue, abandon or mark it handled;
- ``POST /queue/{id}/requeue|abandon|handled``: the action (``rpa_core.queue.admin``, the lifecycle decides what
  is allowed), recorded in the audit log, then back to the item (303) with ``?done=...``;
- ``GET /manual``: "Manuel behandling", the caseworkers' open business exceptions by reason, in Danish.

Every reference, message, note and result is shown masked (CPR numbers, citizens' names, secrets).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rpa_core.dashboard import audit
from rpa_core.dashboard import queue_data as data
from rpa_core.dashboard.charts import bars
from rpa_core.dashboard.users import Role, User
from rpa_core.dashboard.web import checked_form, render, require, served_robots
from rpa_core.queue import ActionRefusedError, ItemState, UnknownItemError, abandon, mark_handled, requeue
from rpa_core.queue.lifecycle import Action, sources

router = APIRouter()
viewer = require(Role.VIEWER)
operator = require(Role.OPERATOR)
MAX_TEXT = 1000  # characters of a reason or note kept
DONE = {
    "requeued": "Requeued: the item is back in its queue.",
    "abandoned": "Abandoned: no worker takes the item again (requeue brings it back).",
    "handled": "Marked handled: a caseworker handled the case by hand (its state stays).",
}
MANUAL_DONE = {"handled": "Sagen er markeret som håndteret og er fjernet fra listen."}


def _state(value: str) -> ItemState | None:
    if not value:
        return None
    try:
        return ItemState(value)
    except ValueError:
        raise HTTPException(status_code=400, detail=f"'{value}' is not a state") from None


def _queue_options(request: Request) -> list[tuple[str, str]]:
    """(queue, label) for the queue select: the store's queues, each with the robots known to work it."""
    robots: dict[str, list[str]] = {}
    for scheduled in served_robots(request):
        for step in scheduled.robot.consumer_steps():
            robots.setdefault(step.input_queue, []).append(scheduled.label)
    names = data.queue_names(request.app.state.store)
    return [(name, f"{name} ({', '.join(sorted(set(robots[name])))})" if name in robots else name) for name in names]


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    queue: str = "",
    state: str = "",
    code: str = "",
    reference: str = "",
    page: int = Query(1, ge=1, le=1_000_000),
    user: User = Depends(viewer),
) -> Response:
    store = request.app.state.store
    filters = data.ItemFilter(
        queue=queue.strip(),
        state=_state(state.strip().upper()),
        code=code.strip(),
        reference=data.as_stored_reference(store, reference),
    )
    items, has_next = data.items_page(store, filters, page)
    return render(
        request,
        "queue.html.j2",
        items=items,
        filters=filters,
        queues=_queue_options(request),
        states=[s.value for s in ItemState],
        page=page,
        has_next=has_next,
        query=urlencode(filters.query()),
    )


def _item_page(request: Request, item_id: int, *, status_code: int = 200, **context) -> Response:
    try:
        view = data.item_view(request.app.state.store, item_id)
    except UnknownItemError:
        raise HTTPException(status_code=404, detail=f"no work item with id {item_id}") from None
    state = view.history.item.state
    allowed = {action: state in sources(action) for action in Action}
    return render(
        request,
        "item.html.j2",
        status_code=status_code,
        item=view.history.item,
        attempts=view.history.attempts,
        events=view.history.events,
        payload_keys=view.payload_keys,
        results=view.results,
        can_requeue=allowed[Action.REQUEUE],
        can_abandon=allowed[Action.ABANDON],
        can_handle=allowed[Action.MARK_HANDLED],
        holds_worker=state is ItemState.IN_PROGRESS,
        can_act=request.state.user.role.allows(Role.OPERATOR),
        **context,
    )


@router.get("/queue/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: int, done: str = "", user: User = Depends(viewer)) -> Response:
    return _item_page(request, item_id, flash=DONE.get(done, ""))


def _back(target: str, item_id: int) -> str:
    """Where a form sends the operator afterwards: the item, or the manual-handling list it was sent from."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or parts.path != "/manual":
        return f"/queue/{item_id}"
    return "/manual" + (f"?{parts.query}" if parts.query else "")


async def _act(request: Request, item_id: int, user: User, action: Action) -> Response:
    form = await checked_form(request)  # first: a form without the session's token is refused whatever it asks
    field, done, name = {
        Action.REQUEUE: ("reason", "requeued", "requeue"),
        Action.ABANDON: ("reason", "abandoned", "abandon"),
        Action.MARK_HANDLED: ("note", "handled", "mark_handled"),
    }[action]
    text = form.get(field, "").strip()[:MAX_TEXT]
    store = request.app.state.store
    if not text:
        error = "Skriv en note om, hvordan sagen er håndteret." if field == "note" else "Give a reason."
        return _item_page(request, item_id, status_code=400, error=error)
    try:
        if action is Action.REQUEUE:
            item = requeue(store, item_id, by=user.name, reason=text)
        elif action is Action.ABANDON:
            item = abandon(store, item_id, by=user.name, reason=text)
        else:
            item = mark_handled(store, item_id, by=user.name, note=text)
    except UnknownItemError:
        raise HTTPException(status_code=404, detail=f"no work item with id {item_id}") from None
    except ActionRefusedError as exc:
        return _item_page(request, item_id, status_code=409, error=str(exc))
    audit.record(
        store, user=user.name, action=name, target=f"item {item_id}", reason=text, queue=item.queue, state=item.state
    )
    back = _back(form.get("back", ""), item_id)
    return RedirectResponse(f"{back}{'&' if '?' in back else '?'}done={done}", status_code=303)


@router.post("/queue/{item_id}/requeue")
async def requeue_item(request: Request, item_id: int, user: User = Depends(operator)) -> Response:
    return await _act(request, item_id, user, Action.REQUEUE)


@router.post("/queue/{item_id}/abandon")
async def abandon_item(request: Request, item_id: int, user: User = Depends(operator)) -> Response:
    return await _act(request, item_id, user, Action.ABANDON)


@router.post("/queue/{item_id}/handled")
async def handle_item(request: Request, item_id: int, user: User = Depends(operator)) -> Response:
    return await _act(request, item_id, user, Action.MARK_HANDLED)


@router.get("/manual", response_class=HTMLResponse)
def manual_page(request: Request, queue: str = "", done: str = "", user: User = Depends(viewer)) -> Response:
    store = request.app.state.store
    queue = queue.strip()
    groups = data.manual_groups(store, queue)
    chart = bars(
        [(group.code or "uden kode", group.count) for group in groups],
        title="Manuelle sager efter årsag",
        width=max(640, 130 * len(groups)),  # room for each reason's code under its bar
        height=180,
    )
    return render(
        request,
        "manual.html.j2",
        lang="da",
        groups=groups,
        total=sum(group.count for group in groups),
        chart=chart,
        queue=queue,
        queues=_queue_options(request),
        back="/manual" + (f"?{urlencode({'queue': queue})}" if queue else ""),
        business_state=ItemState.BUSINESS_EXCEPTION.value,
        flash=MANUAL_DONE.get(done, ""),
        can_act=user.role.allows(Role.OPERATOR),
    )

"""Schedules, workers, savings, audit, and starting a run now.

"Run now" never runs anything in the dashboard's process: it claims a waiting ``schedule_runs`` row that a
running scheduler serving the robot+profile starts (``ops_data.claim_manual_run``), and records who and why in
the audit log. The audit log is for operators and admins: it names the people who acted and their reasons,
which a viewer (a reader of runs and queues) has no need to see.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rpa_core.dashboard import audit, charts, ops_data
from rpa_core.dashboard.users import Role, User
from rpa_core.dashboard.web import checked_form, current_user, render, require, served_robots

router = APIRouter()

AUDIT_PAGE_SIZE = 50
REASON_LENGTH = 500
SAVINGS_CHART_TITLE = "Timer sparet pr. måned"


def _flash(done: str, robot: str, scheduler: str, labels: set[str]) -> tuple[str, str] | None:
    """The message after run-now, from fixed texts (nothing from the address is echoed but a known robot)."""
    if robot not in labels:
        return None
    if done == "started" and scheduler == "none":
        return "warn", (
            f"A run of {robot} was started: it is waiting for a scheduler. No scheduler is running for this robot "
            f"(rpa scheduler --robots ...); it starts when one does."
        )
    if done == "started":
        return "ok", f"A run of {robot} was started: the scheduler starts it within a few seconds."
    if done == "already":
        return "warn", f"A run of {robot} that a person started is already waiting; nothing more was started."
    return None


@router.get("/schedules", response_class=HTMLResponse)
def schedules_page(
    request: Request,
    user: User = Depends(current_user),
    done: str = "",
    robot: str = "",
    scheduler: str = "",
) -> Response:
    store, robots = request.app.state.store, served_robots(request)
    beats = ops_data.scheduler_beats(store)
    return render(
        request,
        "schedules.html.j2",
        robots=ops_data.robot_schedules(store, robots, beats),
        beats=beats,
        history=ops_data.history(store),
        flash=_flash(done, robot, scheduler, {entry.label for entry in robots}),
        can_run=user.role.allows(Role.OPERATOR),
        stale_after=ops_data.HEARTBEAT_STALE_SECONDS,
    )


@router.post("/schedules/run-now")
async def run_now(request: Request, user: User = Depends(require(Role.OPERATOR))) -> Response:
    form = await checked_form(request)
    store, robots = request.app.state.store, served_robots(request)
    label = form.get("robot", "").strip()
    reason = " ".join(form.get("reason", "").split())[:REASON_LENGTH]
    entry = next((entry for entry in robots if entry.label == label), None)
    if entry is None:
        raise HTTPException(status_code=404, detail="the dashboard does not know that robot (rpa dashboard --robots)")
    if not reason:
        raise HTTPException(status_code=400, detail="say why the run is started now: the reason is required")
    live = entry.label in ops_data.served_labels(ops_data.scheduler_beats(store))
    row_id = ops_data.claim_manual_run(store, entry, user=user.name, reason=reason)
    if row_id is None:
        return RedirectResponse(f"/schedules?done=already&robot={quote(label)}", status_code=303)
    audit.record(
        store,
        user=user.name,
        action="run_now",
        target=label,
        reason=reason,
        schedule_run=row_id,
        scheduler_running=live,
    )
    waiting = "" if live else "&scheduler=none"
    return RedirectResponse(f"/schedules?done=started&robot={quote(label)}{waiting}", status_code=303)


@router.get("/workers", response_class=HTMLResponse)
def workers_page(request: Request, user: User = Depends(current_user)) -> Response:
    store = request.app.state.store
    running, ended = ops_data.worker_steps(store)
    return render(
        request,
        "workers.html.j2",
        beats=ops_data.scheduler_beats(store),
        running=running,
        ended=ended,
        stale_after=ops_data.HEARTBEAT_STALE_SECONDS,
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, user: User = Depends(require(Role.OPERATOR)), page: int = Query(1, ge=1, le=100_000)
) -> Response:
    store = request.app.state.store
    entries, total = audit.entries(store, limit=AUDIT_PAGE_SIZE, offset=(page - 1) * AUDIT_PAGE_SIZE)
    return render(
        request, "audit.html.j2", entries=entries, total=total, page=page, has_next=page * AUDIT_PAGE_SIZE < total
    )


@router.get("/savings", response_class=HTMLResponse)
def savings_page(request: Request, user: User = Depends(current_user)) -> Response:
    found = ops_data.savings(request.app.state.store, served_robots(request))
    shown = []
    for saving in found:
        chart = None
        if saving.minutes_per_case is not None:
            chart = charts.bars([(m.month, float(m.hours)) for m in saving.months], title=SAVINGS_CHART_TITLE)
        shown.append((saving, chart))
    return render(request, "savings.html.j2", savings=shown)

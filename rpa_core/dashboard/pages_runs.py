"""Runs: the list, newest first, with their items by outcome and two charts; one run with its steps and items; the
run's log.html and the other files of its folder, each checked to lie inside that folder.

Robot Framework's log.html runs inline scripts: it is served in a CSP sandbox (an opaque origin, so it cannot read
the dashboard's pages or act with its session). Every other file (a failure capture's page copy, an XML) is
sandboxed without scripts.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from rpa_core.dashboard import runs_data as data
from rpa_core.dashboard.charts import bars, stacked_bars
from rpa_core.dashboard.users import Role
from rpa_core.dashboard.web import render, require
from rpa_core.errors import UserError
from rpa_core.runner.records import RunRecord, get_run, list_steps

router = APIRouter()

LOG_CSP = "sandbox allow-scripts; default-src 'self' 'unsafe-inline' data:"
FILE_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
viewer = require(Role.VIEWER)


def _run_or_404(request: Request, run_id: str) -> RunRecord:
    try:
        return get_run(request.app.state.store, run_id)
    except UserError:
        raise HTTPException(status_code=404, detail="no such run") from None


@router.get("/runs", response_class=HTMLResponse, dependencies=[Depends(viewer)])
def runs_page(
    request: Request,
    robot: str | None = None,
    page: int = Query(1, ge=1, le=1_000_000),
) -> Response:
    store = request.app.state.store
    robot = robot or None
    found, has_next = data.list_run_page(store, robot=robot, page=page)
    rows = data.run_rows(store, found)
    nights = data.items_per_night(store, robot=robot)
    nights_chart = stacked_bars(nights, data.SERIES, title="Items per night, last 30 nights", colours=data.COLOURS)
    durations_chart = bars(data.recent_durations(store, robot=robot), title="Run durations, last 30 runs", unit=" min")
    return render(
        request,
        "runs.html.j2",
        rows=rows,
        robot=robot or "",
        robots=data.robot_names(store),
        page=page,
        has_next=has_next,
        query=urlencode({"robot": robot} if robot else {}),
        nights_chart=nights_chart,
        durations_chart=durations_chart,
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse, dependencies=[Depends(viewer)])
def run_page(
    request: Request,
    run_id: str,
    page: int = Query(1, ge=1, le=1_000_000),
) -> Response:
    store = request.app.state.store
    run = _run_or_404(request, run_id)
    folder = data.run_folder(run)
    captures = data.captures(folder)
    items, has_next = data.run_items(store, run.id, page)
    return render(
        request,
        "run.html.j2",
        run=run,
        seconds=data.run_seconds(run),
        steps=list_steps(store, run.id),
        items=data.with_captures(items, captures),
        captures=captures,
        has_folder=folder is not None,
        has_log=folder is not None and (folder / data.LOG_FILE).is_file(),
        reports=data.find_reports(run, folder),
        page=page,
        has_next=has_next,
        query="",
    )


def _served(path: Path, *, log: bool = False) -> Response:
    """A file of a run folder; every one in a sandbox (an XML or page copy a robot wrote runs no script here)."""
    if path.suffix.lower() in data.REPORT_SUFFIXES:
        response: Response = FileResponse(path, filename=path.name)  # a download, not shown in the browser
    elif path.suffix.lower() == ".html":
        response = FileResponse(path, media_type="text/html; charset=utf-8")
    else:
        response = FileResponse(path)
    response.headers["Content-Security-Policy"] = LOG_CSP if log else FILE_CSP
    return response


@router.get("/runs/{run_id}/log", dependencies=[Depends(viewer)])
def run_log(request: Request, run_id: str) -> Response:
    """The run's merged Robot Framework log, sandboxed."""
    path = data.run_file(_run_or_404(request, run_id), data.LOG_FILE)
    if path is None:
        raise HTTPException(status_code=404, detail="this run has no log.html (yet)")
    return _served(path, log=True)


@router.get("/runs/{run_id}/files/{path:path}", dependencies=[Depends(viewer)])
def run_file(request: Request, run_id: str, path: str) -> Response:
    """A file of the run's folder: a screenshot, a page copy, a report; only inside the folder."""
    found = data.run_file(_run_or_404(request, run_id), path)
    if found is None:
        raise HTTPException(status_code=404, detail="no such file in this run's folder")
    return _served(found, log=path == data.LOG_FILE)  # only the run's own log runs its scripts

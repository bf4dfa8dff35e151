"""What the Runs pages show, in few grouped queries: a page of runs with their items by outcome, the charts' data,
one run's items with their latest attempts, and the files of a run's folder (only inside it).

The items of a run are those it created or last worked on (``work_items.created_run_id`` / ``last_run_id``), as
``rpa runs show`` counts them. The Runs page makes five statements whatever the number of runs: the page of runs,
their item counts (one grouped query), the nights chart, the durations chart and the robots for the filter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select, union_all

from rpa_core.browser.capture import safe_name
from rpa_core.browser.session import FAILURES_FOLDER
from rpa_core.dashboard.web import COPENHAGEN
from rpa_core.privacy import mask_text
from rpa_core.queue import Attempt, WorkItem, latest_attempts, list_items
from rpa_core.queue.lifecycle import Tally
from rpa_core.runner.records import RunRecord
from rpa_core.store import Store
from rpa_core.store.models import runs, work_items
from rpa_core.store.types import utcnow

wi = work_items
PAGE_SIZE = 50
ITEMS_PAGE_SIZE = 200
NIGHTS = 30
RECENT_RUNS = 30
# The table's and the chart's columns: the lifecycle's tally of states, "business" shown as "manual".
LABELS = {field: "manual" if field == "business" else field for field in Tally.FIELDS}
SERIES = tuple(LABELS.values())
COLOURS = {"done": "#2e8b57", "manual": "#d98e04", "errors": "#c0392b", "open": "#7f8c8d"}
LOG_FILE = "log.html"
# What the files route serves from a run folder: logs, screenshots, page copies, reports (never the settings,
# the queue context with its input payloads, or Playwright traces, which hold the pages in clear).
SERVED_SUFFIXES = {".html", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".xlsx", ".csv", ".pdf", ".log", ".txt", ".xml"}
REPORT_SUFFIXES = {".xlsx", ".csv", ".pdf"}
MAX_CAPTURES = 500
_NOT_REPORTS = {FAILURES_FOLDER, "traces"}  # folders of many files that hold no report: not listed for each run


@dataclass(frozen=True)
class RunRow:
    """One line of the Runs table."""

    run: RunRecord
    counts: dict[str, int]  # by LABELS: done, manual, errors, open
    seconds: float | None
    has_log: bool
    reports: list[str]  # paths inside the run folder


@dataclass(frozen=True)
class ItemRow:
    """One item of a run with its latest finished attempt and the captures named after it."""

    item: WorkItem
    attempt: Attempt | None
    result: str  # the attempt's result as compact JSON, masked
    captures: list[str] = field(default_factory=list)


def run_seconds(run: RunRecord, now: datetime | None = None) -> float | None:
    """How long the run took, or has been running; None for a run that ended without an end time."""
    now = now or utcnow()
    if run.ended_at is not None:
        return (run.ended_at - run.started_at).total_seconds()
    return (now - run.started_at).total_seconds() if run.status == "RUNNING" else None


def robot_names(store: Store) -> list[str]:
    with store.read() as conn:
        return list(conn.execute(select(runs.c.robot).distinct().order_by(runs.c.robot)).scalars())


def list_run_page(store: Store, *, robot: str | None, page: int) -> tuple[list[RunRecord], bool]:
    """The ``page``-th 50 runs, newest first; whether there is an older page."""
    query = select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc())
    if robot:
        query = query.where(runs.c.robot == robot)
    query = query.limit(PAGE_SIZE + 1).offset((max(page, 1) - 1) * PAGE_SIZE)
    with store.read() as conn:
        found = [RunRecord(**row._mapping) for row in conn.execute(query)]
    return found[:PAGE_SIZE], len(found) > PAGE_SIZE


def item_counts(store: Store, run_ids: list[str]) -> dict[str, dict[str, int]]:
    """For each run, its items (created or last worked on by it, each once) by group; one grouped statement."""
    counts: dict[str, dict[str, int]] = {run_id: dict.fromkeys(SERIES, 0) for run_id in run_ids}
    if not run_ids:
        return counts
    worked = select(wi.c.last_run_id.label("run_id"), wi.c.state).where(wi.c.last_run_id.in_(run_ids))
    # Created by the run and last worked by another (or none): an item a run created and worked counts once.
    only_created = select(wi.c.created_run_id, wi.c.state).where(
        wi.c.created_run_id.in_(run_ids), or_(wi.c.last_run_id.is_(None), wi.c.last_run_id != wi.c.created_run_id)
    )
    both = union_all(worked, only_created).subquery()
    query = select(both.c.run_id, both.c.state, func.count()).group_by(both.c.run_id, both.c.state)
    with store.read() as conn:
        for run_id, state, count in conn.execute(query):
            group = LABELS[Tally.group(state)]
            counts[run_id][group] += count
    return counts


def run_rows(store: Store, found: list[RunRecord]) -> list[RunRow]:
    now = utcnow()
    counts = item_counts(store, [run.id for run in found])
    rows = []
    for run in found:
        folder = run_folder(run)
        has_log = folder is not None and (folder / LOG_FILE).is_file()
        rows.append(RunRow(run, counts[run.id], run_seconds(run, now), has_log, find_reports(run, folder)))
    return rows


def night_window(now: datetime, nights: int = NIGHTS) -> list[datetime]:
    """The starts (Copenhagen midnight, aware) of the last ``nights`` calendar days, today last."""
    today = now.astimezone(COPENHAGEN).date()
    return [datetime.combine(today - timedelta(days=n), time(), COPENHAGEN) for n in range(nights - 1, -1, -1)]


def items_per_night(store: Store, *, robot: str | None, now: datetime | None = None) -> list[tuple[str, dict]]:
    """(night, {group: items}) for the last 30 nights, oldest first, a column for each even without runs.

    A night is the Copenhagen calendar day a run started on (the date in its run id); each item counts once, in the
    night of the run that last worked on it (claimed it), by the state it is in now; an item a run only created is
    in the table's counts, not here. One grouped statement.
    """
    starts = night_window(now or utcnow())
    query = (
        select(runs.c.id, runs.c.started_at, wi.c.state, func.count())
        .select_from(runs.join(wi, wi.c.last_run_id == runs.c.id))
        .where(runs.c.started_at >= starts[0])
        .group_by(runs.c.id, runs.c.started_at, wi.c.state)
    )
    if robot:
        query = query.where(runs.c.robot == robot)
    nights: dict = {start.date(): dict.fromkeys(SERIES, 0) for start in starts}
    with store.read() as conn:
        for _, started_at, state, count in conn.execute(query):
            night = nights.get(started_at.astimezone(COPENHAGEN).date())
            if night is not None:
                night[LABELS[Tally.group(state)]] += count
    return [(day.strftime("%m-%d"), values) for day, values in nights.items()]


def recent_durations(store: Store, *, robot: str | None, now: datetime | None = None) -> list[tuple[str, float]]:
    """(start, minutes) of the last 30 runs, oldest first; a running run with its time so far. One statement."""
    now = now or utcnow()
    query = select(runs).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(RECENT_RUNS)
    if robot:
        query = query.where(runs.c.robot == robot)
    with store.read() as conn:
        found = [RunRecord(**row._mapping) for row in conn.execute(query)]
    values = []
    for run in reversed(found):
        label = run.started_at.astimezone(COPENHAGEN).strftime("%m-%d")  # longer labels overlap on the axis
        values.append((label, round((run_seconds(run, now) or 0) / 60, 1)))
    return values


# ------------------------------------------------------------------------------------------------ one run
def run_items(store: Store, run_id: str, page: int) -> tuple[list[ItemRow], bool]:
    """The run's items (newest first, 200 a page) with each one's latest finished attempt; two statements."""
    offset = (max(page, 1) - 1) * ITEMS_PAGE_SIZE
    found = list_items(store, run_id=run_id, limit=ITEMS_PAGE_SIZE + 1, offset=offset)
    items, more = found[:ITEMS_PAGE_SIZE], len(found) > ITEMS_PAGE_SIZE
    attempts = latest_attempts(store, [item.id for item in items])
    rows = []
    for item in items:
        attempt = attempts.get(item.id)
        result = ""
        if attempt is not None and attempt.result:
            result = mask_text(json.dumps(attempt.result, ensure_ascii=False, separators=(",", ":"), default=str))
        rows.append(ItemRow(item, attempt, result))
    return rows, more


def with_captures(rows: list[ItemRow], captures: list[str]) -> list[ItemRow]:
    """Each item with the captures whose file name holds its reference (as file names write it) or ``item-<id>``."""
    named = []
    for row in rows:
        tokens = {f"item-{row.item.id}", f"item_{row.item.id}"}
        reference = safe_name(row.item.reference, 80)
        if len(reference) >= 4:  # a short one ("17") would match times and sequence numbers
            tokens.add(reference)
        pattern = re.compile("|".join(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])" for token in tokens))
        found = [path for path in captures if pattern.search(Path(path).name)]
        named.append(ItemRow(row.item, row.attempt, row.result, found))
    return named


# ----------------------------------------------------------------------------------------------- its files
def run_folder(run: RunRecord) -> Path | None:
    """The run's artifacts folder, resolved; None when the run has none or it is gone."""
    if not run.artifacts_dir or not Path(run.artifacts_dir).is_absolute():
        return None
    try:
        folder = Path(run.artifacts_dir).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return folder if folder.is_dir() else None


def run_file(run: RunRecord, relative: str) -> Path | None:
    """The file ``relative`` inside the run's folder, or None: no ``..``, no absolute path, no symlink that leads
    out of the folder, only the kinds of files in ``SERVED_SUFFIXES``."""
    folder = run_folder(run)
    if folder is None or not relative or "\x00" in relative or "\\" in relative:
        return None
    parts = Path(relative).parts
    if Path(relative).is_absolute() or any(part in ("..", ".") for part in parts) or not parts:
        return None
    try:
        candidate = (folder / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not candidate.is_relative_to(folder) or not candidate.is_file():
        return None
    if candidate.suffix.lower() not in SERVED_SUFFIXES:
        return None
    return candidate


def _files(folder: Path, depth: int) -> Iterable[Path]:
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink():
            continue
        if entry.is_file():
            yield entry
        elif entry.is_dir() and depth > 0 and entry.name not in _NOT_REPORTS:
            yield from _files(entry, depth - 1)


def find_reports(run: RunRecord, folder: Path | None) -> list[str]:
    """Reports in the run folder (or a step's folder in it): ``report.xlsx``, or a workbook named with the run id."""
    if folder is None:
        return []
    found = []
    for path in _files(folder, 1):
        suffix = path.suffix.lower()
        if suffix in REPORT_SUFFIXES and (path.stem.lower() == "report" or run.id in path.name):
            found.append(path.relative_to(folder).as_posix())
    return found


def captures(folder: Path | None) -> list[str]:
    """The failure captures (screenshots and page copies) of the run, as paths inside its folder."""
    if folder is None:
        return []
    found = [path for path in _files(folder / FAILURES_FOLDER, 0) if path.suffix.lower() in (".png", ".html")]
    return [path.relative_to(folder).as_posix() for path in found[:MAX_CAPTURES]]

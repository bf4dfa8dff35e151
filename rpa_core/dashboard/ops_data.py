"""What the operations pages show, read from the store: schedules, schedulers, worker processes, savings.

The dashboard never starts a robot itself: "run now" claims a ``schedule_runs`` row (schedule ``:manual``,
``Decision.MANUAL``, WAITING) and a running scheduler that serves the robot+profile starts it on its next tick.
"""

from __future__ import annotations

import socket
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from rpa_core.dashboard.web import COPENHAGEN
from rpa_core.packaging.schedules import Schedule
from rpa_core.queue.lifecycle import ItemState
from rpa_core.runner.records import RunStatus
from rpa_core.scheduler import records
from rpa_core.scheduler.records import MANUAL_SCHEDULE, Decision, ScheduleKey, SchedulerBeat, ScheduleRun
from rpa_core.scheduler.robots import ScheduledRobot
from rpa_core.scheduler.times import next_times
from rpa_core.store import Store
from rpa_core.store.models import run_steps, runs, work_items
from rpa_core.store.types import utcnow

HEARTBEAT_STALE_SECONDS = 60  # a scheduler whose last tick is older is shown stale (3 x the 5 s tick is too tight)
NEXT_COUNT = 3
HISTORY_COUNT = 20
STOPPED_SHOWN = 10  # stopped schedulers' heartbeats shown, newest first (each start of a scheduler leaves one)
ENDED_STEPS = 50
SAVINGS_MONTHS = 12
DASHBOARD_SCHEDULER = "dashboard"  # the scheduler_id of a row the dashboard claimed, until a scheduler starts it


# ---------------------------------------------------------------------- schedulers and schedules
@dataclass(frozen=True)
class BeatView:
    beat: SchedulerBeat
    state: str  # "running", "stale" or "stopped"
    age_seconds: float


def scheduler_beats(store: Store, now: datetime | None = None) -> list[BeatView]:
    """Every running or stale scheduler, then the latest stopped ones."""
    now = now or utcnow()
    shown, stopped = [], 0
    for beat in records.schedulers(store):
        age = (now - beat.last_tick).total_seconds()
        if beat.stopped_at is not None:
            stopped += 1
            if stopped > STOPPED_SHOWN:
                continue
            state = "stopped"
        else:
            state = "stale" if age > HEARTBEAT_STALE_SECONDS else "running"
        shown.append(BeatView(beat, state, age))
    return shown


def served_labels(beats: list[BeatView]) -> set[str]:
    """The robot+profile labels (``flexloen/skanderborg``) a live scheduler serves."""
    return {label for view in beats if view.state == "running" for label in view.beat.robots}


@dataclass(frozen=True)
class ScheduleLine:
    schedule: Schedule
    next_times: list[str]  # local time with offset: 2026-12-02 06:00+01:00
    last: ScheduleRun | None


@dataclass(frozen=True)
class RobotSchedules:
    entry: ScheduledRobot
    lines: list[ScheduleLine]
    has_scheduler: bool
    waiting_manual: list[ScheduleRun]  # runs a person started that wait for a scheduler or for the robot
    running: list[ScheduleRun]  # what runs for this robot+profile now


def _with_offset(moment: datetime) -> str:
    return moment.astimezone(COPENHAGEN).isoformat(sep=" ", timespec="minutes")


def robot_schedules(store: Store, robots: list[ScheduledRobot], beats: list[BeatView]) -> list[RobotSchedules]:
    now, live = utcnow(), served_labels(beats)
    waiting, running = records.waiting(store), records.running(store)
    found = []
    for entry in robots:
        lines = [
            ScheduleLine(
                schedule,
                [_with_offset(t) for t in next_times(schedule, now, NEXT_COUNT)] if schedule.enabled else [],
                records.last_run(store, entry.key(schedule)),
            )
            for schedule in entry.schedules
        ]
        mine = [r for r in waiting if _of(entry, r) and r.schedule == MANUAL_SCHEDULE]
        found.append(RobotSchedules(entry, lines, entry.label in live, mine, [r for r in running if _of(entry, r)]))
    return found


def _of(entry: ScheduledRobot, row: ScheduleRun) -> bool:
    return row.robot == entry.robot.name and row.profile == (entry.profile or "")


@dataclass(frozen=True)
class HistoryLine:
    row: ScheduleRun
    label: str
    seconds: float | None


def history(store: Store, limit: int = HISTORY_COUNT) -> list[HistoryLine]:
    """The latest ``schedule_runs`` rows of every robot, newest due first."""
    lines = []
    for row in records.history(store, limit=limit):
        took = (row.ended_at - row.started_at).total_seconds() if row.started_at and row.ended_at else None
        lines.append(HistoryLine(row, f"{row.robot}/{row.profile}" if row.profile else row.robot, took))
    return lines


def claim_manual_run(store: Store, entry: ScheduledRobot, *, user: str, reason: str) -> int | None:
    """A WAITING row that a scheduler serving ``entry`` starts ("run now"); None when a run a person started
    is already waiting for it (one is enough: it starts when the robot is free)."""
    # The store's partial unique index (revision 0008) refuses a second waiting one, whoever clicked first.
    return records.claim(
        store,
        ScheduleKey(entry.robot.name, entry.profile or "", MANUAL_SCHEDULE),
        utcnow(),
        decision=Decision.MANUAL,
        scheduler_id=DASHBOARD_SCHEDULER,
        host=socket.gethostname(),
        message=f"started by {user}: {reason}",
    )


# ---------------------------------------------------------------------- worker processes
@dataclass(frozen=True)
class StepLine:
    robot: str
    profile: str | None
    run_id: str
    run_status: str
    host: str
    name: str
    worker: str
    status: str
    exit_code: int | None
    started_at: datetime
    ended_at: datetime | None
    output_dir: str
    message: str | None

    @property
    def orphaned(self) -> bool:
        """Recorded as running, but its run has ended: the process was lost (its runner was killed)."""
        return self.status == RunStatus.RUNNING.value and self.run_status != RunStatus.RUNNING.value

    @property
    def seconds(self) -> float:
        return ((self.ended_at or utcnow()) - self.started_at).total_seconds()


def _steps(store: Store, *conditions, order, limit: int | None = None) -> list[StepLine]:
    s = run_steps.c
    query = (
        select(runs.c.robot, runs.c.profile, s.run_id, runs.c.status.label("run_status"), runs.c.host, s.name, s.worker)
        .add_columns(s.status, s.exit_code, s.started_at, s.ended_at, s.output_dir, s.message)
        .join(runs, runs.c.id == s.run_id)
        .where(*conditions)
        .order_by(order, s.id.desc())
        .limit(limit)
    )
    with store.read() as conn:
        return [StepLine(**row._mapping) for row in conn.execute(query)]


def worker_steps(store: Store) -> tuple[list[StepLine], list[StepLine]]:
    """The Robot Framework processes recorded as running (newest first), and the latest that ended."""
    s = run_steps.c
    running = _steps(store, s.status == RunStatus.RUNNING.value, order=s.started_at.desc())
    ended = _steps(store, s.ended_at.is_not(None), order=s.ended_at.desc(), limit=ENDED_STEPS)
    return running, ended


# ---------------------------------------------------------------------- savings
@dataclass(frozen=True)
class MonthSaving:
    month: str  # 2026-11
    cases: int
    hours: Decimal | None  # one decimal; None without minutes_per_case


@dataclass(frozen=True)
class RobotSavings:
    robot: str
    queues: list[str]
    minutes_per_case: float | None
    months: list[MonthSaving]  # oldest first, the current month last

    @property
    def cases(self) -> int:
        return sum(m.cases for m in self.months)

    @property
    def hours(self) -> Decimal | None:
        return None if self.minutes_per_case is None else sum((m.hours for m in self.months), Decimal("0.0"))


def last_months(now: datetime, count: int = SAVINGS_MONTHS) -> list[tuple[int, int]]:
    """(year, month) of the last ``count`` months in Copenhagen, the current one last."""
    local = now.astimezone(COPENHAGEN)
    index = local.year * 12 + local.month - 1
    return [(i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)]


def hours_saved(cases: int, minutes: float) -> Decimal:
    return (Decimal(cases) * Decimal(str(minutes)) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def savings(store: Store, robots: list[ScheduledRobot], now: datetime | None = None) -> list[RobotSavings]:
    """For each robot (once, whatever its profiles: they share its queues): the cases its input queues finished
    (DONE) by the month of their last change in Copenhagen time, over the last 12 months, and the hours saved."""
    months = last_months(now or utcnow())
    since = datetime(*months[0], 1, tzinfo=COPENHAGEN)
    found, seen = [], set()
    for entry in robots:
        robot = entry.robot
        if robot.name in seen:
            continue
        seen.add(robot.name)
        queues = sorted({step.input_queue for step in robot.manifest.steps if step.input_queue})
        counted: Counter[tuple[int, int]] = Counter()
        if queues:
            w = work_items.c
            query = select(w.updated_at).where(
                w.queue.in_(queues), w.state == ItemState.DONE.value, w.updated_at >= since
            )
            with store.read() as conn:
                for (moment,) in conn.execute(query):
                    local = moment.astimezone(COPENHAGEN)
                    counted[(local.year, local.month)] += 1
        minutes = robot.manifest.robot.minutes_per_case
        lines = [
            MonthSaving(
                f"{y:04d}-{m:02d}", counted[y, m], None if minutes is None else hours_saved(counted[y, m], minutes)
            )
            for y, m in months
        ]
        found.append(RobotSavings(robot.name, queues, minutes, lines))
    return found

"""The scheduler's records in the store: each schedule's due times, scheduler heartbeats, how far each was checked.

The only module that writes ``schedule_runs``, ``schedulers`` and ``schedule_marks``. The store's rules do the
work across machines: one ``schedule_runs`` row per schedule and due time (``claim`` inserts it or finds it taken),
and at most one RUNNING row per robot+profile (``start`` is refused while another runs). A row's life::

    claim -> WAITING -> start -> RUNNING -> finish -> ENDED
             WAITING -> skip -> SKIPPED        (or claim(..., state=SKIPPED) at once)

The scheduler calls ``start`` before it launches the run (so no second launch can happen), with the run id it
hands to the child, then ``set_pid`` once the child is running.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Row, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from rpa_core.privacy import mask_text
from rpa_core.runner.records import RunStatus
from rpa_core.store import Store
from rpa_core.store.models import MANUAL_SCHEDULE as MANUAL_SCHEDULE  # re-exported: the scheduler names it
from rpa_core.store.models import schedule_marks, schedule_runs
from rpa_core.store.models import schedulers as beats
from rpa_core.store.types import utcnow

sr = schedule_runs


class ScheduleRunState(StrEnum):
    """Where one due time of a schedule is."""

    WAITING = "WAITING"  # claimed, not started: its robot+profile is busy, or it is about to start
    RUNNING = "RUNNING"
    ENDED = "ENDED"  # ran (or was meant to and could not): it has an outcome
    SKIPPED = "SKIPPED"  # never ran; the decision says why


class Decision(StrEnum):
    """Why a due time runs, or does not."""

    ON_TIME = "ON_TIME"  # started at its due time
    CAUGHT_UP = "CAUGHT_UP"  # the one run for the due times missed while no scheduler ran (catch_up = "once")
    MISSED = "MISSED"  # missed while no scheduler ran, not run (catch_up = "skip", or folded into a CAUGHT_UP)
    BANK_DAY = "BANK_DAY"  # not a Danish bank day, and bank_days = "skip"
    SUPERSEDED = "SUPERSEDED"  # still WAITING when the schedule's next due time came: the robot+profile was busy
    MANUAL = "MANUAL"  # started by a person from the dashboard (MANUAL_SCHEDULE): never judged late or superseded


OUTCOMES = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.STOPPED})


@dataclass(frozen=True)
class ScheduleKey:
    """One schedule of one robot under one profile ("" for none)."""

    robot: str
    profile: str
    schedule: str


@dataclass(frozen=True)
class ScheduleRun:
    """One due time of a schedule: a ``schedule_runs`` row."""

    id: int
    robot: str
    profile: str
    schedule: str
    due_at: datetime
    decision: Decision
    state: ScheduleRunState
    scheduler_id: str
    host: str
    pid: int | None
    run_id: str | None
    claimed_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    outcome: RunStatus | None
    message: str | None
    mailed_at: datetime | None

    @property
    def key(self) -> ScheduleKey:
        return ScheduleKey(self.robot, self.profile, self.schedule)

    @classmethod
    def from_row(cls, row: Row) -> ScheduleRun:
        values = dict(row._mapping)
        values["decision"] = Decision(values["decision"])
        values["state"] = ScheduleRunState(values["state"])
        values["outcome"] = RunStatus(values["outcome"]) if values["outcome"] else None
        return cls(**values)


@dataclass(frozen=True)
class SchedulerBeat:
    """A scheduler process's heartbeat row."""

    id: str
    host: str
    pid: int
    version: str
    robots: tuple[str, ...]
    started_at: datetime
    last_tick: datetime
    stopped_at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> SchedulerBeat:
        values = dict(row._mapping)
        values["robots"] = tuple(json.loads(values["robots"] or "[]"))
        return cls(**values)


def _insert(store: Store):
    return sqlite_insert if store.is_sqlite else pg_insert


def _of_key(key: ScheduleKey):
    return (sr.c.robot == key.robot, sr.c.profile == key.profile, sr.c.schedule == key.schedule)


def _masked(message: str | None) -> str | None:
    return mask_text(message) if message else None


def claim(
    store: Store,
    key: ScheduleKey,
    due_at: datetime,
    *,
    decision: Decision | str,
    scheduler_id: str,
    host: str,
    state: ScheduleRunState | str = ScheduleRunState.WAITING,
    message: str | None = None,
) -> int | None:
    """Take ``key``'s due time ``due_at``: the new row's id, or None when a row for it exists (another scheduler
    took it). ``state`` is WAITING, or SKIPPED for a due time decided against at once (its ended_at is now)."""
    state = ScheduleRunState(state)
    if state not in (ScheduleRunState.WAITING, ScheduleRunState.SKIPPED):
        raise ValueError(f"a due time is claimed WAITING or SKIPPED, not {state}")
    now = utcnow()
    values = {
        "robot": key.robot,
        "profile": key.profile,
        "schedule": key.schedule,
        "due_at": due_at,
        "decision": Decision(decision).value,
        "state": state.value,
        "scheduler_id": scheduler_id,
        "host": host,
        "claimed_at": now,
        "ended_at": now if state is ScheduleRunState.SKIPPED else None,
        "message": _masked(message),
    }
    statement = (
        _insert(store)(sr)
        .values(**values)
        .on_conflict_do_nothing()  # the due time's row exists, or (run now) one is already waiting
        .returning(sr.c.id)
    )
    with store.engine.begin() as conn:
        return conn.execute(statement).scalar()


def start(store: Store, row_id: int, *, run_id: str, scheduler_id: str, host: str, pid: int | None = None) -> bool:
    """WAITING -> RUNNING by the scheduler ``scheduler_id`` on ``host`` (which then watches it); False, the row
    unchanged, when it is no longer WAITING or its robot+profile already has a RUNNING row (on any machine: the
    store's partial unique index refuses a second one)."""
    other = sr.alias("other")
    busy = exists().where(
        other.c.robot == sr.c.robot, other.c.profile == sr.c.profile, other.c.state == ScheduleRunState.RUNNING.value
    )
    statement = (
        update(sr)
        .where(sr.c.id == row_id, sr.c.state == ScheduleRunState.WAITING.value, ~busy)
        .values(
            state=ScheduleRunState.RUNNING.value,
            started_at=utcnow(),
            run_id=run_id,
            pid=pid,
            scheduler_id=scheduler_id,
            host=host,
        )
    )
    try:
        with store.engine.begin() as conn:
            return conn.execute(statement).rowcount == 1
    except IntegrityError:  # another machine started one for this robot+profile between our check and our write
        return False


def set_pid(store: Store, row_id: int, pid: int) -> None:
    """Record the pid of the child process a RUNNING row launched."""
    with store.engine.begin() as conn:
        conn.execute(update(sr).where(sr.c.id == row_id).values(pid=pid))


def finish(store: Store, row_id: int, *, outcome: RunStatus | str, message: str | None = None) -> bool:
    """RUNNING or WAITING -> ENDED with ``outcome`` (SUCCEEDED, FAILED or STOPPED) and ``message`` (masked; None
    keeps the message the row has).
    True when this call ended it (False: it had ended, or been skipped, already)."""
    outcome = RunStatus(outcome)
    if outcome not in OUTCOMES:
        raise ValueError(f"a schedule run ends SUCCEEDED, FAILED or STOPPED, not {outcome}")
    kept = {} if message is None else {"message": _masked(message)}  # else the claim's message (why it ran) stays
    return _settle(store, row_id, ScheduleRunState.ENDED, outcome=outcome.value, **kept)


def skip(store: Store, row_id: int, *, decision: Decision | str, message: str | None = None) -> bool:
    """WAITING -> SKIPPED with ``decision`` saying why; True when this call skipped it."""
    return _settle(store, row_id, ScheduleRunState.SKIPPED, decision=Decision(decision).value, message=_masked(message))


def _settle(store: Store, row_id: int, state: ScheduleRunState, **values: object) -> bool:
    sources = [ScheduleRunState.WAITING.value]
    if state is ScheduleRunState.ENDED:
        sources.append(ScheduleRunState.RUNNING.value)
    statement = (
        update(sr)
        .where(sr.c.id == row_id, sr.c.state.in_(sources))
        .values(state=state.value, ended_at=utcnow(), **values)
    )
    with store.engine.begin() as conn:
        return conn.execute(statement).rowcount == 1


def get(store: Store, row_id: int) -> ScheduleRun | None:
    """One row by id."""
    with store.read() as conn:
        row = conn.execute(select(sr).where(sr.c.id == row_id)).first()
    return ScheduleRun.from_row(row) if row is not None else None


def _rows(store: Store, query) -> list[ScheduleRun]:
    with store.read() as conn:
        return [ScheduleRun.from_row(row) for row in conn.execute(query)]


def waiting(store: Store, scheduler_id: str | None = None) -> list[ScheduleRun]:
    """WAITING rows (only ``scheduler_id``'s, when given), oldest due first."""
    query = select(sr).where(sr.c.state == ScheduleRunState.WAITING.value).order_by(sr.c.due_at, sr.c.id)
    if scheduler_id is not None:
        query = query.where(sr.c.scheduler_id == scheduler_id)
    return _rows(store, query)


def running(store: Store) -> list[ScheduleRun]:
    """RUNNING rows, oldest due first."""
    return _rows(store, select(sr).where(sr.c.state == ScheduleRunState.RUNNING.value).order_by(sr.c.due_at, sr.c.id))


def last_run(store: Store, key: ScheduleKey) -> ScheduleRun | None:
    """The latest (by due time) ENDED or SKIPPED row of ``key``: its last outcome."""
    settled = sr.c.state.in_([ScheduleRunState.ENDED.value, ScheduleRunState.SKIPPED.value])
    rows = _rows(store, select(sr).where(*_of_key(key), settled).order_by(sr.c.due_at.desc(), sr.c.id.desc()).limit(1))
    return rows[0] if rows else None


def history(store: Store, key: ScheduleKey | None = None, limit: int = 50) -> list[ScheduleRun]:
    """Rows of ``key`` (or of every schedule), newest due first."""
    query = select(sr).order_by(sr.c.due_at.desc(), sr.c.id.desc()).limit(limit)
    if key is not None:
        query = query.where(*_of_key(key))
    return _rows(store, query)


def checked_until(store: Store, key: ScheduleKey) -> datetime | None:
    """How far ``key``'s due times have been looked at, or None when never."""
    m = schedule_marks.c
    with store.read() as conn:
        query = select(m.checked_until).where(
            m.robot == key.robot, m.profile == key.profile, m.schedule == key.schedule
        )
        return conn.execute(query).scalar()


def advance_mark(store: Store, key: ScheduleKey, until: datetime) -> None:
    """Move ``key``'s mark to ``until``; never backwards (one statement, so two processes end at the later)."""
    statement = _insert(store)(schedule_marks).values(
        robot=key.robot, profile=key.profile, schedule=key.schedule, checked_until=until
    )
    statement = statement.on_conflict_do_update(
        index_elements=["robot", "profile", "schedule"],
        set_={"checked_until": statement.excluded.checked_until},
        where=schedule_marks.c.checked_until < statement.excluded.checked_until,
    )
    with store.engine.begin() as conn:
        conn.execute(statement)


def beat(store: Store, scheduler_id: str, *, host: str, pid: int, version: str, robots: list[str]) -> None:
    """Record that scheduler ``scheduler_id`` is alive now (started_at on its first beat)."""
    now = utcnow()
    values = {"host": host, "pid": pid, "version": version, "robots": json.dumps(sorted(robots)), "last_tick": now}
    statement = _insert(store)(beats).values(id=scheduler_id, started_at=now, **values)
    statement = statement.on_conflict_do_update(index_elements=["id"], set_={**values, "stopped_at": None})
    with store.engine.begin() as conn:
        conn.execute(statement)


def stop_beat(store: Store, scheduler_id: str) -> None:
    """Record that scheduler ``scheduler_id`` stopped."""
    with store.engine.begin() as conn:
        conn.execute(update(beats).where(beats.c.id == scheduler_id).values(stopped_at=utcnow()))


def schedulers(store: Store) -> list[SchedulerBeat]:
    """Every scheduler's heartbeat, latest tick first."""
    with store.read() as conn:
        rows = conn.execute(select(beats).order_by(beats.c.last_tick.desc(), beats.c.id))
        return [SchedulerBeat.from_row(row) for row in rows]


def stale_running(store: Store, *, older_than: datetime) -> list[ScheduleRun]:
    """RUNNING rows whose scheduler has not beaten since ``older_than`` (or has no heartbeat row): orphans that
    another scheduler may settle."""
    query = (
        select(sr)
        .outerjoin(beats, beats.c.id == sr.c.scheduler_id)
        .where(
            sr.c.state == ScheduleRunState.RUNNING.value,
            or_(beats.c.id.is_(None), beats.c.last_tick < older_than),
        )
        .order_by(sr.c.due_at, sr.c.id)
    )
    return _rows(store, query)


def take_mail(store: Store, row_id: int) -> bool:
    """Mark the row's mail as sent; True only for the one caller that marked it (one mail per row)."""
    statement = update(sr).where(sr.c.id == row_id, sr.c.mailed_at.is_(None)).values(mailed_at=utcnow())
    with store.engine.begin() as conn:
        return conn.execute(statement).rowcount == 1

"""Run and step records in the store: what ran, when, where, and how it ended."""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from rpa_core.errors import UserError
from rpa_core.privacy import contains_cpr, mask_text
from rpa_core.store import Store
from rpa_core.store.models import run_steps, runs
from rpa_core.store.types import utcnow

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


class RunStatus(StrEnum):
    """How a run ended; a step process's record uses the same words (FAILED: it exited non-zero)."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"  # every item DONE or BUSINESS_EXCEPTION, every step ran
    FAILED = "FAILED"  # an item ended in error or was abandoned, or a step could not run
    # The kill switch or a signal stopped the run (its stop_reason says which); a step process: a signal's stop
    # ended it (its message: "stopped by SIGTERM", with "(killed after 20 s)" when it had to be killed).
    STOPPED = "STOPPED"


@dataclass(frozen=True)
class RunRecord:
    id: str
    robot: str
    robot_version: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    host: str
    artifacts_dir: str
    kill_switch: int | None
    stop_reason: str | None
    profile: str | None = None  # the municipality profile the run used (revision 0006)


@dataclass(frozen=True)
class StepRecord:
    name: str
    worker: str
    status: str
    exit_code: int | None
    started_at: datetime
    ended_at: datetime | None
    output_dir: str
    message: str | None = None  # why the process failed, when it did


def new_run_id(now: datetime | None = None) -> str:
    """A run id that sorts by start time (Copenhagen time) and is unique across machines.

    The time of day can read as a birth date (16:06:26 as 16 June 1926), and a random part that starts with
    four digits would then make the id CPR-shaped: masked in every log and mistaken for personal data. Such a
    random part is drawn again.
    """
    local = (now or utcnow()).astimezone(COPENHAGEN)
    while True:
        run_id = f"{local:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        if not contains_cpr(run_id):
            return run_id


def create_run(
    store: Store,
    *,
    robot: str,
    version: str,
    artifacts_dir: str,
    kill_switch: int | None,
    run_id: str,
    profile: str | None = None,
) -> RunRecord:
    now = utcnow()
    values = {
        "id": run_id,
        "robot": robot,
        "robot_version": version,
        "status": RunStatus.RUNNING.value,
        "started_at": now,
        "host": socket.gethostname(),
        "artifacts_dir": artifacts_dir,
        "kill_switch": kill_switch,
        "profile": profile,
    }
    with store.engine.begin() as conn:
        conn.execute(insert(runs).values(**values))
    return get_run(store, run_id)


def finish_run(store: Store, run_id: str, status: RunStatus, stop_reason: str | None = None) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            update(runs)
            .where(runs.c.id == run_id)
            .values(status=status.value, ended_at=utcnow(), stop_reason=stop_reason)
        )


def start_step(store: Store, run_id: str, name: str, worker: str, output_dir: str) -> int:
    with store.engine.begin() as conn:
        result = conn.execute(
            insert(run_steps)
            .values(
                run_id=run_id,
                name=name,
                worker=worker,
                status=RunStatus.RUNNING.value,
                started_at=utcnow(),
                output_dir=output_dir,
            )
            .returning(run_steps.c.id)
        )
        return result.scalar_one()


def finish_step(
    store: Store, step_id: int, status: RunStatus, exit_code: int | None, message: str | None = None
) -> None:
    """Record how a step process ended; ``message`` says why it failed (masked here too)."""
    masked = mask_text(message) if message else None
    with store.engine.begin() as conn:
        conn.execute(
            update(run_steps)
            .where(run_steps.c.id == step_id)
            .values(status=status.value, exit_code=exit_code, ended_at=utcnow(), message=masked)
        )


def get_run(store: Store, run_id: str) -> RunRecord:
    with store.read() as conn:
        row = conn.execute(select(runs).where(runs.c.id == run_id)).first()
    if row is None:
        raise UserError(f"no run with id '{run_id}' in the store")
    return RunRecord(**row._mapping)


def list_runs(store: Store, *, robot: str | None = None, limit: int = 20) -> list[RunRecord]:
    query = select(runs).order_by(runs.c.started_at.desc()).limit(limit)
    if robot:
        query = query.where(runs.c.robot == robot)
    with store.read() as conn:
        return [RunRecord(**row._mapping) for row in conn.execute(query)]


def list_steps(store: Store, run_id: str) -> list[StepRecord]:
    query = select(run_steps).where(run_steps.c.run_id == run_id).order_by(run_steps.c.id)
    with store.read() as conn:
        return [
            StepRecord(**{k: row._mapping[k] for k in StepRecord.__dataclass_fields__}) for row in conn.execute(query)
        ]

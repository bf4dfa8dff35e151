"""A run a person started from the dashboard ("run now"): a MANUAL row that a scheduler serving the robot starts,
however late, never superseded, with no max_duration."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from scheduler_support import ManualClock, make_robot

from rpa_core.runner.records import RunStatus, get_run
from rpa_core.scheduler import launch, records
from rpa_core.scheduler.daemon import SchedulerProcess
from rpa_core.scheduler.records import MANUAL_SCHEDULE, Decision, ScheduleKey, ScheduleRunState
from rpa_core.scheduler.robots import load_scheduled

CPH = ZoneInfo("Europe/Copenhagen")
pytestmark = pytest.mark.timeout(120)
# catch_up = skip and a short max_duration: a scheduled row this late would be MISSED, a run this long stopped.
SCHEDULES = '[[schedules]]\nname = "nightly"\ncron = "30 2 * * *"\ncatch_up = "skip"\nmax_duration = "1s"\n'


def scheduler(store, tmp_path, clock: ManualClock) -> SchedulerProcess:
    robot = make_robot(tmp_path, SCHEDULES)
    lines: list[str] = []
    process = SchedulerProcess(
        store,
        load_scheduled([f"{robot}@test"]),
        store_url=store.url_string(),
        runs_dir=tmp_path / "runs",
        clock=clock,
        workdir=tmp_path,
        say=lines.append,
    )
    process.lines = lines
    return process


def claim_manual(store, due: datetime, who: str = "olga") -> int:
    key = ScheduleKey("tiny", "test", MANUAL_SCHEDULE)
    message = f"started by {who}: the payday moved"
    row_id = records.claim(
        store, key, due, decision=Decision.MANUAL, scheduler_id="dashboard", host="web1", message=message
    )
    assert row_id
    return row_id


@pytest.fixture
def store(sqlite_url):
    from rpa_core.store import open_store

    opened = open_store(sqlite_url)
    yield opened
    opened.close()


def test_a_scheduler_starts_a_run_a_person_started_and_records_how_it_ended(store, tmp_path):
    clock = ManualClock(datetime(2026, 12, 2, 10, 0, tzinfo=CPH))
    process = scheduler(store, tmp_path, clock)
    row_id = claim_manual(store, clock.now() - timedelta(hours=3))  # left waiting for hours: not judged late
    process.start_waiting(clock.now())
    row = records.get(store, row_id)
    assert row.state is ScheduleRunState.RUNNING and row.run_id and row.pid, row
    deadline = time.monotonic() + 60
    while records.get(store, row_id).state is not ScheduleRunState.ENDED:
        assert time.monotonic() < deadline, f"the run did not end within 60 s: {process.lines}"
        process.tick()
        time.sleep(0.2)
    row = records.get(store, row_id)
    assert (row.outcome, row.decision, row.schedule) == (RunStatus.SUCCEEDED, Decision.MANUAL, MANUAL_SCHEDULE)
    assert row.message == "started by olga: the payday moved"  # why it ran stays on the row
    run = get_run(store, row.run_id)
    assert (run.robot, run.profile, run.status) == ("tiny", "test", RunStatus.SUCCEEDED.value)
    assert any(f":manual: run {row.run_id} started for due" in line and "(manual)" in line for line in process.lines)
    assert any(f":manual: run {row.run_id} SUCCEEDED after" in line for line in process.lines), process.lines


class StillRunning:
    """Stands in for the ``rpa run`` child: it never ends while the test looks."""

    pid = os.getpid()
    args = ("rpa", "run", "--runs-dir", "runs")

    def poll(self):
        return None


def test_two_runs_started_by_people_wait_their_turn_and_are_never_superseded_or_stopped(store, tmp_path, monkeypatch):
    monkeypatch.setattr(launch, "launch", lambda *args, **kwargs: StillRunning())
    clock = ManualClock(datetime(2026, 12, 2, 10, 0, tzinfo=CPH))
    process = scheduler(store, tmp_path, clock)
    first = claim_manual(store, clock.now() - timedelta(hours=2))
    process.start_waiting(clock.now())
    assert records.get(store, first).state is ScheduleRunState.RUNNING
    second = claim_manual(store, clock.now() - timedelta(hours=1), who="otto")  # one may wait while one runs
    process.start_waiting(clock.now())
    assert records.get(store, second).state is ScheduleRunState.WAITING  # the robot+profile is busy: it waits
    process._live[first].started -= 3600  # an hour in: no max_duration for a run without a schedule
    process._enforce_max_duration()
    assert process._live[first].stop_sent is None
    clock.time += timedelta(hours=6)
    process.start_waiting(clock.now())
    assert records.get(store, second).state is ScheduleRunState.WAITING
    assert records.get(store, second).decision is Decision.MANUAL
    del process._live[first]
    assert records.finish(store, first, outcome=RunStatus.SUCCEEDED)
    process.start_waiting(clock.now())
    assert records.get(store, second).state is ScheduleRunState.RUNNING

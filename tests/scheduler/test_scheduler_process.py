"""``rpa scheduler`` as operators run it: real processes, real signals, a real store shared by two schedulers."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from scheduler_support import make_robot
from sqlalchemy import select

from rpa_core.runner.records import get_run
from rpa_core.scheduler import records
from rpa_core.scheduler.records import Decision, ScheduleKey, ScheduleRunState
from rpa_core.store import open_store
from rpa_core.store.models import runs

CPH = ZoneInfo("Europe/Copenhagen")
pytestmark = pytest.mark.timeout(240)


def start_scheduler(folder: Path, store_url: str, clock: str, *options: str) -> subprocess.Popen:
    env = {**os.environ, "RPA_SCHEDULER_CLOCK": clock, "RPA_STOP_GRACE_SECONDS": "5"}
    command = [sys.executable, "-m", "rpa_core.cli.main", "scheduler", "--robots", "robots/tiny@test"]
    command += ["--store", store_url, "--tick", "0.3", *options]
    log = open(folder / f"scheduler-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log_path = Path(log.name)
    return process


def output(process: subprocess.Popen) -> str:
    return process.log_path.read_text(encoding="utf-8", errors="replace")


def wait_for(condition, timeout: float, what: str, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        if process is not None and process.poll() is not None:
            pytest.fail(f"the scheduler ended ({process.returncode}) before {what}:\n{output(process)}")
        time.sleep(0.2)
    pytest.fail(f"no {what} within {timeout} s" + (f":\n{output(process)}" if process else ""))


def stop(process: subprocess.Popen, timeout: float = 60) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.wait(timeout)


def run_recorded(store, run_id: str) -> bool:
    with store.read() as conn:
        return conn.execute(select(runs.c.id).where(runs.c.id == run_id)).first() is not None


def history(store, schedule: str):
    return list(reversed(records.history(store, ScheduleKey("tiny", "test", schedule), limit=1000)))


def test_two_schedulers_on_one_postgresql_start_each_of_20_due_times_once(tmp_path, postgres_url):
    make_robot(tmp_path, '[[schedules]]\nname = "minutely"\ncron = "* * * * *"\n')
    store = open_store(postgres_url)
    # One shared clock, 60x real time: a minute's due time every second; both schedulers are up before 02:00.
    since = time.time() + 4
    clock = f"2026-12-02T02:00:00+01:00,x60,since={since}"
    first, second = (start_scheduler(tmp_path, postgres_url, clock, "--grace", "30s") for _ in range(2))
    try:
        last_due = datetime(2026, 12, 2, 2, 20, tzinfo=CPH)
        settled = (ScheduleRunState.ENDED, ScheduleRunState.SKIPPED)
        done = lambda: any(r.due_at >= last_due and r.state in settled for r in history(store, "minutely"))  # noqa: E731
        wait_for(done, 90, "20 due times", first)
        assert second.poll() is None, output(second)
    finally:
        codes = [stop(first), stop(second)]
    assert codes == [0, 0], output(first) + output(second)
    everything = history(store, "minutely")
    rows = [r for r in everything if datetime(2026, 12, 2, 2, 0, tzinfo=CPH) < r.due_at <= last_due]
    dues = [r.due_at for r in rows]
    assert dues == [datetime(2026, 12, 2, 2, m, tzinfo=CPH) for m in range(1, 21)], "each due time once, none lost"
    table = "\n".join(f"{r.due_at:%H:%M} {r.decision} {r.state} {r.outcome} {r.run_id} {r.message}" for r in everything)
    assert all(r.state in settled for r in rows), table
    started = [r for r in everything if r.run_id]
    assert started and all(r.decision is Decision.ON_TIME and r.outcome.value == "SUCCEEDED" for r in started), table
    skipped = [r for r in rows if not r.run_id]
    assert all(r.decision is Decision.SUPERSEDED for r in skipped), table
    with store.read() as conn:
        recorded = conn.execute(select(runs.c.id, runs.c.started_at, runs.c.ended_at).order_by(runs.c.started_at)).all()
    assert sorted(r.id for r in recorded) == sorted(r.run_id for r in started), "one run per started due time"
    for before, after in itertools.pairwise(recorded):
        assert before.ended_at <= after.started_at, "two runs of one robot+profile overlapped"
    starters = {r.scheduler_id for r in started}
    beats = {b.id: b for b in records.schedulers(store)}
    assert starters <= set(beats) and all(b.stopped_at is not None for b in beats.values())
    store.close()


def test_a_scheduler_killed_across_a_due_time_catches_up_when_restarted(tmp_path, sqlite_url, smtp_mailbox):
    schedules = (
        '[[schedules]]\nname = "nightly"\ncron = "30 2 * * *"\ncatch_up = "once"\n'
        '[[schedules]]\nname = "extra"\ncron = "40 2 * * *"\ncatch_up = "skip"\n'
    )
    profile = (
        '[profile]\nmunicipality = "Testkommune"\noperator_mail = "drift@kommune.example"\n'
        f"[settings]\nsmtp_port = {smtp_mailbox.port}\n"
    )
    make_robot(tmp_path, schedules, profile)
    store = open_store(sqlite_url)
    before = start_scheduler(tmp_path, sqlite_url, "2026-12-02T02:20:00+01:00")
    marked = lambda: records.checked_until(store, ScheduleKey("tiny", "test", "extra"))  # noqa: E731
    wait_for(marked, 30, "the first look at the schedules", before)
    before.send_signal(signal.SIGKILL)  # no clean stop: the heartbeat stays behind, as after a power cut
    before.wait(10)
    after = start_scheduler(tmp_path, sqlite_url, "2026-12-02T03:00:00+01:00", "--late-after", "5m")
    try:
        ended = lambda: [r for r in history(store, "nightly") if r.state is ScheduleRunState.ENDED]  # noqa: E731
        (caught,) = wait_for(ended, 60, "the catch-up run to end", after)
        wait_for(lambda: smtp_mailbox.received, 10, "the operator's mail", after)
    finally:
        assert stop(after) == 0
    assert (caught.decision, caught.outcome.value) == (Decision.CAUGHT_UP, "SUCCEEDED")
    assert caught.due_at == datetime(2026, 12, 2, 2, 30, tzinfo=CPH)
    assert "1 due time(s) from 2026-12-02 02:30:00+01:00 to 2026-12-02 02:30:00+01:00 missed" in caught.message
    assert get_run(store, caught.run_id).status == "SUCCEEDED"
    (missed,) = history(store, "extra")
    assert (missed.decision, missed.state) == (Decision.MISSED, ScheduleRunState.SKIPPED)
    assert "catch_up = skip" in missed.message
    (mail,) = smtp_mailbox.received
    assert mail["Subject"] == "[rpa] tiny/test extra MISSED (due 2026-12-02 02:40 +01:00)"
    killed = [b for b in records.schedulers(store) if b.stopped_at is None]
    assert len(killed) == 1, "the killed scheduler's heartbeat is left, stale, for the dashboard"
    store.close()


def test_a_run_past_max_duration_is_stopped_and_marked(tmp_path, sqlite_url):
    schedules = '[[schedules]]\nname = "nightly"\ncron = "30 2 * * *"\nmax_duration = "6s"\n'
    make_robot(tmp_path, schedules, '[profile]\nmunicipality = "Testkommune"\n[settings]\npause = "60s"\n')
    store = open_store(sqlite_url)
    process = start_scheduler(tmp_path, sqlite_url, "2026-12-02T02:29:57+01:00")
    try:
        ended = lambda: [r for r in history(store, "nightly") if r.state is ScheduleRunState.ENDED]  # noqa: E731
        (row,) = wait_for(ended, 60, "the overdue run to be stopped", process)
    finally:
        assert stop(process) == 0
    assert row.outcome.value == "STOPPED" and row.message.startswith("max_duration 6s exceeded: stopped")
    run = get_run(store, row.run_id)
    assert run.status == "STOPPED" and "SIGTERM" in run.stop_reason
    assert (row.ended_at - row.started_at) < timedelta(seconds=30)
    store.close()


def test_sigterm_with_no_grace_stops_the_running_robot_cleanly(tmp_path, sqlite_url):
    make_robot(
        tmp_path,
        '[[schedules]]\nname = "nightly"\ncron = "30 2 * * *"\n',
        '[profile]\nmunicipality = "Testkommune"\n[settings]\npause = "60s"\n',
    )
    store = open_store(sqlite_url)
    process = start_scheduler(tmp_path, sqlite_url, "2026-12-02T02:29:58+01:00", "--grace", "0")
    running = lambda: [r for r in history(store, "nightly") if r.state is ScheduleRunState.RUNNING and r.pid]  # noqa: E731
    (started,) = wait_for(running, 30, "the run to start", process)
    # The child records its run after its imports: seconds on a loaded machine (CI once stopped it before that).
    wait_for(lambda: run_recorded(store, started.run_id), 60, "the run's own record", process)
    time.sleep(1)  # Robot Framework is in the Sleep keyword
    assert stop(process) == 0, output(process)
    (row,) = history(store, "nightly")
    assert (row.state, row.outcome.value) == (ScheduleRunState.ENDED, "STOPPED")
    assert row.message.startswith("the scheduler was stopped (SIGTERM)")
    assert get_run(store, row.run_id).status == "STOPPED"
    (beat,) = records.schedulers(store)
    assert beat.stopped_at is not None
    store.close()

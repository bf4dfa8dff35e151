"""The scheduler's store records: each due time claimed once, one run per robot+profile at once, across processes."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text, update

from rpa_core.runner.records import RunStatus
from rpa_core.scheduler import records
from rpa_core.scheduler.records import Decision, ScheduleKey, ScheduleRunState
from rpa_core.store.models import schedule_runs, schedulers

KEY = ScheduleKey("flexloen", "skanderborg", "nightly")
DUE = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def _claim(store, key=KEY, due=DUE, scheduler_id="s1"):
    return records.claim(store, key, due, decision=Decision.ON_TIME, scheduler_id=scheduler_id, host="vm1")


def _children(store, tmp_path, body: str, count: int = 2) -> list[str]:
    """Run ``body`` in ``count`` child processes (``sys.argv[3]``: its number) that start it together; their
    stdout. Each says when it has imported and connected, then waits for the go."""
    go = tmp_path / "go"
    prologue = (
        "import sys, time, pathlib\n"
        "from datetime import UTC, datetime, timedelta\n"
        "from rpa_core.store import open_store\n"
        "from rpa_core.scheduler import records\n"
        "store = open_store(sys.argv[1])\n"
        "records.checked_until(store, records.ScheduleKey('', '', ''))\n"
        "pathlib.Path(sys.argv[2] + '.ready' + sys.argv[3]).touch()\n"
        "while not pathlib.Path(sys.argv[2]).exists(): time.sleep(0.001)\n"
    )
    args = [sys.executable, "-c", prologue + body, store.url_string(), str(go)]
    procs = [subprocess.Popen([*args, str(n)], stdout=subprocess.PIPE, text=True) for n in range(count)]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"go.ready{n}").exists() for n in range(count)):
        assert time.monotonic() < deadline and all(proc.poll() is None for proc in procs), "a child did not start"
        time.sleep(0.01)
    go.touch()
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * count
    return outputs


def test_a_due_time_is_claimed_once(store):
    first = _claim(store)
    assert isinstance(first, int)
    assert _claim(store, scheduler_id="s2") is None
    (row,) = records.history(store, KEY)
    assert (row.id, row.state, row.decision, row.scheduler_id) == (first, ScheduleRunState.WAITING, "ON_TIME", "s1")
    assert row.due_at == DUE and row.due_at.tzinfo is not None
    assert _claim(store, due=DUE + timedelta(days=1)) is not None
    assert _claim(store, key=ScheduleKey("flexloen", "", "nightly")) is not None


def test_two_processes_claim_20_due_times_exactly_once(store, tmp_path):
    body = (
        "due = datetime(2026, 12, 1, tzinfo=UTC)\n"
        "key = records.ScheduleKey('flexloen', 'skanderborg', 'hourly')\n"
        "won = 0\n"
        # One goes forwards through the due times, the other backwards: they meet (and collide) in the middle.
        "for n in (range(20) if sys.argv[3] == '0' else range(19, -1, -1)):\n"
        "    taken = records.claim(store, key, due + timedelta(hours=n), decision='ON_TIME',"
        " scheduler_id='p' + sys.argv[3], host='vm')\n"
        "    won += taken is not None\n"
        "    time.sleep(0.01)\n"
        "print(won)\n"
    )
    counts = [int(out) for out in _children(store, tmp_path, body)]
    assert sum(counts) == 20
    with store.read() as conn:
        per_due = conn.execute(select(schedule_runs.c.due_at, func.count()).group_by(schedule_runs.c.due_at)).all()
    assert len(per_due) == 20 and {n for _, n in per_due} == {1}


def test_claim_skipped_at_once(store):
    row_id = records.claim(
        store, KEY, DUE, decision=Decision.BANK_DAY, scheduler_id="s1", host="vm", state="SKIPPED", message="juledag"
    )
    row = records.get(store, row_id)
    assert row.state == ScheduleRunState.SKIPPED and row.ended_at is not None and row.message == "juledag"
    assert records.last_run(store, KEY) == row
    with pytest.raises(ValueError):
        records.claim(store, KEY, DUE, decision="ON_TIME", scheduler_id="s", host="vm", state="RUNNING")


def test_one_run_per_robot_and_profile_at_once(store):
    nightly = _claim(store)
    other_schedule = _claim(store, key=ScheduleKey("flexloen", "skanderborg", "monthly"))
    other_profile = _claim(store, key=ScheduleKey("flexloen", "syddjurs", "nightly"))
    assert records.start(store, nightly, run_id="r1", scheduler_id="s", host="h")
    records.set_pid(store, nightly, 4242)
    assert not records.start(store, nightly, run_id="again", scheduler_id="s", host="h")  # no longer WAITING
    assert not records.start(store, other_schedule, run_id="r2", scheduler_id="s", host="h")  # robot+profile busy
    assert records.get(store, other_schedule).state == ScheduleRunState.WAITING
    assert records.start(store, other_profile, run_id="r3", scheduler_id="s", host="h")
    assert [r.id for r in records.running(store)] == [nightly, other_profile]
    assert records.get(store, nightly).pid == 4242 and records.get(store, nightly).run_id == "r1"

    assert records.finish(store, nightly, outcome=RunStatus.FAILED, message="CPR 010203-1234 fejlede")
    assert not records.finish(store, nightly, outcome="SUCCEEDED")  # ended already
    ended = records.get(store, nightly)
    assert ended.state == ScheduleRunState.ENDED and ended.outcome == RunStatus.FAILED
    assert "010203-1234" not in ended.message and ended.ended_at is not None
    assert records.start(store, other_schedule, run_id="r2", scheduler_id="s", host="h")
    assert [r.id for r in records.waiting(store)] == []


def test_two_processes_starting_one_robot_and_profile_start_one(store, tmp_path):
    """Two schedulers start two due times of one robot+profile at the same moment: one of them runs."""
    rows = [_claim(store), _claim(store, key=ScheduleKey("flexloen", "skanderborg", "monthly"))]
    start = "records.start(store, rows[int(sys.argv[3])], run_id='r' + sys.argv[3], scheduler_id='s', host='h')"
    body = f"rows = {rows}\nprint({start})\n"
    assert sorted(out.strip() for out in _children(store, tmp_path, body)) == ["False", "True"]
    assert len(records.running(store)) == 1


def test_two_people_starting_a_run_now_at_the_same_moment_get_one_waiting_run(store, tmp_path):
    """A double click or two operators: each claims a run now with its own due time; the store keeps one."""
    claim = (
        "print(records.claim(store, records.ScheduleKey('flexloen', 'skanderborg', records.MANUAL_SCHEDULE),"
        " datetime.now(UTC), decision='MANUAL', scheduler_id='dashboard', host='h' + sys.argv[3]))"
    )
    outputs = sorted(out.strip() for out in _children(store, tmp_path, claim + "\n"))
    assert outputs[1] == "None" and outputs[0].isdigit(), outputs
    (waiting,) = records.waiting(store)
    assert waiting.id == int(outputs[0]) and waiting.schedule == records.MANUAL_SCHEDULE
    manual = ScheduleKey("flexloen", "skanderborg", records.MANUAL_SCHEDULE)
    again = records.claim(store, manual, datetime.now(UTC), decision=Decision.MANUAL, scheduler_id="d", host="h")
    assert again is None, "one is waiting: the next waits for it to start"
    assert records.start(store, waiting.id, run_id="r1", scheduler_id="s", host="h")
    later = records.claim(store, manual, datetime.now(UTC), decision=Decision.MANUAL, scheduler_id="d", host="h")
    assert later is not None, "once it runs, a person may ask for the next"
    assert _claim(store) is not None, "a schedule's own due time is not held back by a waiting run now"


def test_the_upgrade_to_0008_keeps_the_oldest_of_two_waiting_runs_now(store_url):
    from alembic import command

    from rpa_core.store import open_store
    from rpa_core.store.migrate import _config

    engine = create_engine(store_url)
    config = _config()
    insert = (
        "INSERT INTO schedule_runs (robot, profile, schedule, due_at, decision, state, scheduler_id, host, claimed_at)"
        " VALUES (:robot, 'p', '\\:manual', :due, 'MANUAL', 'WAITING', 'dashboard', 'h', :due)"
    )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        for robot, second in (("a", 1), ("a", 2), ("a", 3), ("b", 4)):
            connection.execute(text(insert), {"robot": robot, "due": f"2026-12-01 10:00:0{second}.000000"})
    engine.dispose()

    store = open_store(store_url)
    try:
        rows = {(r.robot, r.due_at.second): r for r in store_rows(store)}
        assert {key: r.state for key, r in rows.items()} == {
            ("a", 1): ScheduleRunState.WAITING,
            ("a", 2): ScheduleRunState.SKIPPED,
            ("a", 3): ScheduleRunState.SKIPPED,
            ("b", 4): ScheduleRunState.WAITING,
        }
        assert rows[("a", 2)].message.startswith("skipped by store revision 0008") and rows[("a", 2)].ended_at
    finally:
        store.close()


def store_rows(store) -> list[records.ScheduleRun]:
    return [
        *records.history(store, ScheduleKey("a", "p", ":manual")),
        *records.history(store, ScheduleKey("b", "p", ":manual")),
    ]


def test_the_store_refuses_a_second_running_row(store):
    """The partial unique index holds even for a writer that does not check first."""
    first, second = _claim(store), _claim(store, due=DUE + timedelta(hours=1))
    assert records.start(store, first, run_id="r1", scheduler_id="s", host="h")
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(schedule_runs.update().where(schedule_runs.c.id == second).values(state="RUNNING"))


def test_waiting_skip_and_history(store):
    later = _claim(store, due=DUE + timedelta(hours=1), scheduler_id="s2")
    early = _claim(store)
    assert [r.id for r in records.waiting(store)] == [early, later]
    assert [r.id for r in records.waiting(store, "s2")] == [later]
    assert records.skip(store, early, decision=Decision.SUPERSEDED, message="optaget")
    assert not records.skip(store, early, decision=Decision.SUPERSEDED)
    assert records.last_run(store, KEY).decision == Decision.SUPERSEDED
    assert records.last_run(store, ScheduleKey("x", "", "y")) is None
    assert [r.id for r in records.history(store)] == [later, early]
    assert [r.id for r in records.history(store, KEY, limit=1)] == [later]
    with pytest.raises(ValueError):
        records.finish(store, later, outcome=RunStatus.RUNNING)


def test_mark_never_goes_backwards(store):
    assert records.checked_until(store, KEY) is None
    records.advance_mark(store, KEY, DUE)
    records.advance_mark(store, KEY, DUE - timedelta(days=1))
    assert records.checked_until(store, KEY) == DUE
    records.advance_mark(store, KEY, DUE + timedelta(minutes=5))
    assert records.checked_until(store, KEY) == DUE + timedelta(minutes=5)
    assert records.checked_until(store, ScheduleKey(KEY.robot, "", KEY.schedule)) is None


def test_two_processes_advancing_a_mark_end_at_the_latest(store, tmp_path):
    body = (
        "key = records.ScheduleKey('flexloen', '', 'nightly')\n"
        "start = datetime(2026, 12, 1, tzinfo=UTC)\n"
        "offset = int(sys.argv[3])\n"
        "for n in (list(range(offset, 60, 2)) + list(range(offset, 30, 2))):\n"
        "    records.advance_mark(store, key, start + timedelta(minutes=n))\n"
        "    time.sleep(0.005)\n"
    )
    _children(store, tmp_path, body)
    until = records.checked_until(store, ScheduleKey("flexloen", "", "nightly"))
    assert until == datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=59)


def test_take_mail_once(store):
    row_id = _claim(store)
    assert records.take_mail(store, row_id)
    assert not records.take_mail(store, row_id)
    assert records.get(store, row_id).mailed_at is not None


def test_heartbeats_and_stale_running_rows(store):
    records.beat(store, "fresh", host="vm1", pid=1, version="0.6.0", robots=["hello", "flexloen"])
    records.beat(store, "old", host="vm2", pid=2, version="0.6.0", robots=["flexloen"])
    first = {b.id: b for b in records.schedulers(store)}
    records.beat(store, "fresh", host="vm1", pid=1, version="0.6.0", robots=["hello"])
    records.stop_beat(store, "old")
    beats = {b.id: b for b in records.schedulers(store)}
    assert beats["fresh"].robots == ("hello",) and beats["fresh"].started_at == first["fresh"].started_at
    assert beats["fresh"].last_tick >= first["fresh"].last_tick and beats["fresh"].stopped_at is None
    assert beats["old"].stopped_at is not None
    with store.engine.begin() as conn:
        conn.execute(
            update(schedulers).where(schedulers.c.id == "old").values(last_tick=datetime(2026, 1, 1, tzinfo=UTC))
        )

    keys = [ScheduleKey("flexloen", p, "nightly") for p in ("a", "b", "c")]
    fresh, old, gone = (
        _claim(store, key=k, scheduler_id=s) for k, s in zip(keys, ["fresh", "old", "gone"], strict=True)
    )
    waiting_old = _claim(store, key=keys[1], due=DUE + timedelta(days=1), scheduler_id="old")
    for row_id, starter in ((fresh, "fresh"), (old, "old"), (gone, "gone")):
        assert records.start(store, row_id, run_id=f"r{row_id}", scheduler_id=starter, host="h")
    stale = records.stale_running(store, older_than=datetime.now(UTC) - timedelta(minutes=2))
    assert [r.id for r in stale] == [old, gone]
    assert waiting_old not in [r.id for r in stale]


def test_a_store_at_0005_upgrades_to_the_head_keeping_its_runs(store_url):
    from alembic import command

    from rpa_core.store import open_store
    from rpa_core.store.migrate import _config, current_revision, head_revision

    engine = create_engine(store_url)
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        connection.execute(
            text(
                "INSERT INTO runs (id, robot, robot_version, status, started_at, host, artifacts_dir) "
                "VALUES ('r1', 'flexloen', '0.1.0', 'SUCCEEDED', '2026-11-01 02:00:00.000000', 'vm', 'runs/r1')"
            )
        )
    assert current_revision(engine) == "0005"
    engine.dispose()

    store = open_store(store_url)
    try:
        assert current_revision(store.engine) == head_revision()
        with store.read() as conn:
            run = conn.execute(text("SELECT robot, status, profile FROM runs WHERE id = 'r1'")).one()
        assert tuple(run) == ("flexloen", "SUCCEEDED", None)
        assert _claim(store) is not None
    finally:
        store.close()


def test_migrated_schema_matches_the_models(store):
    """What the migrations made is what models.py declares (as alembic's autogenerate compares them)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from rpa_core.store.models import metadata

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []

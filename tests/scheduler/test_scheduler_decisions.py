"""The scheduler's decisions on a clock the test sets: on time, caught up, missed, bank days, superseded, once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler_support import ManualClock, make_robot

from rpa_core.runner.records import RunStatus
from rpa_core.scheduler import records
from rpa_core.scheduler.daemon import SchedulerProcess
from rpa_core.scheduler.records import Decision, ScheduleKey, ScheduleRunState
from rpa_core.scheduler.robots import load_scheduled

CPH = ZoneInfo("Europe/Copenhagen")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CPH)


def scheduler(store, tmp_path, schedules: str, clock: ManualClock, profile: str | None = None, **options):
    robot = make_robot(tmp_path, schedules, **({"profile": profile} if profile else {}))
    return serving(store, tmp_path, robot, clock, **options)


def serving(store, tmp_path, robot, clock: ManualClock, **options):
    """A scheduler serving the robot folder ``robot`` with its profile test; what it says is in ``.lines``."""
    served = load_scheduled([f"{robot}@test"])
    lines: list[str] = []
    process = SchedulerProcess(
        store,
        served,
        store_url=store.url_string(),
        runs_dir=tmp_path / "runs",
        clock=clock,
        say=lines.append,
        **options,
    )
    process.lines = lines
    return process


def rows(store, schedule: str = "nightly"):
    found = records.history(store, ScheduleKey("tiny", "test", schedule), limit=1000)
    return [
        (r.due_at.astimezone(CPH).strftime("%m-%d %H:%M"), r.decision.value, r.state.value) for r in reversed(found)
    ]


NIGHTLY = '[[schedules]]\nname = "nightly"\ncron = "30 2 * * *"\n'


def test_a_new_schedule_starts_from_now_and_claims_its_due_time_once(store, tmp_path):
    clock = ManualClock(at(2026, 12, 2, 2, 29, 55))
    first = scheduler(store, tmp_path, NIGHTLY, clock)
    first.claim_due(clock.now())
    assert rows(store) == []  # nothing from before the first look
    clock.time = at(2026, 12, 2, 2, 30, 1)
    first.claim_due(clock.now())
    first.claim_due(clock.now())
    second = SchedulerProcess(store, first.robots, store_url="", runs_dir=tmp_path / "runs", clock=clock, say=print)
    second.claim_due(clock.now())
    assert rows(store) == [("12-02 02:30", "ON_TIME", "WAITING")]
    assert any("due 2026-12-02 02:30:00+01:00" in line for line in first.lines)


def test_catch_up_once_runs_once_for_every_night_missed(store, tmp_path):
    clock = ManualClock(at(2026, 12, 1, 3, 0))
    process = scheduler(store, tmp_path, NIGHTLY, clock)
    process.claim_due(clock.now())
    clock.time = at(2026, 12, 4, 9, 0)  # down from Tuesday 03:00 to Friday 09:00
    process.claim_due(clock.now())
    assert rows(store) == [
        ("12-02 02:30", "MISSED", "SKIPPED"),
        ("12-03 02:30", "MISSED", "SKIPPED"),
        ("12-04 02:30", "CAUGHT_UP", "WAITING"),
    ]
    (caught,) = [r for r in records.history(store, limit=10) if r.decision is Decision.CAUGHT_UP]
    assert "3 due time(s) from 2026-12-02 02:30:00+01:00 to 2026-12-04 02:30:00+01:00 missed" in caught.message


def test_catch_up_once_folds_missed_times_into_a_run_that_is_due_now(store, tmp_path):
    schedules = '[[schedules]]\nname = "nightly"\ncron = "*/10 2-3 * * *"\n'
    clock = ManualClock(at(2026, 12, 2, 2, 0, 30))
    process = scheduler(store, tmp_path, schedules, clock)
    process.claim_due(clock.now())
    clock.time = at(2026, 12, 2, 3, 0, 10)
    process.claim_due(clock.now())
    found = rows(store)
    assert found[-1] == ("12-02 03:00", "ON_TIME", "WAITING")
    assert found[:-1] == [(f"12-02 02:{m}0", "MISSED", "SKIPPED") for m in range(1, 6)]


def test_catch_up_skip_records_the_missed_run_and_mails_the_operator_once(store, tmp_path, smtp_mailbox):
    schedules = '[[schedules]]\nname = "nightly"\ncron = "30 2 * * *"\ncatch_up = "skip"\n'
    profile = (
        '[profile]\nmunicipality = "Testkommune"\noperator_mail = "drift@kommune.example"\n'
        f"[settings]\nsmtp_port = {smtp_mailbox.port}\n"
    )
    clock = ManualClock(at(2026, 12, 2, 1, 0))
    process = scheduler(store, tmp_path, schedules, clock, profile=profile)
    process.claim_due(clock.now())
    clock.time = at(2026, 12, 2, 8, 0)
    process.claim_due(clock.now())
    other = SchedulerProcess(store, process.robots, store_url="", runs_dir=tmp_path, clock=clock, say=print)
    other.claim_due(clock.now())
    assert rows(store) == [("12-02 02:30", "MISSED", "SKIPPED")]
    (mail,) = smtp_mailbox.received
    assert mail["Subject"] == "[rpa] tiny/test nightly MISSED (due 2026-12-02 02:30 +01:00)"
    assert "catch_up = skip" in mail.get_payload(decode=True).decode("utf-8")


def test_a_day_that_is_not_a_bank_day_is_recorded_with_its_name(store, tmp_path):
    schedules = '[[schedules]]\nname = "nightly"\ncron = "30 2 * * *"\nbank_days = "skip"\n'
    clock = ManualClock(at(2026, 12, 24, 2, 29))
    process = scheduler(store, tmp_path, schedules, clock)
    process.claim_due(clock.now())
    clock.time = at(2026, 12, 24, 2, 31)
    process.claim_due(clock.now())
    assert rows(store) == [("12-24 02:30", "BANK_DAY", "SKIPPED")]
    assert records.history(store, limit=1)[0].message == "Juleaftensdag 2026-12-24 is not a bank day: skipped"


def test_the_second_bank_day_of_january_2027(store, tmp_path):
    schedules = '[[schedules]]\nname = "payments"\nbank_day_of_month = [2, 11]\nat = "06:00"\n'
    clock = ManualClock(at(2027, 1, 1, 12, 0))
    process = scheduler(store, tmp_path, schedules, clock)
    for day, hour in ((1, 12), (4, 6), (5, 5), (5, 6)):
        clock.time = at(2027, 1, day, hour, 0, 2)
        process.claim_due(clock.now())
    assert rows(store, "payments") == [("01-05 06:00", "ON_TIME", "WAITING")]


def test_a_busy_robot_waits_and_a_newer_due_time_supersedes_the_waiting_one(store, tmp_path):
    schedules = NIGHTLY + '[[schedules]]\nname = "hourly"\ncron = "0 * * * *"\n'
    clock = ManualClock(at(2026, 12, 2, 0, 59, 59))
    process = scheduler(store, tmp_path, schedules, clock)
    process.claim_due(clock.now())
    busy = records.claim(
        store,
        ScheduleKey("tiny", "test", "other"),
        at(2026, 12, 1),
        decision=Decision.ON_TIME,
        scheduler_id="elsewhere",
        host="vm2",
    )
    assert records.start(store, busy, run_id="20261201-000000-aaaaaa", scheduler_id="elsewhere", host="vm2")
    for hour in (1, 2):
        clock.time = at(2026, 12, 2, hour, 0, 1)
        process.claim_due(clock.now())
        process.start_waiting(clock.now())  # the robot+profile is busy on another machine: nothing starts
    assert rows(store, "hourly") == [("12-02 01:00", "SUPERSEDED", "SKIPPED"), ("12-02 02:00", "ON_TIME", "WAITING")]
    assert records.finish(store, busy, outcome=RunStatus.SUCCEEDED)
    assert [r.state for r in records.waiting(store)] == [ScheduleRunState.WAITING]


def test_a_due_time_left_waiting_past_late_after_follows_catch_up_skip(store, tmp_path):
    schedules = '[[schedules]]\nname = "nightly"\ncron = "30 2 * * *"\ncatch_up = "skip"\n'
    clock = ManualClock(at(2026, 12, 2, 2, 29, 59))
    process = scheduler(store, tmp_path, schedules, clock)
    process.claim_due(clock.now())
    clock.time = at(2026, 12, 2, 2, 30, 1)
    process.claim_due(clock.now())  # claimed, then every scheduler stopped before it started
    clock.time = at(2026, 12, 2, 5, 0)
    process.start_waiting(clock.now())
    assert rows(store) == [("12-02 02:30", "MISSED", "SKIPPED")]
    assert "past late_after" in records.history(store, limit=1)[0].message


def _edit(path, text: str, *, seconds_ago: float = 5) -> None:
    """Write ``text`` as an operator's editor did ``seconds_ago`` (its modification time set so)."""
    import os
    import time

    path.write_text(text, encoding="utf-8")
    then = time.time_ns() - int(seconds_ago * 1e9)
    os.utime(path, ns=(then, then))


def test_an_edited_profile_or_manifest_is_read_again_and_a_broken_edit_keeps_the_old_schedules(store, tmp_path):
    clock = ManualClock(at(2026, 12, 2, 2, 29, 0))
    robot = make_robot(tmp_path, NIGHTLY)
    profile, manifest = robot / "profiles" / "test.toml", robot / "robot.toml"
    for path in (profile, manifest):  # written a while ago, as a robot folder is when its scheduler starts
        _edit(path, path.read_text(), seconds_ago=60)
    process = serving(store, tmp_path, robot, clock)
    process.tick()
    assert not [line for line in process.lines if "reload" in line]

    _edit(profile, profile.read_text() + "[schedules.nightly]\nenabled = false\n", seconds_ago=0)
    process.tick()  # written just now: perhaps half-written, so read on a later look
    assert [s.name for s in process.robots[0].active()] == ["nightly"]
    _edit(profile, profile.read_text())
    process.tick()
    assert process.robots[0].active() == [] and process.lines[-1].endswith("schedules reloaded: nightly: off")
    clock.time = at(2026, 12, 2, 2, 30, 1)
    process.tick()
    assert rows(store) == [], "the turned-off schedule claims nothing"

    good = manifest.read_text()
    _edit(manifest, good.replace('cron = "30 2 * * *"', 'cron = "30 25 * * *"'))
    process.tick()
    (refused,) = [line for line in process.lines if "not reloaded" in line]
    assert "tiny/test: not reloaded, its schedules stay as they were: " in refused
    assert str(manifest) in refused and "schedules" in refused and "cron" in refused, refused
    process.tick()
    assert len([line for line in process.lines if "not reloaded" in line]) == 1, "said once per edit"
    assert process.robots[0].schedules[0].cron == "30 2 * * *"

    _edit(manifest, good.replace('cron = "30 2 * * *"', 'cron = "45 3 * * *"'))
    _edit(profile, '[profile]\nmunicipality = "Testkommune"\n')
    process.tick()
    assert process.lines[-1].endswith("schedules reloaded: nightly: 45 3 * * *"), process.lines[-3:]
    clock.time = at(2026, 12, 2, 3, 45, 1)
    process.claim_due(clock.now())
    assert rows(store) == [("12-02 03:45", "ON_TIME", "WAITING")]

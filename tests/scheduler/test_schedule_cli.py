"""``rpa schedule ls|history|export`` and ``rpa scheduler`` as a user types them: output, --json, wrong input."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from croniter import croniter
from scheduler_support import make_robot
from support import assert_one_clear_line, rpa

from rpa_core.runner.retention import retention_history
from rpa_core.scheduler import records
from rpa_core.scheduler.housekeeping import RETENTION_SCHEDULE, prune_daily
from rpa_core.scheduler.records import ScheduleKey
from rpa_core.scheduler.robots import load_scheduled
from rpa_core.store import open_store

SCHEDULES = (
    '[[schedules]]\nname = "payments"\nbank_day_of_month = [2, 11]\nat = "06:00"\n'
    '[[schedules]]\nname = "nightly"\ncron = "30 2 * * *"\nbank_days = "next"\nmax_duration = "3h"\n'
)


@pytest.fixture
def robot(tmp_path):
    return make_robot(tmp_path, SCHEDULES)


def test_schedule_ls_json_gives_the_next_times_with_their_offsets(robot, tmp_path):
    result = rpa(
        "schedule", "ls", f"{robot}@test", "--from", "2026-12-23T12:00", "--count", "2", "--json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    payments, nightly = json.loads(result.stdout)["schedules"]
    assert payments["next"] == ["2027-01-05T06:00:00+01:00", "2027-01-18T06:00:00+01:00"]
    assert (nightly["next"], nightly["max_duration"], nightly["bank_days"]) == (
        ["2026-12-28T02:30:00+01:00", "2026-12-29T02:30:00+01:00"],
        10800,
        "next",
    )
    assert nightly["last"] is None and not (tmp_path / ".rpa").exists(), "ls creates no store"


def test_schedule_ls_finds_the_robots_under_robots_by_default(robot, tmp_path):
    result = rpa("schedule", "ls", "--profile", "test", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "tiny/test" in result.stdout and "bank days 2, 11 of the month at 06:00" in result.stdout


def test_export_cron_lines_parse_with_croniter(robot, tmp_path):
    result = rpa("schedule", "export", f"{robot}@test", "--cron", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    jobs = [line for line in result.stdout.splitlines() if line and not line.startswith(("#", "CRON_TZ"))]
    assert jobs and all(croniter.is_valid(" ".join(line.split()[:5])) for line in jobs)
    assert "valid until" in result.stdout and f"run {robot} --profile test" in result.stdout


def test_export_writes_systemd_and_windows_files(robot, tmp_path):
    assert rpa("schedule", "export", f"{robot}@test", "--systemd", "--out", "units", cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in (tmp_path / "units").iterdir()) == [
        "rpa-tiny-test-nightly.service",
        "rpa-tiny-test-nightly.timer",
        "rpa-tiny-test-payments.service",
        "rpa-tiny-test-payments.timer",
    ]
    assert rpa("schedule", "export", f"{robot}@test", "--windows", "--out", "tasks", cwd=tmp_path).returncode == 0
    tasks = sorted(p.name for p in (tmp_path / "tasks").iterdir())
    assert "rpa-tiny-test-payments.xml" in tasks  # 24 dates a year: one task
    # bank_days = next: about 250 dates a year, at most 48 triggers per task
    assert [name for name in tasks if "nightly" in name] == [f"rpa-tiny-test-nightly-{n}.xml" for n in range(1, 7)]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["schedule", "ls", "ROBOT@test", "--from", "christmas"], ["--from", "christmas", "date-time"]),
        (["schedule", "ls", "ROBOT@nowhere"], ["no profile 'nowhere'"]),
        (["schedule", "ls", "missing-folder"], ["missing-folder", "does not exist"]),
        (["schedule", "export", "ROBOT@test"], ["--cron, --systemd, --windows"]),
        (["schedule", "export", "ROBOT@test", "--systemd"], ["--out"]),
        (["schedule", "export", "ROBOT@test", "--cron", "--store", "postgresql://u:pw@db/rpa"], ["password"]),
        (["schedule", "history", "ROBOT@test", "--store", "sqlite:////nonexistent/x.db"], ["no store"]),
        (["scheduler", "--robots", "ROBOT@test", "--grace", "soon"], ["--grace", "soon"]),
        (["scheduler", "--robots", "ROBOT@test", "--robots", "ROBOT@test"], ["named twice"]),
    ],
)
def test_a_wrong_input_is_one_clear_line(robot, tmp_path, args, words):
    result = rpa(*[arg.replace("ROBOT", str(robot)) for arg in args], cwd=tmp_path)
    assert_one_clear_line(result, *words)
    assert "pw" not in result.stderr
    assert not (tmp_path / ".rpa").exists() and not (tmp_path / "units").exists()


def test_the_scheduler_refuses_a_profile_with_undecided_settings(tmp_path):
    profile = '[profile]\nmunicipality = "Testkommune"\n[undecided]\npause = "5s"\n'
    robot = make_robot(tmp_path, SCHEDULES, profile)
    result = rpa("scheduler", "--robots", f"{robot}@test", cwd=tmp_path)
    assert result.returncode == 2 and "not decided yet" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / ".rpa").exists()


def test_the_daily_prune_runs_once_a_day_across_schedulers(robot, tmp_path, sqlite_url):
    store = open_store(sqlite_url)
    (entry,) = load_scheduled([f"{robot}@test"])
    morning = datetime.fromisoformat("2026-12-02T04:00:05+01:00")
    assert prune_daily(store, entry, now=morning, scheduler_id="a", host="vm1")
    assert prune_daily(store, entry, now=morning, scheduler_id="b", host="vm2") == []
    assert (
        prune_daily(store, entry, now=datetime.fromisoformat("2026-12-03T03:59:00+01:00"), scheduler_id="b", host="vm2")
        == []
    )
    assert prune_daily(
        store, entry, now=datetime.fromisoformat("2026-12-03T04:00:00+01:00"), scheduler_id="b", host="vm2"
    )
    assert [entry["actor"] for entry in retention_history(store)] == ["scheduler b", "scheduler a"]
    done = records.history(store, ScheduleKey("tiny", "test", RETENTION_SCHEDULE))
    assert [r.outcome.value for r in done] == ["SUCCEEDED", "SUCCEEDED"] and "retention prune" in done[0].message
    store.close()


def test_run_id_is_checked_before_a_run_is_recorded(robot, tmp_path, sqlite_url):
    bad = rpa("run", str(robot), "--profile", "test", "--store", sqlite_url, "--run-id", "tomorrow", cwd=tmp_path)
    assert_one_clear_line(bad, "--run-id", "not a run id")
    run_id = "20261202-023000-1a2b3c"
    first = rpa("run", str(robot), "--profile", "test", "--store", sqlite_url, "--run-id", run_id, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = rpa("run", str(robot), "--profile", "test", "--store", sqlite_url, "--run-id", run_id, cwd=tmp_path)
    assert_one_clear_line(again, "--run-id", "in the store already")

"""The operations pages: schedules with their next times and the schedulers' heartbeats, starting a run now,
the worker processes, the audit log and the hours the robots saved."""

from __future__ import annotations

import os
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dashboard_support import client_as, csrf_of
from scheduler_support import make_robot
from sqlalchemy import update

from rpa_core.dashboard import audit, ops_data
from rpa_core.packaging import load_robot
from rpa_core.queue import Outcome, WorkQueue
from rpa_core.runner.records import RunStatus, create_run, finish_run, finish_step, start_step
from rpa_core.scheduler import records
from rpa_core.scheduler.records import MANUAL_SCHEDULE, Decision, ScheduleKey, ScheduleRunState
from rpa_core.scheduler.robots import ScheduledRobot, load_scheduled
from rpa_core.store import open_store
from rpa_core.store.models import schedulers, work_items
from rpa_core.store.types import utcnow

CPH = ZoneInfo("Europe/Copenhagen")
CPR = "010190-1234"
NIGHTLY = '[[schedules]]\nname = "nightly"\ncron = "30 2 * * *"\n\n[[schedules]]\nname = "off"\ncron = "0 * * * *"\n'


@pytest.fixture
def store(sqlite_url):
    opened = open_store(sqlite_url)
    yield opened
    opened.close()


@pytest.fixture
def tiny(tmp_path) -> list[ScheduledRobot]:
    robot = make_robot(
        tmp_path, NIGHTLY, profile='[profile]\nmunicipality = "Testkommune"\n[schedules.off]\nenabled = false\n'
    )
    return load_scheduled([f"{robot}@test"])


def beat(store, scheduler_id: str, *, age: float = 0, robots=("tiny/test",)) -> None:
    records.beat(store, scheduler_id, host="vm1", pid=4242, version="1.2.3", robots=list(robots))
    if age:
        with store.engine.begin() as conn:
            when = utcnow() - timedelta(seconds=age)
            conn.execute(update(schedulers).where(schedulers.c.id == scheduler_id).values(last_tick=when))


def test_the_schedules_page_shows_next_times_last_outcome_history_and_a_stale_scheduler(store, tiny):
    key = ScheduleKey("tiny", "test", "nightly")
    row = records.claim(
        store, key, utcnow() - timedelta(hours=1), decision=Decision.ON_TIME, scheduler_id="s", host="h"
    )
    assert records.start(store, row, run_id="20261202-023000-abcdef", scheduler_id="s", host="h")
    records.finish(store, row, outcome=RunStatus.FAILED, message=f"the case of {CPR} failed")
    beat(store, "vm1:4242:aaaaaa", age=90)
    client = client_as(store, "vera", "viewer", robots=tiny)

    page = client.get("/schedules").text
    next_times = re.findall(r"\d{4}-\d\d-\d\d\xa002:30\+0[12]:00", page)  # local time, offset, no-break space
    assert len(next_times) == 3
    assert "30 2 * * *" in page and "no (turned off)" in page
    assert '<a href="/runs/20261202-023000-abcdef">' in page
    assert re.search(r'<tr class="stale">.*?<span class="stale">stale</span>', page, re.S)
    assert "no scheduler is running for this robot" in page  # the only scheduler is stale
    assert CPR not in page and "010190-XXXX" in page
    assert "Start a run now" not in page  # a viewer reads only

    beat(store, "vm1:4242:aaaaaa")  # it ticks again
    page = client.get("/schedules").text
    assert "no scheduler is running for this robot" not in page and ">stale<" not in page
    records.stop_beat(store, "vm1:4242:aaaaaa")
    page = client.get("/schedules").text
    assert "stopped" in page and "no scheduler is running for this robot" in page


def test_the_schedules_page_shows_an_edited_profile_as_the_scheduler_runs_it(store, tiny):
    client = client_as(store, "vera", "viewer", robots=tiny)
    assert client.get("/schedules").text.count("no (turned off)") == 1
    profile = tiny[0].robot.directory / "profiles" / "test.toml"
    profile.write_text('[profile]\nmunicipality = "Testkommune"\n[schedules.nightly]\nenabled = false\n')
    a_while_ago = time.time() - 5  # not half-written: both files left alone for a few seconds
    for path in (profile, tiny[0].robot.directory / "robot.toml"):
        os.utime(path, (a_while_ago, a_while_ago))
    page = client.get("/schedules").text
    assert page.count("no (turned off)") == 1 and "0 * * * *" in page  # nightly off now, the other one on
    assert not re.findall(r"\d{4}-\d\d-\d\d\xa002:30\+0[12]:00", page), "no next times for nightly"


def test_run_now_claims_a_manual_row_and_audits_it(store, tiny):
    client = client_as(store, "olga", "operator", robots=tiny)
    assert "Start a run now" in client.get("/schedules").text
    form = {"csrf_token": csrf_of(client, "/schedules"), "robot": "tiny/test", "reason": f"borger {CPR} ringede"}
    response = client.post("/schedules/run-now", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/schedules?done=started&robot=tiny/test&scheduler=none"
    (row,) = records.waiting(store)
    assert (row.robot, row.profile, row.schedule, row.decision) == ("tiny", "test", MANUAL_SCHEDULE, Decision.MANUAL)
    assert row.state is ScheduleRunState.WAITING and (utcnow() - row.due_at) < timedelta(seconds=30)
    assert row.message == "started by olga: borger 010190-XXXX ringede"
    (entry,), total = audit.entries(store)
    assert (entry.user, entry.action, entry.target, total) == ("olga", "run_now", "tiny/test", 1)
    assert entry.reason == "borger 010190-XXXX ringede" and entry.details["schedule_run"] == row.id

    page = client.get(response.headers["location"]).text
    assert "waiting for a scheduler" in page and CPR not in page
    again = client.post("/schedules/run-now", data=form, follow_redirects=False)
    assert again.headers["location"] == "/schedules?done=already&robot=tiny/test"
    assert len(records.waiting(store)) == 1 and audit.entries(store)[1] == 1


def test_run_now_with_a_live_scheduler_says_it_starts(store, tiny):
    beat(store, "vm1:4242:bbbbbb")
    client = client_as(store, "olga", "admin", robots=tiny)
    form = {"csrf_token": csrf_of(client, "/schedules"), "robot": "tiny/test", "reason": "payday moved"}
    response = client.post("/schedules/run-now", data=form, follow_redirects=False)
    assert response.headers["location"] == "/schedules?done=started&robot=tiny/test"
    assert "the scheduler starts it within a few seconds" in client.get(response.headers["location"]).text


def test_run_now_needs_an_operator_the_csrf_token_a_known_robot_and_a_reason(store, tiny):
    viewer = client_as(store, "vera", "viewer", robots=tiny)
    form = {"csrf_token": csrf_of(viewer, "/schedules"), "robot": "tiny/test", "reason": "because"}
    assert viewer.post("/schedules/run-now", data=form, follow_redirects=False).status_code == 403
    operator = client_as(store, "olga", "operator", robots=tiny)
    no_token = {"robot": "tiny/test", "reason": "because"}
    refused = operator.post("/schedules/run-now", data=no_token, follow_redirects=False)
    assert refused.status_code == 403 and "security token" in refused.text
    token = csrf_of(operator, "/schedules")
    unknown = {"csrf_token": token, "robot": "other/test", "reason": "because"}
    assert operator.post("/schedules/run-now", data=unknown, follow_redirects=False).status_code == 404
    blank = {"csrf_token": token, "robot": "tiny/test", "reason": "   "}
    assert operator.post("/schedules/run-now", data=blank, follow_redirects=False).status_code == 400
    assert records.waiting(store) == [] and audit.entries(store)[1] == 0


def test_the_workers_page_shows_running_orphaned_and_ended_processes(store, tmp_path):
    live = create_run(store, robot="tiny", version="1.0.0", artifacts_dir="", kill_switch=None, run_id="20261202-1")
    start_step(store, live.id, "consumer", "consumer-1", str(tmp_path / "runs" / live.id / "consumer-1"))
    lost = create_run(store, robot="tiny", version="1.0.0", artifacts_dir="", kill_switch=None, run_id="20261201-2")
    start_step(store, lost.id, "consumer", "consumer-2", "")
    finish_run(store, lost.id, RunStatus.FAILED)
    done = start_step(store, lost.id, "producer", "producer-1", "")
    finish_step(store, done, RunStatus.FAILED, 1, message=f"no wage for {CPR}")
    beat(store, "vm1:4242:cccccc", age=300)
    client = client_as(store, "vera", "viewer")

    page = client.get("/workers").text
    running = page.split("Robot Framework processes running now")[1].split("Lately ended")[0]
    assert "consumer-1" in running and "consumer-2" in running
    assert running.count("orphaned") == 1 and "its run is FAILED" in running
    ended = page.split("Lately ended")[1]
    assert "producer-1" in ended and "010190-XXXX" in ended and CPR not in page
    assert '<span class="stale">stale</span>' in page.split("Robot Framework processes")[0]


def test_the_audit_log_is_for_operators_and_pages(store):
    for number in range(55):
        audit.record(store, user="olga", action="requeue", target=f"item {number}", reason=f"rettet {CPR}", n=number)
    assert client_as(store, "vera", "viewer").get("/audit").status_code == 403
    client = client_as(store, "otto", "operator")
    first = client.get("/audit").text
    assert "item 54" in first and "item 5<" in first and "item 4<" not in first and "55 in all" in first
    assert "rettet 010190-XXXX" in first and CPR not in first and "n: 54" in first
    assert 'href="?&page=2"' in first
    second = client.get("/audit?page=2").text
    assert "item 4<" in second and "item 0<" in second and "item 54" not in second and "older" not in second


def saver(folder: Path, name: str, minutes: str) -> ScheduledRobot:
    robot = folder / name
    robot.mkdir()
    toml = f'[robot]\nname = "{name}"\n{minutes}\n[[steps]]\nname = "consumer"\ntasks = "tasks.robot"\n'
    (robot / "robot.toml").write_text(toml + f'input_queue = "{name}"\n', encoding="utf-8")
    (robot / "tasks.robot").write_text("*** Tasks ***\nNothing\n    No Operation\n", encoding="utf-8")
    return ScheduledRobot(load_robot(robot), None, ())


def finish_items(store, queue: str, count: int, outcome=Outcome.DONE, at: datetime | None = None) -> None:
    work = WorkQueue(store, queue)
    for number in range(count):
        item, _ = work.create(f"{queue}:{outcome.value}:{at}:{number}")
        claimed = work.claim("worker-1")
        assert claimed.id == item.id
        work.release(item.id, "worker-1", outcome, code="NO_WAGE" if outcome is Outcome.BUSINESS_EXCEPTION else None)
        if at is not None:
            with store.engine.begin() as conn:
                conn.execute(update(work_items).where(work_items.c.id == item.id).values(updated_at=at))


def test_savings_counts_done_cases_by_month_and_the_hours_they_saved(store, tmp_path):
    robots = [saver(tmp_path, "saver", "minutes_per_case = 7"), saver(tmp_path, "plain", "")]
    (year, month), (before_year, before_month) = ops_data.last_months(utcnow())[-1], ops_data.last_months(utcnow())[-3]
    finish_items(store, "saver", 2)  # this month
    finish_items(store, "saver", 1, at=datetime(year, month, 1, 0, 30, tzinfo=CPH))  # UTC: the month before
    finish_items(store, "saver", 2, at=datetime(before_year, before_month, 15, 12, tzinfo=CPH))
    finish_items(store, "saver", 4, at=datetime(year - 2, 1, 15, tzinfo=CPH))  # too old
    finish_items(store, "saver", 1, outcome=Outcome.BUSINESS_EXCEPTION)  # a caseworker did it
    finish_items(store, "plain", 3)
    client = client_as(store, "vera", "viewer", robots=robots)

    page = client.get("/savings").text
    mine = page.split("<h2>saver</h2>")[1].split("<h2>plain</h2>")[0]
    this_month = rf"{year:04d}-{month:02d}</td>\s*<td class=\"num\">3</td>\s*<td class=\"num\">0.4</td>"
    assert re.search(this_month, mine)  # 00:30 on the 1st in Copenhagen is this month; 3 x 7 / 60 = 0.35 -> 0.4
    assert re.search(rf"{before_year:04d}-{before_month:02d}</td>\s*<td class=\"num\">2</td>\s*<td[^>]*>0.2</td>", mine)
    assert re.search(r"12 months</th><th class=\"num\">5</th><th class=\"num\">0.6</th>", mine)  # 0.35 -> 0.4
    assert "Timer sparet pr. måned" in mine and mine.count('<g class="mark"') == 12
    plain = page.split("<h2>plain</h2>")[1]
    assert "add [robot] minutes_per_case to robot.toml" in plain and "<svg" not in plain
    assert re.search(rf"{year:04d}-{month:02d}</td>\s*<td class=\"num\">3</td>", plain)


def test_the_flexloen_robot_says_how_long_a_case_takes_by_hand():
    assert load_robot(Path(__file__).parents[2] / "robots" / "flexloen").manifest.robot.minutes_per_case == 7

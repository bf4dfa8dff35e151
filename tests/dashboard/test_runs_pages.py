"""The Runs pages over a real store: the list with its counts and charts, one run with its items (CPR masked), the
run's log.html in a sandbox, its files only from inside its folder, and 404 for what is not there."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from dashboard_support import client_as
from sqlalchemy import event, update

from rpa_core.dashboard.pages_runs import LOG_CSP
from rpa_core.dashboard.runs_data import PAGE_SIZE
from rpa_core.dashboard.web import COPENHAGEN
from rpa_core.queue import Outcome, QueuePolicy, WorkQueue
from rpa_core.runner.records import RunStatus, create_run, finish_run, new_run_id
from rpa_core.store import open_store
from rpa_core.store.models import runs, work_items
from rpa_core.store.types import utcnow

CPR = "010190-1234"


@pytest.fixture
def sqlite_store(sqlite_url):
    opened = open_store(sqlite_url)
    yield opened
    opened.close()


def add_run(store, folder: Path, *, robot: str = "flexloen", profile: str | None = "skanderborg", ago=None) -> str:
    """A finished run whose folder exists; started ``ago`` before now when given."""
    run_id = new_run_id()
    run_dir = folder / "runs" / run_id
    run_dir.mkdir(parents=True)
    create_run(
        store,
        robot=robot,
        version="1.4.0",
        artifacts_dir=str(run_dir),
        kill_switch=None,
        run_id=run_id,
        profile=profile,
    )
    finish_run(store, run_id, RunStatus.FAILED)
    if ago is not None:
        started = utcnow() - ago
        with store.engine.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(started_at=started, ended_at=started + timedelta(minutes=7))
            )
    return run_id


def work(store, run_id: str, queue_name: str = "flexloen") -> None:
    """Items of every kind worked by ``run_id``: 3 done, 2 for a caseworker, 2 errors (one abandoned), 2 open."""
    queue = WorkQueue(store, queue_name, QueuePolicy(max_attempts=3))
    last_chance = WorkQueue(store, queue_name, QueuePolicy(max_attempts=1))
    outcomes = [Outcome.DONE] * 3 + [Outcome.BUSINESS_EXCEPTION] * 2 + [Outcome.APPLICATION_ERROR]
    for number, outcome in enumerate(outcomes, start=1):
        queue.create(f"{queue_name}:case:{number}", {"n": number}, run_id=run_id)
        item = queue.claim("w1", run_id=run_id)
        message = f"Borger {CPR}: indkomst mangler" if outcome is Outcome.BUSINESS_EXCEPTION else None
        code = "INCOME_MISSING" if outcome is Outcome.BUSINESS_EXCEPTION else None
        queue.release(item.id, "w1", outcome, code=code, message=message, result={"paid": number, "cpr": CPR})
    last_chance.create(f"{queue_name}:case:7", {}, run_id=run_id)
    item = last_chance.claim("w1", run_id=run_id)
    last_chance.release(item.id, "w1", Outcome.APPLICATION_ERROR, message="timeout")  # ABANDONED
    queue.create(f"{queue_name}:case:8", {}, run_id=run_id)
    queue.create(f"{queue_name}:case:9", {}, run_id=run_id)


def counts_of(html: str, run_id: str) -> dict[str, int]:
    row = re.search(rf'<tr data-run="{run_id}">(.*?)</tr>', html, re.S).group(1)
    return {
        name: int(re.search(rf'class="num count-{name}">(\d+)<', row).group(1))
        for name in ("done", "manual", "errors", "open")
    }


def chart(html: str, name: str) -> str:
    return re.search(rf'<div class="chart" id="chart-{name}">(.*?)</svg>', html, re.S).group(1)


def test_the_list_shows_each_run_with_its_items_by_outcome(store, tmp_path):
    client = client_as(store, "vera", "viewer")
    run_id = add_run(store, tmp_path)
    work(store, run_id)
    other = add_run(store, tmp_path, robot="hello", profile=None)
    page = client.get("/runs")
    assert page.status_code == 200
    assert counts_of(page.text, run_id) == {"done": 3, "manual": 2, "errors": 2, "open": 2}
    assert counts_of(page.text, other) == {"done": 0, "manual": 0, "errors": 0, "open": 0}
    assert f'href="/runs/{run_id}"' in page.text and "skanderborg" in page.text
    assert page.text.index(other) < page.text.index(run_id)  # newest first
    only_hello = client.get("/runs?robot=hello").text
    assert other in only_hello and run_id not in only_hello
    nights = chart(page.text, "nights")
    assert nights.count('<g class="mark"') == 30
    today = re.findall(r'<g class="mark" data-label="[^"]+"><title>([^<]+)</title>', nights)[-1]
    assert today.endswith(": done: 3, manual: 2, errors: 2")  # the items it worked (the open ones were not claimed)
    assert chart(page.text, "durations").count('<g class="mark"') == 2


def test_nights_without_runs_have_a_column_and_old_runs_none(sqlite_store, tmp_path):
    client = client_as(sqlite_store, "vera", "viewer")
    work(sqlite_store, add_run(sqlite_store, tmp_path, ago=timedelta(days=3)))
    work(sqlite_store, add_run(sqlite_store, tmp_path, ago=timedelta(days=45)), queue_name="old")
    nights = chart(client.get("/runs").text, "nights")
    titles = re.findall(r'<g class="mark" data-label="[^"]+"><title>([^<]+)</title>', nights)
    assert len(titles) == 30
    assert [title.endswith(": 0") for title in titles].count(False) == 1  # only the night 3 days ago has items
    night = (utcnow() - timedelta(days=3)).astimezone(COPENHAGEN).strftime("%m-%d")
    assert next(title for title in titles if title.startswith(night)) == f"{night}: done: 3, manual: 2, errors: 2"


def test_the_list_pages_by_50_in_the_same_few_statements(sqlite_store, tmp_path):
    client = client_as(sqlite_store, "vera", "viewer")
    work(sqlite_store, add_run(sqlite_store, tmp_path))
    statements: list[str] = []
    event.listen(sqlite_store.engine, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0]))
    client.get("/runs")
    few = list(statements)
    for _ in range(PAGE_SIZE + 4):
        add_run(sqlite_store, tmp_path)
    statements.clear()
    first = client.get("/runs").text
    assert statements.count("SELECT") == few.count("SELECT") == 6, statements  # the user and 5: none per run
    assert first.count("<tr data-run=") == PAGE_SIZE and "page=2" in first
    second = client.get("/runs?page=2").text
    assert second.count("<tr data-run=") == 5 and "page=1" in second


def test_one_run_shows_its_facts_steps_and_items_with_cpr_masked(sqlite_store, tmp_path):
    from rpa_core.runner.records import finish_step, start_step

    client = client_as(sqlite_store, "vera", "viewer")
    run_id = add_run(sqlite_store, tmp_path)
    work(sqlite_store, run_id)
    step = start_step(sqlite_store, run_id, "consumer", "host:consumer", str(tmp_path / "runs" / run_id / "consumer"))
    finish_step(sqlite_store, step, RunStatus.FAILED, 1, "Task failed")
    with sqlite_store.engine.begin() as conn:  # a message written before masking existed, in clear
        conn.execute(update(work_items).where(work_items.c.reference == "flexloen:case:4").values(last_message=CPR))
    run_dir = tmp_path / "runs" / run_id
    (run_dir / "failures").mkdir()
    capture = "20261123-021500-p4242-01-Manual_handling_flexloen_case_4-ydelse.png"
    (run_dir / "failures" / capture).write_bytes(b"\x89PNG")
    (run_dir / "report.xlsx").write_bytes(b"PK")
    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200
    html = page.text
    assert CPR not in html and "0101901234" not in html
    assert "010190-XXXX" in html  # the message is there, masked; and so is the attempt's result
    assert "1.4.0" in html and "skanderborg" in html and "consumer" in html and "Task failed" in html
    assert html.count("<tr data-item=") == 9
    row = re.search(r"<tr data-item=\"\d+\">(?:(?!</tr>).)*flexloen:case:4(.*?)</tr>", html, re.S).group(0)
    assert f"/runs/{run_id}/files/failures/{capture}" in row and "INCOME_MISSING" in row
    assert f"/runs/{run_id}/files/report.xlsx" in html
    assert client.get(f"/runs/{run_id}/files/failures/{capture}").content == b"\x89PNG"
    (run_dir / "failures" / "page.html").write_text("<script>alert(1)</script>")
    copy = client.get(f"/runs/{run_id}/files/failures/page.html").headers["content-security-policy"]
    assert copy.startswith("sandbox;") and "script" not in copy  # a page copy runs no script
    report = client.get(f"/runs/{run_id}/files/report.xlsx")
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    assert f"/runs/{run_id}/files/report.xlsx" in client.get("/runs").text


def test_log_html_is_served_sandboxed_behind_the_login(sqlite_store, tmp_path):
    client = client_as(sqlite_store, "vera", "viewer")
    run_id = add_run(sqlite_store, tmp_path)
    (tmp_path / "runs" / run_id / "log.html").write_text("<html><script>window.output = {};</script>log</html>")
    log = client.get(f"/runs/{run_id}/log")
    assert log.status_code == 200 and "window.output" in log.text
    assert log.headers["content-security-policy"] == LOG_CSP
    assert log.headers["content-type"].startswith("text/html")
    assert f'href="/runs/{run_id}/log"' in client.get("/runs").text
    client.cookies.clear()
    for path in ("/runs", f"/runs/{run_id}", f"/runs/{run_id}/log", f"/runs/{run_id}/files/log.html"):
        refused = client.get(path, follow_redirects=False)
        assert refused.status_code == 303 and "window.output" not in refused.text, path


def test_files_only_from_inside_the_run_folder(sqlite_store, tmp_path):
    client = client_as(sqlite_store, "vera", "viewer")
    run_id = add_run(sqlite_store, tmp_path)
    run_dir = tmp_path / "runs" / run_id
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    (run_dir / "out.txt").symlink_to(secret)
    (run_dir / "settings.json").write_text('{"password": "x"}')
    (tmp_path / "runs" / "neighbour.txt").write_text("root:x:0:0")
    for path in (
        "../../etc/passwd",
        "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "%2e%2e/%2e%2e/etc/passwd",
        "%2Fetc%2Fpasswd",
        "..%2Fneighbour.txt",
        "out.txt",
        "settings.json",
        "missing.png",
    ):
        response = client.get(f"/runs/{run_id}/files/{path}")
        assert response.status_code == 404, path
        assert "root:x" not in response.text and "password" not in response.text, path


def test_an_unknown_run_is_404(sqlite_store):
    client = client_as(sqlite_store, "vera", "viewer")
    for path in ("/runs/20991231-235959-ffffff", "/runs/nope/log", "/runs/nope/files/log.html"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "no such run" in response.text
    assert client.get("/runs/20991231-235959-ffffff").headers["content-type"].startswith("text/html")

"""Output for scripts and logs: --json documents on a real store, --version, -h, and tables that never wrap."""

from __future__ import annotations

import json
import re
from datetime import datetime
from importlib.metadata import version
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support import ROOT, rpa

from rpa_core.privacy import contains_cpr
from rpa_core.queue import WorkQueue
from rpa_core.store import open_store

HELLO = ROOT / "examples" / "hello"
SYDDJURS = ROOT / "examples" / "flexloen" / "syddjurs"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
STATES = ["PENDING", "IN_PROGRESS", "DONE", "BUSINESS_EXCEPTION", "APPLICATION_ERROR", "ABANDONED"]
CPR = "0101901234"  # fictitious
REFERENCE = f"tilskud:{CPR}:2024-11"
PSEUDONYM = re.compile(r"tilskud:cpr#[a-z2-7]{16}:2024-11")  # the reference as stored: no CPR


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    """A store after one run of examples/hello, plus an item whose reference and payload hold a CPR number."""
    folder = tmp_path_factory.mktemp("json")
    url = f"sqlite:///{folder}/x.db"
    run = rpa("run", str(HELLO), "--store", url, "--runs-dir", str(folder / "runs"))
    assert run.returncode == 0, run.stdout + run.stderr
    opened = open_store(url)
    WorkQueue(opened, "tilskud").create(REFERENCE, {"cpr": CPR, "note": f"borger {CPR} ringede"})
    opened.close()
    return url


def document(*args: str, code: int = 0, cwd: Path | None = None):
    """``rpa ARGS --json``: its exit code checked, its whole stdout parsed as one JSON document."""
    result = rpa(*args, "--json", cwd=cwd)
    assert result.returncode == code, result.stdout + result.stderr
    assert not contains_cpr(result.stdout)
    return json.loads(result.stdout)


def assert_copenhagen_time(value: str | None) -> None:
    if value is None:
        return
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() is not None, value
    assert moment.utcoffset() == moment.astimezone(COPENHAGEN).utcoffset(), value


def test_queue_ls_and_show(store):
    listing = document("queue", "ls", "--store", store)
    assert list(listing) == ["items", "counts"]
    assert listing["counts"] == dict(zip(STATES, [1, 0, 18, 2, 0, 0], strict=True))
    items = {item["reference"]: item for item in listing["items"]}
    assert len(items) == 21 and REFERENCE not in items
    [stored] = [reference for reference in items if PSEUDONYM.fullmatch(reference)]
    assert items[stored]["state"] == "PENDING" and items[stored]["queue"] == "tilskud"
    assert items["hello:7"]["last_code"] == "NOT_GREETABLE"
    for item in listing["items"]:
        assert_copenhagen_time(item["created_at"])
        assert_copenhagen_time(item["updated_at"])
    on_screen = rpa("queue", "ls", "tilskud", "--store", store).stdout
    assert stored in on_screen and CPR not in on_screen, "the pseudonym, as on screen"

    masked = document("queue", "show", str(items[stored]["id"]), "--store", store)
    assert list(masked) == ["item", "attempts", "events"]
    assert masked["item"]["payload"] == {"cpr": "010190-XXXX", "note": "borger 010190-XXXX ringede"}
    assert masked["attempts"] == [] and masked["events"] == []

    retried = document("queue", "show", str(items["hello:5"]["id"]), "--store", store)
    attempts = retried["attempts"]
    assert [a["outcome"] for a in attempts] == ["APPLICATION_ERROR", "DONE"]
    assert set(attempts[0]) == {"number", "run_id", "worker", "started_at", "ended_at", "outcome", "code"} | {
        "message",
        "result",
    }
    assert "Temporary failure" in attempts[0]["message"]
    for attempt in attempts:
        assert_copenhagen_time(attempt["started_at"])
        assert_copenhagen_time(attempt["ended_at"])


def test_runs_ls_and_show(store):
    runs = document("runs", "ls", "--store", store)["runs"]
    assert len(runs) == 1
    run = runs[0]
    assert run["robot"] == "hello" and run["status"] == "SUCCEEDED" and run["stop_reason"] is None
    assert run["counts"] == dict(zip(STATES, [0, 0, 18, 2, 0, 0], strict=True))
    assert_copenhagen_time(run["started_at"])
    assert_copenhagen_time(run["ended_at"])

    shown = document("runs", "show", run["id"], "--store", store)
    assert shown["run"] == run
    first, *consumers = (step["name"] for step in shown["steps"])
    assert first == "producer" and set(consumers) == {"consumer"}
    assert all(step["exit_code"] == 0 and step["status"] == "SUCCEEDED" for step in shown["steps"])


def test_settings():
    shown = document("settings", str(HELLO), "--profile", "danish", "--set", "greeting=Moin")
    assert shown == {
        "robot": "hello",
        "profile": "danish",
        "settings": [{"name": "greeting", "value": "Moin", "source": "command line --set"}],
        "problems": [],
    }
    refused = document("settings", str(ROOT / "robots" / "flexloen"), "--set", "change_threshold=7", code=2)
    assert any(problem.startswith("change_threshold = '7'") for problem in refused["problems"])


def test_robot_check_and_upstream_status():
    checked = document("robot", "check", str(SYDDJURS), "--no-vault")
    assert checked["ok"] is True and checked["problems"] == [] and checked["robot"] == "flexloen"
    assert [o["keyword"] for o in checked["overrides"]] == ["Journal Note Title"]
    assert checked["overrides"][0]["defined_at"].endswith("local/keywords.resource:8")

    state = document("robot", "upstream", "status", "examples/flexloen/syddjurs", cwd=ROOT)
    assert state["snapshot"]["version"] and state["upstream"]["version"]
    for side in ("fork_changes", "upstream_changes"):
        assert set(state[side]) == {"added", "modified", "deleted"}
    assert isinstance(state["changed_on_both_sides"], list)
    assert_copenhagen_time(state["snapshot"]["forked_at"])
    diffs = document("robot", "upstream", "diff", "examples/flexloen/syddjurs", cwd=ROOT)
    assert len(diffs["upstream_diffs"]) == sum(map(len, state["upstream_changes"].values()))  # one per file


def test_version_and_short_help():
    shown = rpa("--version")
    assert shown.returncode == 0 and shown.stdout == f"rpa-core {version('rpa-core')}\n"
    for args in (
        ["-h"],
        ["queue", "-h"],
        ["robot", "upstream", "-h"],
        ["runs", "ls", "-h"],
        ["sandbox", "serve", "-h"],
    ):
        result = rpa(*args)
        assert result.returncode == 0 and "Usage:" in result.stdout and "--help" in result.stdout, args


def test_piped_tables_keep_their_natural_width(store):
    listing = rpa("queue", "ls", "--store", store).stdout.splitlines()
    row = next(line for line in listing if "hello:7 " in line)
    assert "BUSINESS_EXCEPTION" in row and "NOT_GREETABLE Item 7 cannot be greeted" in row
    assert len(row) > 80
    runs = rpa("runs", "ls", "--store", store).stdout
    run_id = document("runs", "ls", "--store", store)["runs"][0]["id"]
    row = next(line for line in runs.splitlines() if run_id in line)
    assert "hello 1.0.0" in row and "SUCCEEDED" in row and "18/2/0/0" in row

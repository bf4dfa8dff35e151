"""A fork's local keywords take precedence over the robot's and the shared keywords, and check lists them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rpa_core.packaging import load_robot, resolve_settings
from rpa_core.queue import list_items
from rpa_core.runner import Runner
from rpa_core.store import open_store

ROOT = Path(__file__).resolve().parents[2]

LOCAL_RESOURCE = """\
*** Settings ***
Documentation    Eksempel Kommune's changes to the hello robot.

Library          RPA.Robocorp.WorkItems    autoload=${False}


*** Keywords ***
Greet One Item
    [Documentation]    Greets every item, and says who did.
    ${number}    Get Work Item Variable    number
    Set Work Item Variable    greeted_by    local ${number}
    Save Work Item
"""

LOCAL_LIBRARY = '''\
"""Eksempel Kommune's Python keywords."""


def fail_once(reason="never"):
    """Never fails: our systems are never busy."""
'''


@pytest.fixture
def store(sqlite_url):
    """One SQLite store: overrides are Robot Framework's business, the same on any store."""
    opened = open_store(sqlite_url)
    yield opened
    opened.close()


def forked_hello(tmp_path: Path) -> Path:
    folder = tmp_path / "hello"
    shutil.copytree(ROOT / "examples" / "hello", folder)
    (folder / "local").mkdir()
    return folder


def rpa_check(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rpa_core.cli.main", "robot", "check", str(folder), "--no-vault"],
        capture_output=True,
        text=True,
        cwd=folder.parent,
        timeout=120,
    )


def test_local_resource_keyword_replaces_the_task_files_keyword_in_a_real_run(tmp_path, store):
    folder = forked_hello(tmp_path)
    (folder / "local" / "keywords.resource").write_text(LOCAL_RESOURCE, encoding="utf-8")
    robot = load_robot(folder)
    result = Runner(store, robot, runs_dir=tmp_path / "runs", settings=resolve_settings(robot, environ={})).run()
    assert result.exit_code == 0, result
    items = list_items(store, queue="hello", limit=100)
    assert len(items) == 20
    # The original hands items 7 and 13 to a caseworker; the override greets them all.
    assert {item.state for item in items} == {"DONE"}
    assert sorted(item.payload["greeted_by"] for item in items) == sorted(f"local {n}" for n in range(1, 21))


def test_local_python_keyword_replaces_the_task_files_keyword(tmp_path, store):
    folder = forked_hello(tmp_path)
    (folder / "local" / "keywords.py").write_text(LOCAL_LIBRARY, encoding="utf-8")
    robot = load_robot(folder)
    result = Runner(store, robot, runs_dir=tmp_path / "runs", settings=resolve_settings(robot, environ={})).run()
    assert result.exit_code == 0
    item5 = next(item for item in list_items(store, queue="hello", limit=100) if item.payload["number"] == 5)
    assert (item5.state, item5.attempts) == ("DONE", 1)  # the original fails its first attempt


def test_check_lists_each_override_and_what_it_replaces(tmp_path):
    folder = forked_hello(tmp_path)
    (folder / "local" / "keywords.resource").write_text(LOCAL_RESOURCE, encoding="utf-8")
    (folder / "local" / "keywords.py").write_text(LOCAL_LIBRARY, encoding="utf-8")
    result = rpa_check(folder)
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    assert "override: hello/local/keywords.resource:8 'Greet One Item' replaces hello/tasks/consumer.robot:15" in lines
    assert "override: hello/local/keywords.py:4 'Fail Once' replaces hello/tasks/consumer.robot:26" in lines
    warning = next(line for line in lines if line.startswith("warning:"))
    assert "'Fail Once' takes (reason=never) but the keyword it replaces at hello/tasks/consumer.robot:26 takes ()" in (
        warning
    )
    assert lines[-1].endswith("2 override(s), 1 warning(s): ok")


def test_an_override_that_replaces_nothing_is_a_warning(tmp_path):
    folder = forked_hello(tmp_path)
    (folder / "local" / "keywords.resource").write_text(
        LOCAL_RESOURCE.replace("Greet One Item\n", "Greet One Itme\n"), encoding="utf-8"
    )
    result = rpa_check(folder)
    assert "warning: hello/local/keywords.resource:8: 'Greet One Itme' overrides no keyword" in result.stdout


def test_a_local_resource_that_does_not_parse_is_a_problem(tmp_path):
    folder = forked_hello(tmp_path)
    broken = LOCAL_RESOURCE.replace("    Save Work Item\n", "    IF    True\n        Save Work Item\n")
    (folder / "local" / "keywords.resource").write_text(broken, encoding="utf-8")
    result = rpa_check(folder)
    assert result.returncode == 2
    assert "problem: hello/local/keywords.resource:12: IF must have closing END." in result.stderr
